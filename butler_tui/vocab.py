"""The hotel's fixed words — roles, statuses, kinds — as plain tuples and ``Literal`` types.

They live apart from :mod:`butler_tui.models` (the pydantic models that validate input) so that code
which only *reads* — ``butler task list``, a permission check, a board — can name them without
importing pydantic (≈0.1 s of every command's start; issue 15 asks ≤ 0.15 s in all)."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["butler", "lead", "supervisor", "manager", "director", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
Occupancy = Literal["vacant", "occupied", "expected", "due_out"]
HousekeepingStatus = Literal["dirty", "cleaning", "clean", "inspected", "out_of_order"]
NoteKind = Literal["preference", "habit", "life_trace", "dietary", "special_date", "dislike", "complaint", "suggestion"]
NOTE_KINDS: tuple[str, ...] = get_args(NoteKind)
StayStatus = Literal["expected", "room_ready", "arrived", "in_house", "due_out", "departed", "cancelled", "no_show"]
TaskStatus = Literal[
    "new", "acknowledged", "in_progress", "done", "verified", "closed", "on_hold", "deferred", "cancelled", "reopened"
]
MessagePriority = Literal["routine", "urgent", "emergency"]
AudienceKind = Literal["all", "stations", "team"]
ShiftName = Literal["early", "middle", "night"]
Salutation = Literal["先生", "女士", "Mr", "Ms", "Mrs", "Dr", ""]
