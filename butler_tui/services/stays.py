"""Stays: the arrivals board, the departures board, the follow-up-call queue, and the status
transitions expected → room ready → arrived → in house → due out → departed (or cancelled).

Every transition is guarded (a checklist stage that must be complete, a room that must be assigned
and ready) and recorded as an event. Marking a guest arrived tells the floor station and the
dedicated butler's station on the channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import N_, said
from butler_tui.i18n import t as tr
from butler_tui.services import checklists, rooms
from butler_tui.services.auth import Actor
from butler_tui.services.checklists import StageProgress
from butler_tui.services.guests import address
from butler_tui.services.messaging import post, recipients
from butler_tui.services.routing import floor_station
from butler_tui.services.times import time_of_day
from butler_tui.store import Store, Tx, pack_checklists
from butler_tui.text import clean_text

STATUSES = ("expected", "room_ready", "arrived", "in_house", "due_out", "departed", "cancelled", "no_show")
STATUS_LABEL = {
    "expected": "expected 预抵", "room_ready": "room ready 房已备", "arrived": "arrived 已抵",
    "in_house": "in house 在住", "due_out": "due out 预离", "departed": "departed 已离", "cancelled": "cancelled 取消",
    "no_show": "no-show 未到",
}
# status -> (allowed from, checklist stage that must be complete first)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    # A no-show (set by the night audit, services.dnd_audit) is taken back when the guest turns up.
    "expected": (("no_show",), None),
    "room_ready": (("expected",), "pre_arrival"),
    "arrived": (("expected", "room_ready", "no_show"), None),
    "in_house": (("arrived",), "arrival"),
    "due_out": (("in_house",), None),
    "departed": (("due_out", "in_house"), "departure"),
}
CANCELLABLE = ("expected", "room_ready")  # a stay is cancelled only before the guest arrives
FOLLOW_UP_HOURS = 24
IN_HOUSE = ("arrived", "in_house", "due_out")  # checked in, not checked out


@dataclass
class StayRow:
    id: int
    reservation_no: str
    status: str
    guest_id: int
    guest_name: str
    salutation: str
    vip_level: int
    member_level: str
    room_number: str | None
    room_type: str
    hk_status: str | None
    arrival_date: str
    eta: str | None
    departure_date: str
    etd: str | None
    party_size: int
    car_plate: str | None
    parking_bay: str | None
    butler_no: str | None
    butler_name: str | None
    booked_by: str | None
    booked_by_name: str | None
    remarks: str
    arrived_at: str | None
    departed_at: str | None
    wakeup_time: str | None
    breakfast_time: str | None
    luggage_time: str | None
    departure_time: str | None
    airport_car: str | None
    guest_feedback: str | None
    progress: dict[str, StageProgress] = field(default_factory=dict)
    follow_up_done_at: str | None = None
    vip_notice_status: str | None = None
    overdue_at: str | None = None  # when the night audit flagged it past its departure, not checked out
    ready_rule: str = "inspected"  # the hotel's ``ready_rule`` setting when this row was read
    follow_up_score: int | None = None  # the guest's score on the follow-up call, 1–5
    follow_up_comment: str | None = None  # what the guest said on it

    @property
    def guest_label(self) -> str:
        """Salutation + name, the way the hotel addresses the guest (王先生 / Mr John Smith)."""
        if not self.salutation:
            return self.guest_name
        if self.salutation in ("先生", "女士"):
            return f"{self.guest_name}{self.salutation}"
        return f"{self.salutation} {self.guest_name}"

    @property
    def room_ready(self) -> bool:
        return bool(self.room_number) and rooms.is_ready(self.hk_status, self.ready_rule)

    @property
    def leaves_at(self) -> datetime:
        """When the guest is due to leave: the planned departure time, else the ETD, else the end of the
        departure day (hotel time)."""
        day = date.fromisoformat(self.departure_date)
        if self.departure_time:
            return clock.local_at(day, self.departure_time)
        if self.etd:
            return clock.parse(self.etd)
        return clock.local_at(day + timedelta(days=1), "00:00")

    @property
    def leaves(self) -> str | None:
        """The leaving time a board shows, ``HH:MM`` hotel time — the time :attr:`overdue` is judged by
        (:attr:`leaves_at`): the planned departure time (a wall-clock time), else the ETD (an instant, shown
        on the hotel's clock); ``None`` when neither is known."""
        if self.departure_time:
            return self.departure_time
        return clock.show_local(self.etd) or None

    @property
    def overdue(self) -> bool:
        """In house past the departure time (or flagged so by the night audit), not checked out."""
        return self.status in IN_HOUSE and (self.overdue_at is not None or self.leaves_at <= clock.now())

    @property
    def follow_up_due(self) -> str | None:
        if not self.departed_at:
            return None
        return clock.iso(clock.parse(self.departed_at) + timedelta(hours=FOLLOW_UP_HOURS))

    def stage(self, stage: str) -> StageProgress | None:
        return self.progress.get(stage)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("progress", "ready_rule")} | {
            "progress": {k: {"done": p.done, "total": p.total, "open_mandatory": p.open_mandatory,
                             "completed_at": p.completed_at} for k, p in self.progress.items()},
            "overdue": self.overdue,
            "leaves": self.leaves, "leaves_at": clock.iso(self.leaves_at),
        }


