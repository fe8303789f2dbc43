"""Instants stored as integer milliseconds (migration 0030, store/instants.py): what the services, the
reports and the audit chain read is what they read when instants were text."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.services import messaging, reports, tasks
from butler_tui.store import Store, archive, instants
from butler_tui.store.chain import verify
from tests.old_files import as_before_0030

NOT_INSTANTS = {("found_items", "kept_at"), ("rooms", "ooo_until"), ("_sqlite_migrations", "applied_at"),
                ("routines", "at")}


def _tables(conn: sqlite3.Connection) -> list[str]:
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        return [r[0] for r in conn.execute_pg(  # type: ignore[attr-defined]
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '\\_%'"
            " ORDER BY 1").fetchall()]
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'guests_fts%' ORDER BY name")]


def test_instant_text_and_milliseconds_convert_both_ways_exactly():
    for text in ("1970-01-01T00:00:00.000Z", "2026-11-24T08:30:05.123Z", "2024-02-29T23:59:59.999Z",
                 "1969-12-31T23:59:59.999Z", "2100-03-01T00:00:00.001Z"):
        assert clock.from_ms(clock.ms(text)) == text
        assert clock.parse(clock.ms(text)) == clock.parse(text)
    assert clock.ms("2026-11-24T16:30:05.123+08:00") == clock.ms("2026-11-24T08:30:05.123Z")
    assert clock.ms(datetime(2026, 11, 24, 8, 30, 5, 123999, tzinfo=UTC)) == clock.ms("2026-11-24T08:30:05.123Z")
    assert clock.instant("2026-11-24T16:30:05.123+08:00") == "2026-11-24T08:30:05.123Z"
    with pytest.raises(ValueError):
        clock.ms("2026-11-24 08:30")  # no offset: not an instant


def test_every_instant_column_is_declared_checked_and_holds_milliseconds(demo_db: Path):
    conn = sqlite3.connect(demo_db)
    declared = {}
    for table in _tables(conn):
        for _cid, name, kind, *_rest in conn.execute(f"PRAGMA table_info([{table}])"):
            declared[(table, name)] = kind
    listed = {(t, c) for t, cols in instants.COLUMNS.items() for c in cols}
    assert {k for k, kind in declared.items() if kind == instants.DECLARED} == listed
    named = {k for k in declared if k[1].endswith(("_at", "_since", "_until")) or k[1] in ("at", "eta", "etd")}
    assert named - listed == NOT_INSTANTS  # a new instant column declared TEXT would be found here
    for table, column in sorted(listed):
        kinds = {r[0] for r in conn.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")}
        assert kinds <= {"integer", "null"}, (table, column, kinds)
    assert conn.execute("SELECT count(*) FROM tasks WHERE typeof(created_at) = 'integer'").fetchone()[0] > 0
    # An instant written where text is kept (a setting) is its ISO text there, not its milliseconds as digits.
    for (table, column), kind in declared.items():
        if kind != instants.DECLARED:
            assert conn.execute(f"SELECT count(*) FROM [{table}] WHERE typeof([{column}]) = 'text'"
                                f" AND [{column}] GLOB '1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'"
                                ).fetchone()[0] == 0, (table, column)
    assert conn.execute("SELECT value FROM settings WHERE name = 'demo_loaded_at'").fetchone()[0].endswith("Z")
    with pytest.raises(sqlite3.IntegrityError, match="typeof"):
        conn.execute("UPDATE tasks SET due_at = '2026-11-24T08:30:00.000Z'")
    conn.close()


def test_an_instant_compared_as_text_is_refused_in_the_suite(demo_store: Store):
    # SQLite would compare it quietly (every integer is less than every text): the suite's connections refuse it;
    # on a server the column's type does.
    on_server = demo_store.url is not None
    with pytest.raises(sqlite3.DatabaseError if on_server else TypeError,
                       match="bigint" if on_server else "instant bound as text"):
        demo_store.rows("SELECT id FROM tasks WHERE created_at < ?", ("2026-11-24T08:30:00.000Z",))
    assert demo_store.rows("SELECT id FROM tasks WHERE created_at < ?", (clock.instant("2100-01-01T00:00:00.000Z"),))


def _everything(store: Store) -> dict[str, object]:
    conn = store.db.conn
    out: dict[str, object] = {t: sorted(store.rows(f"SELECT * FROM {t}"), key=repr) for t in _tables(conn)
                              if t not in ("_sqlite_migrations", "events")}
    out["events"] = store.rows("SELECT * FROM events ORDER BY id")
    task_ids = [r["id"] for r in store.rows("SELECT id FROM tasks ORDER BY id")]
    out["history"] = {t: tasks.history(store, t) for t in task_ids}
    now = clock.now()
    out["report"] = reports.figures(store, now - timedelta(days=3), now, "team").to_json()
    out["chain"] = verify(conn)
    return out


def test_a_file_with_instants_as_text_migrates_to_milliseconds_and_reads_the_same(demo_db: Path, tmp_path: Path):
    path = tmp_path / "hotel.db"
    shutil.copy(demo_db, path)
    clock.freeze(clock.now())  # (the report's range)
    store = Store(path)
    task_id = tasks.create(store, type="guest_request", name="Extra pillows", room="1208", staff_no="1002",
                           station="lobby")
    tasks.transition(store, task_id, "ack", staff_no="1002", station="lobby")
    mid = messaging.send(store, from_station="lobby", from_staff="1002", body="VIP at the door", room="1208")
    messaging.ack(store, mid, station="cs", staff_no="5002")
    want = _everything(store)
    assert want["chain"][1] is None
    store.close()

    as_before_0030(path)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT typeof(at) FROM events LIMIT 1").fetchone()[0] == "text"
    assert raw.execute("SELECT typeof(created_at) FROM tasks LIMIT 1").fetchone()[0] == "text"
    raw.close()

    store = Store(path)  # migrates
    got = _everything(store)
    migrated = got["events"].pop()  # type: ignore[attr-defined]
    assert (migrated["action"], migrated["after"]) == ("migrate", '{"applied": ["0030_instants_ms"]}')
    assert got.pop("chain") == (want.pop("chain")[0] + 1, None)  # type: ignore[index]
    assert got == want  # every row, a task's history, a report, as they were
    raw = sqlite3.connect(path)
    for table, columns in instants.COLUMNS.items():
        for column in columns:
            assert raw.execute(f"SELECT count(*) FROM {table} WHERE typeof({column}) NOT IN ('integer', 'null')"
                               ).fetchone()[0] == 0, (table, column)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    tasks.transition(store, task_id, "start", staff_no="1002", station="lobby")  # and the file goes on
    assert tasks.get_task(store, task_id).status == "in_progress"
    store.close()


def test_a_server_whose_instants_were_text_has_them_as_milliseconds_after_the_schema_build(demo_address: str | Path):
    """A server database made before 0030 held its instants as TEXT: the next schema build (store/pg.py
    ``_retype``) turns each into the BIGINT milliseconds it holds now, and everything reads as before."""
    if isinstance(demo_address, Path):
        pytest.skip("a PostgreSQL column's type")
    from butler_tui.store import pg

    clock.freeze(clock.now())
    store = Store(demo_address)
    mid = messaging.send(store, from_station="lobby", from_staff="1002", body="VIP at the door", room="1208")
    messaging.ack(store, mid, station="cs", staff_no="5002")
    conn = store.db.conn
    archive.prepare(store, archive.ARCHIVE_SCHEMA)  # an archive (`butler archive`) holding a copy of the tasks
    conn.execute_pg(f"INSERT INTO {archive.ARCHIVE_SCHEMA}.tasks SELECT * FROM tasks")
    archived = store.rows(f"SELECT * FROM {archive.ARCHIVE_SCHEMA}.tasks ORDER BY id")
    want = _everything(store)
    conn.execute("BEGIN")
    for table, columns in instants.COLUMNS.items():  # as databases were made before 0030
        for column in columns:
            for where in [f'"{table}"'] + ([f'{archive.ARCHIVE_SCHEMA}."{table}"'] if table == "tasks" else []):
                conn.execute_pg(f'ALTER TABLE {where} ALTER COLUMN "{column}" TYPE TEXT USING to_char(timestamptz'
                                f" 'epoch' + \"{column}\" * interval '1 millisecond', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    conn.execute("COMMIT")
    assert store.scalar("SELECT created_at FROM messages WHERE id = ?", (mid,)).endswith("Z")
    conn.execute("BEGIN")
    pg.build_schema(conn)
    conn.execute("COMMIT")
    kinds = {r[0] for r in conn.execute_pg(
        "SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND (table_name, column_name) IN (" + ", ".join(
            f"('{t}', '{c}')" for t, cols in instants.COLUMNS.items() for c in cols) + ")").fetchall()}
    assert kinds == {"bigint"}
    assert _everything(store) == want
    assert conn.execute_pg("SELECT data_type FROM information_schema.columns WHERE table_schema = %s"
                           " AND table_name = 'tasks' AND column_name = 'created_at'", (archive.ARCHIVE_SCHEMA,)
                           ).fetchone()[0] == "bigint"
    assert store.rows(f"SELECT * FROM {archive.ARCHIVE_SCHEMA}.tasks ORDER BY id") == archived
    store.close()
