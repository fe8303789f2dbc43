"""Rooms live (issue 17): housekeeping status, do-not-disturb, out of order / out of service.

Housekeeping moves a room dirty → cleaning → clean → inspected; a supervisor and up passes it as
inspected (permission ``inspect_room``). A room out of order (repair) or out of service (not sold for a
while) says why and until when, and no arrival is given it until it is cleared — after which it is
dirty (it needs cleaning). Check-out (:func:`butler_tui.services.stays.transition` to ``departed``)
makes the room vacant and dirty. A room is ready for an arrival when inspected, or when clean and the
hotel's ``ready_rule`` setting is ``clean``: :func:`is_ready` is that rule, the one place it lives.
Every change is an ``events`` row in the same transaction; whoever makes it is an active member of
staff.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import t as tr
from butler_tui.services.auth import actor_in, require
from butler_tui.services.times import parse_day
from butler_tui.store import Store, Tx
from butler_tui.text import clean_text

HK_STEPS = ("dirty", "cleaning", "clean", "inspected")
OUT_OF_ORDER = "out_of_order"
OOO_KINDS = ("out_of_order", "out_of_service")
READY_RULES = ("inspected", "clean")
GUEST_IN = ("occupied", "due_out")  # occupancies with a guest in the room
_NUMBER = re.compile(r"[1-9][0-9]{2,3}")


@dataclass(frozen=True)
class RoomRow:
    number: str
    floor: int
    type: str
    occupancy: str
    hk_status: str
    dnd: bool
    dnd_since: str | None
    ooo: str | None  # out_of_order / out_of_service, or None
    ooo_reason: str | None
    ooo_until: str | None
    ooo_since: str | None
    makeup_requested: bool
    ooo_task: int | None = None  # the repair task linked to the room out of order

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_SELECT = ("SELECT number, floor, type, occupancy, hk_status, dnd, dnd_since, ooo_kind, ooo_reason, ooo_until,"
           " ooo_since, makeup_requested, ooo_task_id FROM rooms")


def _room(row: tuple[Any, ...]) -> RoomRow:
    return RoomRow(number=str(row[0]), floor=int(row[1]), type=str(row[2]), occupancy=str(row[3]),
                   hk_status=str(row[4]), dnd=bool(row[5]), dnd_since=row[6], ooo=row[7], ooo_reason=row[8],
                   ooo_until=row[9], ooo_since=row[10], makeup_requested=bool(row[11]), ooo_task=row[12])


def ready_statuses(rule: str) -> tuple[str, ...]:
    """The housekeeping statuses that make a room ready for an arrival under ``rule``."""
    return ("clean", "inspected") if rule == "clean" else ("inspected",)


def is_ready(hk_status: str | None, rule: str) -> bool:
    """The one rule: inspected, or clean when the hotel's ``ready_rule`` is ``clean``."""
    return hk_status in ready_statuses(rule)


def hotel_ready_rule(conn: sqlite3.Connection) -> str:
    """The ``ready_rule`` setting (``inspected`` unless the hotel set ``clean``)."""
    row = conn.execute("SELECT value FROM settings WHERE name = 'ready_rule'").fetchone()
    return row[0] if row and row[0] in READY_RULES else READY_RULES[0]


def not_ready_reason(room: str, hk_status: str | None, rule: str) -> str:
    """Why ``room`` is not ready for an arrival, in a sentence."""
    if rule == "clean":
        return tr("room {room} is {hk}, not clean or inspected yet", room=room, hk=tr(hk_status) if hk_status else "-")
    return tr("room {room} is {hk}, not inspected yet", room=room, hk=tr(hk_status) if hk_status else "-")


def room_number(value: str) -> str:
    text = (value or "").strip()
    if not _NUMBER.fullmatch(text):
        raise InvalidInput(tr("{value!r} is not a room number (3–4 digits, floor first, e.g. 1208)", value=value))
    return text


def get_room(store: Store, number: str) -> RoomRow:
    found = store.db.conn.execute(_SELECT + " WHERE number = ?", (room_number(number),)).fetchone()
    if found is None:
        raise NotFound(tr("no room {room}", room=number.strip()))
    return _room(found)


def list_rooms(store: Store, floor: int | None = None, *, floors: Iterable[int] = ()) -> list[RoomRow]:
    """The rooms by number: of one ``floor``, or of ``floors`` (every room when neither is given)."""
    wanted = sorted({floor} if floor is not None else set(floors))
    where = f" WHERE floor IN ({', '.join('?' for _ in wanted)})" if wanted else ""
    rows = store.db.conn.execute(_SELECT + where + " ORDER BY floor, CAST(number AS INTEGER)", wanted).fetchall()
    return [_room(r) for r in rows]


def find_room(store: Store, number: str) -> RoomRow | None:
    """The room ``number``, or None when there is no such room."""
    found = store.db.conn.execute(_SELECT + " WHERE number = ?", (number.strip(),)).fetchone()
    return _room(found) if found else None


