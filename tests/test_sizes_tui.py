"""Issue 20: the station at 80×24 and at 200×50 — the floor grid keeps its columns, the way back stays in the
footer, an overdue departure's status is on the screen, and a wide terminal widens the text columns."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Footer, Static

from butler_tui.app import ButlerApp
from butler_tui.ui.arrivals import ArrivalsScreen
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen

BUTLER = "2003"  # a floor butler of floors-mid


async def _rooms(app: ButlerApp, pilot) -> RoomsScreen:
    await pilot.press("t")
    await await_until(pilot, lambda: on_screen(app, RoomsScreen) and app.screen.data is not None)
    await pilot.pause()
    return app.screen


async def test_the_floor_grid_keeps_every_room_in_its_column_at_80(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _rooms(app, pilot)
        board = screen.query_one("#room-board", Static)
        lines = str(board.render()).splitlines()
        headers = [line for line in lines if line.lstrip()[:3] in ("01 ", "19 ")]
        floors = [line for line in lines if line.lstrip()[:3] in ("10F", "9F ", "8F ", "7F ")]
        assert len(headers) == 2 and len(floors) == 8  # each floor in two blocks: rooms 01–18, then 19–25
        assert all(len(line.rstrip()) <= 78 for line in headers + floors)  # no line wraps
    async with ButlerApp(demo_db, "floors-mid", BUTLER).run_test(size=(120, 36)) as pilot:
        screen = await _rooms(pilot.app, pilot)
        lines = str(screen.query_one("#room-board", Static).render()).splitlines()
        assert len([line for line in lines if line.lstrip().startswith("10F")]) == 1  # one line a floor


async def test_esc_back_comes_first_in_the_footer_on_the_scheduled_tab_in_chinese(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER, language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _rooms(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        shown = [active for active in screen.active_bindings.values() if active.binding.show]
        assert shown[0].binding.action == "back"
        footer = screen.query_one(Footer)
        first = footer.query("FooterKey").first()
        assert first.region.right <= 80 and "返回" in str(first.render())


async def test_an_overdue_departure_shows_its_status_at_80(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen))
        await pilot.press("2")
        table = app.screen.query_one("#table-departures", KeyedTable)
        await await_until(pilot, lambda: table.row_count > 0)
        x = sum(c.get_render_width(table) for key, c in table.columns.items() if key != "status"
                and list(table.columns).index(key) < list(table.columns).index("status"))
        assert x + table.columns["status"].get_render_width(table) <= table.scrollable_content_region.width


async def test_a_wide_terminal_widens_the_task_column(demo_db: Path):
    widths = {}
    for size in ((120, 36), (200, 50)):
        app = ButlerApp(demo_db, "floors-mid", BUTLER)
        async with app.run_test(size=size) as pilot:
            screen = await _rooms(app, pilot)
            table = screen.query_one("#task-table", KeyedTable)
            await pilot.pause()
            widths[size] = table.columns["task"].width
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.scrollable_content_region.width
    assert widths[(120, 36)] >= 20
    assert widths[(200, 50)] >= widths[(120, 36)] + 70  # the 80 columns more go to the task's name
