"""The lost & found register (失物招领, seed 004 art. 5; issue 17).

An item is **found** (what, where — a room or a place —, who found it, when) → **stored** (where it is
kept; storing again moves it) → **returned** (to whom, the ID they showed, by whom) or **disposed of**,
but only once the hotel's ``found_dispose_days`` (default 90) have passed since it was found.

An item found in a room is linked to the stay occupying the room at that moment and its guest; when
nobody is in the room, to the stay that checked out of it in the last :data:`LEFT_BEHIND_HOURS` hours
(what housekeeping finds while cleaning after a check-out is that guest's). The guest's profile lists
their items; the handover lists what was found in the shift.

Anyone signed in logs, stores and returns an item; disposing of one is for the roles given
``dispose_found_item`` (supervisors and up). Every change is an ``events`` row in its transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from butler_tui import clock
from butler_tui.errors import ButlerError, InvalidInput, NotFound
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services.auth import actor, actor_in, denial, require
from butler_tui.services.guests import address, mask_id
from butler_tui.services.rooms import room_number
from butler_tui.store import Store, Tx
from butler_tui.text import clean_text

STATUSES = ("found", "stored", "returned", "disposed")
OPEN = ("found", "stored")
STATUS_LABEL = {"found": N_("found 拾获"), "stored": N_("stored 保管"), "returned": N_("returned 已归还"),
                "disposed": N_("disposed 已处理")}
DISPOSE_DAYS = 90  # the ``found_dispose_days`` setting when the hotel has not set it
LEFT_BEHIND_HOURS = 24
_ROOM_LIKE = re.compile(r"\d+")


@dataclass(frozen=True)
class FoundItem:
    id: int
    what: str
    room: str | None
    place: str | None
    stay_id: int | None
    reservation_no: str | None
    guest_id: int | None
    guest: str | None  # how the hotel addresses the guest
    found_by: str
    found_by_name: str | None
    found_at: str
    station: str | None
    status: str
    kept_at: str | None
    stored_by: str | None
    stored_at: str | None
    returned_to: str | None
    id_shown: str | None  # masked: the register keeps what was shown, lists show its ends
    returned_by: str | None
    returned_by_name: str | None
    returned_at: str | None
    disposed_by: str | None
    disposed_at: str | None

    @property
    def where(self) -> str:
        """The room, else the place, where it was found."""
        return self.room or self.place or ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


_SELECT = """
SELECT f.*, s.reservation_no, g.name AS guest_name, g.salutation, fb.name AS found_by_name,
       rb.name AS returned_by_name
