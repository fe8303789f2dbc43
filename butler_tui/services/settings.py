"""The hotel's settings (the ``settings`` table): numbers such as ``auto_lock_minutes`` and the shifts."""

from __future__ import annotations

from butler_tui.config import Shift, load_shifts, use_shifts
from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr
from butler_tui.store import Store


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


def use_hotel_shifts(store: Store) -> None:
    """Read the hotel's shifts into the current context."""
    use_shifts(hotel_shifts(store))
