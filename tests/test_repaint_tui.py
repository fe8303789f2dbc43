"""A message shown on a station repaints what changed, not the whole screen (issue 15): Textual repaints
the whole top screen when a screen under it has handled a message, so the screens out of view are told
what they missed when they are on top again, not at each change."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual._compositor import Compositor
from textual.widgets import Digits

from butler_tui.app import ButlerApp
from butler_tui.services import messaging
from butler_tui.store import Store
from butler_tui.ui.home import HomeScreen
from butler_tui.ui.messages import MessagesScreen

from .conftest import await_until


@pytest.fixture
def full_repaints(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    real = Compositor.render_full_update

    def counting(self: Compositor, simplify: bool = False):  # type: ignore[no-untyped-def]
        counted[0] += 1
        return real(self, simplify)

    monkeypatch.setattr(Compositor, "render_full_update", counting)
    return counted


async def _receive(pilot, app: ButlerApp, sender: Store, n: int) -> None:
    for i in range(n):
        before = app.unacked
        messaging.send(sender, from_station="fo", to="all", body=f"Radio check {i}")
        await await_until(pilot, lambda before=before: app.unacked == before + 1)
        await pilot.pause(0.1)  # the bar, the banner and the open board redraw


async def test_messages_repaint_no_whole_screen_on_home_or_on_a_board(demo_db: Path, full_repaints: list[int]):
    app = ButlerApp(demo_db, "lobby", "1002")
    sender = Store(demo_db)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await await_until(pilot, lambda: app.state is not None and isinstance(app.screen, HomeScreen))
            await pilot.pause(0.3)
            full_repaints[0] = 0
            await _receive(pilot, app, sender, 4)
            assert full_repaints[0] == 0  # was 2 a message: Textual's default screen under home was told
            home = app.screen
            app.push_screen(MessagesScreen())
            await await_until(pilot, lambda: isinstance(app.screen, MessagesScreen))
            await pilot.pause(0.3)
            full_repaints[0] = 0
            await _receive(pilot, app, sender, 4)
            assert full_repaints[0] == 0  # the home screen under the log waits to be on top again
            unacked = app.unacked
            # … and when it is, it shows what came meanwhile.
            app.pop_screen()
            await await_until(pilot, lambda: app.screen is home)
            figure = home.query_one("#value-unacked_messages", Digits)
            await await_until(pilot, lambda: figure.value == str(unacked))
    finally:
        sender.close()
