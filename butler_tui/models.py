"""Domain models (pydantic v2): one class per noun of the design.

They validate what comes in — from the CLI, a CSV, the TUI or the demo files — before anything
is written. Text is cleaned (control characters and escape sequences dropped) and bounded;
codes and numbers are checked with messages a duty butler can act on. Use :func:`validate` to
turn a ``ValidationError`` into one readable :class:`~butler_tui.errors.InvalidInput`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema

from butler_tui.errors import InvalidInput
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.text import clean_text
from butler_tui.vocab import NOTE_KINDS as NOTE_KINDS  # the words, re-exported: models validate with them
from butler_tui.vocab import ROLES as ROLES
from butler_tui.vocab import (
    AudienceKind,
    HousekeepingStatus,
    MessagePriority,
    NoteKind,
    Occupancy,
    Role,
    Salutation,
    ShiftName,
    StayStatus,
    TaskStatus,
)

# --------------------------------------------------------------------------------------------
# Field types
# --------------------------------------------------------------------------------------------


def _cleaner(multiline: bool) -> Callable[[Any], Any]:
    def clean(value: Any) -> Any:
        return clean_text(value, multiline=multiline) if isinstance(value, str) else value

    return clean


def _bounded(min_len: int, max_len: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) < min_len:
            raise ValueError(tr("must not be empty") if min_len == 1
                             else tr("must be at least {min_len} characters", min_len=min_len))
        if len(value) > max_len:
            raise ValueError(tr("must be at most {max_len} characters (got {n})", max_len=max_len, n=len(value)))
        return value

    return check


@dataclass(frozen=True)
class Bounded:
    """A cleaned, length-bounded string: ``Annotated[str, Bounded(60)]`` (control characters and
    escape sequences removed, then the length checked)."""

    max_len: int
    min_len: int = 1
    multiline: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        checked = core_schema.no_info_after_validator_function(_bounded(self.min_len, self.max_len), handler(source))
        return core_schema.no_info_before_validator_function(_cleaner(self.multiline), checked)


def _pattern(regex: str, explain: str, *, upper: bool = False, lower: bool = False) -> Any:
    compiled = re.compile(regex)

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            value = str(value)
        value = clean_text(value)
        if upper:
            value = value.upper()
        if lower:
            value = value.lower()
        if not compiled.fullmatch(value):
            raise ValueError(tr("{value!r} is not valid: {explain}", value=value, explain=tr(explain)))
        return value

    return check


StationCode = Annotated[
    str,
    BeforeValidator(
        _pattern(r"[a-z][a-z0-9-]{1,31}", N_("a station code is 2–32 lowercase letters, digits or '-', e.g. floor-12"), lower=True)
    ),
]
TeamCode = Annotated[
    str, BeforeValidator(_pattern(r"[A-Z][A-Z0-9]{1,9}", N_("a team code is 2–10 capital letters, e.g. LOBBY"), upper=True))
]
StaffNo = Annotated[
    str, BeforeValidator(_pattern(r"[A-Z0-9]{2,12}", N_("a staff no. is 2–12 letters or digits, e.g. 8001"), upper=True))
]
RoomNumber = Annotated[
    str, BeforeValidator(_pattern(r"[1-9][0-9]{2,3}", N_("a room number is 3–4 digits, floor first, e.g. 1208")))
]
Mobile = Annotated[
    str,
    BeforeValidator(
        _pattern(r"\+?[0-9][0-9 -]{5,19}", N_("a mobile number is 6–20 digits, spaces or '-', optionally starting with +"))
    ),
]
CarPlate = Annotated[str, Bounded(12)]
Priority = Annotated[int, Field(ge=1, le=5, description="1 is most urgent, 5 least")]



class Model(BaseModel):
    # defer_build: a model's validator is built the first time it is used, not when this module is
    # imported, so a command that validates one kind of thing does not pay for all of them.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True, defer_build=True)


# --------------------------------------------------------------------------------------------
# Nouns
# --------------------------------------------------------------------------------------------


class Team(Model):
    code: TeamCode
    name: Annotated[str, Bounded(60)]
    name_zh: Annotated[str, Bounded(30, min_len=0)] = ""


class Station(Model):
    code: StationCode
    name: Annotated[str, Bounded(60)]
    name_zh: Annotated[str, Bounded(30, min_len=0)] = ""
    team_code: TeamCode
    floors: list[Annotated[int, Field(ge=1, le=199)]] = []
    active: bool = True


class Staff(Model):
    staff_no: StaffNo
    name: Annotated[str, Bounded(40)]
    name_en: Annotated[str, Bounded(60, min_len=0)] = ""
    team_code: TeamCode | None = None
    role: Role = "butler"
    title: Annotated[str, Bounded(40, min_len=0)] = ""
    registered_butler: bool = False
    active: bool = True


class Room(Model):
    number: RoomNumber
    floor: Annotated[int, Field(ge=1, le=199)]
    type: Annotated[str, Bounded(40)]
    occupancy: Occupancy = "vacant"
    hk_status: HousekeepingStatus = "clean"
    dnd: bool = False
    dnd_since: datetime | None = None

    @model_validator(mode="after")
    def _floor_matches_number(self) -> Room:
        if int(self.number[:-2]) != self.floor:
            raise ValueError(tr("room {number} is on floor {actual}, not {floor}", number=self.number,
                                actual=int(self.number[:-2]), floor=self.floor))
        return self


class Guest(Model):
    id: int | None = None
    name: Annotated[str, Bounded(80)]
    salutation: Salutation = ""
    member_no: Annotated[str, Bounded(20, min_len=0)] | None = None
    mobile: Mobile | None = None
    id_no: Annotated[str, Bounded(30, min_len=0)] | None = None
    vip_level: Annotated[int, Field(ge=0, le=5)] = 0
    member_level: Annotated[str, Bounded(20, min_len=0)] = ""
    company: Annotated[str, Bounded(80, min_len=0)] = ""
    language: Annotated[str, Bounded(10)] = "zh"
    butler_no: StaffNo | None = None
    car_plate: CarPlate | None = None
    wechat: Annotated[str, Bounded(40, min_len=0)] | None = None
    last_visit: date | None = None
    visit_count: Annotated[int, Field(ge=0)] = 0


class GuestNote(Model):
    id: int | None = None
    guest_id: int
    kind: NoteKind
    text: Annotated[str, Bounded(1000, multiline=True)]
    author_no: StaffNo | None = None
    station_code: StationCode | None = None
    created_at: datetime | None = None
    retired_at: datetime | None = None


class Stay(Model):
    """A reservation: arrival, stay and departure of one guest in one room."""

    id: int | None = None
    reservation_no: Annotated[
        str, BeforeValidator(_pattern(r"[A-Za-z0-9-]{3,20}", "a reservation no. is 3–20 letters, digits or '-'"))
    ]
    guest_id: int
    room_number: RoomNumber | None = None
    room_type: Annotated[str, Bounded(40, min_len=0)] = ""
    arrival_date: date
    eta: datetime | None = None
    departure_date: date
    etd: datetime | None = None
    party_size: Annotated[int, Field(ge=1, le=20)] = 1
    car_plate: CarPlate | None = None
    parking_bay: Annotated[str, Bounded(10, min_len=0)] | None = None
    butler_no: StaffNo | None = None
    booked_by: StaffNo | None = None
    status: StayStatus = "expected"
    remarks: Annotated[str, Bounded(500, min_len=0, multiline=True)] = ""

    @model_validator(mode="after")
    def _departure_after_arrival(self) -> Stay:
        if self.departure_date < self.arrival_date:
            raise ValueError(tr("departure {departure} is before arrival {arrival}", departure=self.departure_date,
                                arrival=self.arrival_date))
        return self


class Task(Model):
    """A service order."""

    id: int | None = None
    type: Annotated[str, BeforeValidator(_pattern(r"[a-z][a-z_]{1,31}", "a task type is lowercase, e.g. turndown"))]
    name: Annotated[str, Bounded(120)]
    details: Annotated[str, Bounded(2000, min_len=0, multiline=True)] = ""
    room_number: RoomNumber | None = None
    area: Annotated[str, Bounded(60, min_len=0)] | None = None
    guest_id: int | None = None
    priority: Priority = 3
    status: TaskStatus = "new"
    station_code: StationCode | None = None
    owner_no: StaffNo | None = None
    owner_team: TeamCode | None = None
    second_team: TeamCode | None = None
    assignee_no: StaffNo | None = None
    due_at: datetime | None = None
    escalation_level: Annotated[int, Field(ge=0)] = 0
    repeat_count: Annotated[int, Field(ge=0)] = 0
    hold_reason: Annotated[str, Bounded(200, min_len=0)] | None = None
    cancel_reason: Annotated[str, Bounded(200, min_len=0)] | None = None
    resolution: Annotated[str, Bounded(500, min_len=0, multiline=True)] | None = None


class Message(Model):
    """A radio call: said once, to everyone concerned, acknowledged by each."""

    id: int | None = None
    from_station: StationCode
    from_staff: StaffNo | None = None
    audience_kind: AudienceKind = "all"
    audience: list[str] = []
    priority: MessagePriority = "routine"
    body: Annotated[str, Bounded(500)]
    room_number: RoomNumber | None = None
    guest_id: int | None = None
    task_id: int | None = None
    parent_id: int | None = None
    requires_ack: bool = True

    @model_validator(mode="after")
    def _audience_fits_kind(self) -> Message:
        if self.audience_kind == "all" and self.audience:
            raise ValueError(tr("an 'all' message names no stations"))
        if self.audience_kind != "all" and not self.audience:
            raise ValueError(tr("a '{kind}' message needs at least one recipient", kind=self.audience_kind))
        return self


class Ack(Model):
    message_id: int
    station_code: StationCode
    staff_no: StaffNo | None = None
    acked_at: datetime | None = None


class Handover(Model):
    id: int | None = None
    name: Annotated[str, Bounded(80)]
    shift: ShiftName
    shift_date: date
    station_code: StationCode | None = None
    team_code: TeamCode | None = None
    author_no: StaffNo | None = None
    signed_out_by: StaffNo | None = None
    signed_out_at: datetime | None = None
    signed_in_by: StaffNo | None = None
    signed_in_at: datetime | None = None


class Event(Model):
    """One row of the append-only audit log, which is also every station's change feed."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: int
    at: datetime
    actor: str | None = None
    station: str | None = None
    entity: str
    entity_id: str | None = None
    action: str
    before: Any = None
    after: Any = None


