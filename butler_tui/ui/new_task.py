"""The new-task form, opened from the task board and from the room board (pre-filled with the room)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from butler_tui.i18n import t as tr
from butler_tui.services import tasks
from butler_tui.services.task_types import TaskType, list_types
from butler_tui.ui.board import Board
from butler_tui.ui.forms import FormScreen


def open_new_task(board: Board, *, room: str = "", then: Callable[[], Any] | None = None) -> None:
    """The form for a new task (the signed-in person is its first responsible person); ``room`` fills
    its room. On success the form closes, a notice says the task's number and ``then`` runs (the
    board's refresh by default)."""
    after = then or board.refresh_data

    def open_form(types: list[TaskType]) -> None:
        codes = ", ".join(t.code for t in types)

        def submit(values: dict[str, str], form: FormScreen) -> None:
            priority = values["priority"].strip()
            if priority and not priority.isdigit():
                form.show_error(ValueError(tr("priority is a number from 1 (most urgent) to 5")))
                return

            def created(task_id: int) -> None:
                form.dismiss(task_id)
                board.notify(tr("Task #{id} created", id=task_id), markup=False, timeout=3)
                after()

            board.station.run_db(
                tasks.create, type=values["type"].strip().lower(), name=values["name"] or None,
                room=values["room"].strip() or None, details=values["details"],
                priority=int(priority) if priority else None, second_team=values["team"].strip().upper() or None,
                **board.who, on_error=form.show_error, then=created,
            )

        board.app.push_screen(FormScreen(
            "New task 新任务 — you are its first responsible person",
            [("type", tr("Type: {codes}", codes=codes), "guest_request", False), ("room", "Room", room, False),
             ("name", "What (short)", "", False), ("details", "Details", "", False),
             ("priority", "Priority 1–5 (empty: the type's default)", "", False),
             ("team", "Hand to department (optional): ENG, SEC, FNB, ROOMS, CS…", "", False)],
            submit))

    board.station.run_db(list_types, then=open_form)
