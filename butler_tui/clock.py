"""The one clock of the application.

Instants are stored as UTC ISO-8601 strings with millisecond precision and a trailing ``Z``
(fixed width, so they sort as text). Calendar things a hotel thinks of in local time — an
arrival date, a shift — are stored as local dates. Tests and screenshots freeze the clock with
:func:`freeze` or the ``BUTLER_NOW`` environment variable (an ISO datetime). The frozen instant is
part of the current :class:`~butler_tui.context.Context` (shared by a test and the stations it starts).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from butler_tui.context import current


def _from_env() -> datetime | None:
    value = os.environ.get("BUTLER_NOW")
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()  # a naive value is local wall-clock time
    return parsed


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    frozen = current().clock.frozen or _from_env()
    if frozen is not None:
        return frozen.astimezone(UTC)
    return datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware or local-naive); ``None`` thaws it."""
    if moment is not None and moment.tzinfo is None:
        moment = moment.astimezone()
    current().clock.frozen = moment


def local_now() -> datetime:
    """Now, in the hotel's local time zone (the machine's)."""
    return now().astimezone()


def today() -> date:
    """The hotel's local calendar date."""
    return local_now().date()


def iso(moment: datetime) -> str:
    """Store format: ``2026-11-24T08:30:00.000Z``."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(now())


def parse(value: str) -> datetime:
    """Parse a stored instant back to an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_at(day: date, hhmm: str) -> datetime:
    """Local wall-clock ``HH:MM`` on ``day`` as an aware datetime (24:30 rolls to the next day)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    naive = datetime(day.year, day.month, day.day) + timedelta(hours=hours, minutes=minutes)
    return naive.astimezone()


def show_local(value: str | None, fmt: str = "%H:%M") -> str:
    """A stored instant shown in local time; empty string for none."""
    if not value:
        return ""
    return parse(value).astimezone().strftime(fmt)


Clock = Callable[[], datetime]