_SELECT = """
SELECT s.*, g.name AS guest_name, g.salutation, g.vip_level, g.member_level,
       r.hk_status, b.name AS butler_name, k.name AS booked_by_name,
       coalesce((SELECT done_at FROM checklist_items c WHERE c.stay_id = s.id AND c.code = 'follow_up_call'),
                (SELECT p.follow_up_done_at FROM checklists_packed p WHERE p.stay_id = s.id)) AS follow_up_done_at,
       (SELECT status FROM vip_notices v WHERE v.stay_id = s.id) AS vip_notice_status
FROM stays s
JOIN guests g ON g.id = s.guest_id
LEFT JOIN rooms r ON r.number = s.room_number
LEFT JOIN staff b ON b.staff_no = s.butler_no
LEFT JOIN staff k ON k.staff_no = s.booked_by
"""
_FIELDS = set(StayRow.__dataclass_fields__) - {"id", "progress", "ready_rule"}


def _rows(store: Store, where: str, params: list[Any], order: str, *, progress: bool = True) -> list[StayRow]:
    """The stays that match, with their checklists' progress per stage unless ``progress`` is false (a
    list that shows no checklist column skips counting them: the follow-up calls, the handover report)."""
    rows = store.rows(f"{_SELECT} WHERE {where} ORDER BY {order}", params)
    fields = list(_FIELDS)
    found = [StayRow(id=r["id"], **{k: r[k] for k in fields}) for r in rows]
    counted = checklists.progress(store, [s.id for s in found]) if progress else {}
    rule = rooms.hotel_ready_rule(store.db.conn) if found else rooms.READY_RULES[0]
    for stay in found:
        stay.progress = counted.get(stay.id, {})
        stay.ready_rule = rule
    return found


def arrivals(store: Store, day: date | None = None, *, progress: bool = True) -> list[StayRow]:
    """A day's arrivals by ETA (no ETA last), cancelled ones left out."""
    day = day or clock.today()
    return _rows(store, "s.arrival_date = ? AND s.status != 'cancelled'", [day.isoformat()],
                 "s.eta IS NULL, s.eta, g.vip_level DESC, s.id", progress=progress)


def departures(store: Store, day: date | None = None, *, progress: bool = True) -> list[StayRow]:
    """A day's departures: due out and already departed, by planned departure time; today's board
    starts with the stays of earlier days the night audit flagged overdue and still not checked out."""
    day = day or clock.today()
    earlier = overdue_departures(store, before=day, progress=progress) if day == clock.today() else []
    found = _rows(store, "s.departure_date = ? AND s.status IN ('in_house','due_out','departed','arrived')",
                  [day.isoformat()], "s.id", progress=progress)
    found.sort(key=_leaving_order)
    return earlier + found


def _leaving_order(s: StayRow) -> tuple[bool, bool, datetime, int]:
    """A departures board's order: by the moment each leaves (a planned wall-clock time or an ETD instant: not
    comparable as text), those gone last."""
    return s.status == "departed", s.leaves is None, s.leaves_at, s.id


