"""The one clock of the application.

An instant is handled as a UTC ISO-8601 string with millisecond precision and a trailing ``Z``
(fixed width, so it sorts as text): an :class:`Instant`. The database holds it as integer milliseconds since
the epoch (6 bytes instead of 24; store/instants.py converts at the edge, so the services, the command line's
``--json`` and the events' JSON see the ISO text). Calendar things a hotel thinks of in local time — an
arrival date, a shift — are stored as local dates. "Local" is always the *hotel's* time: the IANA
zone of its ``timezone`` setting, read into the current context when a station or a command opens
the database (:func:`use_zone`); the host's zone only while the hotel has set none. Nothing else in
the code calls ``astimezone()`` for a local time: it asks :func:`local`.

Tests and screenshots freeze the clock with :func:`freeze`. The ``BUTLER_NOW`` environment variable (an ISO
datetime) moves it too, but only once the database opened has been found to be a training one: the
services check that when the store is opened (:func:`butler_tui.services.training.check_clock_allowed`, which
calls :func:`allow_env`) and refuse it on a live hotel; this module never reads the database. The frozen
instant is part of the current :class:`~butler_tui.context.Context` (shared by a test and the stations it starts).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from butler_tui.context import current


@lru_cache(maxsize=16)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> tzinfo | None:
    """The hotel's time zone in the current context; ``None`` while it follows the host's."""
    name = current().zone
    return _zone_info(name) if name else None


def zone_name() -> str:
    """The hotel's zone by name (``Asia/Shanghai``), or the host's abbreviation when none is set."""
    return current().zone or (datetime.now().astimezone().tzname() or "local")


def use_zone(name: str | None) -> None:
    """The hotel's time zone for everything in the current context (``None`` or ``""``: the host's).
    An unknown name raises ``ZoneInfoNotFoundError`` before anything changes."""
    if name:
        _zone_info(name)
    current().zone = name or None


def local(moment: datetime) -> datetime:
    """An instant as the hotel's wall clock shows it (aware, in the hotel's zone)."""
    if moment.tzinfo is None:
        moment = to_hotel(moment)
    hotel = zone()
    return moment.astimezone(hotel) if hotel is not None else moment.astimezone()


def to_hotel(naive: datetime) -> datetime:
    """A naive wall-clock time read as the hotel's local time (aware). A time that does not exist
    or happens twice on a daylight-saving change is resolved the way ``zoneinfo`` does (fold=0)."""
    if naive.tzinfo is not None:
        return naive
    hotel = zone()
    return naive.replace(tzinfo=hotel) if hotel is not None else naive.astimezone()


def env_now() -> str | None:
    """The ``BUTLER_NOW`` the process was started with (honoured only after :func:`allow_env`)."""
    return os.environ.get("BUTLER_NOW") or None


def parse_env_now(value: str) -> datetime:
    """``BUTLER_NOW`` as an instant; ``ValueError`` when it is not an ISO datetime."""
    return to_hotel(datetime.fromisoformat(value.replace("Z", "+00:00")))  # naive: the hotel's wall clock


def allow_env(allowed: bool = True) -> None:
    """Honour ``BUTLER_NOW`` in the current context (the database opened is a training one)."""
    current().clock.env_allowed = allowed


def _from_env() -> datetime | None:
    value = env_now()
    if not value or not current().clock.env_allowed:
        return None
    return parse_env_now(value)


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    frozen = current().clock.frozen or _from_env()
    if frozen is not None:
        return frozen.astimezone(UTC)
    return datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware, or naive: the hotel's wall clock); ``None`` thaws it."""
    current().clock.frozen = None if moment is None else to_hotel(moment)


def local_now() -> datetime:
    """Now, on the hotel's wall clock (its ``timezone`` setting; the host's while unset)."""
    return local(now())


def today() -> date:
    """The hotel's local calendar date."""
    return local_now().date()


class Instant(str):
    """An instant as the application handles it: ``2026-11-24T08:30:00.000Z``. A plain ``str`` to everything
    that shows, compares or serialises it; bound as a query parameter it is its :func:`ms` (the store registers
    that), which is how the database holds it."""

    __slots__ = ()


_EPOCH_DAY = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_DAYS: dict[int, str] = {}  # days since the epoch → "2026-11-24T" (a few thousand at most)
_MINUTES = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}." for s in range(60)]
_MILLIS = [f"{m:03d}Z" for m in range(1000)]


def from_ms(value: int) -> Instant:
    """The instant ``value`` milliseconds after the epoch (how the database holds it). Every instant a read
    gives back comes through here (0.4 µs: the day's text remembered, the rest from tables)."""
    days, rest = divmod(value, 86_400_000)
    prefix = _DAYS.get(days)
    if prefix is None:
        day = date.fromordinal(_EPOCH_DAY + days)
        prefix = _DAYS[days] = f"{day.year:04d}-{day.month:02d}-{day.day:02d}T"
    minute, rest = divmod(rest, 60_000)
    second, milli = divmod(rest, 1000)
    return Instant(prefix + _MINUTES[minute] + _SECONDS[second] + _MILLIS[milli])


def ms(value: str | datetime) -> int:
    """An instant (ISO text, as :func:`iso` writes it or any ISO form with an offset, or an aware datetime)
    as milliseconds since the epoch; ``ValueError`` for text that is not one."""
    if isinstance(value, datetime):
        delta = to_hotel(value) - _EPOCH
        return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000
    if len(value) == 24 and value[4] == "-" and value[10] == "T" and value[19] == "." and value[23] == "Z":
        try:
            days = date(int(value[0:4]), int(value[5:7]), int(value[8:10])).toordinal() - _EPOCH_DAY
            return (days * 86_400 + int(value[11:13]) * 3600 + int(value[14:16]) * 60 + int(value[17:19])) * 1000 \
                + int(value[20:23])
        except ValueError:
            pass
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(value)  # no UTC offset: not an instant
    return ms(moment)


def iso(moment: datetime) -> Instant:
    """Store format: ``2026-11-24T08:30:00.000Z``."""
    utc = to_hotel(moment).astimezone(UTC)
    return Instant(utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z")


def now_iso() -> Instant:
    return iso(now())


def instant(value: str | None) -> Instant | None:
    """An instant's ISO text (from an event's JSON, a report, a file) as the :class:`Instant` a query binds."""
    if value is None or isinstance(value, Instant):
        return value
    return from_ms(ms(value))


def parse(value: str | int) -> datetime:
    """Parse a stored instant back to an aware datetime."""
    if isinstance(value, int):
        return _EPOCH + timedelta(milliseconds=value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_at(day: date, hhmm: str) -> datetime:
    """The hotel's wall-clock ``HH:MM`` on ``day`` as an aware datetime (24:30 rolls to the next day)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    naive = datetime(day.year, day.month, day.day) + timedelta(hours=hours, minutes=minutes)
    return to_hotel(naive)


def show_local(value: str | None, fmt: str = "%H:%M") -> str:
    """A stored instant shown in local time; empty string for none."""
    if not value:
        return ""
    return local(parse(value)).strftime(fmt)


Clock = Callable[[], datetime]
