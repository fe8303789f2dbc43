"""The room/floor board, the task list and the escalation queue in the real app."""

from __future__ import annotations

from pathlib import Path

from butler_tui.app import ButlerApp
from butler_tui.services import tasks
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import EscalationScreen, RoomsScreen

from .conftest import await_until, on_screen


def _cell(table: KeyedTable, key: str, column: str) -> str:
    return str(table.get_cell(key, column))


async def test_room_board_shows_the_stations_floors_and_marks(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen) and app.screen.data is not None)
        board = str(app.screen.query_one("#room-board").content)
        assert " 10F " in board and "  7F " in board and " 11F " not in board
        assert "V vacant" in board  # the legend: letters, not colour alone
        task_id = tasks.create(app.store, type="repair", room="908", name="Leaking tap", staff_no="2003",
                               station="floors-mid")
        table = app.screen.query_one(KeyedTable)
        await await_until(pilot, lambda: str(task_id) in [str(k.value) for k in table.rows])
        await await_until(pilot, lambda: "!" in str(app.screen.query_one("#room-board").content).split(" 9F ")[1]
                          .split("\n")[0])


async def test_keys_drive_the_lifecycle_and_refusals_show(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                               station="floors-mid")
        await pilot.press("t")
        table = await await_until(pilot, lambda: on_screen(app, RoomsScreen)
                                  and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(task_id) in [str(k.value) for k in table.rows])
        table.move_cursor(row=table.get_row_index(str(task_id)))
        await pilot.press("y")
        await await_until(pilot, lambda: _cell(table, str(task_id), "status").startswith("acknowledged"))
        await pilot.press("s")
        await await_until(pilot, lambda: _cell(table, str(task_id), "status").startswith("in progress"))
        await pilot.press("w")
        await await_until(pilot, lambda: on_screen(app, FormScreen))
        await pilot.press(*"guest asleep", "enter")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen)
                          and _cell(table, str(task_id), "status").startswith("on hold"))
        assert _cell(table, str(task_id), "due").startswith("held: guest asleep")
        await pilot.press("v")  # verify an on-hold task: refused, shown, app keeps running
        await await_until(pilot, lambda: any("cannot verify" in str(n.message) for n in app._notifications))
        await pilot.press("u")
        await await_until(pilot, lambda: _cell(table, str(task_id), "status").startswith("in progress"))


async def test_new_task_form_shows_errors_inline(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        from textual.widgets import Input

        form.query_one("#field-type", Input).value = "massage"
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error")
        await await_until(pilot, lambda: "unknown task type 'massage'" in str(error.content))
        form.query_one("#field-type", Input).value = "guest_request"
        form.query_one("#field-room", Input).value = "1208"
        form.query_one("#field-name", Input).value = "[b]Extra towels[/b]"
        before = app.store.scalar("SELECT count(*) FROM tasks")
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        assert app.store.scalar("SELECT count(*) FROM tasks") == before + 1
        new_id = app.store.scalar("SELECT max(id) FROM tasks")
        table = app.screen.query_one(KeyedTable)
        await await_until(pilot, lambda: str(new_id) in [str(k.value) for k in table.rows])
        assert _cell(table, str(new_id), "task") == "[b]Extra towels[/b]"


async def test_escalation_queue_take_over_and_resolve(demo_db: Path):
    app = ButlerApp(demo_db, "cs", "0003")  # 吴明远, rooms division manager
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="complaint", room="1208", name="Noise", staff_no="5003", station="cs")
        tasks.escalate_now(app.store, task_id, "guest wants the manager", staff_no="5003", station="cs")
        await pilot.press("e")
        table = await await_until(pilot, lambda: on_screen(app, EscalationScreen)
                                  and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(task_id) in [str(k.value) for k in table.rows])
        assert _cell(table, str(task_id), "level") == "L1"
        table.move_cursor(row=table.get_row_index(str(task_id)))
        await pilot.press("t")
        await await_until(pilot, lambda: _cell(table, str(task_id), "assignee") == "吴明远")
        await pilot.press("X")  # resolve: the same key on every board (x cancels)
        await await_until(pilot, lambda: on_screen(app, FormScreen))
        await pilot.press(*"apologised and moved the guest", "enter")
        await await_until(pilot, lambda: on_screen(app, EscalationScreen)
                          and str(task_id) not in [str(k.value) for k in table.rows])
        assert tasks.get_task(app.store, task_id).status == "verified"


def _footer_disabled(app: ButlerApp) -> dict[str, bool]:
    """Each key the footer shows (by action) and whether it is dimmed."""
    return {key.action: key.has_class("-disabled") for key in app.screen.query("FooterKey")}


async def test_the_footer_dims_what_the_rule_rules_out_for_the_selected_task(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")  # a butler: may not verify
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                               station="floors-mid")
        await pilot.press("t")
        table = await await_until(pilot, lambda: on_screen(app, RoomsScreen) and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(task_id) in [str(k.value) for k in table.rows])
        table.move_cursor(row=table.get_row_index(str(task_id)))
        footer = await await_until(pilot, lambda: (keys := _footer_disabled(app)) and not keys["step('ack')"]
                                   and keys["step('done')"] and keys)
        assert footer["step('resume')"] and footer["step('verify')"] and not footer["hand_on"]
        await pilot.press("s")
        await await_until(pilot, lambda: _footer_disabled(app)["step('start')"]
                          and not _footer_disabled(app)["step('done')"])
        assert _footer_disabled(app)["step('verify')"]  # the board lists open tasks; a butler may not verify
        await pilot.press("v")  # a dimmed key still answers: the service says why
        await await_until(pilot, lambda: any("cannot verify" in str(n.message) for n in app._notifications))
