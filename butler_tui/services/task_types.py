"""Task types (service orders): default priority, SLA and escalation ladder.

The defaults follow the service standards (guest request answered within 10 min, complaint feedback
within 24 h, repair the same day, DND rooms phoned at 12:00 and again at 14:00, follow-up call
within 24 h of departure, a safety emergency at once). They live in the ``task_types`` table, where
a hotel can change them (``sqlite-utils``, Datasette, or ``butler task types``); a task snapshots
its type's ladder when it is created, so editing a ladder does not rewrite tasks in flight.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from butler_tui.errors import NotFound
from butler_tui.i18n import t as tr
from butler_tui.store import Store


class Step(BaseModel):
    level: int = Field(ge=1, le=9)
    when: Literal["unacknowledged", "overdue"]
    after_minutes: float = Field(ge=0)
    notify: Literal["supervisor", "manager", "director"]


class Ladder(BaseModel):
    steps: list[Step]
    repeat_every_minutes: float = Field(default=15, gt=0)
    max_repeats: int = Field(default=3, ge=0, le=10)
    no_progress_minutes: float | None = Field(default=30, gt=0)


class TaskType(BaseModel):
    code: str
    name: str
    name_zh: str
    priority: int = Field(ge=1, le=5)
    due_minutes: int | None
    team_code: str | None
    ladder: Ladder


def _ladder(ack: float, over: float = 0, director: float = 15, *, repeat: float = 15, progress: float | None = 30,
            repeats: int = 3) -> Ladder:
    return Ladder(
        steps=[Step(level=1, when="unacknowledged", after_minutes=ack, notify="supervisor"),
               Step(level=2, when="overdue", after_minutes=over, notify="manager"),
               Step(level=3, when="overdue", after_minutes=over + director, notify="director")],
        repeat_every_minutes=repeat, max_repeats=repeats, no_progress_minutes=progress,
    )


DEFAULT_TYPES = [
    TaskType(code="guest_request", name="Guest request", name_zh="客人需求", priority=2, due_minutes=10,
             team_code="CS", ladder=_ladder(5, 0, 15, progress=10)),
    TaskType(code="complaint", name="Complaint", name_zh="投诉", priority=2, due_minutes=24 * 60, team_code="CS",
             ladder=_ladder(5, 0, 60, repeat=60, progress=120)),
    TaskType(code="repair", name="Repair", name_zh="维修", priority=3, due_minutes=8 * 60, team_code="ENG",
             ladder=_ladder(15, 0, 30, repeat=30, progress=60)),
    TaskType(code="turndown", name="Turndown", name_zh="夜床服务", priority=4, due_minutes=120, team_code="ROOMS",
             ladder=_ladder(30, 0, 30)),
    TaskType(code="make_up_room", name="Make-up room / light tidy", name_zh="整理房间", priority=4, due_minutes=60,
             team_code="ROOMS", ladder=_ladder(15, 0, 30)),
    TaskType(code="amenity_delivery", name="Amenity delivery", name_zh="物品递送", priority=3, due_minutes=15,
             team_code="ROOMS", ladder=_ladder(5, 0, 15, progress=10)),
    TaskType(code="minibar", name="Minibar", name_zh="迷你吧", priority=4, due_minutes=240, team_code="ROOMS",
             ladder=_ladder(30, 0, 60, repeat=60)),
    TaskType(code="laundry_pickup", name="Laundry pickup", name_zh="收洗衣", priority=4, due_minutes=30,
             team_code="ROOMS", ladder=_ladder(10, 0, 30)),
    TaskType(code="lost_found", name="Lost & found item", name_zh="失物招领", priority=3, due_minutes=120,
             team_code="ROOMS", ladder=_ladder(15, 0, 60, repeat=60)),
    TaskType(code="dnd_check", name="DND check (phone the guest)", name_zh="请勿打扰房检查", priority=3,
             due_minutes=None, team_code="ROOMS", ladder=_ladder(10, 0, 30)),
    TaskType(code="pre_arrival_prep", name="Pre-arrival room preparation", name_zh="预抵房间准备", priority=3,
             due_minutes=120, team_code="ROOMS", ladder=_ladder(30, 0, 30)),
    TaskType(code="follow_up_call", name="Follow-up call", name_zh="离店回访", priority=4, due_minutes=24 * 60,
             team_code="CS", ladder=_ladder(60, 0, 120, repeat=120, progress=None)),
    TaskType(code="safety_emergency", name="Safety emergency", name_zh="安全紧急事件", priority=1, due_minutes=5,
             team_code="SEC", ladder=Ladder(
                 steps=[Step(level=1, when="unacknowledged", after_minutes=0, notify="supervisor"),
                        Step(level=2, when="unacknowledged", after_minutes=1, notify="manager"),
                        Step(level=3, when="overdue", after_minutes=0, notify="director")],
                 repeat_every_minutes=2, max_repeats=5, no_progress_minutes=5)),
]
DND_CHECK_TIMES = ("12:00", "14:00")


def get_type(store: Store, code: str) -> TaskType:
    row = store.row("SELECT * FROM task_types WHERE code = ?", (code,))
    if row is None:
        known = ", ".join(r["code"] for r in store.rows("SELECT code FROM task_types ORDER BY code"))
        raise NotFound(tr("unknown task type {code!r}; known: {known}", code=code, known=known))
    return TaskType(**{**row, "ladder": Ladder.model_validate_json(row["ladder"])})


def list_types(store: Store) -> list[TaskType]:
    return [get_type(store, r["code"]) for r in store.rows("SELECT code FROM task_types ORDER BY code")]


def set_ladder(store: Store, code: str, ladder_json: str, *, staff_no: str | None, station: str | None = None) -> None:
    """Replace a type's ladder (directors and admins). Tasks already open keep the ladder they took."""
    from pydantic import ValidationError

    from butler_tui.errors import InvalidInput
    from butler_tui.models import describe
    from butler_tui.services.auth import require

    try:
        ladder = Ladder.model_validate_json(ladder_json)
    except ValidationError as exc:
        raise InvalidInput(describe(exc, "ladder")) from None
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "edit_ladders")
        before = tx.execute("SELECT ladder FROM task_types WHERE code = ?", (code,)).fetchone()
        if before is None:
            raise NotFound(tr("unknown task type {code!r}", code=code))
        tx.execute("UPDATE task_types SET ladder = ? WHERE code = ?", (ladder.model_dump_json(), code))
        tx.event("task_types", code, "ladder", before=before[0], after=ladder.model_dump())
