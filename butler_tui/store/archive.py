"""The archive: closed history moved out of the shared tables by ``butler archive``.

It holds the moved rows of ``tasks``, ``escalations``, ``messages``, ``acks``, ``events``,
``checklist_items``, ``stay_stages`` and ``checklists_packed`` (same columns, no constraints). On SQLite it is a
file of its own; on PostgreSQL the schema ``report_archive`` of the same database. Either way the move
writes ``report_archive.TABLE`` (the file is attached under that name). :class:`ArchiveReader` (and on a
server :class:`PgArchiveReader`) reads it read-only with the hotel's tables behind it, so that the services'
own queries run on it unchanged: ``tasks`` is the archive's, ``staff``, ``ladders`` or ``stays`` the hotel's.

The backends' differences for ``butler archive`` and ``butler vacuum`` stay here: :func:`target`,
:func:`prepare`, :func:`attach`, :func:`columns`, :func:`defer_references`, :func:`broken_references`,
:func:`size` and :func:`vacuum`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from butler_tui.errors import InvalidInput, StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.store.database import BUSY_TIMEOUT_MS, Connection, Store, Tx
from butler_tui.store.instants import row_factory

TABLES = ("tasks", "task_origins", "escalations", "messages", "acks", "events", "checklist_items", "stay_stages",
          "checklists_packed")
INDEXES = {
    "tasks": "id", "task_origins": "task_id", "escalations": "task_id", "messages": "id", "acks": "message_id",
    "events": "entity, entity_id", "checklist_items": "stay_id", "stay_stages": "stay_id",
    "checklists_packed": "stay_id",
}


ARCHIVE_FORMAT = 1
"""``PRAGMA user_version`` of an archive file whose instants are milliseconds, as the hotel's (0: one written
before migration 0030, its instants text): :func:`upgrade` brings one up to it the first time it is used."""


def upgrade(path: Path) -> None:
    """An archive file written before migration 0030, its instants converted to milliseconds (each table with
    instants copied once, in one transaction); nothing when it is up to date. A file that cannot be written
    is one clear refusal."""
    from butler_tui.store import instants

    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= ARCHIVE_FORMAT:
                return
            conn.create_function("butler_ms", 1, instants.stored_ms, deterministic=True)
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("PRAGMA user_version").fetchone()[0] < ARCHIVE_FORMAT:  # (not done meanwhile)
                have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for table in TABLES:
                    if table in have and instants.instant_columns(table):
                        retype(conn, table, instants.instant_columns(table), "INT", "butler_ms")
                conn.execute(f"PRAGMA user_version = {ARCHIVE_FORMAT}")
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreUnavailable(tr("the archive {path} was written by an older release and could not be brought up"
                                  " to date: {exc}", path=path, exc=exc)) from exc


def _format(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return ARCHIVE_FORMAT  # not readable as an archive: the reads say so as before


def readable(store: Store, path: Path) -> None:
    """Before a read of the archive at ``path``: one written before migration 0030 is brought up to date when it
    is this database's (or says no database: one from before archives named theirs). Another database's is
    not written from here — a copy of a hotel (a backup, a file tried with a new release) remembers the
    original's archive, and the original, still at work, perhaps with the older release, reads it as it is —
    so the read is refused with one sentence instead of comparing its text with milliseconds."""
    if _format(path) >= ARCHIVE_FORMAT:
        return
    owner = archived_for(path)
    here = str(store.path.resolve())
    if owner is not None and owner != here:
        raise StoreUnavailable(tr("the archive {path} is the one of the database at {owner} and was written by an"
                                  " older release: it is read from here once that database has been upgraded"
                                  " (`butler init` there); a copy gets its own archive with `butler archive --to`",
                                  path=path, owner=owner))
    upgrade(path)


def retype(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], declared: str, function: str) -> None:
    """Copy the archive's ``table`` into one whose ``columns`` are declared ``declared`` and hold their values
    through the SQL function ``function`` (an archive table has no constraint, key or trigger; its lookup index
    is made again)."""
    cols = [(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})")]
    ddl = ", ".join(f'"{name}" {declared if name in columns else kind}' for name, kind in cols)
    names = ", ".join(f'"{name}"' for name, _kind in cols)
    values = ", ".join(f'{function}("{name}")' if name in columns else f'"{name}"' for name, _kind in cols)
    conn.execute(f"CREATE TABLE {table}__new ({ddl})")
    conn.execute(f"INSERT INTO {table}__new ({names}) SELECT {values} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_lookup ON {table}({INDEXES[table]})")


def default_path(db_path: Path) -> Path:
    """``hotel.db`` → ``hotel.archive.sqlite``, next to it."""
    return db_path.with_name(f"{db_path.stem}.archive.sqlite")


def archive_path(store: Store) -> Path:
    """Where this hotel's archive is (the last ``butler archive --to``, else next to the file)."""
    row = store.db.conn.execute("SELECT value FROM settings WHERE name = 'archive_path'").fetchone()
    return Path(row[0]) if row else default_path(store.path)


