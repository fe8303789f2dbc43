"""The handover screen: shown on start while unsigned, header says so, the incoming shift signs."""

from __future__ import annotations

from pathlib import Path

from butler_tui.app import ButlerApp
from butler_tui.services import handover
from butler_tui.store import Store
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.handover import HandoverScreen
from butler_tui.ui.station_bar import StationBar
from butler_tui.ui.table import KeyedTable

from .conftest import await_until, on_screen


async def test_unsigned_handover_is_shown_on_start_until_the_incoming_shift_signs(demo_address: Path | str):
    store = Store(demo_address)
    handover.sign_out(store, "lobby", staff_no="1001")
    store.close()
    app = ButlerApp(demo_address, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: on_screen(app, HandoverScreen) and app.screen.record is not None)
        bar = app.screen.query_one(StationBar)
        await await_until(pilot, lambda: "handover unsigned" in str(bar.content))
        state = str(app.screen.query_one("#handover-state").content)
        assert "HANDOVER UNSIGNED" in state and "方俭俭" in state
        await pilot.press("I")
        await await_until(pilot, lambda: app.screen.record is None)
        await await_until(pilot, lambda: "handover unsigned" not in str(app.screen.query_one(StationBar).content))
        assert handover.latest(app.store, "lobby").signed_in_by == "1002"


async def test_log_entry_and_correction_from_the_screen(demo_db: Path):
    app = ButlerApp(demo_db, "floors-high", "2001")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b")
        await await_until(pilot, lambda: on_screen(app, HandoverScreen))
        await pilot.press("n")
        await await_until(pilot, lambda: on_screen(app, FormScreen))
        from textual.widgets import Input, TextArea

        app.screen.query_one("#field-text", TextArea).text = "Fire door on 12F propped open [b]"
        app.screen.query_one("#field-high", Input).value = "y"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, HandoverScreen) and app.screen.entries)
        table = app.screen.query_one(KeyedTable)
        first = app.screen.entries[0]
        assert str(table.get_cell(str(first.id), "text")) == "Fire door on 12F propped open [b]"
        assert str(table.get_cell(str(first.id), "flag")) == "HIGH"
        await pilot.press("c")
        await await_until(pilot, lambda: on_screen(app, FormScreen))
        app.screen.query_one("#field-text", TextArea).text = "Door closed by security"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, HandoverScreen) and len(app.screen.entries) == 2)
        assert app.screen.entries[1].corrects_id == first.id
        assert str(table.get_cell(str(first.id), "ref")) == f"corrected by #{app.screen.entries[1].id}"


async def test_the_report_is_one_widget_that_shows_its_tables(demo_db: Path):
    """The report's tables are drawn inside one widget: Textual's Markdown made a widget of every table cell,
    and a busy lobby's report took seconds to lay out."""
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("b")
        await await_until(pilot, lambda: on_screen(app, HandoverScreen) and app.screen._markdown)
        await pilot.pause()
        screen = app.screen
        assert "| Open tasks |" in screen._markdown  # its figures are a Markdown table
        assert len(screen.query("#handover-report *")) == 1
        shown = "\n".join(line.text for line in screen.query_one("#handover-markdown").render_lines(
            screen.query_one("#handover-markdown").region.reset_offset))
        assert "Open tasks" in shown and "Overdue" in shown and "| Open tasks |" not in shown