def still_leaving(in_house: list[StayRow], day: date) -> list[StayRow]:
    """:func:`departures` of ``day`` without those already departed, in its order, from the stays in house
    (they hold every one of them), for a reader that has them already: no second read of the stays."""
    on_day = day.isoformat()
    found = sorted((s for s in in_house if s.departure_date == on_day), key=_leaving_order)
    if day != clock.today():
        return found
    earlier = sorted((s for s in in_house if s.overdue_at is not None and s.departure_date < on_day),
                     key=lambda s: (s.departure_date, s.id))  # as overdue_departures orders them
    return earlier + found


def overdue_departures(store: Store, *, before: date | None = None, progress: bool = True) -> list[StayRow]:
    """Stays the night audit flagged overdue that are still not checked out (due to leave before
    ``before``, when given), the longest overdue first."""
    where = "s.overdue_at IS NOT NULL AND s.status IN ('arrived','in_house','due_out')"
    params: list[Any] = []
    if before is not None:
        where += " AND s.departure_date < ?"
        params.append(before.isoformat())
    return _rows(store, where, params, "s.departure_date, s.id", progress=progress)


def no_shows(store: Store, since: date, until: date, *, progress: bool = True) -> list[StayRow]:
    """The no-shows of the arrival days ``since`` up to (not including) ``until``, by arrival day."""
    return _rows(store, "s.status = 'no_show' AND s.arrival_date >= ? AND s.arrival_date < ?",
                 [since.isoformat(), until.isoformat()], "s.arrival_date, s.eta IS NULL, s.eta, s.id",
                 progress=progress)


def follow_up_queue(store: Store, *, progress: bool = True) -> list[StayRow]:
    """Departed stays whose follow-up call is not recorded yet, the most overdue first."""
    return _rows(
        store,
        # From the open follow-up items (a partial index), not every departed stay of the hotel's history.
        # (+s.status: drive the read from that short list, not from every departed stay)
        "+s.status = 'departed' AND s.id IN (SELECT stay_id FROM checklist_items"
        " WHERE code = 'follow_up_call' AND done_at IS NULL)",
        [],
        "s.departed_at IS NULL, s.departed_at, s.id",
        progress=progress,
    )


def get_stay(store: Store, stay_id: int) -> StayRow:
    found = _rows(store, "s.id = ?", [stay_id], "s.id")
    if not found:
        raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
    return found[0]


def _butler_station(tx: Tx, butler_no: str | None) -> str | None:
    if not butler_no:
        return None
    row = tx.execute(
        "SELECT st.code FROM staff s JOIN stations st ON st.team_code = s.team_code AND st.active"
        " WHERE s.staff_no = ? ORDER BY st.code LIMIT 1",
        (butler_no,),
    ).fetchone()
    return row[0] if row else None


