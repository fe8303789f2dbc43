"""The change feed on both backends: a change committed by another process reaches a follower, and on
PostgreSQL nothing is missed across a dropped connection (the follower catches up by event id)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from butler_tui.models import Event
from butler_tui.store import Store, feed

from .conftest import wait_until

WRITER = """
import sys
from butler_tui.store import Store
store = Store(sys.argv[1])
for i in range(int(sys.argv[2])):
    with store.write("9001", "lobby") as tx:
        tx.event("bench", str(i), "note", after={"n": i})
store.close()
"""


class Follower:
    def __init__(self, address: str | Path, start_at: int):
        self.events: list[Event] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=feed.follow, args=(address, self.events.extend),
                                       kwargs={"interval": 0.05, "stop": self.stop, "start_at": start_at},
                                       daemon=True)

    def notes(self) -> list[str]:
        return [e.entity_id or "" for e in self.events if e.entity == "bench"]


@pytest.fixture
def follower(store: Store) -> Iterator[Follower]:
    f = Follower(str(store.url or store.path), store.scalar("SELECT coalesce(max(id), 0) FROM events"))
    f.thread.start()
    yield f
    f.stop.set()
    f.thread.join(5)


def _write_elsewhere(address: str, count: int) -> None:
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", WRITER, address, str(count)], check=True, timeout=60,
                   env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "BUTLER_LANG": "en"})


def test_a_change_committed_by_another_process_reaches_the_follower(store: Store, follower: Follower):
    _write_elsewhere(str(store.url or store.path), 5)
    wait_until(lambda: len(follower.notes()) == 5, timeout=10)
    assert follower.notes() == ["0", "1", "2", "3", "4"]  # in commit order, each once


def test_nothing_is_missed_across_a_dropped_connection(store: Store, follower: Follower):
    if store.url is None:
        pytest.skip("PostgreSQL's connection (a SQLite file has none to drop)")
    listening = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'butler-feed'"
                 " AND datname = current_database()")  # this test's follower, not another test's
    wait_until(lambda: store.scalar(listening), timeout=5)
    with store.write("9001", "lobby") as tx:
        tx.event("bench", "before", "note")
    wait_until(lambda: follower.notes() == ["before"], timeout=10)
    # the station's LISTEN connection is cut (a server restart, a dropped link); meanwhile events are written
    assert store.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = 'butler-feed' AND datname = current_database()") == 1
    for i in range(3):
        with store.write("9001", "lobby") as tx:
            tx.event("bench", f"during {i}", "note")
    wait_until(lambda: len(follower.notes()) == 4, timeout=10)
    assert follower.notes() == ["before", "during 0", "during 1", "during 2"]