ARCHIVE_SCHEMA = "report_archive"


class Reading:
    """A read of the hotel's tables and, when there is one, its archive's (:func:`reading_with_archive`):
    ``schemas`` are the schemas to read each table from (``main`` first; ``main.`` is the hotel's tables on
    either backend)."""

    def __init__(self, conn: Any, schemas: list[str]) -> None:
        self.conn = conn
        self.schemas = schemas

    def function(self, name: str, func: Callable[[Any], Any], args_sql: str, params: Any = (),
                 sql_type: str = "text") -> None:
        """Let this read's statements call ``name(value)`` = ``func(value)``, a function of one value of
        ``sql_type`` (``text`` or ``bigint``) giving one of the same. On SQLite it is called back; on PostgreSQL it
        is worked out beforehand for every value ``args_sql`` (a query of one column, with ``params``) gives."""
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.create_function(name, 1, func, deterministic=True)
        else:
            self.conn.create_function(name, 1, func, deterministic=True, args_sql=args_sql, params=params,
                                      sql_type=sql_type)


def _pg_archive_readable(conn: Any) -> bool:
    """On a server: the schema ``report_archive`` is there with every table of :data:`TABLES`, readable by
    this connection's role."""
    row = conn.execute_pg(
        "SELECT count(*), bool_and(has_table_privilege(format('%%I.%%I', schemaname, tablename), 'SELECT'))"
        " FROM pg_tables WHERE schemaname = %s AND tablename = ANY (%s)", (ARCHIVE_SCHEMA, list(TABLES))).fetchone()
    return bool(row and row[0] == len(TABLES) and row[1])


@contextlib.contextmanager
def reading_with_archive(store: Store) -> Iterator[Reading]:
    """The hotel's tables, and its archive's (``butler archive``) for the read when there is one: archived
    history still counts. On SQLite the archive file is attached for the read; on PostgreSQL it is the
    schema ``report_archive`` of the same database."""
    conn = store.db.conn
    schemas = ["main"]
    if store.url is not None:
        if _pg_archive_readable(conn):
            schemas.append(ARCHIVE_SCHEMA)
        yield Reading(conn, schemas)
        return
    attached = False
    path = archive_path(store)
    if path.exists():
        readable(store, path)
        if ARCHIVE_SCHEMA not in {r[1] for r in conn.execute("PRAGMA database_list")}:
            try:
                conn.execute("ATTACH ? AS " + ARCHIVE_SCHEMA, (str(path),))
                attached = True
            except sqlite3.OperationalError:  # inside a caller's transaction (SQLite refuses): the hotel's only
                path = None  # type: ignore[assignment]
        if path is not None:
            have = {r[0] for r in conn.execute(f"SELECT name FROM {ARCHIVE_SCHEMA}.sqlite_master WHERE type = 'table'")}
            if set(TABLES) <= have:
                schemas.append(ARCHIVE_SCHEMA)
    try:
        yield Reading(conn, schemas)
    finally:
        if attached:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("DETACH " + ARCHIVE_SCHEMA)


