"""A station keeps up: a read overtaken by newer changes is finished and used, never thrown away, so
a steady stream of changes on a slow file cannot freeze what the station shows (issue 15)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from butler_tui import app as app_module
from butler_tui.app import ButlerApp
from butler_tui.services import messaging
from butler_tui.store import Store

from .conftest import await_until

READ_SECONDS = 0.15  # a station-state read on a busy year-old file, when the machine is loaded


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    real = app_module.station_state

    def slow(store: Store, station: str) -> object:
        time.sleep(READ_SECONDS)  # stands for the read's cost, in the read's own thread
        return real(store, station)

    monkeypatch.setattr(app_module, "station_state", slow)


async def test_the_bar_moves_during_a_stream_of_changes_and_ends_equal_to_the_database(demo_db: Path,
                                                                                         slow_reads: None):
    app = ButlerApp(demo_db, "lobby", "1002")
    sender = Store(demo_db)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await await_until(pilot, lambda: app.state is not None)
            shown = {app.unacked}
            for i in range(40):  # a call every ~50 ms for two seconds: faster than one read
                messaging.send(sender, from_station="fo", to="lobby", body=f"Call {i}")
                await pilot.pause(0.05)
                shown.add(app.unacked)
            # Reads finished and were shown while the stream went on (they were not all cancelled) …
            assert len(shown) >= 3, shown
            # … and once it stops, the bar says exactly what the database says.
            waiting = sender.scalar("SELECT count(*) FROM acks WHERE station_code = 'lobby' AND acked_at IS NULL")
            await await_until(pilot, lambda: app.unacked == waiting, timeout=10)
            assert app.state is not None and len(app.state.unacked) == waiting
    finally:
        sender.close()
