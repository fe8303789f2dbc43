"""The lost & found board on the station: f opens it, n logs an item, s stores it; disposing is dimmed
for a butler; a bad room is an inline error in the form."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label

from butler_tui.app import ButlerApp
from butler_tui.services import found
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.found import FoundScreen

from .conftest import await_until, on_screen


def _keys(screen: FoundScreen) -> list[str]:
    return [str(k.value) for k in screen.active_table().rows]


async def test_f_opens_the_register_and_n_logs_an_item_then_s_stores_it(demo_db: Path):
    app = ButlerApp(demo_db, "floors-high", "2002")  # 苏青青, a floor butler
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f")
        board: FoundScreen = await await_until(pilot, lambda: on_screen(app, FoundScreen) and app.screen)
        await await_until(pilot, lambda: app.actor is not None and "Open items 0" in str(
            board.query_one("#found-head").content))
        # A room that does not exist: the form says so and stays open.
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-what", Input).value = "Black umbrella [b]"
        form.query_one("#field-where", Input).value = "9999"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "no room 9999" in str(form.query_one("#form-error", Label).content))
        form.query_one("#field-where", Input).value = "1208"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, FoundScreen) and len(_keys(board)) == 1)
        item_id = _keys(board)[0]
        table = board.active_table()
        assert str(table.get_cell(item_id, "what")) == "Black umbrella [b]"  # markup shown as typed
        assert str(table.get_cell(item_id, "status")).startswith("found")
        assert str(table.get_cell(item_id, "where")) == "1208"
        # A butler may not dispose of items: the key is dimmed.
        await await_until(pilot, lambda: any(k.key == "X" and k.has_class("-disabled")
                                             for k in board.query("FooterKey")))
        await pilot.press("s")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-at", Input).value = "Floor 12 pantry"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, FoundScreen)
                          and str(board.active_table().get_cell(item_id, "kept")) == "Floor 12 pantry")
        item = found.get_item(app.store, int(item_id))
        assert (item.status, item.found_by, item.station, item.kept_at) == ("stored", "2002", "floors-high",
                                                                           "Floor 12 pantry")