# -- butler archive ------------------------------------------------------------------------------------


def target(store: Store, to: Path | None) -> str:
    """Where this run's archive is, as its ``archive`` field says: the file (``--to``, else the last one, else
    next to the hotel's), resolved; on a server the schema ``report_archive`` (``--to`` is refused there)."""
    if store.url is not None:
        if to is not None:
            raise InvalidInput(tr("on PostgreSQL the archive is the schema {schema} of the same database: --to"
                                  " is for a SQLite file only", schema=ARCHIVE_SCHEMA))
        return ARCHIVE_SCHEMA
    path = (to or archive_path(store)).resolve()
    if path == store.path.resolve():
        raise InvalidInput(tr("the archive cannot be the database itself"))
    if not path.parent.exists():
        raise InvalidInput(tr("directory {parent} does not exist", parent=path.parent))
    owner = archived_for(path)
    here = str(store.path.resolve())
    if to is None and owner is not None and owner != here:
        # A copy of a hotel's file (a backup, a test copy) remembers the original's archive: moving its rows
        # there would put them in the original's reports twice (the original still has them).
        raise InvalidInput(tr("the archive {path} is the one of the database at {owner}, not of {here} (a copy, or a"
                              " moved file?): give --to for this one's own archive, or --to {path} to go on with"
                              " that one", path=path, owner=owner, here=here))
    return str(path)


_OWNER = "archive_of"
"""The table of an archive file naming the database whose history it holds (its resolved path)."""


