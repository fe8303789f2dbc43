"""The change feed sleeps between commits (inotify on Linux) and still hears every commit at once.

An idle station used to poll ``PRAGMA data_version`` twenty times a second; sixty of them cost a
quarter of a core doing nothing. Now the feed's thread sleeps until the file is written. What a user
would notice if that went wrong: a message sent from another PC (here: another process) after a quiet
spell never shows, or shows late. So: a quiet spell longer than the feed's hot window, then a commit
from a second process, and the events arrive."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.store import feed
from tests.workers import processes, send_one


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's; elsewhere the feed polls")
def test_the_watch_wakes_on_another_process_commit(demo_db: Path):
    watch = feed.FileWatch.open(demo_db)
    assert watch is not None
    try:
        assert watch.wait(0.05) is False  # nothing written: it sleeps the whole time
        child = processes().Process(target=send_one, args=(str(demo_db), "written elsewhere"))
        child.start()
        woke = any(watch.wait(5.0) for _ in range(20))
        child.join(timeout=30)
        assert woke and child.exitcode == 0
    finally:
        watch.close()


def _last_event_id(path: Path) -> int:
    probe = feed.ChangeFeed(path)
    try:
        assert probe.conn is not None
        return probe.last_id
    finally:
        probe.close()


def test_a_commit_after_a_quiet_spell_is_delivered(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(feed, "HOT_SECONDS", 0.0)  # no hot window: the loop sleeps on the watch at once
    got: list[str] = []
    arrived = threading.Event()
    stop = threading.Event()

    def deliver(events) -> None:
        got.extend(e.entity for e in events)
        if "messages" in got:
            arrived.set()

    follower = threading.Thread(target=feed.follow, args=(demo_db, deliver),
                                kwargs={"interval": 0.05, "stop": stop, "start_at": _last_event_id(demo_db)},
                                daemon=True)
    follower.start()
    try:
        child = processes().Process(target=send_one, args=(str(demo_db), "after a quiet spell"))
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
        assert arrived.wait(timeout=10), f"no message event delivered; got {got}"
    finally:
        stop.set()
        follower.join(timeout=5)
    assert not follower.is_alive()  # stop is noticed within the idle wait


def test_without_inotify_the_feed_polls(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(feed.FileWatch, "open", classmethod(lambda cls, path: None))
    arrived = threading.Event()
    stop = threading.Event()
    follower = threading.Thread(target=feed.follow, args=(demo_db, lambda events: arrived.set()),
                                kwargs={"interval": 0.05, "stop": stop, "start_at": _last_event_id(demo_db)},
                                daemon=True)
    follower.start()
    try:
        child = processes().Process(target=send_one, args=(str(demo_db), "polled"))
        child.start()
        child.join(timeout=30)
        assert arrived.wait(timeout=10)
    finally:
        stop.set()
        follower.join(timeout=5)


def test_a_file_holding_another_history_stops_the_feed(demo_db: Path):
    """A file copied over the database in place keeps the inode, so no rename is seen: what gives it away
    is the history — the last event the station saw is not there any more as it was. Simulated by
    rewriting that event around the program (the trigger dropped and put back)."""
    import sqlite3

    from butler_tui.services import messaging
    from butler_tui.store import Store

    reasons: list[str] = []
    seen: list[int] = []
    heard, stopped = threading.Event(), threading.Event()

    def deliver(events) -> None:
        seen.extend(e.id for e in events)
        heard.set()

    def changed(reason: str) -> None:
        reasons.append(reason)
        stopped.set()

    stop = threading.Event()
    follower = threading.Thread(target=feed.follow, args=(demo_db, deliver),
                                kwargs={"interval": 0.05, "stop": stop, "on_file_change": changed,
                                        "start_at": _last_event_id(demo_db)}, daemon=True)
    follower.start()
    try:
        store = Store(demo_db)
        try:
            messaging.send(store, from_station="fo", to="lobby", body="seen by the station")
        finally:
            store.close()
        assert heard.wait(timeout=10)
        conn = sqlite3.connect(demo_db)
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_no_update'").fetchone()[0]
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET at = ? WHERE id = ?", (clock.ms("2020-01-01T00:00:00.000Z"), max(seen)))
        conn.execute(trigger)
        conn.commit()
        conn.close()
        assert stopped.wait(timeout=10), "the feed did not notice another history"
    finally:
        stop.set()
        follower.join(timeout=5)
    assert reasons == ["replaced"]
