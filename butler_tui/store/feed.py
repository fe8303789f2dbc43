"""The change feed: how a station learns that anything changed, in this process or another.

A dedicated connection polls ``PRAGMA data_version`` (≈4 µs; it changes only when *another*
connection commits — which is why this connection must never write), and only when it moved does
it read ``events WHERE id > last``. Events are the append-only audit log, so nothing is missed
(``AUTOINCREMENT`` ids are never reused).

When to poll: on Linux the loop sleeps on inotify until the database file or its WAL is written
(every commit writes the WAL), polls at once, and again a few times over the next ~30 ms — a commit
becomes visible a moment after its WAL write (the fsync, then the index in ``-shm``, which is
memory-mapped: no inotify event). For a couple of seconds after a change it also wakes every interval
(a burst comes as several commits; a late index update is still caught); otherwise only every
:data:`IDLE_WAIT` s, so sixty idle stations cost the machine next to nothing (one idle station: 0.37
→ 0.11 % of a core), and a change is seen as it is written instead of on the next 50 ms tick. Where
inotify is missing (not Linux, the watch limit reached) the loop polls at the interval, as before.

The file itself: the loop checks at most every :data:`IDLE_WAIT` s (one ``stat``), and at once when
inotify says the name was deleted, moved or replaced, that the path still names the file the station
opened (``st_dev``, ``st_ino``). When it does not, the follower says so and ends: a station must not go
on showing, or writing to, a file that is no longer the hotel's.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from butler_tui.models import Event
from butler_tui.store.database import BUSY_TIMEOUT_MS, FileIdentity, file_change, file_changed_error, file_identity
from butler_tui.store.history import expand_after
from butler_tui.store.instants import row_factory

FEED_APPLICATION = "butler-feed"  # PostgreSQL: the application_name of a feed's LISTEN connection


class HistoryReplaced(Exception):
    """The file at the path holds another history than the one the feed was following."""


def _server_url(path: str | Path) -> str | None:
    address = str(path) if isinstance(path, str) else None
    return address if address is not None and address.startswith(("postgresql://", "postgres://")) else None


class ChangeFeed:
    """New events since the last read. On PostgreSQL (a ``postgresql://`` address) the connection also
    LISTENs on ``butler_events`` (every event's insert NOTIFYs it, store/pg.py); :meth:`wait` sleeps on it.
    Either way the events are read by id (``id > last``), so a notification lost with a dropped connection
    or a restart loses nothing: the next read catches up."""

    def __init__(self, path: str | Path, *, start_at: int | None = None):
        self.url = _server_url(path)
        self.path = Path(path)
        self._conn: Any = None
        self._data_version: int | None = None
        self.last_id = start_at if start_at is not None else -1
        self._last_mark: tuple[Any, ...] | None = None  # (at, hash) of event last_id as first read

    @property
    def conn(self) -> Any:
        """The feed's own connection, opened on first use; a feed without ``start_at`` starts at the newest
        event there is then."""
        if self._conn is None:
            if self.url is not None:
                from butler_tui.store import pg

                self._conn = pg.connect(self.url, application_name=FEED_APPLICATION)
                self._conn.raw.execute(f"LISTEN {pg.CHANNEL}")
            else:
                from urllib.parse import quote

                self._conn = sqlite3.connect(  # mode=rw: a file deleted meanwhile is not made anew, empty
                    f"file:{quote(str(self.path.resolve()))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None, check_same_thread=False,
                )
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self._conn.row_factory = row_factory()
            if self.last_id < 0:
                self.last_id = int(self._conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        return self._conn

    def changed(self) -> bool:
        """Cheap check: has another connection committed since the last call? (PostgreSQL: always read by
        id; :meth:`wait` is what sleeps until there is something to read.)"""
        if self.url is not None:
            return True
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        moved = version != self._data_version
        self._data_version = version
        return moved

    def history_intact(self) -> bool:
        """Is the last event this feed saw still there, as it was? A file copied over the database in
        place (``cp backup.db hotel.db``: same inode, so no rename to notice) holds another history: that
        event is gone or different, and the station must stop rather than write into someone else's."""
        self.conn  # noqa: B018 - opened first: a feed that starts at the newest event learns which one it is
        if self.last_id <= 0:
            return True
        row = self.conn.execute("SELECT at, hash FROM events WHERE id = ?", (self.last_id,)).fetchone()
        mark = tuple(row) if row is not None else None
        if self._last_mark is None:
            self._last_mark = mark
            return mark is not None
        return mark == self._last_mark

    def poll(self, limit: int = 1000) -> list[Event]:
        """New events since the last poll (empty when nothing moved); :class:`HistoryReplaced` when the
        file now holds another history than the one followed so far."""
        if not self.changed():
            return []
        return self.read_new(limit)

    def read_new(self, limit: int = 1000) -> list[Event]:
        """Events after ``last_id``, read from ``last_id`` itself so that one query also checks the
        history is the one followed (the event last seen is still there, as it was)."""
        out: list[Event] = []
        self.conn  # noqa: B018 - opened first: it sets ``last_id`` to the newest event when the feed starts there
        check = self.last_id > 0
        while True:
            rows = self.conn.execute(
                "SELECT id, at, actor, station, entity, entity_id, action, before, after, hash FROM events"
                f" WHERE id {'>=' if check else '>'} ? ORDER BY id LIMIT ?",
                (self.last_id, limit + 1 if check else limit),
            ).fetchall()
            if check:
                check = False
                if rows and rows[0][0] == self.last_id:
                    mark = (rows[0][1], rows[0][9])
                    if self._last_mark is not None and mark != self._last_mark:
                        raise HistoryReplaced
                    self._last_mark = mark
                    rows = rows[1:]
                elif not self._archived(rows[0][0] if rows else None):
                    raise HistoryReplaced
            for row in rows:
                after = expand_after(self.conn, row[4], row[6], row[5], row[8])
                out.append(
                    Event(
                        id=row[0], at=row[1], actor=row[2], station=row[3], entity=row[4], entity_id=row[5],
                        action=row[6], before=json.loads(row[7]) if row[7] else None,
                        after=json.loads(after) if after else None,
                    )
                )
                self.last_id = row[0]
                self._last_mark = (row[1], row[9])
            if len(rows) < limit:
                return out

    def _archived(self, next_id: int | None) -> bool:
        """The event last seen is gone: moved out by ``butler archive`` (the history goes on), or another
        history is in place (a restore)? The archive anchors the chain over its gap: the first event left after
        it keeps the hash of the one before it, which is this one's when it moved."""
        if next_id is None or self._last_mark is None:
            return False
        row = self.conn.execute("SELECT prev_hash FROM event_chain_anchors WHERE event_id = ?", (next_id,)).fetchone()
        return row is not None and row[0] is not None and bytes(row[0]) == bytes(self._last_mark[1] or b"")

    def wait(self, seconds: float) -> bool:
        """PostgreSQL: sleep until an event is notified (``True``) or ``seconds`` pass; a dropped connection
        is let go (the next read opens another and catches up by id)."""
        import psycopg

        try:
            raw = self.conn.raw
            woken = any(True for _ in raw.notifies(timeout=seconds, stop_after=1))
            if woken:  # the rest of a burst's notifications: one read takes all their events
                for _ in raw.notifies(timeout=0):
                    pass
            return woken
        except psycopg.Error:
            self.drop()
            return False

    def drop(self) -> None:
        """Let go of a connection that failed (a server restart, a dropped link)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


HOT_SECONDS = 2.0  # after a write, poll at the interval this long
IDLE_WAIT = 0.5  # longest sleep while nothing is written (also how soon ``stop`` is noticed)
SETTLE = (0.001, 0.002, 0.004, 0.008, 0.016)  # polls after a write is seen, until its commit shows


class FileWatch:
    """Sleep until the database (or its WAL / journal) is written: Linux inotify on its directory,
    through ``inotify_simple`` (a small ctypes wrapper: no thread, no C extension). ``None`` from
    :meth:`open` where that cannot be had; the caller polls instead."""

    def __init__(self, inotify: Any, names: set[str], name: str = "", flags: Any = None):
        self._inotify = inotify
        self._names = names
        self._name = name
        self._flags = flags
        self.file_event: str | None = None
        """Set when the database's own name was deleted (``deleted``), moved away (``moved``), had
        another file put in its place (``replaced``) or its attributes changed (``attrib``): the
        follower checks the file at once. Cleared by :meth:`take_file_event`."""

    @classmethod
    def open(cls, path: Path) -> FileWatch | None:
        try:
            from inotify_simple import INotify, flags
        except ImportError:  # not Linux (the dependency is declared for Linux only)
            return None
        try:
            inotify = INotify()
            inotify.add_watch(str(path.resolve().parent), flags.MODIFY | flags.CREATE | flags.MOVED_TO
                              | flags.DELETE | flags.MOVED_FROM | flags.ATTRIB)
        except OSError:  # no inotify in this kernel/container, or the per-user watch limit is reached
            return None
        name = path.name
        return cls(inotify, {name, f"{name}-wal", f"{name}-journal"}, name, flags)

    def wait(self, seconds: float) -> bool:
        """Block up to ``seconds``; ``True`` when the database was written meanwhile."""
        events = self._inotify.read(timeout=int(seconds * 1000))
        for event in events:
            if event.name == self._name and self._flags is not None:
                mask = event.mask
                if mask & self._flags.DELETE:
                    self.file_event = "deleted"
                elif mask & self._flags.MOVED_FROM:
                    self.file_event = "moved"
                elif mask & (self._flags.MOVED_TO | self._flags.CREATE):
                    self.file_event = "replaced"
                elif mask & self._flags.ATTRIB and self.file_event is None:
                    self.file_event = "attrib"
        return any(event.name in self._names for event in events)

    def take_file_event(self) -> str | None:
        event, self.file_event = self.file_event, None
        return event

    def close(self) -> None:
        self._inotify.close()


def follow(
    path: str | Path,
    deliver: Callable[[list[Event]], object],
    *,
    interval: float,
    stop: threading.Event,
    start_at: int | None = None,
    identity: FileIdentity | None = None,
    on_file_change: Callable[[str], object] | None = None,
    started: threading.Event | None = None,
) -> None:
    """Hand new events to ``deliver`` as they are committed, until ``stop`` — or until ``path`` no longer
    names the file it named at the start (``identity``, when the caller opened it earlier): then
    ``on_file_change(reason)`` is called (``deleted``, ``moved``, ``replaced`` or ``gone``) and the loop
    ends; without ``on_file_change`` it raises :class:`~butler_tui.errors.DatabaseFileChanged`.
    ``started`` is set once the feed is connected and ready to deliver.

    This is the loop every open station runs (in a thread worker); the propagation benchmark runs it
    too. With a file watch it sleeps until the file is written (at most ``interval`` s for a couple of
    seconds after a change, :data:`IDLE_WAIT` s otherwise), then polls at once and a few times more
    over the next ~30 ms: a commit is visible a moment after its WAL write (the fsync of
    ``synchronous=FULL``, then the index in ``-shm``). Without a watch it polls every ``interval`` s."""
    if _server_url(path) is not None:
        _follow_server(str(path), deliver, interval=interval, stop=stop, start_at=start_at, started=started,
                       on_file_change=on_file_change)
        return
    db = Path(path)
    if identity is None:
        identity = file_identity(db)
    feed = ChangeFeed(db, start_at=start_at)
    watch = FileWatch.open(db)
    hot_until = time.monotonic() + HOT_SECONDS
    checked = float("-inf")

    def file_changed(hint: str | None = None) -> bool:
        nonlocal checked
        checked = time.monotonic()
        reason = file_change(db, identity, hint)
        if reason is None:
            return False
        deadline = time.monotonic() + 0.1
        while reason == "gone" and watch is not None and time.monotonic() < deadline:
            # inotify says which (the name's DELETE or MOVED_FROM may come a moment after its ATTRIB)
            watch.wait(0.02)
            reason = file_change(db, identity, watch.take_file_event()) or "gone"
        if on_file_change is None:
            raise file_changed_error(db, reason)
        on_file_change(reason)
        return True

    def pass_on() -> bool:
        events = feed.poll()
        if events:
            deliver(events)
        return bool(events)

    try:
        if file_changed():
            return
        _start(feed, started)
        while not stop.is_set():
            if time.monotonic() - checked >= IDLE_WAIT and file_changed():
                return
            if pass_on():
                hot_until = time.monotonic() + HOT_SECONDS
            if watch is None:
                stop.wait(interval)
                continue
            if watch.wait(interval if time.monotonic() < hot_until else IDLE_WAIT):
                hot_until = time.monotonic() + HOT_SECONDS
                for pause in SETTLE:
                    if pass_on() or stop.wait(pause):
                        break
            if watch.file_event is not None and file_changed(watch.take_file_event()):
                return
    except HistoryReplaced:
        _replaced(db, on_file_change)
    finally:
        feed.close()
        if watch is not None:
            watch.close()


def _start(feed: ChangeFeed, started: threading.Event | None) -> None:
    """What both loops do before their first read: build the event model's validator now, in the follower's
    thread (it is built on first use — ``defer_build``, for a quick CLI start — and that first use, pydantic's
    plugin scan included, took 15–35 ms, so a station's first change after a start arrived that much later than
    the rest); connect, and take the newest event as the last one seen; then say so."""
    Event(id=0, at="2000-01-01T00:00:00.000000+00:00", entity="events", action="warm")
    feed.history_intact()
    if started is not None:
        started.set()


def _replaced(where: Path | str, on_file_change: Callable[[str], object] | None) -> None:
    """Another history is in place (a file copied over, a restore): told, or raised when nobody listens."""
    if on_file_change is None:
        raise file_changed_error(where, "replaced") from None
    on_file_change("replaced")


RECONNECT_PAUSE = 0.2  # after a dropped connection, before the next try (the server restarting)
SAFETY_READ = 5.0  # PostgreSQL: read by id this often even when nothing was notified


def _follow_server(url: str, deliver: Callable[[list[Event]], object], *, interval: float,
                   stop: threading.Event, start_at: int | None, started: threading.Event | None = None,
                   on_file_change: Callable[[str], object] | None = None) -> None:
    """:func:`follow` on PostgreSQL: read what is new, then sleep on the LISTEN connection until an event is
    notified (at most ``interval`` s for a couple of seconds after a change, :data:`IDLE_WAIT` s otherwise).
    A dropped connection or a server restart is survived: the feed reconnects and reads by id from the last
    event it delivered, so nothing committed meanwhile is missed. Another history in the database (``butler
    restore``) is told ``on_file_change("replaced")``, as a file replaced is, and ends the loop."""
    from butler_tui.store.pg import is_transient

    feed = ChangeFeed(url, start_at=start_at)
    hot_until = time.monotonic() + HOT_SECONDS
    read_at = float("-inf")
    notified = True
    try:
        _start(feed, started)
        while not stop.is_set():
            # read when notified, when the connection is new (catch-up), and every SAFETY_READ s anyway
            if notified or feed._conn is None or time.monotonic() - read_at >= SAFETY_READ:
                try:
                    events = feed.poll()
                except Exception as exc:  # the connection lost, or the server not there (yet)
                    if not is_transient(exc):
                        raise
                    feed.drop()
                    stop.wait(RECONNECT_PAUSE)
                    continue
                read_at = time.monotonic()
                if events:
                    deliver(events)
                    hot_until = time.monotonic() + HOT_SECONDS
            notified = feed.wait(interval if time.monotonic() < hot_until else IDLE_WAIT)
            if notified:
                hot_until = time.monotonic() + HOT_SECONDS
    except HistoryReplaced:
        _replaced(url, on_file_change)
    finally:
        feed.close()