def ooo_refusal(room: str, kind: str | None, reason: str | None, until: str | None) -> str:
    """The sentence that refuses a room out of order (or out of service) to an arrival."""
    return tr("room {room} is {kind} until {until} ({reason}); choose another room", room=room,
              kind=tr(kind or OUT_OF_ORDER), until=until or "?", reason=reason or "-")


def _locked(tx: Tx, number: str, by: str | None) -> RoomRow:
    if not by:
        raise InvalidInput(tr("sign in first"))
    if actor_in(tx, by) is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=by))
    found = tx.execute(_SELECT + " WHERE number = ?", (number,)).fetchone()
    if found is None:
        raise NotFound(tr("no room {room}", room=number))
    return _room(found)


def set_status(store: Store, number: str, status: str, *, by: str | None, station: str | None = None) -> RoomRow:
    """Housekeeping: the room is now ``status`` (dirty, cleaning, clean or inspected)."""
    number = room_number(number)
    status = (status or "").strip().lower()
    if status not in HK_STEPS:
        raise InvalidInput(tr("unknown housekeeping status {status!r}; one of: {choices}", status=status,
                              choices=", ".join(HK_STEPS)))
    with store.write(actor=by, station=station) as tx:
        room = _locked(tx, number, by)
        if room.ooo:
            raise InvalidInput(tr("room {room} is {kind} until {until}: clear it first", room=number,
                                  kind=tr(room.ooo), until=room.ooo_until or "?"))
        if status == "inspected":
            require(tx, by, "inspect_room")
            if room.hk_status not in ("clean", "inspected"):
                raise InvalidInput(tr("room {room} is {hk}: only a clean room is inspected", room=number,
                                      hk=tr(room.hk_status)))
        if room.hk_status == status:
            tx.abandon()
        extra = ", makeup_requested = 0" if status in ("clean", "inspected") else ""
        tx.execute(f"UPDATE rooms SET hk_status = ?{extra} WHERE number = ?", (status, number))
        tx.event("rooms", number, "hk_status", before={"hk_status": room.hk_status}, after={"hk_status": status})
        rule = hotel_ready_rule(tx.db.conn)
        if is_ready(status, rule) and not is_ready(room.hk_status, rule):
            _tell_waiting_arrivals(tx, number, station, by)
    return get_room(store, number)


def _tell_waiting_arrivals(tx: Tx, number: str, station: str | None, by: str | None) -> None:
    """The room just became ready: the stations of whoever booked each arrival waiting on it (谁预订谁检查)
    and of its dedicated butler are told, in the same transaction."""
    from butler_tui.i18n import said
    from butler_tui.services.guests import address
    from butler_tui.services.messaging import post
    from butler_tui.services.routing import floor_station, person_stations

    sender = station or floor_station(tx, number)
    if sender is None:
        return
    waiting = tx.execute(
        "SELECT s.id, s.booked_by, s.butler_no, g.name, g.salutation FROM stays s JOIN guests g ON g.id = s.guest_id"
        " WHERE s.room_number = ? AND s.status = 'expected' AND s.arrival_date <= ?",
        (number, clock.today().isoformat())).fetchall()
    for stay_id, booked_by, butler_no, name, salutation in waiting:
        told = [code for code in dict.fromkeys(person_stations(tx, booked_by) + person_stations(tx, butler_no))
                if code != sender]
        if told:
            post(tx, from_station=sender, from_staff=by, stations=told, priority="routine", kind="stations",
                 audience=told, room=number, said=said("Room {room} is ready for {guest} (stay #{id})", room=number,
                                        guest=address(name, salutation or ""), id=stay_id))


def set_dnd(store: Store, number: str, on: bool, *, by: str | None, station: str | None = None) -> RoomRow:
    """Do not disturb on (since now) or off. Only a guest puts a room on DND: a room with nobody in it
    (vacant, or waiting for its arrival) is refused — the DND checks would phone an empty room."""
    number = room_number(number)
    with store.write(actor=by, station=station) as tx:
        room = _locked(tx, number, by)
        if room.dnd == on:
            tx.abandon()
        if on and room.occupancy not in GUEST_IN:
            raise InvalidInput(tr("room {room} has no guest in it ({occupancy}): only a guest puts a room on do not"
                                  " disturb", room=number, occupancy=tr(room.occupancy)))
        since = clock.now_iso() if on else None
        tx.execute("UPDATE rooms SET dnd = ?, dnd_since = ? WHERE number = ?", (int(on), since, number))
        tx.event("rooms", number, "dnd", before={"dnd": room.dnd, "since": room.dnd_since},
                 after={"dnd": on, "since": since})
    return get_room(store, number)


def set_makeup(store: Store, number: str, on: bool, *, by: str | None, station: str | None = None) -> RoomRow:
    """The guest asked for the room to be made up (or the request is withdrawn)."""
    number = room_number(number)
    with store.write(actor=by, station=station) as tx:
        room = _locked(tx, number, by)
        if room.makeup_requested == on:
            tx.abandon()
        tx.execute("UPDATE rooms SET makeup_requested = ? WHERE number = ?", (int(on), number))
        tx.event("rooms", number, "makeup", before={"makeup_requested": room.makeup_requested},
                 after={"makeup_requested": on})
    return get_room(store, number)