FROM found_items f
LEFT JOIN stays s ON s.id = f.stay_id
LEFT JOIN guests g ON g.id = f.guest_id
LEFT JOIN staff fb ON fb.staff_no = f.found_by
LEFT JOIN staff rb ON rb.staff_no = f.returned_by
"""


def _item(r: dict[str, Any]) -> FoundItem:
    return FoundItem(
        id=r["id"], what=r["what"], room=r["room_number"], place=r["place"], stay_id=r["stay_id"],
        reservation_no=r["reservation_no"], guest_id=r["guest_id"],
        guest=address(r["guest_name"], r["salutation"] or "") if r["guest_name"] else None,
        found_by=r["found_by"], found_by_name=r["found_by_name"], found_at=r["found_at"], station=r["station_code"],
        status=r["status"], kept_at=r["kept_at"], stored_by=r["stored_by"], stored_at=r["stored_at"],
        returned_to=r["returned_to"], id_shown=mask_id(r["id_shown"]) if r["id_shown"] else None,
        returned_by=r["returned_by"], returned_by_name=r["returned_by_name"], returned_at=r["returned_at"],
        disposed_by=r["disposed_by"], disposed_at=r["disposed_at"])


def get_item(store: Store, item_id: int) -> FoundItem:
    row = store.row(_SELECT + " WHERE f.id = ?", (item_id,))
    if row is None:
        raise NotFound(tr("no lost & found item {id}", id=item_id))
    return _item(row)


def list_items(store: Store, *, status: str | None = None, room: str | None = None, guest_id: int | None = None,
               open_only: bool = False, since: str | None = None, until: str | None = None,
               limit: int = 500) -> list[FoundItem]:
    """The register, newest first: of one ``status`` or the open ones, of a room, of a guest, found in
    ``[since, until)`` (stored instants)."""
    where, params = ["1"], []  # type: list[str], list[Any]
    if status is not None:
        wanted = (status or "").strip().lower()
        if wanted not in STATUSES:
            raise InvalidInput(tr("unknown status {status!r}; one of: {choices}", status=status,
                                  choices=", ".join(STATUSES)))
        where.append("f.status = ?")
        params.append(wanted)
    if open_only:
        where.append("f.status IN ('found','stored')")
    if room is not None:
        where.append("f.room_number = ?")
        params.append(room_number(room))
    if guest_id is not None:
        where.append("f.guest_id = ?")
        params.append(guest_id)
    if since is not None:
        where.append("f.found_at >= ?")
        params.append(since)
    if until is not None:
        where.append("f.found_at < ?")
        params.append(until)
    rows = store.rows(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY f.id DESC LIMIT ?", [*params, limit])
    return [_item(r) for r in rows]


def dispose_days(conn: Any) -> int:
    """The ``found_dispose_days`` setting (:data:`DISPOSE_DAYS` unless the hotel set it)."""
    row = conn.execute("SELECT value FROM settings WHERE name = 'found_dispose_days'").fetchone()
    try:
        return max(1, int(row[0])) if row else DISPOSE_DAYS
    except (TypeError, ValueError):
        return DISPOSE_DAYS


def disposable_from(found_at: str, days: int) -> datetime:
    """The instant an item found at ``found_at`` may be disposed of."""
    return clock.parse(found_at) + timedelta(days=days)


# -- changes ------------------------------------------------------------------------------------


def _signed_in(tx: Tx, by: str | None) -> str:
    if not by:
        raise InvalidInput(tr("sign in first"))
    if actor_in(tx, by) is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=by))
    return by


def _text(value: str | None, what: str, most: int = 200) -> str:
    text = clean_text(value or "")
    if not text:
        raise InvalidInput(tr("give {what}", what=tr(what)))
    if len(text) > most:
        raise InvalidInput(tr("{what}: at most {most} characters", what=tr(what), most=most))
    return text


def parse_where(value: str | None) -> tuple[str | None, str | None]:
    """``--where``: a room number (digits: it must be a room of the hotel) or a place (any other text)."""
    text = clean_text(value or "")
    if not text:
        raise InvalidInput(tr("give where it was found: a room number or a place (--where)"))
    if _ROOM_LIKE.fullmatch(text):
        return room_number(text), None
    if len(text) > 100:
        raise InvalidInput(tr("{what}: at most {most} characters", what=tr("the place"), most=100))
    return None, text


def _occupant(tx: Tx, room: str, at: datetime) -> tuple[int | None, int | None]:
    """The stay in ``room`` at ``at`` and its guest; else the one that left it in the last hours."""
    found = tx.execute(
        "SELECT id, guest_id FROM stays WHERE room_number = ? AND status IN ('arrived','in_house','due_out')"
        " ORDER BY arrival_date DESC, id DESC LIMIT 1", (room,)).fetchone()
    if found is None:
        found = tx.execute(
            "SELECT id, guest_id FROM stays WHERE room_number = ? AND status = 'departed' AND departed_at <= ?"
            " AND departed_at >= ? ORDER BY departed_at DESC, id DESC LIMIT 1",
            (room, clock.iso(at), clock.iso(at - timedelta(hours=LEFT_BEHIND_HOURS)))).fetchone()
    return (int(found[0]), int(found[1])) if found else (None, None)


def add_item(store: Store, what: str, where: str, *, by: str | None, station: str | None = None) -> int:
    """Log a found item (anyone signed in); returns its id."""
    text = _text(what, N_("what was found"))
    room, place = parse_where(where)
    now = clock.now()
    with store.write(actor=by, station=station) as tx:
        by = _signed_in(tx, by)
        stay_id = guest_id = None
        if room is not None:
            if not tx.execute("SELECT 1 FROM rooms WHERE number = ?", (room,)).fetchone():
                raise NotFound(tr("no room {room}", room=room))
            stay_id, guest_id = _occupant(tx, room, now)
        if station is not None and not tx.execute("SELECT 1 FROM stations WHERE code = ?", (station,)).fetchone():
            station = None  # the command line names no station
        item_id = tx.insert("found_items", {
            "what": text, "room_number": room, "place": place, "stay_id": stay_id, "guest_id": guest_id,
            "found_by": by, "found_at": clock.iso(now), "station_code": station, "status": "found"})
        tx.event("found_items", item_id, "found", after={"what": text, "room": room, "place": place,
                                                         "stay_id": stay_id, "guest_id": guest_id})
    return item_id


def _open_item(tx: Tx, item_id: int, doing: str) -> dict[str, Any]:
    row = tx.execute("SELECT id, status, what, found_at, kept_at, returned_to, returned_at, disposed_at"
                     " FROM found_items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise NotFound(tr("no lost & found item {id}", id=item_id))
    item = dict(zip(("id", "status", "what", "found_at", "kept_at", "returned_to", "returned_at", "disposed_at"),
                    row, strict=True))
    if item["status"] == "returned":
        raise InvalidInput(tr("item {id} ({what}) was returned to {whom} on {day}: it cannot be {doing}",
                              id=item_id, what=item["what"], whom=item["returned_to"],
                              day=clock.show_local(item["returned_at"], "%Y-%m-%d"), doing=tr(doing)))
    if item["status"] == "disposed":
        raise InvalidInput(tr("item {id} ({what}) was disposed of on {day}: it cannot be {doing}", id=item_id,
                              what=item["what"], day=clock.show_local(item["disposed_at"], "%Y-%m-%d"),
                              doing=tr(doing)))
    return item


def store_item(store: Store, item_id: int, at: str, *, by: str | None, station: str | None = None) -> FoundItem:
    """Where the item is kept (again: it was moved)."""
    place = _text(at, N_("where it is kept (--at)"), 100)
    with store.write(actor=by, station=station) as tx:
        by = _signed_in(tx, by)
        item = _open_item(tx, item_id, N_("stored"))
        if item["status"] == "stored" and item["kept_at"] == place:
            tx.abandon()
        tx.execute("UPDATE found_items SET status = 'stored', kept_at = ?, stored_by = ?, stored_at = ? WHERE id = ?",
                   (place, by, clock.now_iso(), item_id))
        tx.event("found_items", item_id, "stored", before={"status": item["status"], "kept_at": item["kept_at"]},
                 after={"status": "stored", "kept_at": place})
    return get_item(store, item_id)


def return_item(store: Store, item_id: int, to: str, id_shown: str, *, by: str | None,
                station: str | None = None) -> FoundItem:
    """Given back to ``to``, who showed ``id_shown`` (the ID document and its number)."""
    whom = _text(to, N_("who it is returned to (--to)"), 100)
    shown = _text(id_shown, N_("the ID they showed (--id-shown)"), 60)
    with store.write(actor=by, station=station) as tx:
        by = _signed_in(tx, by)
        item = _open_item(tx, item_id, N_("returned"))
        tx.execute("UPDATE found_items SET status = 'returned', returned_to = ?, id_shown = ?, returned_by = ?,"
                   " returned_at = ? WHERE id = ?", (whom, shown, by, clock.now_iso(), item_id))
        tx.event("found_items", item_id, "returned", before={"status": item["status"]},
                 after={"status": "returned", "to": whom, "id_shown": mask_id(shown)})
    return get_item(store, item_id)


def dispose_item(store: Store, item_id: int, *, by: str | None, station: str | None = None) -> FoundItem:
    """Disposed of — supervisors and up, and only after ``found_dispose_days`` since it was found."""
    with store.write(actor=by, station=station) as tx:
        by = _signed_in(tx, by)
        require(tx, by, "dispose_found_item")
        item = _open_item(tx, item_id, N_("disposed of"))
        days = dispose_days(tx.db.conn)
        allowed = disposable_from(item["found_at"], days)
        if clock.now() < allowed:
            raise InvalidInput(tr("item {id} ({what}) was found on {found}: it is kept {days} days"
                                  " (setting found_dispose_days) and may be disposed of from {day}",
                                  id=item_id, what=item["what"], found=clock.show_local(item["found_at"], "%Y-%m-%d"),
                                  days=days, day=clock.show_local(clock.iso(allowed), "%Y-%m-%d %H:%M")))
        tx.execute("UPDATE found_items SET status = 'disposed', disposed_by = ?, disposed_at = ? WHERE id = ?",
                   (by, clock.now_iso(), item_id))
        tx.event("found_items", item_id, "disposed", before={"status": item["status"]},
                 after={"status": "disposed", "days": days})
    return get_item(store, item_id)


DOING = {"store": N_("stored"), "give_back": N_("returned"), "dispose": N_("disposed of")}
"""A station's key (its action) and the word the refusals use for it."""