def archived_for(path: Path) -> str | None:
    """The database whose archive the file at ``path`` is (None: no such file, or one from before it was said)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(f"SELECT db_path FROM {_OWNER}").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def require_owner(store: Store) -> None:
    """On a server, archiving removes events and makes the archive's tables: the stations' role may do
    neither (store/pg.py ``station_grants``); one clear refusal before anything is done."""
    if store.url is None:
        return
    row = store.db.conn.execute_pg(  # type: ignore[attr-defined]
        "SELECT has_table_privilege('events', 'DELETE'), current_user").fetchone()
    if not row[0]:
        raise StoreUnavailable(tr("the database role {role} may not remove events: run `butler archive` as the"
                                  " database owner role (the one that ran `butler init`)", role=row[1]))


def columns(conn: Any, table: str, schema: str = "main") -> list[str]:
    """The names of ``table``'s columns, in order, on either backend (``main``: the hotel's)."""
    return [name for name, _type in _columns(conn, table, schema)]


def _columns(conn: Any, table: str, schema: str) -> list[tuple[str, str]]:
    if isinstance(conn, sqlite3.Connection):
        return [(r[1], r[2]) for r in conn.execute(f"PRAGMA {schema}.table_info({table})").fetchall()]
    where = f'"{table}"' if schema == "main" else f'"{schema}"."{table}"'
    return [(r[0], r[1]) for r in conn.execute_pg(
        "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(%s)"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum", (where,)).fetchall()]


def prepare(store: Store, where: str) -> None:
    """Create the archive's tables (as the hotel's, without constraints) and their lookup indexes, or add
    the columns the hotel's tables have gained since; on a server, let the stations' role read them."""
    if store.url is not None:
        _prepare_schema(store)
        return
    upgrade(Path(where))  # (a new file: marked as one whose instants are milliseconds)
    conn = sqlite3.connect(where, isolation_level=None)
    try:
        conn.execute("ATTACH ? AS hotel", (str(store.path),))
        for table in TABLES:
            conn.execute(f"CREATE TABLE IF NOT EXISTS main.{table} AS SELECT * FROM hotel.{table} WHERE 0")
            conn.execute(f"CREATE INDEX IF NOT EXISTS main.{table}_lookup ON {table}({INDEXES[table]})")
            # An archive begun before a column was added to the hotel's table (events.hash, …) gets it too.
            have = set(columns(conn, table))
            for column in columns(conn, table, "hotel"):
                if column not in have:
                    conn.execute(f'ALTER TABLE main.{table} ADD COLUMN "{column}"')
        conn.execute("DETACH hotel")
        conn.execute(f"CREATE TABLE IF NOT EXISTS main.{_OWNER} (db_path TEXT NOT NULL)")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"DELETE FROM main.{_OWNER}")
        conn.execute(f"INSERT INTO main.{_OWNER} (db_path) VALUES (?)", (str(store.path.resolve()),))
        conn.execute("COMMIT")
    finally:
        conn.close()


def _prepare_schema(store: Store) -> None:
    from butler_tui.store.pg import STATION_ROLE

    conn: Any = store.db.conn
    run = conn.execute_pg
    run("BEGIN")
    try:
        run(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
        for table in TABLES:
            # LIKE copies the columns, their types and NOT NULL: no default (an id's would tie the archive to the
            # hotel's sequence, and a backup from before the archive could not be restored over it), key, check
            # or reference. Rows come in with every column given.
            run(f'CREATE TABLE IF NOT EXISTS {ARCHIVE_SCHEMA}."{table}" (LIKE "{table}")')
            run(f'CREATE INDEX IF NOT EXISTS "{table}_lookup" ON {ARCHIVE_SCHEMA}."{table}" ({INDEXES[table]})')
            have = set(columns(conn, table, ARCHIVE_SCHEMA))
            for column, kind in _columns(conn, table, "main"):
                if column not in have:
                    run(f'ALTER TABLE {ARCHIVE_SCHEMA}."{table}" ADD COLUMN "{column}" {kind}')
        for table, column in run("SELECT table_name, column_name FROM information_schema.columns"
                                 " WHERE table_schema = %s AND column_default IS NOT NULL", (ARCHIVE_SCHEMA,)).fetchall():
            run(f'ALTER TABLE {ARCHIVE_SCHEMA}."{table}" ALTER COLUMN "{column}" DROP DEFAULT')  # one made with them
        if run("SELECT 1 FROM pg_roles WHERE rolname = %s", (STATION_ROLE,)).fetchone():
            run(f'GRANT USAGE ON SCHEMA {ARCHIVE_SCHEMA} TO "{STATION_ROLE}"')
            run(f'GRANT SELECT ON ALL TABLES IN SCHEMA {ARCHIVE_SCHEMA} TO "{STATION_ROLE}"')
        run("COMMIT")
    except BaseException:
        run("ROLLBACK")
        raise


@contextlib.contextmanager
def moving(store: Store, where: str, actor: str | None, station: str | None) -> Iterator[Tx]:
    """:meth:`Store.write` for the move: the archive reachable as ``report_archive.TABLE`` (on SQLite its file
    attached under that name), and the hotel's references not checked row by row — deleting a task or a
    message would look for rows referring to it in tables without an index on the reference (a scan per
    row); :func:`broken_references` checks them once before the COMMIT instead."""
    conn: Any = store.db.conn
    if store.url is not None:
        with store.write(actor=actor, station=station) as tx:
            conn.execute_pg("SET CONSTRAINTS ALL DEFERRED")  # the hotel's keys are DEFERRABLE (store/pg.py)
            yield tx
        return
    conn.execute("ATTACH ? AS " + ARCHIVE_SCHEMA, (where,))
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before BEGIN
    try:
        with store.write(actor=actor, station=station) as tx:
            yield tx
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
        with contextlib.suppress(Exception):
            conn.execute("DETACH " + ARCHIVE_SCHEMA)


def broken_references(tx: Tx, tables: Iterable[str]) -> tuple[str, int | None] | None:
    """Inside :func:`moving`, before the COMMIT: the first of ``tables`` with rows whose reference is now
    broken, and how many (``None``: not counted — PostgreSQL checks its deferred keys all at once and
    names the first table); ``None`` when every reference holds."""
    conn: Any = tx.db.conn
    if isinstance(conn, sqlite3.Connection):
        for table in tables:
            broken = conn.execute(f"PRAGMA main.foreign_key_check({table})").fetchall()
            if broken:
                return table, len(broken)
        return None
    try:
        conn.execute_pg("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks, now
    except sqlite3.IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        return str(getattr(diag, "table_name", None) or "?"), None
    return None


# -- sizes and butler vacuum -------------------------------------------------------------------------


def size(store: Store) -> int:
    """The hotel's size in bytes: the file and its WAL, or on a server the database's."""
    if store.url is not None:
        return int(store.db.conn.execute_pg(  # type: ignore[attr-defined]
            "SELECT pg_database_size(current_database())").fetchone()[0])
    return sum(p.stat().st_size for p in (store.path, Path(f"{store.path}-wal")) if p.exists())


def vacuum(store: Store) -> None:
    """SQLite: rebuild the file so that it shrinks by the pages freed, and empty the WAL. PostgreSQL:
    ``VACUUM (ANALYZE)`` of the hotel's and the archive's tables — the space of the rows removed is free for
    new rows, the files do not shrink (``VACUUM FULL`` would, locking every table while it copies it)."""
    conn: Any = store.db.conn
    if store.url is None:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    tables = [r[0] for r in conn.execute_pg(
        "SELECT format('%%I.%%I', schemaname, tablename) FROM pg_tables WHERE (schemaname = current_schema()"
        " OR schemaname = %s) AND pg_has_role(tableowner, 'USAGE') ORDER BY 1", (ARCHIVE_SCHEMA,)).fetchall()]
    if not tables:  # the stations' role owns none: VACUUM would skip every table, saying nothing
        role = conn.execute_pg("SELECT current_user").fetchone()[0]
        raise StoreUnavailable(tr("the database role {role} owns none of the hotel's tables: run `butler vacuum` as"
                                  " the database owner role (the one that ran `butler init`)", role=role))
    # VACUUM cannot run inside a transaction: the connection is in autocommit mode between writes
    conn.execute_pg("VACUUM (ANALYZE) " + ", ".join(tables))


# -- reading the archive -----------------------------------------------------------------------------


class ArchiveReader(Store):
    """The archive, read-only, with the hotel's file behind it (see the module's docstring)."""

    def __init__(self, path: Path, hotel: Path) -> None:
        self.path = path
        self.hotel = hotel
        self.url = None
        self.dialect = "sqlite"
        self.identity = None
        self.stopped = None
        self._local = threading.local()
        self._all: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()

    @property
    def db(self) -> Connection:
        db: Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._open()
            self._local.db = db
            with self._lock:
                self._all.add(db)
        return db

    def _open(self) -> Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        conn.row_factory = row_factory()
        conn.execute("ATTACH ? AS hotel", (f"file:{self.hotel}?mode=ro",))
        return Connection(conn)


class PgArchiveReader(ArchiveReader):
    """On a server: the schema ``report_archive`` first and the hotel's schema behind it on the search path,
    every transaction read-only."""

    def __init__(self, url: str, hotel_schema: str) -> None:
        super().__init__(Path(ARCHIVE_SCHEMA), Path(hotel_schema))
        self.url = url
        self.dialect = "postgresql"

    def _open(self) -> Connection:
        from butler_tui.store import pg

        assert self.url is not None
        conn = pg.connect(self.url, application_name="butler archive reader")
        conn.execute_pg(f'SET search_path = {ARCHIVE_SCHEMA}, "{self.hotel}"')
        conn.execute_pg("SET default_transaction_read_only = on")
        return Connection(conn)  # type: ignore[arg-type]


def reader(store: Store) -> ArchiveReader | None:
    """The hotel's archive to read, or ``None`` when it has none."""
    if store.url is not None:
        conn: Any = store.db.conn
        if not _pg_archive_readable(conn):
            return None
        return PgArchiveReader(store.url, str(conn.execute_pg("SELECT current_schema()").fetchone()[0]))
    path = archive_path(store)
    if not path.exists():
        return None
    readable(store, path)
    return ArchiveReader(path, store.path)
