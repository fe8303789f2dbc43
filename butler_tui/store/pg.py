"""The PostgreSQL backend (psycopg 3): the same store on a server, chosen by a ``postgresql://`` address.

Imported only when the database address is one (a SQLite station never loads psycopg or sqlglot).

* :class:`PgConnection` looks like the ``sqlite3.Connection`` the rest of the store and the services use
  (``execute``/``executemany`` → a cursor with ``fetchone``/``fetchall``/``rowcount``/``lastrowid``,
  ``in_transaction``): each statement is translated once from SQLite's dialect (:mod:`.dialect`). Values
  come back as SQLite gives them: integers as ``int`` (``numeric`` sums too), text as ``str``, blobs as
  ``bytes``; an ``int`` parameter is sent untyped, so ``entity_id = ?`` with a number compares as
  SQLite does.
* The schema is not written twice: :func:`reference_schema` migrates an in-memory SQLite database with the
  migrations of this code and :func:`build_schema` creates (or extends) the PostgreSQL tables, keys,
  checks and indexes from it; only the triggers are written here, in PL/pgSQL (:data:`TRIGGERS`). A
  SQLite trigger this module does not know stops the migration, so a new one is not silently lost.
* Writers are serialised as SQLite's ``BEGIN IMMEDIATE`` does: a write takes
  ``pg_advisory_xact_lock(WRITE_LOCK)`` first (the services read, then write, as the only writer).
* Each event commits a ``NOTIFY butler_events`` (the change feed's wake-up, :mod:`.feed`).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Dumper, Loader

from butler_tui.clock import Instant, ms
from butler_tui.config import redact
from butler_tui.store import dialect, instants

STATION_ROLE = "butler_station"  # the role the stations connect as, granted what the program does (README)
WRITE_LOCK = 0x6275746C  # 'butl': the one advisory lock every writer takes
CHANNEL = "butler_events"
META = "_butler_migrations"
ROWID_TABLE = "_butler_rowid_keys"


def is_url(address: object) -> bool:
    return isinstance(address, str) and address.startswith(("postgresql://", "postgres://"))


class _IntUnknown(Dumper):
    """An ``int`` (and ``bool``) sent as untyped text: PostgreSQL infers its type from where it stands,
    as SQLite's loose typing lets ``text_column = 5`` match ``'5'``."""

    oid = 0

    def dump(self, obj: Any) -> bytes:
        return str(int(obj)).encode()


class _InstantDumper(Dumper):
    """An instant (:class:`~butler_tui.clock.Instant`) as the milliseconds a ``BIGINT`` column holds
    (store/instants.py), typed so: untyped, ``? / 1000`` would take it for an ``integer`` (too small)."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return str(ms(obj)).encode()


class _NumericLoader(Loader):
    """``numeric`` (what ``sum()`` of integers gives) as ``int`` when whole, else ``float``."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode()
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return float(text)
        return int(text)


