"""A station notices within seconds that its database file was deleted, replaced or moved, and stops:
a full-screen notice, only quitting left, and nothing more written — neither to the file it opened nor to
whatever now stands at its path."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from butler_tui.app import ButlerApp
from butler_tui.errors import DatabaseFileChanged
from butler_tui.services import messaging
from butler_tui.store import Store, feed
from butler_tui.store.database import file_change, file_identity
from butler_tui.ui.compose import ComposeScreen
from butler_tui.ui.stopped import StoppedScreen

from .conftest import await_until, on_screen


def _events(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def _change(path: Path, how: str) -> Path | None:
    """Do to the file what an operator might; the file now at the path, if any."""
    if how == "deleted":
        path.unlink()
        return None
    if how == "moved":
        path.rename(path.with_name("elsewhere.db"))
        return None
    other = path.with_name("other.db")
    shutil.copy(path, other)
    os.replace(other, path)  # mv other.db hotel.db
    return path


def test_the_identity_check_names_each_change(tmp_path: Path):
    path = tmp_path / "hotel.db"
    path.write_bytes(b"x")
    identity = file_identity(path)
    assert identity is not None
    assert file_change(path, identity) is None
    path.rename(tmp_path / "away.db")
    assert file_change(path, identity) == "gone"  # deleted or moved: a stat alone cannot tell
    assert file_change(path, identity, "moved") == "moved"
    assert file_change(path, identity, "deleted") == "deleted"
    path.write_bytes(b"x")
    assert file_change(path, identity) == "replaced"
    assert file_change(path, identity, "deleted") == "replaced"  # deleted, then another file put there


@pytest.mark.parametrize("how", ["deleted", "replaced", "moved"])
def test_a_store_refuses_to_write_once_its_file_changed(demo_db: Path, how: str):
    store = Store(demo_db)
    try:
        messaging.send(store, from_station="fo", to="lobby", body="before")
        now_there = _change(demo_db, how)
        before = _events(now_there) if now_there else 0
        with pytest.raises(DatabaseFileChanged) as refused:
            messaging.send(store, from_station="fo", to="lobby", body="after")
        assert "stopped, nothing more is written" in str(refused.value)
        if now_there:
            assert _events(now_there) == before
        else:
            assert not demo_db.exists()  # a new connection did not create an empty file at the path
        with pytest.raises(DatabaseFileChanged):  # and it stays stopped: reads too
            store.scalar("SELECT 1")
    finally:
        store.close()


def _follow(path: Path, reasons: list[str]) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A follower on ``path``, running (it has delivered a commit: its watch is on) when returned."""
    identity = file_identity(path)  # as a station has it: from when it opened the file
    told, stop, running = threading.Event(), threading.Event(), threading.Event()

    def on_file_change(reason: str) -> None:
        reasons.append(reason)
        told.set()

    follower = threading.Thread(target=feed.follow, args=(path, lambda events: running.set()),
                                kwargs={"interval": 0.05, "stop": stop, "on_file_change": on_file_change,
                                        "identity": identity, "start_at": 0},
                                daemon=True)
    follower.start()
    assert running.wait(timeout=5)
    return follower, told, stop


@pytest.mark.parametrize("how", ["deleted", "replaced", "moved"])
def test_the_feed_says_what_happened_to_the_file_and_ends(demo_db: Path, how: str):
    reasons: list[str] = []
    follower, told, stop = _follow(demo_db, reasons)
    try:
        _change(demo_db, how)
        assert told.wait(timeout=5), "the feed did not notice"
        follower.join(timeout=5)
        assert not follower.is_alive()
    finally:
        stop.set()
    expected = {how}
    probe = feed.FileWatch.open(demo_db.parent / "x.db")
    if probe is None:  # no inotify: a stat alone cannot tell deleted from moved
        expected |= {"gone"}
    else:
        probe.close()
    assert len(reasons) == 1 and reasons[0] in expected


def test_without_a_callback_the_feed_raises(demo_db: Path):
    identity = file_identity(demo_db)
    demo_db.unlink()
    with pytest.raises(DatabaseFileChanged):
        feed.follow(demo_db, lambda events: None, interval=0.05, stop=threading.Event(), identity=identity)


@pytest.mark.parametrize("how", ["deleted", "replaced", "moved"])
async def test_the_station_stops_with_a_full_screen_notice(demo_db: Path, how: str):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.station is not None)
        now_there = _change(demo_db, how)
        before = _events(now_there) if now_there else 0
        await await_until(pilot, lambda: on_screen(app, StoppedScreen), timeout=5)
        text = str(app.screen.query_one("#stopped-reason").render())
        assert "This station has stopped" in str(app.screen.query_one("#stopped-title").render())
        assert {"deleted": "was deleted", "moved": "moved", "replaced": "was replaced"}[how] in text
        assert "nothing more is written" in text
        await pilot.press("m")  # no key but quit does anything
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StoppedScreen)
        assert not any(isinstance(s, ComposeScreen) for s in app.screen_stack)
        with pytest.raises(DatabaseFileChanged):
            messaging.send(app.store, from_station="lobby", to="fo", body="after the file changed")
        if now_there:
            assert _events(now_there) == before
        else:
            assert not demo_db.exists()
        await pilot.press("ctrl+q")
    assert app.return_code == 0 or app.return_code is None


async def test_the_stop_screen_speaks_the_station_language(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002", language="zh")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.station is not None)
        demo_db.unlink()
        await await_until(pilot, lambda: on_screen(app, StoppedScreen), timeout=5)
        assert "本工作站已停止" in str(app.screen.query_one("#stopped-title").render())
        text = str(app.screen.query_one("#stopped-reason").render())
        assert "已被删除" in text and "不再写入任何内容" in text
        assert not demo_db.exists()
