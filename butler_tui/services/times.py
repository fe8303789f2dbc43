"""What people type for a time or a day, read the one way everywhere (hotel time, :mod:`butler_tui.clock`).

* a time of day — ``HH:MM`` from 00:00 to 23:59 (``6:5`` is 06:05); nothing else: not ``25:00``,
  ``06:61`` or ``-1:00`` (:func:`time_of_day`, :func:`parse_hhmm`);
* a moment — a time of day (today, tomorrow if it has passed), ``+30m`` / ``+2h``, or an ISO date-time
  (:func:`parse_when`: ``task add --due/--at``, ``task defer --until``);
* a day — ``YYYY-MM-DD``, ``today``, ``tomorrow`` or ``yesterday``, the hotel's days (:func:`parse_day`:
  every ``--day`` / ``--date`` of the command line).

No database, no pydantic: the command line's read commands use it and start fast.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from butler_tui import clock
from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr

_HHMM = re.compile(r"(\d{1,2}):(\d{1,2})")
_RELATIVE = re.compile(r"\+(\d{1,5})([mh])")
_LOOKS_LIKE_A_TIME = re.compile(r"[+-]?\d*:\d*")  # "25:00", "-1:00", "6:", ":30": meant as a time of day
RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}
YEARS = (1970, 2199)
"""The years a day or a moment typed may fall in: a hotel's (beyond them the arithmetic of a day's window or
an instant's milliseconds runs out of the calendar: year 1, year 9999)."""


def plausible(day: date) -> bool:
    """Is ``day``'s year one of :data:`YEARS`?"""
    return YEARS[0] <= day.year <= YEARS[1]


def in_years(day: date, value: object) -> date:
    """``day`` when it is :func:`plausible`; refused with one sentence (naming ``value``) otherwise."""
    if not plausible(day):
        raise InvalidInput(tr("{value!r} is out of range: a day from {first} to {last}", value=value,
                              first=f"{YEARS[0]}-01-01", last=f"{YEARS[1]}-12-31"))
    return day


def time_of_day(value: str | None) -> str | None:
    """``value`` as ``HH:MM`` when it is a real time of day (00:00–23:59), else ``None``."""
    found = _HHMM.fullmatch((value or "").strip())
    if found is None:
        return None
    hours, minutes = int(found[1]), int(found[2])
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def parse_hhmm(value: str | None) -> str:
    """A time of day (hotel time), checked and normalised; refused with one sentence otherwise."""
    found = time_of_day(value)
    if found is None:
        raise InvalidInput(tr("{value!r} is not a time of day: use HH:MM, e.g. 18:00", value=value))
    return found


def parse_when(value: str) -> datetime:
    """``HH:MM`` today (tomorrow if past), ``+30m`` / ``+2h``, or an ISO date-time (hotel time when it
    names no zone). Anything else — ``25:00``, ``06:61``, ``+3d`` — is refused."""
    text = (value or "").strip()
    now = clock.now()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        amount = int(relative[1])
        return now + (timedelta(minutes=amount) if relative[2] == "m" else timedelta(hours=amount))
    if _LOOKS_LIKE_A_TIME.fullmatch(text):
        at = clock.local_at(clock.today(), parse_hhmm(text))
        return at if at > now else clock.local_at(clock.today() + timedelta(days=1), parse_hhmm(text))
    try:
        if not re.match(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise InvalidInput(tr("{value!r} is not a time: use HH:MM, +30m, +2h or an ISO date-time",
                              value=value)) from None
    in_years(moment.date(), value)
    return clock.to_hotel(moment)


def parse_day(value: str | date | None) -> date:
    """``YYYY-MM-DD``, ``today``, ``tomorrow`` or ``yesterday`` (the hotel's days; none: today); a date as it is."""
    if isinstance(value, date):
        return value
    text = (value or "today").strip().lower()
    if text in RELATIVE_DAYS:
        return clock.today() + timedelta(days=RELATIVE_DAYS[text])
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(tr("{value!r} is not a date: use YYYY-MM-DD, today, tomorrow or yesterday",
                              value=value)) from None
    return in_years(day, value)


__all__ = ["YEARS", "in_years", "parse_day", "parse_hhmm", "parse_when", "plausible", "time_of_day"]