class PgCursor:
    """What ``execute`` returns: the rows already fetched (an open cursor would hold the connection)."""

    __slots__ = ("_i", "_rows", "description", "lastrowid", "rowcount")

    def __init__(self, cur: psycopg.Cursor[Any], returning_rowid: bool):
        self.rowcount = cur.rowcount
        self.lastrowid: int | None = None
        self.description = cur.description
        rows: list[tuple[Any, ...]] = []
        if cur.description is not None:
            rows = list(cur.fetchall())
            where = instants.positions(cur.description)
            if where:  # instants come out as their ISO text, as on SQLite (store/instants.py)
                rows = [instants.convert(row, where) for row in rows]
            if returning_rowid:
                self.lastrowid = rows[0][0] if rows else None
                rows, self.description = [], None
        self._rows = rows
        self._i = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._i >= len(self._rows):
            return None
        self._i += 1
        return self._rows[self._i - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rest = self._rows[self._i:]
        self._i = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rest = self._rows[self._i:self._i + size]
        self._i += len(rest)
        return rest

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row


class PgConnection:
    """A ``sqlite3.Connection`` look-alike over one psycopg connection in autocommit mode (the store says
    ``BEGIN``/``COMMIT`` itself, as it does with SQLite)."""

    dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection[Any]):
        self.raw = raw
        self.rowid_keys: dict[str, str] = {}
        self.primary_keys: dict[str, tuple[str, ...]] = {}
        self.temp_functions: dict[str, re.Pattern[str]] = {}
        self.load_rowid_keys()

    def load_rowid_keys(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (ROWID_TABLE,))
            found = cur.fetchone()
            if found and found[0] is not None:
                cur.execute(f"SELECT name, key FROM {ROWID_TABLE}")
                self.rowid_keys = dict(cur.fetchall())
            cur.execute("SELECT t.relname, array_agg(a.attname::text ORDER BY array_position(c.conkey, a.attnum))"
                        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                        " WHERE c.contype = 'p' AND t.relnamespace = current_schema()::regnamespace"
                        " GROUP BY t.relname")
            self.primary_keys = {name: tuple(cols) for name, cols in cur.fetchall()}

    def translate(self, sql: str) -> str:
        text = dialect.translate(sql, self.rowid_keys, self.primary_keys)
        for name, pattern in self.temp_functions.items():
            text = pattern.sub(f"pg_temp.{name}(", text)
        return text

    def create_function(self, name: str, narg: int, func: Any, *, deterministic: bool = False,
                        args_sql: str = "", params: Any = (), sql_type: str = "text") -> None:
        """sqlite3's ``create_function`` for a function of one value (``sql_type``: ``text`` or ``bigint``), over
        the values ``args_sql`` gives (PostgreSQL cannot call back into Python): each worked out here, once, into a
        temporary table that a temporary SQL function of that name looks up; a statement of this connection
        naming it calls it."""
        if narg != 1 or not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or sql_type not in ("text", "bigint"):
            raise RuntimeError(f"{name}: only a function of one value can be made on PostgreSQL")
        table = f"pg_temp._fn_{name}"
        values = {row[0] for row in self.execute(args_sql, params).fetchall()} if args_sql else set()
        with _as_sqlite_errors(), self.raw.cursor() as cur:
            cur.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS _fn_{name} (arg {sql_type} PRIMARY KEY,"
                        f" value {sql_type})")
            cur.execute(f"DELETE FROM {table}")
            if values:
                cur.executemany(f"INSERT INTO {table} (arg, value) VALUES (%s, %s)",
                                [(v, func(v)) for v in values if v is not None])
            cur.execute(f"CREATE OR REPLACE FUNCTION pg_temp.{name}(a {sql_type}) RETURNS {sql_type} LANGUAGE sql STABLE AS"
                        f" $$ SELECT value FROM {table} WHERE arg = a $$")
        self.temp_functions[name] = re.compile(rf"(?<![.\w]){name}\(", re.IGNORECASE)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Any = ()) -> PgCursor:
        text = self.translate(sql)
        with _as_sqlite_errors(), self.raw.cursor() as cur:
            cur.execute(text.encode(), _params(params))
            return PgCursor(cur, " RETURNING " in text and sql.lstrip()[:6].upper() == "INSERT"
                            and "RETURNING" not in sql.upper())

    def executemany(self, sql: str, seq: Iterable[Any]) -> PgCursor:
        text = self.translate(sql)
        if " RETURNING " in text and "RETURNING" not in sql.upper():
            text = text[:text.rindex(" RETURNING ")]
        with _as_sqlite_errors(), self.raw.cursor() as cur:
            cur.executemany(text.encode(), [_params(p) for p in seq])
            return PgCursor(cur, False)

    def execute_pg(self, sql: str, params: Any = None) -> PgCursor:
        """A statement already in PostgreSQL's dialect (``%s`` marks)."""
        with _as_sqlite_errors(), self.raw.cursor() as cur:
            cur.execute(sql.encode(), params)
            return PgCursor(cur, False)

    def close(self) -> None:
        self.raw.close()

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")


@contextlib.contextmanager
def _as_sqlite_errors() -> Iterator[None]:
    """PostgreSQL's errors as the ``sqlite3`` exceptions the services and the command line already handle:
    a broken constraint or a trigger's refusal is an ``IntegrityError`` (as SQLite's ``RAISE(ABORT)``), a
    lost server an ``OperationalError``; the message is the server's first line."""
    try:
        yield
    except psycopg.Error as exc:
        text = str(exc).split("\n")[0]
        kind: type[sqlite3.Error]
        if isinstance(exc, (psycopg.IntegrityError, psycopg.errors.RaiseException)):
            kind = sqlite3.IntegrityError
        elif isinstance(exc, psycopg.OperationalError):
            kind = sqlite3.OperationalError
        elif isinstance(exc, psycopg.ProgrammingError):
            kind = sqlite3.OperationalError  # SQLite says "no such table" etc. as an OperationalError
        else:
            kind = sqlite3.DatabaseError
        raise kind(text) from exc