# --------------------------------------------------------------------------------------------
# Validation helper
# --------------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


# pydantic's own errors, said the way a duty butler reads them (``ctx`` fills the placeholders)
PYDANTIC_MESSAGES = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a field here"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "greater_than": N_("must be more than {gt}"),
    "less_than": N_("must be less than {lt}"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "literal_error": N_("must be one of: {expected}"),
    "string_type": N_("must be text"),
    "date_parsing": N_("must be a date like 2026-11-24"),
    "date_from_datetime_parsing": N_("must be a date like 2026-11-24"),
    "date_type": N_("must be a date like 2026-11-24"),
    "datetime_parsing": N_("must be a date and time like 2026-11-24T14:30"),
    "datetime_from_date_parsing": N_("must be a date and time like 2026-11-24T14:30"),
    "datetime_type": N_("must be a date and time like 2026-11-24T14:30"),
    "bool_parsing": N_("must be yes or no"),
    "bool_type": N_("must be yes or no"),
}


def list_problems(exc: ValidationError, rename: dict[str, str] | None = None) -> str:
    """One ``field: reason`` per problem, joined with "; ", in the station's language. ``rename`` gives
    fields the names the user knows them by (a CSV column)."""
    parts = []
    rename = rename or {}
    for err in exc.errors(include_url=False):
        loc = ".".join(tr(rename.get(str(x), str(x))) for x in err.get("loc", ()) if x != "__root__")
        template = PYDANTIC_MESSAGES.get(err.get("type", ""))
        if template:
            msg = tr(template, **{k: v for k, v in (err.get("ctx") or {}).items() if f"{{{k}}}" in template})
        else:
            msg = str(err.get("msg", "invalid"))
            msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        parts.append(tr("{field}: {problem}", field=loc, problem=msg) if loc else msg)
    return tr("; ").join(parts)


