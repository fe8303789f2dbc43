"""Settings: where the database is, and the shifts of the hotel's day.

Defaults follow the service standards (early 07:00–15:30, middle 11:30–20:00, night 16:00–24:30;
00:30–07:00 is the overnight covered by the night handover). A hotel changes them in the
``settings`` table (``shifts`` as JSON) — see :func:`load_shifts`; the services read that row
(``services.settings``) and put the shifts into the current context.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from butler_tui.context import current
from butler_tui.i18n import t as tr

DEFAULT_DB = "butler.db"


def default_db_path(configured: str | None = None) -> Path | str:
    """``$BUTLER_DB``, else ``configured`` (the user's config file: :mod:`butler_tui.userconfig`), else
    ``./butler.db``: a file, or a PostgreSQL server's address kept as it is written (``postgresql://…``)."""
    return database_address(os.environ.get("BUTLER_DB") or configured or DEFAULT_DB)


def database_address(value: str | os.PathLike[str]) -> Path | str:
    """A database as the user named it: a PostgreSQL address stays text (a ``Path`` would fold its ``//``),
    anything else is a file's path (``~`` expanded)."""
    text = os.fspath(value)
    return text if text.startswith(("postgresql://", "postgres://")) else Path(text).expanduser()


def redact(address: str) -> str:
    """A database address (or a server's message naming it) without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", address)


def _hhmm(value: object) -> str:
    hours, _, minutes = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not (hours.isdigit() and minutes.isdigit() and 0 <= int(hours) <= 30 and 0 <= int(minutes) < 60):
        raise ValueError(tr("{value!r} is not a time of day as HH:MM", value=value))
    return str(value)


@dataclass(frozen=True)
class Shift:
    """A shift of the hotel's day (a plain dataclass: reading the shifts costs a command no pydantic)."""

    name: str
    start: str  # "HH:MM"
    end: str  # "HH:MM", may pass midnight as "24:30"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(tr("a shift needs a name"))
        _hhmm(self.start)
        _hhmm(self.end)

    @classmethod
    def from_dict(cls, item: object) -> Shift:
        """One entry of the ``shifts`` setting: ``{"name": …, "start": "HH:MM", "end": "HH:MM"}``."""
        if not isinstance(item, dict) or set(item) != {"name", "start", "end"}:
            raise ValueError(tr("a shift is {{name, start, end}}, not {item!r}", item=item))
        return cls(name=item["name"], start=item["start"], end=item["end"])

    def _minutes(self, hhmm: str) -> int:
        hours, minutes = hhmm.split(":")
        return int(hours) * 60 + int(minutes)

    def covers(self, moment: datetime) -> bool:
        """Is local ``moment`` inside this shift (checking today's and yesterday's occurrence)?"""
        minute_of_day = moment.hour * 60 + moment.minute
        start, end = self._minutes(self.start), self._minutes(self.end)
        return start <= minute_of_day < end or start <= minute_of_day + 24 * 60 < end

    @property
    def label(self) -> str:
        return f"{self.name} {self.start}–{self.end}"


DEFAULT_SHIFTS = [
    Shift(name="early", start="07:00", end="15:30"),
    Shift(name="middle", start="11:30", end="20:00"),
    Shift(name="night", start="16:00", end="24:30"),
]


def current_shifts() -> list[Shift]:
    """The shifts of the current context (the hotel's ``shifts`` setting once read), else the defaults."""
    return current().shifts or list(DEFAULT_SHIFTS)


def use_shifts(shifts: list[Shift]) -> None:
    """The hotel's shifts for everything in the current context that asks which shift it is."""
    current().shifts = list(shifts) or list(DEFAULT_SHIFTS)


def shifts_on(moment: datetime, shifts: list[Shift] | None = None) -> list[Shift]:
    """The shifts on duty at local ``moment``; empty in the overnight gap."""
    return [s for s in (shifts or current_shifts()) if s.covers(moment)]


def shift_label(moment: datetime, shifts: list[Shift] | None = None) -> str:
    """``early``, ``early+middle``…, or ``overnight`` (00:30–07:00 by default)."""
    on = shifts_on(moment, shifts)
    return "+".join(s.name for s in on) if on else "overnight"


def load_shifts(raw: str | None) -> list[Shift]:
    """Parse the ``shifts`` setting (a JSON list of {name,start,end}); defaults when unset."""
    if not raw:
        return list(DEFAULT_SHIFTS)
    return [Shift.from_dict(item) for item in json.loads(raw)]


def time_of(hhmm: str) -> time:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return (datetime.min + timedelta(hours=hours, minutes=minutes)).time()


def shift_window(shift: Shift, day: date) -> tuple[datetime, datetime]:
    """Local start and end of ``shift`` on ``day`` (an end past midnight falls on the next day)."""
    from butler_tui import clock

    return clock.local_at(day, shift.start), clock.local_at(day, shift.end)


def latest_shift(moment: datetime, shifts: list[Shift] | None = None) -> tuple[Shift, date]:
    """The shift that started most recently before ``moment`` (local), with its date. In the
    overnight gap this is the night shift that just ended — the one whose handover is due."""
    from datetime import timedelta

    shifts = shifts or current_shifts()
    best = None
    for offset in (0, -1):
        day = moment.date() + timedelta(days=offset)
        for s in shifts:
            start, _end = shift_window(s, day)
            if start <= moment and (best is None or start > best[2]):
                best = (s, day, start)
    assert best is not None
    return best[0], best[1]


def next_shift(shift: Shift, day: date, shifts: list[Shift] | None = None) -> tuple[Shift, date]:
    from datetime import timedelta

    shifts = sorted(shifts or current_shifts(), key=lambda s: s.start)
    names = [s.name for s in shifts]
    i = names.index(shift.name)
    if i + 1 < len(shifts):
        return shifts[i + 1], day
    return shifts[0], day + timedelta(days=1)


def shift_named(name: str, shifts: list[Shift] | None = None) -> Shift:
    for s in shifts or current_shifts():
        if s.name == name:
            return s
    known = ", ".join(s.name for s in shifts or current_shifts())
    from butler_tui.errors import InvalidInput

    raise InvalidInput(tr("unknown shift {name!r}; shifts: {known}", name=name, known=known))
