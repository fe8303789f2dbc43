"""Connections and write transactions.

Rules this module enforces (see ENGINEERING-NOTES: a deferred read-then-write transaction fails
under concurrent stations, the busy timeout does not help):

* one ``sqlite3`` connection per thread, opened lazily; ``isolation_level=None`` so the driver
  never opens a transaction behind our back and a read never pins a snapshot;
* WAL journal, ``busy_timeout``, ``synchronous=FULL`` (a commit survives power loss; ~0.2 ms);
* every write goes through :meth:`Store.write`, which is ``BEGIN IMMEDIATE`` … ``COMMIT`` and
  refuses to commit a transaction that did not record an event.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.errors import ButlerError, DatabaseFileChanged, PermissionDenied, SchemaTooNew, StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.store.chain import append, chain_tails, last, tails
from butler_tui.store.history import compact_after
from butler_tui.store.instants import connection_factory, instant_columns, row_factory

BUSY_TIMEOUT_MS = 10_000
PAGE_SIZE = 8192


_WRITE_LOCK = 0x6275746C  # the advisory lock every PostgreSQL writer takes (store/pg.py: WRITE_LOCK)


class Connection:
    """One thread's connection (``.conn``, a plain ``sqlite3.Connection`` in autocommit mode, or on
    PostgreSQL a :class:`~butler_tui.store.pg.PgConnection` that behaves as one)."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def _open_server_connection(url: str) -> Connection:
    from butler_tui.store import pg

    try:
        conn = pg.connect(url)
    except Exception as exc:
        raise StoreUnavailable(tr("cannot open database {path}: {exc}", path=pg.redact(url), exc=exc)) from exc
    return Connection(conn)  # type: ignore[arg-type]