def transition(
    store: Store, stay_id: int, to: str, *, staff_no: str | None, station: str | None, reason: str | None = None
) -> StayRow:
    """Move a stay to status ``to``; refuses with the reason when a guard fails."""
    if to not in STATUSES:
        raise InvalidInput(tr("unknown status {to!r}; one of: {choices}", to=to, choices=", ".join(STATUSES)))
    reason = clean_text(reason) if reason else None
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute(
            "SELECT s.status, s.room_number, s.butler_no, g.name, g.salutation, g.vip_level, r.hk_status,"
            " s.departure_date, r.ooo_kind, r.ooo_reason, r.ooo_until FROM stays s JOIN guests g ON g.id = s.guest_id"
            " LEFT JOIN rooms r ON r.number = s.room_number WHERE s.id = ?",
            (stay_id,),
        ).fetchone()
        if row is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        status, room, butler_no, name, salutation, vip, hk, _departure_date, ooo, ooo_reason, ooo_until = row
        if status == to:
            tx.abandon()
        label = {k: tr(v) for k, v in STATUS_LABEL.items()}
        if to == "cancelled":
            if status not in CANCELLABLE:
                raise InvalidInput(tr("a stay that is {status} cannot be cancelled", status=label[status]))
            if not reason:
                raise InvalidInput(tr("give a reason to cancel a stay"))
        elif to not in TRANSITIONS:  # no_show: the night audit's to set (services.dnd_audit)
            raise InvalidInput(tr("the night audit marks a stay {status}; it is not a step to take",
                                  status=label[to]))
        else:
            allowed, stage = TRANSITIONS[to]
            if status not in allowed:
                nexts = ", ".join(label[t] for t, (a, _) in TRANSITIONS.items() if status in a) or tr("none")
                raise InvalidInput(tr("cannot go from {status} to {to}; from {status} the next step is {next}",
                                      status=label[status], to=label[to], next=nexts))
            if to in ("room_ready", "arrived") and not room:
                raise InvalidInput(tr("assign a room first"))
            if to in ("room_ready", "arrived") and (ooo or hk == rooms.OUT_OF_ORDER):
                raise InvalidInput(rooms.ooo_refusal(room, ooo, ooo_reason, ooo_until))
            rule = rooms.hotel_ready_rule(tx.db.conn)
            if to == "room_ready" and not rooms.is_ready(hk, rule):
                raise InvalidInput(rooms.not_ready_reason(room, hk, rule))
            if stage:
                checklists.ensure_checklist(tx, stay_id)
                if not checklists.stage_completed(tx, stay_id, stage):
                    open_count = tx.execute(
                        "SELECT count(*) FROM checklist_items WHERE stay_id = ? AND stage = ? AND mandatory"
                        " AND done_at IS NULL", (stay_id, stage)).fetchone()[0]
                    raise InvalidInput(tr("complete the {stage} checklist first ({open_count} ● item(s) open)",
                                          stage=checklists.stage_name(stage), open_count=open_count))
        now = clock.now_iso()
        updates: dict[str, Any] = {"status": to, "updated_at": now}
        taken = None
        if status == "no_show" and room:  # the night audit freed the room: has it been given away since?
            dates = tx.execute("SELECT arrival_date, departure_date FROM stays WHERE id = ?", (stay_id,)).fetchone()
            taken = overlap_refusal(tx, room, dates[0], dates[1], stay_id=stay_id)
        if taken and room:
            if to != "expected":
                raise InvalidInput(tr("{refusal}; take the stay back to expected and assign another room",
                                      refusal=taken))
            updates["room_number"] = None
            room = None
        if to == "arrived":
            updates["arrived_at"] = now
        if to == "departed":
            updates["departed_at"] = now
        if to == "cancelled":
            updates["cancel_reason"] = reason
        sets = ", ".join(f"{k} = ?" for k in updates)
        tx.execute(f"UPDATE stays SET {sets} WHERE id = ?", [*updates.values(), stay_id])
        if room and to in ("arrived", "in_house"):
            tx.execute("UPDATE rooms SET occupancy = 'occupied' WHERE number = ?", (room,))
        elif room and to == "due_out":
            tx.execute("UPDATE rooms SET occupancy = 'due_out' WHERE number = ?", (room,))
        elif room and to == "departed":
            tx.execute("UPDATE rooms SET occupancy = 'vacant', hk_status = 'dirty', dnd = 0, dnd_since = NULL,"
                       " makeup_requested = 0"
                       " WHERE number = ?", (room,))
        elif room and to == "expected":  # a no-show taken back: the room is expected again
            tx.execute("UPDATE rooms SET occupancy = 'expected' WHERE number = ? AND occupancy = 'vacant'", (room,))
        elif room and to == "cancelled":
            tx.execute("UPDATE rooms SET occupancy = 'vacant' WHERE number = ? AND occupancy = 'expected'", (room,))
        tx.event("stays", stay_id, to, before={"status": status}, after={"status": to, "room": room,
                                                                          "reason": reason})
        if to == "arrived":
            _announce_arrival(tx, stay_id, room, butler_no, name, salutation, vip, station)
        if to in ("departed", "cancelled"):
            pack_checklists(tx.db.conn, [stay_id])  # over (its follow-up call made, or cancelled): packed
    return get_stay(store, stay_id)


