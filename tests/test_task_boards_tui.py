"""The task boards — to do, waiting for my verification, closed today — and a task's loop across two
stations on one database (a file or a PostgreSQL server): raised on the floor, done by Engineering, verified on the floor."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from butler_tui.app import ButlerApp
from butler_tui.services import tasks
from butler_tui.ui.forms import ConfirmScreen, FormScreen
from butler_tui.ui.messages import MessagesScreen
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import EscalationScreen, RoomsScreen, TaskDetailScreen

from .conftest import await_until, on_screen


def _keys(table: KeyedTable) -> list[str]:
    return [str(k.value) for k in table.rows]


def _notified(app: ButlerApp, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def _rooms(app: ButlerApp, pilot) -> RoomsScreen:
    await pilot.press("t")
    return await await_until(pilot, lambda: on_screen(app, RoomsScreen) and app.screen.data is not None
                             and app.screen)


async def _select(pilot, board: RoomsScreen, tab: str, task_id: int) -> KeyedTable:
    await pilot.press({"todo": "1", "verify": "2", "closed": "3"}[tab])
    table = board.table_of(tab)
    await await_until(pilot, lambda: str(task_id) in _keys(table))
    table.move_cursor(row=table.get_row_index(str(task_id)))
    return table


async def test_a_repair_raised_on_the_floor_is_done_by_engineering_and_verified_on_the_floor(
        demo_address: str | Path):
    floor = ButlerApp(demo_address, "floors-mid", "2005")  # 何丽娟, ROOMS supervisor: may verify
    eng = ButlerApp(demo_address, "eng", "9001")  # 刘建国, Engineering lead
    async with floor.run_test(size=(120, 36)) as pf, eng.run_test(size=(120, 36)) as pe:
        floor_board = await _rooms(floor, pf)
        eng_board = await _rooms(eng, pe)
        # The floor raises a repair in 908 with the new-task form.
        await pf.press("n")
        form = await await_until(pf, lambda: on_screen(floor, FormScreen) and floor.screen)
        form.query_one("#field-type", Input).value = "repair"
        form.query_one("#field-room", Input).value = "908"
        form.query_one("#field-name", Input).value = "Leaking tap"
        await pf.press("ctrl+s")
        await await_until(pf, lambda: on_screen(floor, RoomsScreen))
        task_id = floor.store.scalar("SELECT max(id) FROM tasks WHERE name = 'Leaking tap'")
        assert tasks.get_task(floor.store, task_id).doing_team == "ENG"
        notice = floor.store.scalar("SELECT min(id) FROM messages WHERE task_id = ?", (task_id,))
        # Engineering hears of it, without a key, and has it on its board.
        await await_until(pe, lambda: any(m.id == notice for m in eng.state.unacked) if eng.state else False)
        table = await _select(pe, eng_board, "todo", task_id)
        # Engineering acknowledges the notice in its log …
        await pe.press("l")
        log = await await_until(pe, lambda: on_screen(eng, MessagesScreen) and eng.screen)
        await await_until(pe, lambda: str(notice) in _keys(log.active_table()))
        log.active_table().move_cursor(row=log.active_table().get_row_index(str(notice)))
        await pe.press("a")
        await await_until(pe, lambda: str(log.active_table().get_cell(str(notice), "me")) == "✓ acked")
        await pe.press("escape")
        # … then acks the task, starts it and marks it done.
        eng_board = await _rooms(eng, pe)
        table = await _select(pe, eng_board, "todo", task_id)
        await pe.press("y")
        await await_until(pe, lambda: str(table.get_cell(str(task_id), "status")).startswith("acknowledged"))
        await pe.press("s")
        await await_until(pe, lambda: str(table.get_cell(str(task_id), "status")).startswith("in progress"))
        await pe.press("d")
        await await_until(pe, lambda: on_screen(eng, FormScreen))
        await pe.press(*"new washer", "enter")
        await await_until(pe, lambda: on_screen(eng, RoomsScreen) and str(task_id) not in _keys(table))
        # Not Engineering's to verify: the task waits at the floor that raised it.
        assert str(task_id) not in _keys(eng_board.table_of("verify"))
        waiting = await _select(pf, floor_board, "verify", task_id)
        assert str(waiting.get_cell(str(task_id), "status")).startswith("done")
        await pf.press("v")
        closed = floor_board.table_of("closed")
        await await_until(pf, lambda: str(task_id) in _keys(closed) and str(task_id) not in _keys(waiting))
        assert str(closed.get_cell(str(task_id), "status")).startswith("verified")
        assert tasks.get_task(floor.store, task_id).status == "verified"
        # The task screen: its history and every notice, with who acknowledged it.
        await _select(pf, floor_board, "closed", task_id)
        await pf.press("enter")
        detail = await await_until(pf, lambda: on_screen(floor, TaskDetailScreen) and floor.screen)
        history = str(detail.query_one("#task-history").content)
        assert all(step in history for step in ("create", "ack", "start", "done", "verify"))
        notices = str(detail.query_one("#task-notices").content)
        assert "✓ eng 刘建国" in notices  # the raise, acknowledged at Engineering by its lead
        assert "floors-mid task resolved" in notices  # "done — verify it": closed by the verification itself
        assert "eng for information" in notices  # "verified: the loop is closed" needs no ack
        assert "✓ floors-mid" not in notices
        # Engineering's log reads the last notice as for information, not as acknowledged.
        await await_until(pe, lambda: str(task_id) in _keys(eng_board.table_of("closed")))
        await pe.press("l")
        log = await await_until(pe, lambda: on_screen(eng, MessagesScreen) and eng.screen)
        last = eng.store.scalar("SELECT max(id) FROM messages WHERE task_id = ?", (task_id,))
        await await_until(pe, lambda: str(last) in _keys(log.active_table()))
        assert str(log.active_table().get_cell(str(last), "me")) == "for information"


async def test_a_ruled_out_step_answers_at_once_without_a_form(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                               station="floors-mid")
        board = await _rooms(app, pilot)
        await _select(pilot, board, "todo", task_id)
        for key, refused in (("d", "cannot done it"), ("w", "cannot hold it")):
            await pilot.press(key)
            await await_until(pilot, lambda refused=refused: _notified(app, refused))
            assert on_screen(app, RoomsScreen)  # no form to fill in first
        assert tasks.get_task(app.store, task_id).status == "new"


async def test_taking_over_someone_elses_task_asks_first(demo_db: Path):
    app = ButlerApp(demo_db, "cs", "0003")  # 吴明远, rooms division manager
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="complaint", room="1208", name="Noise", staff_no="5003", station="cs")
        tasks.transition(app.store, task_id, "ack", staff_no="5003", station="cs")  # 郭笑颜 is doing it
        tasks.escalate_now(app.store, task_id, "guest wants the manager", staff_no="5003", station="cs")
        await pilot.press("e")
        table = await await_until(pilot, lambda: on_screen(app, EscalationScreen) and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(task_id) in _keys(table))
        table.move_cursor(row=table.get_row_index(str(task_id)))
        await pilot.press("t")
        question = await await_until(pilot, lambda: on_screen(app, ConfirmScreen) and app.screen)
        assert "郭笑颜" in str(question.query_one("#confirm-question").content)
        await pilot.press("n")
        await await_until(pilot, lambda: on_screen(app, EscalationScreen))
        assert tasks.get_task(app.store, task_id).assignee_no == "5003"
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, ConfirmScreen))
        await pilot.press("y")
        await await_until(pilot, lambda: str(table.get_cell(str(task_id), "assignee")) == "吴明远")
        assert tasks.get_task(app.store, task_id).assignee_no == "0003"


async def test_a_lead_assigns_a_task_to_a_person_of_its_doing_team(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2001")  # 李云敏, ROOMS lead
    async with app.run_test(size=(120, 36)) as pilot:
        task_id = tasks.create(app.store, type="turndown", room="908", name="Turndown", staff_no="2001",
                               station="floors-mid")
        board = await _rooms(app, pilot)
        table = await _select(pilot, board, "todo", task_id)
        await pilot.press("R")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-assignee", Input).value = "9001"  # Engineering: not the doing team
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "not of ROOMS" in str(form.query_one("#form-error").content))
        form.query_one("#field-assignee", Input).value = "2002"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen)
                          and str(table.get_cell(str(task_id), "assignee")) == "苏青青")
