"""Cells and marks more than one board shows (so that boards need not import each other)."""

from __future__ import annotations

from rich.text import Text

STAY_ENTITIES = frozenset({"stays", "checklist_items", "rooms", "vip_notices", "guests"})
"""The event entities that change what the arrivals board and a stay show."""


def vip_mark(level: int) -> Text:
    return Text(f"★VIP{level}", style="bold magenta") if level else Text("")
