"""The floor station's room board (issue 17): pick a room, set its status, toggle DND, raise a task for
it; refusals in the service's words. The scheduled tab and the routines screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, Select

from butler_tui import clock
from butler_tui.app import ButlerApp
from butler_tui.services import rooms, scheduling
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.room_board import RoomBoardScreen, RoutinesScreen
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen

BUTLER, LEAD = "2003", "2001"  # a floor butler, the floor butler lead (floors-mid: floors 7–10)


async def _room_board(app: ButlerApp, pilot, room: str) -> KeyedTable:
    await pilot.press("t")
    await await_until(pilot, lambda: on_screen(app, RoomsScreen))
    await pilot.press("F")
    table = await await_until(pilot, lambda: on_screen(app, RoomBoardScreen)
                              and app.screen.query_one("#room-table", KeyedTable))
    await await_until(pilot, lambda: room in [str(k.value) for k in table.rows])
    table.move_cursor(row=table.get_row_index(room))
    return table


async def test_the_floor_sets_a_rooms_status_toggles_dnd_and_raises_a_task_for_it(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(120, 36)) as pilot:
        rooms.set_status(app.store, "909", "dirty", by=BUTLER)
        rooms.set_dnd(app.store, "909", False, by=BUTLER)
        table = await _room_board(app, pilot, "909")
        rows = [str(k.value) for k in table.rows]
        assert "1208" not in rows and "701" in rows  # the station's floors only

        await pilot.press("s")  # the status form: a choice of the statuses, the next step chosen
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        assert form.query_one("#field-status", Select).value == "cleaning"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoomBoardScreen)
                          and str(table.get_cell("909", "hk")) == "cleaning")
        assert rooms.get_room(app.store, "909").hk_status == "cleaning"

        await pilot.press("d")
        await await_until(pilot, lambda: str(table.get_cell("909", "dnd")).startswith("DND"))
        assert rooms.get_room(app.store, "909").dnd
        await pilot.press("d")
        await await_until(pilot, lambda: str(table.get_cell("909", "dnd")) == "")

        await pilot.press("n")  # a task for the room: the new-task form with the room filled in
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        await await_until(pilot, lambda: form.query("#field-room"))
        assert form.query_one("#field-room", Input).value == "909"
        form.query_one("#field-type", Input).value = "amenity_delivery"
        form.query_one("#field-name", Input).value = "Two more pillows"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoomBoardScreen))
        task = app.store.row("SELECT room_number, owner_no FROM tasks WHERE name = 'Two more pillows'")
        assert task == {"room_number": "909", "owner_no": BUTLER}
        await await_until(pilot, lambda: str(table.get_cell("909", "tasks")).startswith("1 open"))
        changes = app.store.rows("SELECT action FROM events WHERE entity = 'rooms' AND entity_id = '909'"
                                 " AND actor = ? ORDER BY id", (BUTLER,))
        assert [c["action"] for c in changes][-3:] == ["hk_status", "dnd", "dnd"]


async def test_inspecting_as_a_butler_is_refused_inline_in_the_services_words(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(120, 36)) as pilot:
        rooms.set_status(app.store, "908", "clean", by=BUTLER)
        await _room_board(app, pilot, "908")
        await pilot.press("s")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        assert form.query_one("#field-status", Select).value == "inspected"
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error")
        await await_until(pilot, lambda: "may not pass a clean room as inspected" in str(error.content))
        assert on_screen(app, FormScreen)  # the form stays open, the app keeps running
        assert rooms.get_room(app.store, "908").hk_status == "clean"


async def test_scheduled_tasks_show_dimmed_on_their_tab_and_leads_add_routines(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(120, 36)) as pilot:
        due = clock.now().replace(microsecond=0) + timedelta(minutes=90)
        entry = scheduling.schedule(app.store, type="wake_up_call", at=due, name="Wake-up 807", room="807",
                                    staff_no="1002", station="lobby")
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("4")
        table = app.screen.query_one("#task-table-scheduled", KeyedTable)
        await await_until(pilot, lambda: f"s{entry.id}" in [str(k.value) for k in table.rows])
        assert str(table.get_cell(f"s{entry.id}", "due")) == clock.show_local(entry.due_at, "%m-%d %H:%M")
        await pilot.press("y")  # no lifecycle key acts on what is not a task yet: it says why, at once
        await await_until(pilot, lambda: any("is not a task yet" in str(n.message) for n in app._notifications))
        assert on_screen(app, RoomsScreen) and not app.store.rows("SELECT id FROM tasks WHERE name = 'Wake-up 807'")
        await pilot.press("P")
        await await_until(pilot, lambda: on_screen(app, RoutinesScreen))
        await pilot.press("n")  # a butler: refused at once, in the service's words
        await await_until(pilot, lambda: any("may not set or remove daily and weekly routines" in str(n.message)
                                             for n in app._notifications))
        assert on_screen(app, RoutinesScreen)

    app = ButlerApp(demo_db, "floors-mid", LEAD)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("P")
        await await_until(pilot, lambda: on_screen(app, RoutinesScreen))
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-title", Input).value = "VIP turndown"
        form.query_one("#field-rooms", Input).value = "vip"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoutinesScreen))
        table = app.screen.query_one("#routine-table", KeyedTable)
        await await_until(pilot, lambda: table.row_count == 1)
        [routine] = scheduling.list_routines(app.store)
        assert (routine.title, routine.at, routine.rooms, routine.station_code, routine.created_by) == (
            "VIP turndown", "18:00", "vip", "floors-mid", LEAD)



async def test_x_on_the_scheduled_tab_cancels_the_entry_after_asking(demo_db: Path):
    from butler_tui.ui.forms import ConfirmScreen

    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(120, 36)) as pilot:
        due = clock.now().replace(microsecond=0) + timedelta(minutes=90)
        mine = scheduling.schedule(app.store, type="wake_up_call", at=due, room="807", staff_no=BUTLER,
                                   station="floors-mid")
        other = scheduling.schedule(app.store, type="wake_up_call", at=due, room="808", staff_no="2002",
                                    station="floors-mid")
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("4")
        table = app.screen.query_one("#task-table-scheduled", KeyedTable)
        await await_until(pilot, lambda: table.row_count == 2)
        table.move_cursor(row=table.get_row_index(f"s{other.id}"))
        await pilot.press("x")  # another butler's entry: refused at once, nothing asked
        await await_until(pilot, lambda: any("may not cancel scheduled task" in str(n.message)
                                             for n in app._notifications))
        assert on_screen(app, RoomsScreen)
        table.move_cursor(row=table.get_row_index(f"s{mine.id}"))
        await pilot.press("x")
        await await_until(pilot, lambda: on_screen(app, ConfirmScreen))
        await pilot.press("y")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen) and table.row_count == 1)
        assert [s.id for s in scheduling.pending(app.store)] == [other.id]
