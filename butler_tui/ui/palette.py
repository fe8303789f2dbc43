"""``ctrl+p`` also finds guests (by name, pinyin, room, mobile digits, member no., plate) and rooms."""

from __future__ import annotations

import asyncio
import re
from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content

from butler_tui.i18n import t
from butler_tui.services import guests


class GuestsAndRooms(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        store = getattr(app, "store", None)
        if store is None or not query.strip():
            return
        try:
            # A database read: off the event loop, in a thread with its own connection.
            hits = await asyncio.to_thread(guests.find, store, query, limit=8)
        except Exception:
            return
        for h in hits:
            label = (t("Guest {name}", name=h.label) + (" · " + t("room {room}", room=h.room) if h.room else "")
                     + (f" · VIP{h.vip_level}" if h.vip_level else ""))
            yield Hit(0.9 if h.score >= 90 else 0.6, Content(label), partial(app.open_guest, h.id),  # type: ignore[attr-defined]
                      text=label, help=t("found by {how}", how=h.matched))
        number = query.strip()
        if re.fullmatch(r"[1-9]\d{2,3}", number):
            room = await asyncio.to_thread(store.row, "SELECT number, floor, type, occupancy, hk_status FROM rooms"
                                                      " WHERE number = ?", (number,))
            if room:
                label = (t("Room {number}", number=room["number"])
                         + f" · {room['type']} · {t(room['occupancy'])} · {t(room['hk_status'])}")
                yield Hit(1.0, Content(label), partial(app.open_room, room["number"]),  # type: ignore[attr-defined]
                          text=label, help=t("rooms & tasks, filtered to this room"))