def _announce_arrival(tx: Tx, stay_id: int, room: str | None, butler_no: str | None, name: str, salutation: str,
                      vip: int, station: str | None) -> None:
    targets = [c for c in (floor_station(tx, room), _butler_station(tx, butler_no)) if c and c != station]
    targets = list(dict.fromkeys(targets))
    if not targets or not station:
        return
    butler = tx.execute("SELECT name FROM staff WHERE staff_no = ?", (butler_no,)).fetchone() if butler_no else None
    who = f"{name}{salutation}" if salutation in ("先生", "女士") else f"{salutation} {name}".strip()
    body = said("Guest {who}{vip} arrived, room {room}{butler}", who=who,
                vip=said(" (VIP {level})", level=vip) if vip else "", room=room,
                butler=said(" — dedicated butler {name}", name=butler[0]) if butler else "")
    guest_id = tx.execute("SELECT guest_id FROM stays WHERE id = ?", (stay_id,)).fetchone()[0]
    post(tx, from_station=station, from_staff=tx.actor, stations=recipients(tx.db.conn, "stations", targets, station),
         said=body, priority="urgent" if vip else "routine", kind="stations", audience=targets, room=room,
         guest_id=guest_id)


PLAN_FIELDS = ("wakeup_time", "breakfast_time", "luggage_time", "departure_time", "airport_car", "guest_feedback")


def record_departure_plan(store: Store, stay_id: int, *, staff_no: str | None, station: str | None,
                          **answers: str | None) -> None:
    """The evening-before-departure questions: wake-up, breakfast, luggage, departure, airport car."""
    unknown = set(answers) - set(PLAN_FIELDS)
    if unknown:
        raise InvalidInput(tr("unknown departure-plan field(s): {fields}", fields=", ".join(sorted(unknown))))
    clean: dict[str, str | None] = {}
    for key, value in answers.items():
        value = clean_text(value) if value else None
        if value and key.endswith("_time"):
            hhmm = time_of_day(value)
            if hhmm is None:
                raise InvalidInput(tr("{field}: {value!r} is not a time like 06:30",
                                      field=tr(key.replace("_", " ")), value=value))
            value = hhmm
        if value and len(value) > 200:
            raise InvalidInput(tr("{field}: must be at most 200 characters", field=tr(key.replace("_", " "))))
        clean[key] = value
    with store.write(actor=staff_no, station=station) as tx:
        before = tx.execute(f"SELECT {', '.join(clean)} FROM stays WHERE id = ?", (stay_id,)).fetchone()
        if before is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        if dict(zip(clean, before, strict=True)) == clean:
            tx.abandon()
        sets = ", ".join(f"{k} = ?" for k in clean)
        tx.execute(f"UPDATE stays SET {sets}, updated_at = ? WHERE id = ?", [*clean.values(), clock.now_iso(), stay_id])
        tx.event("stays", stay_id, "departure_plan", before=dict(zip(clean, before, strict=True)), after=clean)


STAY_EDITABLE = ("car_plate", "parking_bay")
STAY_FIELD_LABEL = {"car_plate": N_("car plate"), "parking_bay": N_("parking bay")}


