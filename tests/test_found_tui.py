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


async def test_a_dimmed_key_says_why_at_once_and_opens_nothing(demo_db: Path):
    """X (dispose) is dimmed for a butler and s (store) on a returned item: pressing either says why in the
    service's words at once — no "dispose?" question, no form that refuses only when saved."""
    app = ButlerApp(demo_db, "floors-high", "2002")  # 苏青青, a floor butler
    async with app.run_test(size=(120, 36)) as pilot:
        kept = found.add_item(app.store, "Silk scarf", "1208", by="2002")
        given = found.add_item(app.store, "Reading glasses", "lobby bar", by="2002")
        found.return_item(app.store, given, "Mr Lee", "passport E1234", by="2002")
        await pilot.press("f")
        board: FoundScreen = await await_until(pilot, lambda: on_screen(app, FoundScreen) and app.screen)
        await pilot.press("o")  # every item, the returned one too
        await await_until(pilot, lambda: app.actor is not None and len(_keys(board)) == 2)
        table = board.active_table()
        table.move_cursor(row=table.get_row_index(str(kept)))
        await pilot.press("X")
        await await_until(pilot, lambda: any("may not dispose of a lost & found item" in str(n.message)
                                             for n in app._notifications))
        assert on_screen(app, FoundScreen)  # no confirm was opened
        assert found.get_item(app.store, kept).status == "found"

        table.move_cursor(row=table.get_row_index(str(given)))
        await pilot.press("s")
        await await_until(pilot, lambda: any("was returned to Mr Lee" in str(n.message) for n in app._notifications))
        assert on_screen(app, FoundScreen)  # no store form was opened

        table.move_cursor(row=table.get_row_index(str(kept)))
        await pilot.press("R")  # the return form says what is missing in its own words (no CLI flag)
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-to", Input).value = "Ms Chen"
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error", Label)
        await await_until(pilot, lambda: "give the ID they showed" in str(error.content))
        assert "--" not in str(error.content)