def refusal(store: Store, item_id: int, action: str, *, by: str | None) -> str | None:
    """Why ``by`` may not ``action`` (``store``, ``give_back``, ``dispose``) the item now — the sentence
    :func:`store_item`, :func:`return_item` or :func:`dispose_item` refuses with (the days kept aside) —
    or ``None`` when they may: a station asks before it opens a form or asks "dispose?"."""
    who = actor(store, by)
    if who is None:
        return tr("sign in first")
    if action == "dispose":
        refused = denial(store.db.conn, who, "dispose_found_item")
        if refused:
            return refused
    try:
        _open_item(cast(Tx, store.db.conn), item_id, DOING[action])  # a read: the connection answers execute
    except ButlerError as exc:
        return str(exc)
    return None


def line(item: FoundItem) -> str:
    """One item in a line, as the CLI lists it."""
    parts = [f"{item.id:>5}", f"{tr(STATUS_LABEL[item.status]):<10}", item.what,
             "@ " + (tr("room {room}", room=item.room) if item.room else item.place or "-"),
             tr("found {at} by {who}", at=clock.show_local(item.found_at, "%Y-%m-%d %H:%M"),
                who=item.found_by_name or item.found_by)]
    if item.guest:
        parts.append(tr("guest {guest}", guest=item.guest))
    if item.status == "stored" and item.kept_at:
        parts.append(tr("kept at {place}", place=item.kept_at))
    if item.status == "returned":
        parts.append(tr("returned to {whom} (ID {id_shown}) by {by} {at}", whom=item.returned_to or "-",
                        id_shown=item.id_shown or "-", by=item.returned_by_name or item.returned_by or "-",
                        at=clock.show_local(item.returned_at, "%Y-%m-%d %H:%M")))
    if item.status == "disposed":
        parts.append(tr("disposed of {at}", at=clock.show_local(item.disposed_at, "%Y-%m-%d")))
    return "  ".join(parts)


__all__ = ["FoundItem", "add_item", "dispose_item", "get_item", "list_items", "return_item", "store_item"]