def edit_stay(store: Store, stay_id: int, *, staff_no: str | None, station: str | None,
              **changes: str | None) -> dict[str, tuple[str | None, str | None]]:
    """The car plate and parking bay of a stay, kept at a station by anyone signed in (issue 19). Each
    field changed is one ``edit`` event (field, old and new value; the actor is who) in the same
    transaction. Returns ``{field: (old, new)}``; an empty value (or ``-``) clears a field."""
    from butler_tui.search_keys import fold
    from butler_tui.services.auth import actor_in

    unknown = set(changes) - set(STAY_EDITABLE)
    if unknown:
        raise InvalidInput(tr("unknown stay field(s): {fields}", fields=", ".join(sorted(unknown))))
    clean: dict[str, str | None] = {}
    for key, value in changes.items():
        text = " ".join(fold(value or "").split()).upper()
        text = "" if text == "-" else text
        if len(text) > (12 if key == "car_plate" else 20):
            raise InvalidInput(tr("{field}: must be at most {n} characters", field=tr(STAY_FIELD_LABEL[key]),
                                  n=12 if key == "car_plate" else 20))
        clean[key] = text or None
    changed: dict[str, tuple[str | None, str | None]] = {}
    with store.write(actor=staff_no, station=station) as tx:
        if not staff_no:
            raise InvalidInput(tr("sign in first"))
        if actor_in(tx, staff_no) is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        row = tx.execute("SELECT car_plate, parking_bay FROM stays WHERE id = ?", (stay_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        before = dict(zip(STAY_EDITABLE, row, strict=True))
        changed = {k: (before[k], v) for k, v in clean.items() if before[k] != v}
        if not changed:
            tx.abandon()
        sets = ", ".join(f"{k} = ?" for k in changed)
        tx.execute(f"UPDATE stays SET {sets}, updated_at = ? WHERE id = ?",
                   [*(new for _old, new in changed.values()), clock.now_iso(), stay_id])
        for key, (old, new) in changed.items():
            tx.event("stays", stay_id, "edit", before={"field": key, "value": old}, after={"field": key, "value": new})
    return changed


HOLDS_ROOM = ("expected", "room_ready", "arrived", "in_house", "due_out")
"""The statuses of a stay that holds its room on its dates: a cancelled stay, a no-show or a guest who
has checked out (even before the planned day) no longer does."""


def _last_night(arrival: str, departure: str) -> str:
    """The day after the stay's last night: its departure day, or the day after a day-use arrival."""
    return departure if departure > arrival else (date.fromisoformat(arrival) + timedelta(days=1)).isoformat()


def overlap_refusal(tx: Tx, room: str, arrival: str, departure: str, *, stay_id: int | None = None,
                    reservation_no: str | None = None, guest: str | None = None,
                    ignore: frozenset[str] = frozenset()) -> str | None:
    """Why ``room`` cannot hold a stay from ``arrival`` to ``departure`` (ISO days), naming both stays, or
    ``None`` when no other stay holds it on any of those nights. Back to back is no overlap: one guest's
    departure day is the next one's arrival day. ``ignore``: reservation nos. not to count (the rows of
    an import, which it compares among themselves)."""
    end = _last_night(arrival, departure)
    marks = ", ".join("?" for _ in HOLDS_ROOM)
    for other in tx.execute(
            "SELECT s.id, s.reservation_no, g.name, g.salutation, s.arrival_date, s.departure_date FROM stays s"
            f" JOIN guests g ON g.id = s.guest_id WHERE s.room_number = ? AND s.status IN ({marks})"
            " AND s.id IS NOT ? AND s.arrival_date < ? AND (CASE WHEN s.departure_date > s.arrival_date"
            " THEN s.departure_date ELSE date(s.arrival_date, '+1 day') END) > ? ORDER BY s.arrival_date, s.id",
            (room, *HOLDS_ROOM, stay_id, end, arrival)).fetchall():
        if other[1] in ignore:
            continue
        if stay_id is not None and (reservation_no is None or guest is None):
            mine = tx.execute("SELECT s.reservation_no, g.name, g.salutation FROM stays s JOIN guests g"
                              " ON g.id = s.guest_id WHERE s.id = ?", (stay_id,)).fetchone()
            reservation_no, guest = mine[0], _address(mine[1], mine[2])
        return overlap_sentence(room, (reservation_no or "?", guest or "?", arrival, departure),
                                (other[1], _address(other[2], other[3]), other[4], other[5]))
    return None


def overlap_sentence(room: str, mine: tuple[str, str, str, str], theirs: tuple[str, str, str, str]) -> str:
    """(reservation no., guest, arrival, departure) of the stay refused and of the one holding the room."""
    return tr("room {room} is held by reservation {other} ({other_guest}, {other_arrival} → {other_departure}):"
              " it cannot also take reservation {reservation} ({guest}, {arrival} → {departure})", room=room,
              other=theirs[0], other_guest=theirs[1], other_arrival=theirs[2], other_departure=theirs[3],
              reservation=mine[0], guest=mine[1], arrival=mine[2], departure=mine[3])


def nights_overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two stays' (arrival, departure) share a night (back to back does not)."""
    return a[0] < _last_night(*b) and b[0] < _last_night(*a)


def _address(name: str, salutation: str | None) -> str:
    return address(name, salutation or "")


def change_dates(store: Store, stay_id: int, arrival: str | date, departure: str | date, *, staff_no: str | None,
                 station: str | None) -> StayRow:
    """New dates for a stay (an extension, a shortened stay, a booking moved): refused when its room is held
    by another stay on one of the new nights, or when the guest has already arrived and the arrival moves."""
    from pydantic import ValidationError

    from butler_tui.models import Stay, list_problems

    try:
        checked = Stay.model_validate({"reservation_no": "X-1", "guest_id": 1, "arrival_date": arrival,
                                       "departure_date": departure})
    except ValidationError as exc:
        raise InvalidInput(list_problems(exc)) from None
    new_arrival, new_departure = checked.arrival_date.isoformat(), checked.departure_date.isoformat()
    if not staff_no:
        raise InvalidInput(tr("sign in first"))
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT status, room_number, arrival_date, departure_date FROM stays WHERE id = ?",
                         (stay_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        status, room, old_arrival, old_departure = row
        if status not in HOLDS_ROOM:
            raise InvalidInput(tr("a stay that is {status} keeps its dates", status=tr(STATUS_LABEL.get(status, status))))
        if (old_arrival, old_departure) == (new_arrival, new_departure):
            tx.abandon()
        if status not in ("expected", "room_ready") and new_arrival != old_arrival:
            raise InvalidInput(tr("the guest has arrived: only the departure date can change"))
        if room:
            refused = overlap_refusal(tx, room, new_arrival, new_departure, stay_id=stay_id)
            if refused:
                raise InvalidInput(refused)
        tx.execute("UPDATE stays SET arrival_date = ?, departure_date = ?, updated_at = ? WHERE id = ?",
                   (new_arrival, new_departure, clock.now_iso(), stay_id))
        tx.event("stays", stay_id, "change_dates", before={"arrival": old_arrival, "departure": old_departure},
                 after={"arrival": new_arrival, "departure": new_departure})
    return get_stay(store, stay_id)


def assign_room(store: Store, stay_id: int, room: str | None, *, staff_no: str | None, station: str | None) -> None:
    from butler_tui.models import Stay

    if room:
        room = Stay.model_validate({"reservation_no": "X-1", "guest_id": 1, "arrival_date": "2026-01-01",
                                    "departure_date": "2026-01-01", "room_number": room}).room_number
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT room_number, status FROM stays WHERE id = ?", (stay_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        if row[1] not in ("expected", "room_ready"):
            raise InvalidInput(tr("the room can only be assigned before the guest arrives"))
        if row[0] == room:
            tx.abandon()
        if room:
            occ = tx.execute("SELECT occupancy, hk_status, ooo_kind, ooo_reason, ooo_until FROM rooms"
                             " WHERE number = ?", (room,)).fetchone()
            if occ is None:
                raise NotFound(tr("no room {room}", room=room))
            if occ[2] or occ[1] == rooms.OUT_OF_ORDER:
                raise InvalidInput(rooms.ooo_refusal(room, occ[2], occ[3], occ[4]))
            dates = tx.execute("SELECT arrival_date, departure_date FROM stays WHERE id = ?", (stay_id,)).fetchone()
            refused = overlap_refusal(tx, room, dates[0], dates[1], stay_id=stay_id)
            if refused:
                raise InvalidInput(refused)
        tx.execute("UPDATE stays SET room_number = ?, status = 'expected', updated_at = ? WHERE id = ?",
                   (room, clock.now_iso(), stay_id))
        if row[0]:
            tx.execute("UPDATE rooms SET occupancy = 'vacant' WHERE number = ? AND occupancy = 'expected'", (row[0],))
        if room:
            tx.execute("UPDATE rooms SET occupancy = 'expected' WHERE number = ? AND occupancy = 'vacant'", (room,))
            if staff_no:  # assigning the room is the checklist's first step
                checklists.ensure_checklist(tx, stay_id)
                tx.execute(
                    "UPDATE checklist_items SET done_at = ?, done_by = ?, done_station = ?"
                    " WHERE stay_id = ? AND code = 'room_assigned' AND done_at IS NULL",
                    (clock.now_iso(), staff_no, station, stay_id),
                )
        tx.event("stays", stay_id, "assign_room", before={"room": row[0]}, after={"room": room})


def next_steps(stay: StayRow, actor: Actor | None) -> list[str]:
    """The statuses ``stay`` may move to now (:data:`TRANSITIONS`), the usual next one first and
    ``cancelled`` last. The guards that depend on the moment — a room assigned and ready, a checklist
    stage complete — are checked when the step is taken, which says what is missing. No step needs a
    permission; nobody signed in takes none."""
    if actor is None:
        return []
    steps = [to for to in STATUSES if to in TRANSITIONS and stay.status in TRANSITIONS[to][0]]
    if stay.status in CANCELLABLE:
        steps.append("cancelled")
    return steps
