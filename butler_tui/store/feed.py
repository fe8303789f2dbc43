"""The change feed: how a station learns that anything changed, in this process or another.

A dedicated connection polls ``PRAGMA data_version`` (≈4 µs; it changes only when *another*
connection commits — which is why this connection must never write), and only when it moved does
it read ``events WHERE id > last``. Events are the append-only audit log, so nothing is missed
(``AUTOINCREMENT`` ids are never reused).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from butler_tui.models import Event
from butler_tui.store.database import BUSY_TIMEOUT_MS
from butler_tui.store.history import expand_after


class ChangeFeed:
    def __init__(self, path: str | Path, *, start_at: int | None = None):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self.last_id = start_at if start_at is not None else -1

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.last_id < 0:
                self.last_id = int(self._conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        return self._conn

    def changed(self) -> bool:
        """Cheap check: has another connection committed since the last call?"""
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        moved = version != self._data_version
        self._data_version = version
        return moved

    def poll(self, limit: int = 1000) -> list[Event]:
        """New events since the last poll (empty when nothing moved)."""
        if not self.changed():
            return []
        return self.read_new(limit)

    def read_new(self, limit: int = 1000) -> list[Event]:
        out: list[Event] = []
        while True:
            rows = self.conn.execute(
                "SELECT id, at, actor, station, entity, entity_id, action, before, after FROM events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (self.last_id, limit),
            ).fetchall()
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
            if len(rows) < limit:
                return out

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def follow(
    path: str | Path,
    deliver: Callable[[list[Event]], object],
    *,
    interval: float,
    stop: threading.Event,
    start_at: int | None = None,
) -> None:
    """Poll the feed every ``interval`` seconds and hand new events to ``deliver`` until ``stop``.

    This is the loop every open station runs (in a thread worker); the propagation benchmark runs it
    too. The wait is the poll interval, which is the floor of cross-station latency."""
    feed = ChangeFeed(path, start_at=start_at)
    try:
        while not stop.is_set():
            events = feed.poll()
            if events:
                deliver(events)
            stop.wait(interval)
    finally:
        feed.close()