def _until(value: str | date | None) -> str:
    if isinstance(value, date):
        found = value
    else:
        text = (value or "").strip()
        if not text:
            raise InvalidInput(tr("give the date the room is out of order until (--until YYYY-MM-DD)"))
        found = parse_day(text)
    if found < clock.today():
        raise InvalidInput(tr("{day} is in the past", day=found.isoformat()))
    return found.isoformat()


def set_out_of_order(store: Store, number: str, *, reason: str | None, until: str | date | None,
                     kind: str = OUT_OF_ORDER, by: str | None, station: str | None = None,
                     repair_task: int | None = None, raise_repair: bool = False) -> RoomRow:
    """Take the room out of order (or out of service) until a date, for a reason: no arrival gets it.
    The repair can be linked: an existing task for this room (``repair_task``), or a new repair task
    raised for it in the same transaction (``raise_repair``, told to the team that does repairs)."""
    number = room_number(number)
    if kind not in OOO_KINDS:
        raise InvalidInput(tr("unknown kind {kind!r}; one of: {choices}", kind=kind, choices=", ".join(OOO_KINDS)))
    why = clean_text(reason) if reason else ""
    if not why:
        raise InvalidInput(tr("give the reason the room is out of order (--reason)"))
    if len(why) > 200:
        raise InvalidInput(tr("the reason must be at most 200 characters"))
    day = _until(until)
    with store.write(actor=by, station=station) as tx:
        room = _locked(tx, number, by)
        if room.occupancy in GUEST_IN:
            raise InvalidInput(tr("room {room} has a guest in it ({occupancy})", room=number,
                                  occupancy=tr(room.occupancy)))
        if repair_task is not None and raise_repair:
            raise InvalidInput(tr("link an existing repair task or raise a new one, not both"))
        task_id = room.ooo_task
        if repair_task is not None:
            linked = tx.execute("SELECT room_number FROM tasks WHERE id = ?", (repair_task,)).fetchone()
            if linked is None:
                raise NotFound(tr("no task #{task}", task=repair_task))
            if linked[0] != number:
                raise InvalidInput(tr("task #{task} is for room {other}, not {room}", task=repair_task,
                                      other=linked[0] or "-", room=number))
            task_id = repair_task
        after: dict[str, Any] = {"kind": kind, "reason": why, "until": day, "task": task_id}
        if room.ooo and not raise_repair and {"kind": room.ooo, "reason": room.ooo_reason, "until": room.ooo_until,
                                              "task": room.ooo_task} == after:
            tx.abandon()
        if raise_repair:
            task_id = _raise_repair(tx, number, why, by, station)
            after["task"] = task_id
        tx.execute("UPDATE rooms SET hk_status = 'out_of_order', ooo_kind = ?, ooo_reason = ?, ooo_until = ?,"
                   " ooo_since = coalesce(ooo_since, ?), ooo_task_id = ? WHERE number = ?",
                   (kind, why, day, clock.now_iso(), task_id, number))
        tx.event("rooms", number, "out_of_order",
                 before={"hk_status": room.hk_status, "kind": room.ooo, "reason": room.ooo_reason,
                         "until": room.ooo_until, "task": room.ooo_task}, after=after)
    return get_room(store, number)


def _raise_repair(tx: Tx, number: str, reason: str, by: str | None, station: str | None) -> int:
    """A repair task for the room, raised by whoever takes it out of order (its notices go out with it)."""
    from butler_tui.services import tasks  # tasks reads rooms: imported where a repair is raised
    from butler_tui.services.task_types import type_in

    now = clock.now()
    task_type = type_in(tx, "repair")
    model = tasks.task_model(task_type, now, details=reason, room=number, staff_no=by, station=station)
    return tasks.raise_in(tx, model, task_type, now).id


def clear_out_of_order(store: Store, number: str, *, by: str | None, station: str | None = None) -> RoomRow:
    """Back in order: the room is dirty (it needs cleaning before anyone is given it)."""
    number = room_number(number)
    with store.write(actor=by, station=station) as tx:
        room = _locked(tx, number, by)
        if not room.ooo and room.hk_status != OUT_OF_ORDER:
            raise InvalidInput(tr("room {room} is not out of order", room=number))
        tx.execute("UPDATE rooms SET hk_status = 'dirty', ooo_kind = NULL, ooo_reason = NULL, ooo_until = NULL,"
                   " ooo_since = NULL, ooo_task_id = NULL WHERE number = ?", (number,))
        tx.event("rooms", number, "back_in_order",
                 before={"kind": room.ooo, "reason": room.ooo_reason, "until": room.ooo_until},
                 after={"hk_status": "dirty"})
    return get_room(store, number)