def is_transient(exc: BaseException) -> bool:
    """Was ``exc`` (as :func:`_as_sqlite_errors` raised it) the connection lost, or the server not there?"""
    cause = exc.__cause__ if isinstance(exc, sqlite3.Error) else exc
    return isinstance(cause, psycopg.OperationalError)


def _params(params: Any) -> Any:
    if isinstance(params, dict):
        return params
    return tuple(params) if params is not None else ()


def connect(url: str, *, application_name: str = "butler") -> PgConnection:
    raw = psycopg.connect(url, autocommit=True, application_name=application_name)
    raw.adapters.register_dumper(int, _IntUnknown)
    raw.adapters.register_dumper(bool, _IntUnknown)
    raw.adapters.register_dumper(Instant, _InstantDumper)
    raw.adapters.register_loader("numeric", _NumericLoader)
    raw.execute("SET TIME ZONE 'UTC'")
    return PgConnection(raw)


# -- the schema ------------------------------------------------------------------------------------

_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION butler_int(v text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(nullif(substring(ltrim(v) from '^[+-]?[0-9]+'), '')::bigint, 0) $$;
CREATE OR REPLACE FUNCTION instr(a text, b text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT strpos(a, b)::bigint $$;
CREATE OR REPLACE FUNCTION butler_fts_match(name text, phrase text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT strpos(lower(name), lower(CASE WHEN phrase LIKE '"%"' THEN replace(substr(phrase, 2, length(phrase) - 2),
   '""', '"') ELSE phrase END)) > 0 $$;
CREATE OR REPLACE FUNCTION date(v text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT to_char(v::timestamp, 'YYYY-MM-DD') $$;
CREATE OR REPLACE FUNCTION date(v text, modifier text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT to_char(v::timestamp + modifier::interval, 'YYYY-MM-DD') $$;
CREATE OR REPLACE FUNCTION unixepoch(v text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT floor(extract(epoch from v::timestamp))::bigint $$;
CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE (key text, value text) LANGUAGE sql IMMUTABLE AS
$$ SELECT (e.n - 1)::text, e.v #>> '{}' FROM jsonb_array_elements(doc::jsonb) WITH ORDINALITY AS e(v, n) $$;
"""


def _refusal(trigger: str, function: str, operation: str, table: str, message: str) -> str:
    """A trigger that refuses every ``operation`` (UPDATE, DELETE) on ``table`` with ``message``: what the
    append-only rows (events, duty-log entries, chain anchors) need."""
    return (f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN RAISE EXCEPTION '{message}'; END $$;\n"
            f"DROP TRIGGER IF EXISTS {trigger} ON {table};\n"
            f"CREATE TRIGGER {trigger} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();\n")


# PL/pgSQL for each SQLite trigger of the schema, by its name. ``None``: not needed on PostgreSQL (the
# FTS5 index of guest names is a view there).
TRIGGERS: dict[str, str | None] = {
    "guests_fts_insert": None,
    "guests_fts_delete": None,
    "guests_fts_update": None,
    "events_no_update": _refusal("events_no_update", "butler_events_no_update", "UPDATE", "events",
                              "events are append-only: UPDATE refused"),
    "events_no_delete": """
CREATE OR REPLACE FUNCTION butler_events_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM archive_runs r WHERE r.finished_at IS NULL AND OLD.at < r.before_at) THEN
    RAISE EXCEPTION 'events are append-only: DELETE refused';
  END IF;
  RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS events_no_delete ON events;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION butler_events_no_delete();
""",
    "events_hashed": """
CREATE OR REPLACE FUNCTION butler_events_hashed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.hash IS NULL THEN RAISE EXCEPTION 'an event needs its hash (store/chain.py)'; END IF;
  PERFORM pg_notify('butler_events', NEW.id::text);
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS events_hashed ON events;
CREATE TRIGGER events_hashed BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION butler_events_hashed();
""",
    "log_entries_no_update": _refusal("log_entries_no_update", "butler_log_entries_no_update", "UPDATE", "log_entries",
                              "duty log entries are never edited: add a correction"),
    "log_entries_no_delete": _refusal("log_entries_no_delete", "butler_log_entries_no_delete", "DELETE", "log_entries",
                              "duty log entries are never deleted: add a correction"),
    "event_chain_anchors_in_archive": """
CREATE OR REPLACE FUNCTION butler_anchors_in_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM archive_runs r WHERE r.finished_at IS NULL) THEN
    RAISE EXCEPTION 'chain anchors are written only by an archive run';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS event_chain_anchors_in_archive ON event_chain_anchors;
CREATE TRIGGER event_chain_anchors_in_archive BEFORE INSERT ON event_chain_anchors FOR EACH ROW
EXECUTE FUNCTION butler_anchors_in_archive();
""",
    "event_chain_anchors_no_update": _refusal("event_chain_anchors_no_update", "butler_anchors_no_update", "UPDATE", "event_chain_anchors",
                              "chain anchors are append-only: UPDATE refused"),
    "event_chain_anchors_no_delete": _refusal("event_chain_anchors_no_delete", "butler_anchors_no_delete", "DELETE", "event_chain_anchors",
                              "chain anchors are append-only: DELETE refused"),
    "tasks_origin": """
CREATE OR REPLACE FUNCTION butler_tasks_origin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.type IS DISTINCT FROM NEW.type OR OLD.name IS DISTINCT FROM NEW.name
     OR OLD.room_number IS DISTINCT FROM NEW.room_number OR OLD.priority IS DISTINCT FROM NEW.priority
     OR OLD.owner_no IS DISTINCT FROM NEW.owner_no OR OLD.owner_team IS DISTINCT FROM NEW.owner_team
     OR OLD.second_team IS DISTINCT FROM NEW.second_team OR OLD.due_at IS DISTINCT FROM NEW.due_at THEN
    INSERT INTO task_origins (task_id, type, name, room_number, priority, owner_no, owner_team, second_team, due_at)
    VALUES (OLD.id, OLD.type, OLD.name, OLD.room_number, OLD.priority, OLD.owner_no, OLD.owner_team,
            OLD.second_team, OLD.due_at)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS tasks_origin ON tasks;
CREATE TRIGGER tasks_origin BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION butler_tasks_origin();
""",
}

_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", instants.DECLARED: "BIGINT", "TEXT": "TEXT", "BLOB": "BYTEA", "REAL": "DOUBLE PRECISION",
          "": "TEXT", "NUMERIC": "NUMERIC", "FLOAT": "DOUBLE PRECISION"}


def reference_schema() -> sqlite3.Connection:
    """An in-memory SQLite database with every migration of this code applied: what PostgreSQL's
    schema is made from."""
    from butler_tui.store import schema

    class _Db:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")
    schema.migrate(_Db(conn))
    return conn


_COLUMN_TYPES = {("handovers", "report"): "BYTEA", ("report_days", "data"): "BYTEA"}
"""Columns whose SQLite declaration does not say what they hold: a signed handover's report and a closed day's
kept figures are packed bytes (store/packing.py) in a column declared ``TEXT`` (SQLite keeps whatever is
written). A PostgreSQL ``TEXT`` column took the bytes as their text form (``\\x7831…``), which read back as
no report at all."""


def _pg_type(declared: str, table: str = "", column: str = "") -> str:
    return _COLUMN_TYPES.get((table, column)) or _TYPES.get(declared.upper().split("(")[0].strip(), "TEXT")


def _retype(conn: PgConnection) -> list[str]:
    """A database made before :data:`_COLUMN_TYPES` said so: the column turned into what it holds, its values
    read back from the text form the server wrote them in (``\\x`` and hex digits); what is not in that form
    is text as written (JSON, from before the reports were packed) and kept as its UTF-8 bytes."""
    done = _retype_instants(conn)
    for (table, column), kind in _COLUMN_TYPES.items():
        row = conn.execute_pg("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
                              " AND table_name = %s AND column_name = %s", (table, column)).fetchone()
        if row is not None and row[0] == "text" and kind == "BYTEA":
            sql = (f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE BYTEA USING CASE'
                   f' WHEN "{column}" ~ \'^\\\\x([0-9a-f]{{2}})*$\' THEN decode(substr("{column}", 3), \'hex\')'
                   f' ELSE convert_to("{column}", \'UTF8\') END')
            conn.execute_pg(sql)
            done.append(sql)
    return done


def _retype_instants(conn: PgConnection) -> list[str]:
    """A database made while instants were text (migration 0030): each instant column, the hotel's and the
    archive's (``report_archive``), turned into the ``BIGINT`` milliseconds it holds now."""
    from butler_tui.store.archive import ARCHIVE_SCHEMA, TABLES

    text = {(r[0], r[1], r[2]) for r in conn.execute_pg(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema IN (current_schema(), %s) AND data_type = 'text'", (ARCHIVE_SCHEMA,)).fetchall()}
    done = []
    for schema, table, column in sorted(text):
        if column not in instants.COLUMNS.get(table, ()) or (schema == ARCHIVE_SCHEMA and table not in TABLES):
            continue
        where = f'"{table}"' if schema != ARCHIVE_SCHEMA else f'{ARCHIVE_SCHEMA}."{table}"'
        sql = (f'ALTER TABLE {where} ALTER COLUMN "{column}" TYPE BIGINT'
               f' USING (extract(epoch FROM "{column}"::timestamptz) * 1000)::bigint')
        conn.execute_pg(sql)
        done.append(sql)
    return done


def _checks(create_sql: str) -> list[str]:
    """The CHECK constraints of a SQLite ``CREATE TABLE``, in PostgreSQL's dialect."""
    import sqlglot
    from sqlglot import exp

    text = re.sub(r"\)\s*WITHOUT\s+ROWID\s*$", ")", create_sql.strip(), flags=re.IGNORECASE)
    text = re.sub(r"\bAUTOINCREMENT\b", "", text, flags=re.IGNORECASE)
    tree = sqlglot.parse_one(text, read="sqlite")
    out = []
    for node in tree.find_all(exp.CheckColumnConstraint, exp.Check):
        cond = node.this
        if "typeof(" in cond.sql(dialect="sqlite").lower():
            continue  # an instant's CHECK (store/instants.py): the column's BIGINT type says it here
        out.append(dialect._rewrite(cond.copy(), {}).sql(dialect="postgres"))
    return out


def _table_ddl(ref: sqlite3.Connection, name: str, sql: str) -> tuple[str, str | None]:
    """``CREATE TABLE`` for PostgreSQL (no foreign keys: added after every table exists) and the name of
    the rowid key column, if the table has one."""
    cols = ref.execute(f"PRAGMA table_info([{name}])").fetchall()
    pk = [c for c in sorted(cols, key=lambda c: c[5]) if c[5]]
    rowid_key = pk[0][1] if len(pk) == 1 and pk[0][2].upper() == "INTEGER" and "WITHOUT ROWID" not in sql.upper() \
        else None
    lines = []
    for _cid, col, declared, notnull, default, _pk in cols:
        line = f'"{col}" {_pg_type(declared, name, col)}'
        if notnull:
            line += " NOT NULL"
        if default is not None:
            line += f" DEFAULT {default}"
        lines.append(line)
    if pk:
        lines.append("PRIMARY KEY (" + ", ".join(f'"{c[1]}"' for c in pk) + ")")
    for idx in ref.execute(f"PRAGMA index_list([{name}])").fetchall():
        if idx[3] == "u":
            cols_u = [r[2] for r in ref.execute(f"PRAGMA index_info([{idx[1]}])").fetchall()]
            lines.append("UNIQUE (" + ", ".join(f'"{c}"' for c in cols_u) + ")")
    lines.extend(f"CHECK ({check})" for check in _checks(sql))
    return f'CREATE TABLE "{name}" (\n  ' + ",\n  ".join(lines) + "\n)", rowid_key


def _foreign_keys(ref: sqlite3.Connection, name: str) -> list[str]:
    out = []
    by_id: dict[int, list[tuple[Any, ...]]] = {}
    for fk in ref.execute(f"PRAGMA foreign_key_list([{name}])").fetchall():
        by_id.setdefault(fk[0], []).append(fk)
    for fk_id, parts in sorted(by_id.items()):
        target = parts[0][2]
        here = ", ".join(f'"{p[3]}"' for p in parts)
        there = ", ".join(f'"{p[4]}"' for p in parts if p[4])
        ref_cols = f" ({there})" if there else ""
        out.append(f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_fk{fk_id}" FOREIGN KEY ({here})'
                   f' REFERENCES "{target}"{ref_cols} DEFERRABLE INITIALLY IMMEDIATE')  # deferred by bulk_write only
    return out


def _index_ddl(sql: str) -> str:
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="sqlite")
    for node in list(tree.find_all(exp.Ordered)):
        inner = node.this.copy()
        if not isinstance(inner, (exp.Column, exp.Paren)):
            inner = exp.Paren(this=inner)  # PostgreSQL wants an expression of an index in parentheses
        if not node.args.get("desc"):
            node.replace(inner)
        else:
            node.set("this", inner)
            node.set("nulls_first", False)
    return tree.sql(dialect="postgres")


def _skipped(name: str) -> bool:
    return name.startswith(("sqlite_", "_sqlite_", "guests_fts"))


def pg_tables(conn: PgConnection) -> set[str]:
    return {r[0] for r in conn.execute_pg(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}


def build_schema(conn: PgConnection, rows_from: sqlite3.Connection | None = None) -> list[str]:
    """Create what the reference schema has and this database lacks (tables, columns, keys, checks,
    indexes, triggers); inside the caller's transaction. The new tables get the rows the migrations seed, or
    with ``rows_from`` (a SQLite hotel at this version) every row of its tables, events included, before
    the keys and the triggers are made. The statements run."""
    ref = reference_schema()
    objects = ref.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    unknown = [name for kind, name, _t, _s in objects if kind == "trigger" and name not in TRIGGERS]
    if unknown:
        raise RuntimeError(f"SQLite triggers without a PostgreSQL version in store/pg.py: {', '.join(unknown)}")
    have = pg_tables(conn)
    have_cols = {(r[0], r[1]) for r in conn.execute_pg(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall()}
    have_idx = {r[0] for r in conn.execute_pg(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()}
    done: list[str] = []

    def run(sql: str) -> None:
        conn.execute_pg(sql)
        done.append(sql)

    run(_FUNCTIONS)
    if ROWID_TABLE not in have:
        run(f"CREATE TABLE {ROWID_TABLE} (name TEXT PRIMARY KEY, key TEXT NOT NULL)")
    if META not in have:
        run(f"CREATE TABLE {META} (migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
            " PRIMARY KEY (migration_set, name))")
    new_tables = []
    for kind, name, _tbl, sql in objects:
        if kind != "table" or _skipped(name):
            continue
        if name not in have:
            ddl, rowid_key = _table_ddl(ref, name, sql)
            run(ddl)
            new_tables.append(name)
            if rowid_key:
                run(f"INSERT INTO {ROWID_TABLE} (name, key) VALUES ('{name}', '{rowid_key}')"
                    " ON CONFLICT (name) DO UPDATE SET key = excluded.key")
                if name == "events":
                    run("CREATE SEQUENCE IF NOT EXISTS events_id_seq")
                else:
                    run(f'CREATE SEQUENCE IF NOT EXISTS "{name}_{rowid_key}_seq" OWNED BY "{name}"."{rowid_key}"')
                    run(f'ALTER TABLE "{name}" ALTER COLUMN "{rowid_key}" SET DEFAULT'
                        f" nextval('\"{name}_{rowid_key}_seq\"')")
            continue
        for _cid, col, declared, notnull, default, _pk in ref.execute(f"PRAGMA table_info([{name}])").fetchall():
            if (name, col) not in have_cols:
                line = f'ALTER TABLE "{name}" ADD COLUMN "{col}" {_pg_type(declared, name, col)}'
                if default is not None:
                    line += f" DEFAULT {default}"
                if notnull:
                    line += " NOT NULL"
                run(line)
    done.extend(_retype(conn))
    conn.load_rowid_keys()
    for name in new_tables:  # the rows the migrations seed (teams, permissions, templates, …), or a hotel's
        if rows_from is not None:
            copy_rows(rows_from, conn, name)
        elif name not in ("events", "event_chain_anchors"):
            copy_rows(ref, conn, name)
    reset_sequences(conn)
    for name in new_tables:
        for fk in _foreign_keys(ref, name):
            run(fk)
    for kind, name, _tbl, sql in objects:
        if kind == "index" and sql and not _skipped(name) and not _skipped(_tbl) and name not in have_idx:
            run(_index_ddl(sql))
    run("CREATE OR REPLACE VIEW guests_fts AS SELECT id AS rowid, name FROM guests")
    for kind, name, _tbl, _sql in objects:
        if kind == "trigger" and TRIGGERS.get(name):
            run(TRIGGERS[name] or "")
    ref.close()
    conn.load_rowid_keys()
    done.extend(grant_station(conn))
    return done


def grant_station(conn: PgConnection) -> list[str]:
    """Give the stations' role what :func:`station_grants` says, when the role exists (the admin makes it:
    README); the statements run."""
    if not conn.execute_pg("SELECT 1 FROM pg_roles WHERE rolname = %s", (STATION_ROLE,)).fetchone():
        return []
    grants = station_grants()
    for sql in grants:
        conn.execute_pg(sql)
    return grants


def station_grants(role: str = STATION_ROLE) -> list[str]:
    """What the stations' role may do: read and write the hotel's rows, as the program does, and read the
    archive's (``report_archive``); never change or remove an event, a chain anchor or a duty-log entry (the
    triggers refuse it too, and only the owner, a separate role, could lift a trigger), never touch the schema
    or the migrations' record."""
    return [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON events, event_chain_anchors, log_entries FROM "{role}"',
        f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {META}, {ROWID_TABLE} FROM "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        # the archive (``butler archive``: store/archive.py), read only, when there is one
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'report_archive') THEN"
        f' GRANT USAGE ON SCHEMA report_archive TO "{role}";'
        f' GRANT SELECT ON ALL TABLES IN SCHEMA report_archive TO "{role}"; END IF; END $$',
    ]


def copy_rows(source: sqlite3.Connection, conn: PgConnection, table: str, batch: int = 5000) -> int:
    """Copy every row of ``table`` from a SQLite database into the same table here; the number copied. Text in
    a column that is BYTEA here (:data:`_COLUMN_TYPES`: JSON written before it was packed) arrives as its UTF-8
    bytes, as :func:`_retype` makes it (as text, COPY would read its backslashes as bytea escapes)."""
    cur = source.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cur.description]
    cols = ", ".join(f'"{n}"' for n in names)
    binary = [i for i, n in enumerate(names) if _COLUMN_TYPES.get((table, n)) == "BYTEA"]
    copied = 0
    with conn.raw.cursor() as pg_cur, pg_cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        while rows := cur.fetchmany(batch):
            for row in rows:
                if binary:
                    row = tuple(v.encode() if i in binary and isinstance(v, str) else v for i, v in enumerate(row))
                copy.write_row(row)
            copied += len(rows)
    return copied


def schema_differences(conn: PgConnection) -> list[str]:
    """Tables, columns and triggers this version's schema has and the database lacks, or has beyond it (one
    sentence each; empty: as this version makes it)."""
    from butler_tui.i18n import t as tr

    ref = reference_schema()
    try:
        want: dict[str, set[str]] = {}
        for (name,) in ref.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
            if not _skipped(name):
                want[name] = {r[1] for r in ref.execute(f"PRAGMA table_info([{name}])").fetchall()}
        triggers = {name for (name,) in ref.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    if TRIGGERS.get(name)}
    finally:
        ref.close()
    have: dict[str, set[str]] = {}
    for table, column in conn.execute_pg(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t"
            " USING (table_schema, table_name) WHERE c.table_schema = current_schema()"
            " AND t.table_type = 'BASE TABLE'").fetchall():
        if table not in (META, ROWID_TABLE):
            have.setdefault(table, set()).add(column)
    diffs = [tr("missing {kind} {name}", kind="table", name=n) for n in sorted(want) if n not in have]
    diffs += [tr("extra {kind} {name}", kind="table", name=n) for n in sorted(have) if n not in want]
    for name in sorted(set(want) & set(have)):
        parts = [tr("column {column} missing", column=c) for c in sorted(want[name] - have[name])]
        parts += [tr("extra column {column}", column=c) for c in sorted(have[name] - want[name])]
        if parts:
            diffs.append(tr("changed table {name}: {what}", name=name, what=", ".join(parts)))
    found = {r[0] for r in conn.execute_pg("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()}
    diffs += [tr("missing {kind} {name}", kind="trigger", name=n) for n in sorted(triggers - found)]
    return diffs


def copy_hotel(source: sqlite3.Connection, url: str, set_name: str) -> dict[str, int]:
    """``butler migrate-to``: copy the SQLite hotel ``source`` (at this version's schema) into the empty
    PostgreSQL database at ``url``, every row and event with its id and hash, in one transaction that
    commits only when every table's count matches and the events' chain walks through as it did in the file.
    The rows per table."""
    from butler_tui import clock
    from butler_tui.errors import InvalidInput
    from butler_tui.i18n import t as tr
    from butler_tui.store import chain

    tables = [name for (name,) in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall() if not _skipped(name)]
    migrations = [name for (name,) in source.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", (set_name,)).fetchall()]
    checked_before, broken = chain.verify(source)
    if broken is not None:
        raise InvalidInput(tr("the hotel's event chain breaks at event {id}: run `butler check`, nothing copied",
                              id=broken))
    conn = connect(url)
    try:
        if pg_tables(conn) - {META, ROWID_TABLE}:
            raise InvalidInput(tr("{url} is not empty: migrate-to copies a hotel into a new database only",
                                  url=redact(url)))
        with writing(conn):
            build_schema(conn, rows_from=source)
            record_applied(conn, set_name, migrations, clock.now_iso())
            counts = {}
            for name in tables:
                want = int(source.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
                got = int(conn.execute_pg(f'SELECT count(*) FROM "{name}"').fetchone()[0])  # type: ignore[index]
                if want != got:
                    raise InvalidInput(tr("{table}: {got} rows copied of {want}; nothing copied", table=name,
                                          got=got, want=want))
                counts[name] = got
            checked, broken = chain.verify(conn)  # type: ignore[arg-type]
            if broken is not None or checked != checked_before:
                raise InvalidInput(tr("the copied event chain does not hold (at event {id}); nothing copied",
                                      id=broken))
            chain.append(conn, clock.now_iso(), None, None, "schema", None,  # type: ignore[arg-type]
                         "migrated_to_postgresql", None, json.dumps({"rows": counts}, sort_keys=True))
        return counts
    finally:
        conn.close()


@contextlib.contextmanager
def writing(conn: PgConnection) -> Iterator[PgConnection]:
    """A transaction under the writers' lock (:data:`WRITE_LOCK`, as :meth:`Store.write` takes it) for work
    done on a connection of its own: committed at the end, rolled back on any error."""
    conn.execute("BEGIN")
    try:
        conn.execute_pg(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def applied(conn: PgConnection, set_name: str) -> list[str]:
    if META not in pg_tables(conn):
        return []
    return [r[0] for r in conn.execute_pg(f"SELECT name FROM {META} WHERE migration_set = %s ORDER BY applied_at, name",
                                          (set_name,)).fetchall()]


def record_applied(conn: PgConnection, set_name: str, names: Sequence[str], at: str) -> None:
    with conn.raw.cursor() as cur:
        cur.executemany(f"INSERT INTO {META} (migration_set, name, applied_at) VALUES (%s, %s, %s)"
                        " ON CONFLICT DO NOTHING", [(set_name, n, at) for n in names])


def next_event_id(conn: PgConnection) -> int:
    return int(conn.execute_pg("SELECT nextval('events_id_seq')").fetchone()[0])  # type: ignore[index]


def reset_sequences(conn: PgConnection) -> None:
    """After rows were copied in with their ids: every rowid sequence goes on after the largest id."""
    for name, key in conn.rowid_keys.items():
        seq = "events_id_seq" if name == "events" else f'"{name}_{key}_seq"'
        conn.execute_pg(f"SELECT setval('{seq}', greatest(coalesce((SELECT max(\"{key}\") FROM \"{name}\"), 0), 1),"
                        f" (SELECT count(*) > 0 FROM \"{name}\"))")


__all__ = ["CHANNEL", "WRITE_LOCK", "PgConnection", "applied", "build_schema", "connect", "grant_station", "is_url",
           "next_event_id", "record_applied", "redact", "reference_schema", "reset_sequences", "writing"]
