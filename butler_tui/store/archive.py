"""The archive file: closed history moved out of the shared file by ``butler archive``.

It holds the moved rows of ``tasks``, ``escalations``, ``messages``, ``acks``, ``events``,
``checklist_items``, ``stay_stages`` and ``checklists_packed`` (same columns, no constraints). :class:`ArchiveReader` opens it
read-only with the hotel's file attached read-only behind it, so that the services' own queries run on
it unchanged: ``tasks`` is the archive's, ``staff``, ``ladders`` or ``stays`` the hotel's.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from butler_tui.store.database import Connection, Store

TABLES = ("tasks", "task_origins", "escalations", "messages", "acks", "events", "checklist_items", "stay_stages",
          "checklists_packed")
INDEXES = {
    "tasks": "id", "task_origins": "task_id", "escalations": "task_id", "messages": "id", "acks": "message_id",
    "events": "entity, entity_id", "checklist_items": "stay_id", "stay_stages": "stay_id",
    "checklists_packed": "stay_id",
}


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

    def function(self, name: str, func: Callable[[str], Any], args_sql: str, params: Any = ()) -> None:
        """Let this read's statements call ``name(value)`` = ``func(value)``, a function of one text value. On
        SQLite it is called back; on PostgreSQL it is worked out beforehand for every value ``args_sql`` (a
        query of one column, with ``params``) gives."""
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.create_function(name, 1, func, deterministic=True)
        else:
            self.conn.create_function(name, 1, func, deterministic=True, args_sql=args_sql, params=params)


@contextlib.contextmanager
def reading_with_archive(store: Store) -> Iterator[Reading]:
    """The hotel's tables, and its archive's (``butler archive``) attached for the read when there is one:
    archived history still counts. PostgreSQL has no archive yet: the hotel's tables only."""
    conn = store.db.conn
    schemas = ["main"]
    if store.url is not None:
        yield Reading(conn, schemas)
        return
    attached = False
    path = archive_path(store)
    if path.exists():
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


def prepare(path: Path, store: Store) -> None:
    """Create the archive's tables (as the hotel's, without constraints) and their lookup indexes, or add
    the columns the hotel's tables have gained since."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("ATTACH ? AS hotel", (str(store.path),))
        for table in TABLES:
            conn.execute(f"CREATE TABLE IF NOT EXISTS main.{table} AS SELECT * FROM hotel.{table} WHERE 0")
            conn.execute(f"CREATE INDEX IF NOT EXISTS main.{table}_lookup ON {table}({INDEXES[table]})")
            # An archive begun before a column was added to the hotel's table (events.hash, …) gets it too.
            have = {r[1] for r in conn.execute(f"PRAGMA main.table_info({table})").fetchall()}
            for column in conn.execute(f"PRAGMA hotel.table_info({table})").fetchall():
                if column[1] not in have:
                    conn.execute(f'ALTER TABLE main.{table} ADD COLUMN "{column[1]}"')
        conn.execute("DETACH hotel")
    finally:
        conn.close()


class ArchiveReader(Store):
    """The archive, read-only, with the hotel's file behind it (see the module's docstring)."""

    def __init__(self, path: Path, hotel: Path) -> None:
        self.path = path
        self.hotel = hotel
        self._local = threading.local()
        self._all: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()

    @property
    def db(self) -> Connection:
        db: Connection | None = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            conn.execute("ATTACH ? AS hotel", (f"file:{self.hotel}?mode=ro",))
            db = Connection(conn)
            self._local.db = db
            with self._lock:
                self._all.add(db)
        return db


def reader(store: Store) -> ArchiveReader | None:
    """The hotel's archive to read, or ``None`` when it has none."""
    path = archive_path(store)
    if not path.exists():
        return None
    return ArchiveReader(path, store.path)
