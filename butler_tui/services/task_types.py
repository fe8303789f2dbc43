"""Task types (service orders): default priority, SLA and escalation ladder.

The defaults follow the service standards (guest request answered within 10 min, complaint feedback
within 24 h, repair the same day, DND rooms phoned at 12:00 and again at 14:00, follow-up call
within 24 h of departure, a safety emergency at once). They live in the ``task_types`` table, where
a hotel can change them (``sqlite-utils``, Datasette, or ``butler task types``); a task snapshots
its type's ladder when it is created, so editing a ladder does not rewrite tasks in flight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from butler_tui.defaults import DND_CHECK_TIMES as DND_CHECK_TIMES
from butler_tui.errors import NotFound
from butler_tui.i18n import t as tr
from butler_tui.store import Store, Tx

if TYPE_CHECKING:
    from butler_tui.models import Ladder, Step, TaskType

__all__ = ["DND_CHECK_TIMES", "Ladder", "Step", "TaskType", "get_type", "list_types", "set_ladder", "type_in"]


def __getattr__(name: str) -> Any:
    """The pydantic models, imported when first named: code that only reads the tables never pays for
    pydantic."""
    if name in ("Ladder", "Step", "TaskType"):
        from butler_tui import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_type(store: Store, code: str) -> TaskType:
    row = store.row("SELECT * FROM task_types WHERE code = ?", (code,))
    if row is None:
        known = ", ".join(r["code"] for r in store.rows("SELECT code FROM task_types ORDER BY code"))
        raise NotFound(tr("unknown task type {code!r}; known: {known}", code=code, known=known))
    from butler_tui.models import Ladder, TaskType

    return TaskType(**{**row, "ladder": Ladder.model_validate_json(row["ladder"])})


def type_in(tx: Tx, code: str) -> TaskType:
    """:func:`get_type` inside a write transaction already open."""
    cur = tx.execute("SELECT * FROM task_types WHERE code = ?", (code,))
    found = cur.fetchone()
    if found is None:
        raise NotFound(tr("unknown task type {code!r}", code=code))
    row = dict(zip([d[0] for d in cur.description], found, strict=True))
    from butler_tui.models import Ladder, TaskType

    return TaskType(**{**row, "ladder": Ladder.model_validate_json(row["ladder"])})


def list_types(store: Store) -> list[TaskType]:
    return [get_type(store, r["code"]) for r in store.rows("SELECT code FROM task_types ORDER BY code")]


def set_ladder(store: Store, code: str, ladder_json: str, *, staff_no: str | None, station: str | None = None) -> None:
    """Replace a type's ladder (directors and admins). Tasks already open keep the ladder they took."""
    from pydantic import ValidationError

    from butler_tui.errors import InvalidInput
    from butler_tui.models import Ladder, describe
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
