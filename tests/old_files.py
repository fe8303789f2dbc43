"""Files as an older release wrote them, made from a file of this one (to test the migrations that bring
them up to date)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from butler_tui import clock
from butler_tui.store import instants
from butler_tui.store.schema import MIGRATIONS


def _text(value: object) -> object:
    return str(clock.from_ms(value)) if isinstance(value, int) else value


def as_before_0030(db: Path) -> None:
    """Instants back to their ISO text in ``TEXT`` columns, and migration 0030 not applied: a file as the
    releases before 0030 wrote it."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.create_function("iso_text", 1, _text, deterministic=True)
        conn.execute("BEGIN IMMEDIATE")
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema = ON")
        for table, columns in instants.COLUMNS.items():
            sql = tables[table]
            for column in columns:
                declared = f"{column} {instants.DECLARED} {instants.check(column)}"
                assert declared in sql, (table, column)
                sql = sql.replace(declared, f"{column} TEXT")
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
        conn.execute("PRAGMA writable_schema = OFF")
        for table, columns in instants.COLUMNS.items():
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                    (table,)).fetchall()
            for name, _sql in triggers:
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = iso_text({c})" for c in columns))
            for _name, sql in triggers:
                conn.execute(sql)
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0030_instants_ms'")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.names.index('0030_instants_ms')}")
        conn.execute("COMMIT")
    finally:
        conn.close()


def archive_as_before_0030(path: Path) -> None:
    """An archive file as ``butler archive`` wrote it before 0030: instants as text in ``TEXT`` columns, and no
    format mark."""
    from butler_tui.store.archive import TABLES, retype

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.create_function("iso_text", 1, _text, deterministic=True)
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            if instants.instant_columns(table):
                retype(conn, table, instants.instant_columns(table), "TEXT", "iso_text")
        conn.execute("PRAGMA user_version = 0")
        conn.execute("COMMIT")
    finally:
        conn.close()