def describe(exc: ValidationError, what: str = "") -> str:
    """``invalid <what>: field: reason; …`` — one line for the whole input."""
    return tr("invalid {what}: {problems}", what=tr(what or "input"), problems=list_problems(exc))


def validate(model: type[M], data: dict[str, Any], what: str = "") -> M:
    """Build ``model`` from ``data`` or raise one readable :class:`InvalidInput`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc, what or model.__name__.lower())) from None


# -- task types and their escalation ladders (defaults in butler_tui.defaults) --


class Step(BaseModel):
    model_config = ConfigDict(defer_build=True)

    level: int = Field(ge=1, le=9)
    when: Literal["unacknowledged", "overdue"]
    after_minutes: float = Field(ge=0)
    notify: Literal["supervisor", "manager", "director"]


class Ladder(BaseModel):
    model_config = ConfigDict(defer_build=True)

    steps: list[Step]
    repeat_every_minutes: float = Field(default=15, gt=0)
    max_repeats: int = Field(default=3, ge=0, le=10)
    no_progress_minutes: float | None = Field(default=30, gt=0)


class TaskType(BaseModel):
    model_config = ConfigDict(defer_build=True)

    code: str
    name: str
    name_zh: str
    priority: int = Field(ge=1, le=5)
    due_minutes: int | None
    team_code: str | None
    ladder: Ladder
    lead_minutes: int = Field(default=10, ge=0, le=24 * 60)  # a task due at a time is raised this much ahead