def _open_connection(path: Path) -> Connection:
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True,
            factory=connection_factory(),
        )
    except sqlite3.OperationalError as exc:
        raise StoreUnavailable(tr("cannot open database {path}: {exc}", path=path, exc=exc)) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils set it on every connection before
        conn.row_factory = row_factory()  # instants come out as their ISO text (store/instants.py)
        db = Connection(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise StoreUnavailable(tr("{path} is not a butler database (not SQLite)", path=path)) from exc
        raise StoreUnavailable(tr("cannot open database {path}: {exc}", path=path, exc=exc)) from exc
    return db


FileIdentity = tuple[int, int]
"""``(st_dev, st_ino)``: which file a path names. A file replaced (``mv other.db hotel.db``, a restore)
has another; a file deleted or moved away leaves the path with none."""


def file_identity(path: str | os.PathLike[str]) -> FileIdentity | None:
    """The identity of the file at ``path`` now, ``None`` when there is none (one ``stat``: ~2 µs)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def file_change(path: str | os.PathLike[str], identity: FileIdentity | None, hint: str | None = None) -> str | None:
    """``None`` while ``path`` still names the file whose identity was ``identity``; else what happened:
    ``replaced`` (another file is there), ``deleted`` or ``moved`` (as ``hint``, from inotify, says),
    ``gone`` (deleted or moved, no way to tell)."""
    now = file_identity(path)
    if identity is None or now == identity:
        return None
    if now is not None:
        return "replaced"
    return hint if hint in ("deleted", "moved") else "gone"


def file_changed_error(path: Path | str, reason: str) -> DatabaseFileChanged:
    """The one clear sentence a station and a command show when their file changed under them (a server's
    address, a ``str``: its history was replaced, by a restore; named without its password)."""
    if isinstance(path, str):
        from butler_tui.config import redact

        return DatabaseFileChanged(
            tr("The database at {address} now holds another history (a backup was restored): stopped, nothing more"
               " is written to it. Start the station again.", address=redact(path)), reason=reason)
    what = {
        "deleted": tr("The database file {path} was deleted", path=path),
        "moved": tr("The database file {path} was moved away", path=path),
        "replaced": tr("The database file {path} was replaced by another file", path=path),
    }.get(reason) or tr("The database file {path} was deleted or moved", path=path)
    return DatabaseFileChanged(
        tr("{what}: stopped, nothing more is written to it. Put the file back (or `butler restore` a backup)"
           " and start again.", what=what), reason=reason)


class NoChange(Exception):
    """Raised inside :meth:`Store.write` (via :meth:`Tx.abandon`) when, having looked under the lock,
    there is nothing to change: the transaction is rolled back quietly and no event is written."""


class Tx:
    """One write transaction: the connection plus the actor who is making the change."""

    def __init__(self, db: Connection, actor: str | None, station: str | None):
        self.db = db
        self.actor = actor
        self.station = station
        self.event_ids: list[int] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.db.conn.execute(sql, params)

    def abandon(self) -> None:
        """Nothing to change after all: roll back without an event (see :class:`NoChange`)."""
        raise NoChange

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row and return its rowid (its instants given as ISO text or as :class:`clock.Instant`)."""
        cols = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" for _ in row)
        at = instant_columns(table)
        values = [clock.instant(v) if c in at and isinstance(v, str) else v for c, v in row.items()]
        cur = self.db.conn.execute(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", values)
        return int(cur.lastrowid or 0)

    def event(
        self,
        entity: str,
        entity_id: Any,
        action: str,
        before: Any = None,
        after: Any = None,
        *,
        actor: str | None = None,
        station: str | None = None,
    ) -> int:
        """Append an audit/change-feed event inside this transaction (a message's ``send`` and a task's
        ``create`` refer to their rows: :mod:`butler_tui.store.history`), chained to the one before it
        (:mod:`butler_tui.store.chain`)."""
        event_id = append(
            self.db.conn,
            clock.now_iso(),
            actor if actor is not None else self.actor,
            station if station is not None else self.station,
            entity,
            None if entity_id is None else str(entity_id),
            action,
            _dump(before),
            compact_after(self.db.conn, entity, action, entity_id, after),
        )
        self.event_ids.append(event_id)
        return event_id

    def referring(self, table: str) -> list[tuple[str, str]]:
        """``(table, column)`` of every foreign key that refers to ``table`` (an undo that deletes rows
        looks up at once which of them others refer to)."""
        conn = self.db.conn
        if not isinstance(conn, sqlite3.Connection):  # PostgreSQL: its catalogue (single-column keys, as here)
            return [(r[0], r[1]) for r in conn.execute_pg(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " WHERE c.contype = 'f' AND c.confrelid = to_regclass(%s) ORDER BY 1, 2", (table,)).fetchall()]
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT m.name, f.[from] FROM sqlite_master m, pragma_foreign_key_list(m.name) f"
            " WHERE m.type = 'table' AND f.[table] = ? ORDER BY m.name", (table,)).fetchall()]

    def insert_many(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert many rows with one ``executemany`` (ids given by the caller). Guests: their names go to
        the trigram index in one statement instead of through its trigger row by row — FTS5 flushes its
        pending terms at each trigger-run statement, 65 µs a guest (50,000: 3.3 s under the lock). The
        trigger is dropped and created again inside this transaction; nobody else ever sees it gone."""
        if not rows:
            return
        conn = self.db.conn
        sql = f"INSERT INTO [{table}] ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        at = [i for i, c in enumerate(columns) if c in instant_columns(table)]
        if at:
            rows = [tuple(clock.instant(v) if i in at and isinstance(v, str) else v for i, v in enumerate(r))
                    for r in rows]
        feed = _FTS_FEEDS.get(table)
        if feed is None or len(rows) < 100 or not isinstance(conn, sqlite3.Connection):  # PostgreSQL: no FTS5
            conn.executemany(sql, rows)
            return
        trigger, insert, keys = feed
        made = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)).fetchone()
        if made is None:
            conn.executemany(sql, rows)
            return
        at = [columns.index(k) for k in keys]
        conn.execute(f"DROP TRIGGER {trigger}")
        conn.executemany(sql, rows)
        conn.executemany(insert, [tuple(r[i] for i in at) for r in rows])
        conn.execute(made[0])

    def events(self, batch: EventBatch) -> list[int]:
        """Append many events at once (:func:`event_batch`, made before the lock was taken), chained as
        :meth:`event` chains one: a bulk import writes them with one ``executemany``."""
        if not batch.rows:
            return []
        first, prev = last(self.db.conn)
        at = clock.now_iso()
        hashes = chain_tails(prev, first, at, batch.tails)
        self.db.conn.executemany(
            "INSERT INTO events (id, at, actor, station, entity, entity_id, action, before, after, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(first + i, at, *row, hashes[i]) for i, row in enumerate(batch.rows)])
        ids = list(range(first, first + len(batch.rows)))
        self.event_ids.extend(ids)
        return ids


_FTS_FEEDS = {"guests": ("guests_fts_insert", "INSERT INTO guests_fts(rowid, name) VALUES (?, ?)", ("id", "name"))}
"""Tables whose AFTER INSERT trigger feeds a full-text index: (trigger, the index's insert, its columns)."""

@dataclasses.dataclass(frozen=True)
class EventBatch:
    """Events to append at once: their stored columns after id and instant, and those as hashed."""

    rows: Sequence[tuple[str | None, ...]]
    tails: list[str]


def event_batch(actor: str | None, station: str | None, events: list[tuple[str, Any, str, Any, Any]]) -> EventBatch:
    """``(entity, entity_id, action, before, after)`` each, by ``actor`` at ``station``, ready for
    :meth:`Tx.events` — the JSON and most of the hashing done before the write lock. Only for entities
    whose ``after`` is stored as given (not messages' ``send`` nor tasks' ``create``)."""
    rows = [(actor, station, entity, None if entity_id is None else str(entity_id), action, _dump(before), _dump(after))
            for entity, entity_id, action, before, after in events]
    return EventBatch(rows, tails(rows))


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class Store:
    """The shared database file. Safe to use from several threads (one connection each)."""

    def __init__(self, path: str | os.PathLike[str], *, migrate: bool = True, create: bool = True):
        address = os.fspath(path)
        self.url: str | None = address if address.startswith(("postgresql://", "postgres://")) else None
        """The PostgreSQL address when the database is on a server (:mod:`butler_tui.store.pg`), else ``None``."""
        self.dialect = "sqlite" if self.url is None else "postgresql"
        self.path = Path(path)
        self._local = threading.local()
        self._all: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.identity: FileIdentity | None = None
        self.stopped: DatabaseFileChanged | None = None
        if self.url is not None:
            self._open_server(migrate=migrate)
            return
        if not create and not self.path.exists():
            raise StoreUnavailable(tr("no database at {path} (run `butler init` first)", path=self.path))
        if create and not self.path.exists():
            _create_private_file(self.path)
        # self._all is weak: a worker thread's connection closes when the thread ends and its local goes away;
        # self.identity is the file this store opened (see check_file).
        db = self.db
        self.identity = file_identity(self.path)
        if self.path.stat().st_size == 0:
            # A new file: 8 KB pages (a year of history in ~2 % less room than 4 KB: signed handover reports of
            # 3–4 KB packed share pages). Only an empty file takes it; the first to write the header wins.
            db.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        _enable_wal(db, self.path)
        from butler_tui.store import schema

        if migrate:
            schema.migrate(db)
        else:
            schema.check_version(db)

    def _open_server(self, *, migrate: bool) -> None:
        from butler_tui.store import schema

        db = self.db
        if migrate:
            schema.migrate(db)
        else:
            schema.check_version(db)

    def migrate(self) -> list[str]:
        """Apply the pending migrations (a store opened with ``migrate=False``); the names applied."""
        from butler_tui.store import schema

        return schema.migrate(self.db)

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> Connection:
        """This thread's connection."""
        if self.stopped is not None:
            raise self.stopped
        db = getattr(self._local, "db", None)
        if db is None:
            if self.identity is not None:
                self.check_file()  # a new connection would open whatever file the path names now
            db = _open_connection(self.path) if self.url is None else _open_server_connection(self.url)
            self._local.db = db
            with self._lock:
                self._all.add(db)
        return db

    # -- the file ------------------------------------------------------------------------------
    def check_file(self) -> None:
        """Raise :class:`DatabaseFileChanged` (and stop this store: no more reads or writes) when the path
        no longer names the file this store opened: deleted, replaced or moved."""
        if self.stopped is not None:
            raise self.stopped
        if self.url is not None:
            return  # a server: no file to lose
        reason = file_change(self.path, self.identity)
        if reason is not None:
            raise self.stop(reason)

    def stop(self, reason: str) -> DatabaseFileChanged:
        """The file changed (``reason``, as :func:`file_change` says): from now on every read and write of
        this store is refused with the error returned."""
        if self.stopped is None:
            self.stopped = file_changed_error(self.url if self.url is not None else self.path, reason)
        return self.stopped

    def _let_go(self) -> None:
        """Close this thread's connection (a stopped store lets go of the old file as soon as it can)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            self._local.db = None
            with contextlib.suppress(Exception):
                db.conn.close()

    def close(self) -> None:
        with self._lock:
            for db in list(self._all):
                with contextlib.suppress(Exception):
                    db.conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- reads ---------------------------------------------------------------------------------
    def reading_with_archive(self) -> contextlib.AbstractContextManager[Any]:
        """A read of the hotel's tables and its archive's, when there is one (:class:`store.archive.Reading`:
        ``conn``, ``schemas``, ``function``)."""
        from butler_tui.store.archive import reading_with_archive

        return reading_with_archive(self)

    def rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Run a query and materialise the rows (an open cursor would pin a read snapshot)."""
        cur = self.db.conn.execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def row(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- writes --------------------------------------------------------------------------------
    def _record_refusal(self, exc: PermissionDenied, actor: str | None, station: str | None) -> None:
        """Every refusal is on the record, in its own transaction (the refused change was rolled back)."""
        _refusal_event(self, exc, actor, station)

    @contextlib.contextmanager
    def write(self, actor: str | None = None, station: str | None = None) -> Iterator[Tx]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any error; insists on an event row."""
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("nested write transaction on one connection")
        yield from self._write(conn, actor, station)

    @contextlib.contextmanager
    def bulk_write(self, actor: str | None, station: str | None, checks: list[str]) -> Iterator[Tx]:
        """:meth:`write` for a bulk import whose references the caller has checked: foreign keys are not
        checked row by row (half the time under the lock for 50,000 stays); instead each of ``checks`` — a
        query giving one row per broken reference among the rows written — runs before the commit, and
        any row it gives rolls the whole transaction back."""
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("nested write transaction on one connection")
        if self.url is None:
            conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before BEGIN
        try:
            with self.write(actor, station) as tx:
                if self.url is not None:  # PostgreSQL: keys made deferrable are checked at the commit
                    conn.execute_pg("SET CONSTRAINTS ALL DEFERRED")  # type: ignore[attr-defined]
                yield tx
                for sql in checks:
                    broken = conn.execute(sql).fetchone()
                    if broken is not None:
                        raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed: {sql} gives {tuple(broken)}")
        finally:
            if self.url is None:
                conn.execute("PRAGMA foreign_keys = ON")

    def _write(self, conn: sqlite3.Connection, actor: str | None, station: str | None) -> Iterator[Tx]:
        try:
            if self.url is not None:  # one writer at a time, as SQLite's write lock (store/pg.py)
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")
            else:
                _begin_immediate(conn)
        except sqlite3.OperationalError as exc:
            raise _unavailable(self.path, exc) from exc
        try:
            self.check_file()  # under the write lock: a replaced or deleted file is never written to
        except DatabaseFileChanged:
            conn.execute("ROLLBACK")
            self._let_go()
            raise
        tx = Tx(self.db, actor, station)
        try:
            yield tx
            if not tx.event_ids:
                raise RuntimeError("a write transaction must record at least one event")
            conn.execute("COMMIT")
        except NoChange:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except PermissionDenied as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._record_refusal(exc, actor, station)
            raise
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise _unavailable(self.path, exc) from exc
            raise


WRITE_RETRY = (0.001, 0.004)  # s: a writer waiting for the lock tries again after this long (at random)


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock by trying again every 1–4 ms until the busy timeout.
    SQLite's own busy handler backs off to 100 ms between tries, so a writer waiting behind busy ones saw the
    lock free only by luck (bench/writes.py: 8 writers in a tight loop, the longest wait 4.3 s); trying often
    finds the moment between one writer's COMMIT and its next BEGIN."""
    conn.execute("PRAGMA busy_timeout = 0")  # (~2 µs each way) the other statements keep the handler
    try:
        _while_busy(lambda: conn.execute("BEGIN IMMEDIATE"), WRITE_RETRY)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _while_busy(attempt: Callable[[], object], pause: tuple[float, float]) -> None:
    """``attempt()`` again after a random pause in ``pause`` (s) while SQLite answers locked or busy, until
    the busy timeout; then, or on any other error, that error."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            attempt()
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(*pause))


def _refusal_event(store: Store, exc: PermissionDenied, actor: str | None, station: str | None) -> None:
    with store.write(actor=exc.staff_no or actor, station=station) as tx:
        tx.event("permissions", exc.action or None, "refused", after={"reason": str(exc)})


def _unavailable(path: Path, exc: sqlite3.Error) -> ButlerError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable(tr("database {path} is read-only: {text}", path=path, text=text))
    if "full" in text:
        return StoreUnavailable(tr("disk full while writing {path}: nothing was changed", path=path))
    if "locked" in text or "busy" in text:
        return StoreUnavailable(tr("database {path} stayed locked for {seconds} s: try again",
                                   path=path, seconds=BUSY_TIMEOUT_MS // 1000))
    return StoreUnavailable(tr("database {path}: {text}", path=path, text=text))


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (guest data lives here)."""
    if not path.parent.exists():
        raise StoreUnavailable(tr("directory {parent} does not exist", parent=path.parent))
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreUnavailable(tr("cannot create database {path}: {strerror}",
                                  path=path, strerror=exc.strerror)) from exc
    os.close(fd)


def _enable_wal(db: Connection, path: Path) -> None:
    """Switch a new file to WAL. Several stations starting on a new file race for the exclusive lock
    this needs, and SQLite may answer SQLITE_BUSY without calling the busy handler; so retry, with
    jitter, until the busy timeout."""
    def attempt() -> None:
        if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.conn.execute("PRAGMA journal_mode = WAL")

    try:
        _while_busy(attempt, (0.005, 0.05))
    except sqlite3.OperationalError as exc:
        raise _unavailable(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(tr("{path} is not a butler database (not SQLite)", path=path)) from exc


__all__ = ["DatabaseFileChanged", "SchemaTooNew", "Store", "Tx", "file_change", "file_identity"]
