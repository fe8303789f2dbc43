"""The hotel's settings (the ``settings`` table): numbers such as ``auto_lock_minutes`` and the shifts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from butler_tui import clock
from butler_tui.config import Shift, load_shifts, use_shifts
from butler_tui.context import current
from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr
from butler_tui.services.auth import require
from butler_tui.services.rooms import READY_RULES
from butler_tui.services.times import time_of_day
from butler_tui.store import Store, Tx


def setting_number(store: Store, name: str, default: float) -> float:
    """A numeric row of the ``settings`` table (e.g. ``auto_lock_minutes``); the default when unset or
    not a number."""
    value = store.scalar("SELECT value FROM settings WHERE name = ?", (name,))
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def hotel_shifts(store: Store) -> list[Shift]:
    """The ``shifts`` setting, e.g. ``[{"name": "early", "start": "06:30", "end": "15:00"}, …]``;
    the defaults when unset."""
    raw = store.scalar("SELECT value FROM settings WHERE name = 'shifts'")
    try:
        return load_shifts(raw)
    except (ValueError, TypeError, KeyError) as exc:  # not JSON, not a list of shifts
        raise InvalidInput(tr("the 'shifts' setting is not a list of {{name, start, end}}: {exc}", exc=exc)) from None


def hotel_zone(store: Store) -> str | None:
    """The hotel's IANA time zone (the ``timezone`` setting); ``None`` while unset (the host's) or
    when what is stored is not a zone this machine knows (the host's, rather than no station at all)."""
    raw = store.scalar("SELECT value FROM settings WHERE name = 'timezone'")
    if not raw:
        return None
    try:
        return _valid("timezone", str(raw))
    except InvalidInput:
        return None


def use_hotel_settings(store: Store) -> None:
    """Read the hotel's shifts and time zone into the current context: every local time this
    command or station shows or decides (shifts, DND slots, the night audit) is the hotel's."""
    use_shifts(hotel_shifts(store))
    clock.use_zone(hotel_zone(store))


# -- the settings a manager sets by name (``butler settings get|set``, issue 17) ------------------

# name -> the value when the hotel has not set it ("" for the time zone: the host's, until set).
EDITABLE: dict[str, str] = {"ready_rule": "inspected", "night_audit": "03:00", "timezone": "",
                            "found_dispose_days": "90", "session_hours": "8"}
MAX_DISPOSE_DAYS = 3650
MAX_SESSION_HOURS = 24


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    is_default: bool

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "default": self.is_default}


def _known(name: str) -> str:
    key = name.strip().lower()
    if key not in EDITABLE:
        raise InvalidInput(tr("unknown setting {name!r}; one of: {known}", name=name, known=", ".join(EDITABLE)))
    return key


def get_setting(store: Store, name: str) -> Setting:
    """A setting by name (``ready_rule``, ``night_audit``, ``timezone``, ``found_dispose_days``), its
    default when unset."""
    key = _known(name)
    value = store.scalar("SELECT value FROM settings WHERE name = ?", (key,))
    return Setting(key, EDITABLE[key] if value is None else str(value), value is None)


def _valid(key: str, value: str) -> str:
    text = value.strip()
    if key == "ready_rule":
        if text.lower() not in READY_RULES:
            raise InvalidInput(tr("ready_rule must be one of: {choices}", choices=", ".join(READY_RULES)))
        return text.lower()
    if key == "night_audit":
        hhmm = time_of_day(text)
        if hhmm is None:
            raise InvalidInput(tr("night_audit {value!r} is not a time like 03:00", value=value))
        return hhmm
    if key == "found_dispose_days":
        if not text.isdigit() or not 1 <= int(text) <= MAX_DISPOSE_DAYS:
            raise InvalidInput(tr("found_dispose_days {value!r} is not a number of days from 1 to {most}",
                                  value=value, most=MAX_DISPOSE_DAYS))
        return str(int(text))
    if key == "session_hours":
        if not text.isdigit() or not 1 <= int(text) <= MAX_SESSION_HOURS:
            raise InvalidInput(tr("session_hours {value!r} is not a number of hours from 1 to {most}",
                                  value=value, most=MAX_SESSION_HOURS))
        return str(int(text))
    try:
        if not text or text != text.strip("/") or ".." in text:
            raise ValueError(text)
        ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidInput(tr("timezone {value!r} is not an IANA time zone like Asia/Shanghai", value=value)) from None
    return text


def check_setting(name: str, value: str) -> str:
    """The value as it would be stored, or a refusal naming what is wrong."""
    return _valid(_known(name), value)


def set_setting(store: Store, name: str, value: str, *, by: str, station: str | None = None) -> Setting:
    """Set a setting (permission ``change_settings``: managers and up), an audited event. A new
    ``timezone`` moves the routines to the new wall clock in the same write (:func:`_rezone`)."""
    key = _known(name)
    clean = _valid(key, value)
    zone_before = current().zone
    try:
        with store.write(actor=by, station=station) as tx:
            require(tx, by, "change_settings")
            before = tx.execute("SELECT value FROM settings WHERE name = ?", (key,)).fetchone()
            if before is not None and before[0] == clean:
                tx.abandon()
            tx.execute("INSERT INTO settings (name, value) VALUES (?, ?)"
                       " ON CONFLICT(name) DO UPDATE SET value = excluded.value", (key, clean))
            tx.event("settings", key, "set", before={"value": before[0] if before else None}, after={"value": clean})
            if key == "timezone":
                _rezone(tx, clean)
    except BaseException:
        clock.use_zone(zone_before)  # nothing changed: nor does the zone this command reads
        raise
    if key == "timezone":
        clock.use_zone(clean)  # what this command prints from here on is in the new zone
    return Setting(key, clean, False)


def _rezone(tx: Tx, zone: str) -> None:
    """The hotel's wall clock moves to ``zone``: the routines — rules of the wall clock ("18:00 daily") —
    move to their next occurrence in it, in the same write as the setting."""
    from butler_tui.services.scheduling import rezone_routines  # scheduling reaches settings through tasks

    clock.use_zone(zone)
    rezone_routines(tx, clock.now())
