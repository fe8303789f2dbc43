"""``ctrl+p`` also finds guests (by name, pinyin, room, mobile digits, member no., plate) and rooms."""

from __future__ import annotations

import asyncio
import re
from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content

from butler_tui.i18n import t
from butler_tui.services import guests, rooms
from butler_tui.ui.base import station_of


class GuestsAndRooms(Provider):
    async def search(self, query: str) -> Hits:
        station = station_of(self.app)
        if not query.strip():
            return
        try:
            # A database read: off the event loop, in a thread with its own connection.
            hits = await asyncio.to_thread(guests.find, station.store, query, limit=8)
        except Exception:  # a failed lookup finds nothing; the palette stays open
            return
        for h in hits:
            label = (t("Guest {name}", name=h.label) + (" · " + t("room {room}", room=h.room) if h.room else "")
                     + (f" · VIP{h.vip_level}" if h.vip_level else ""))
            yield Hit(0.9 if h.score >= 90 else 0.6, Content(label), partial(station.open_guest, h.id),
                      text=label, help=t("found by {how}", how=h.matched))
        number = query.strip()
        if re.fullmatch(r"[1-9]\d{2,3}", number):
            room = await asyncio.to_thread(rooms.find_room, station.store, number)
            if room:
                label = (t("Room {number}", number=room.number)
                         + f" · {room.type} · {t(room.occupancy)} · {t(room.hk_status)}")
                yield Hit(1.0, Content(label), partial(station.open_room, room.number),
                          text=label, help=t("rooms & tasks, filtered to this room"))
