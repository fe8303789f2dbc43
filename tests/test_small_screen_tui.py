"""A new user's tryout at 80×24 (issue 17): every form fits the screen, its fields scroll and its save key
works; a long refusal wraps inside the form; the palette reaches every board."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label

from butler_tui.app import ButlerApp
from butler_tui.services import rooms
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.room_board import RoomBoardScreen, RoutinesScreen
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen

BUTLER = "2003"  # a floor butler of floors-mid


def inside(inner, outer) -> bool:
    return (inner.x >= outer.x and inner.y >= outer.y and inner.right <= outer.right
            and inner.bottom <= outer.bottom)


async def test_the_new_task_form_fits_80x24_and_saves_with_ctrl_s(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        await await_until(pilot, lambda: form.query("#field-team"))
        await pilot.pause()
        screen = app.screen.region
        box = form.query_one("FormScreen > Vertical").region
        assert inside(box, screen) and box.width <= 80 and box.height <= 24
        hint = next(w for w in form.query(Label) if "ctrl+s save" in str(w.content))
        assert inside(hint.region, box)  # the save hint is on the screen, below the scrolling fields
        fields = form.query_one("#form-fields")
        assert inside(fields.region, box) and fields.max_scroll_y > 0  # the fields scroll at this size
        team = form.query_one("#field-team", Input)
        team.focus()
        # the last field scrolls into sight (an animated scroll: on a loaded machine one pause is too short)
        await await_until(pilot, lambda: inside(team.region, fields.region))
        form.query_one("#field-type", Input).value = "amenity_delivery"
        form.query_one("#field-room", Input).value = "908"
        form.query_one("#field-name", Input).value = "Two more pillows"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        assert app.store.row("SELECT room_number FROM tasks WHERE name = 'Two more pillows'") == {"room_number": "908"}


async def test_a_long_refusal_wraps_inside_the_form(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24)) as pilot:
        rooms.set_status(app.store, "908", "clean", by=BUTLER)
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("F")
        table = await await_until(pilot, lambda: on_screen(app, RoomBoardScreen)
                                  and app.screen.query_one("#room-table"))
        await await_until(pilot, lambda: "908" in [str(k.value) for k in table.rows])
        table.move_cursor(row=table.get_row_index("908"))
        await pilot.press("enter")  # enter opens the room's status form, as s does
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        await pilot.press("ctrl+s")  # inspected, as a butler: refused
        error = form.query_one("#form-error", Label)
        await await_until(pilot, lambda: "may not pass a clean room as inspected" in str(error.content))
        await pilot.pause()
        box = form.query_one("FormScreen > Vertical").region
        assert error.region.height >= 2 and inside(error.region, box) and inside(box, app.screen.region)


async def test_the_palette_reaches_the_room_board_routines_and_scheduled_tasks(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = {c.title: c.callback for c in app.get_system_commands(app.screen)}
        assert {"Room board", "Routines", "Scheduled tasks", "Lost & found"} <= set(titles)
        titles["Room board"]()
        await await_until(pilot, lambda: on_screen(app, RoomBoardScreen))
        titles["Routines"]()
        await await_until(pilot, lambda: on_screen(app, RoutinesScreen))
        titles["Scheduled tasks"]()
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        assert app.screen.query_one("TabbedContent").active == "scheduled"
    zh = ButlerApp(demo_db, "floors-mid", BUTLER, language="zh")
    async with zh.run_test(size=(80, 24)):
        titles = [c.title for c in zh.get_system_commands(zh.screen)]
        assert "房态板 · Room board" in titles and "例行工作 · Routines" in titles  # found by either word


@pytest.mark.parametrize(("language", "station", "staff", "own", "other"), [
    ("zh", "cs", "1003", "客服中心", "Guest-service"), ("en", "cs", "1003", "Guest-service centre", "客服中心"),
    # a Chinese name that starts with the floors' numbers, as the English one ends with them
    ("zh", "floors-high", "2004", "11–14楼行政楼层", "Floors 11"), ("en", "floors-high", "2004", "Floors 11–14 (club)",
                                                                   "行政楼层")])
async def test_the_top_bar_keeps_its_alert_and_the_time_at_80_columns(demo_db: Path, language: str, station: str,
                                                                     staff: str, own: str, other: str):
    """At 80 columns the bar gives up what is least needed first — the station's name in the other language,
    the date, the person's title, the word "shift" — so the unacknowledged count and the time stay in sight,
    in either language; wide enough, it shows everything again."""
    from butler_tui.services import messaging
    from butler_tui.store import Store
    from butler_tui.ui.station_bar import StationBar

    store = Store(demo_db)
    messaging.send(store, from_station="lobby", to=station, body="Wheelchair to the lobby", priority="urgent")
    store.close()
    alert = {"zh": "条未确认", "en": "unacked"}[language]
    app = ButlerApp(demo_db, station, staff, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = await await_until(pilot, lambda: app.screen.query(StationBar) and app.screen.query_one(StationBar))
        # (signed in too: a state read can be shown a moment before the person's sign-in is)
        await await_until(pilot, lambda: alert in str(bar.content) and f"({staff})" in str(bar.content))
        line = str(bar.content)
        assert len(line) + sum(ord(c) > 0x2E80 for c in line) <= 78, line  # a Chinese character: two cells
        assert line.rstrip()[-5:].replace(":", "").isdigit(), line  # ends with the time, HH:MM
        assert line.startswith(own) and other not in line, line
        await pilot.resize_terminal(140, 24)
        await await_until(pilot, lambda: own in str(bar.content) and other in str(bar.content))
