"""The sweep's daily rounds (issue 17): the DND checks and the night audit, in hotel time.

DND checks (004 art. 1): a room on do-not-disturb is phoned at 12:00 and again at 14:00 hotel time
(:data:`butler_tui.defaults.DND_CHECK_TIMES`). From a slot's time until the next slot (the last one:
until midnight) the sweep raises one ``dnd_check`` task for its floor station per room that was on DND
at the slot's time and still is — a room whose DND was cleared before gets none, nor does a room with no
guest in it (vacant or expected; check-out clears DND, and DND is refused on an empty room). ``dnd_checks`` has
the key (room, day, slot) and the row is taken with ``INSERT OR IGNORE`` inside the write transaction
that raises the task, so however many stations sweep at once each check is raised once. A check at a
later slot on a room whose earlier check of the day is still not done escalates to the duty manager
(:func:`butler_tui.services.escalation.escalate_to_duty_manager`).

The night audit, at the hotel's ``night_audit`` time (default 03:00), closes a hotel day once
(``night_audits`` keyed by the day, the same guarantee): the arrivals of that day or before that are
still expected become no-shows (kept, reversible: :func:`butler_tui.services.stays.transition` takes a
no-show back to expected or arrived), and a stay due to leave by that day and not checked out is
flagged overdue. An audit time before noon closes the day before (03:00 on the 25th closes the 24th);
from noon on, the same day.

Both are cheap when nothing is due: a read of the rooms on DND and one key lookup, no lock. Every
local time goes through :mod:`butler_tui.clock` (the hotel's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from butler_tui import clock
from butler_tui.defaults import DND_CHECK_TIMES
from butler_tui.i18n import said
from butler_tui.services import escalation
from butler_tui.services.routing import floor_station
from butler_tui.services.settings import get_setting
from butler_tui.services.task_types import get_type
from butler_tui.store import Store, Tx

if TYPE_CHECKING:
    from butler_tui.models import TaskType

DND_TYPE = "dnd_check"
ANSWERED = ("done", "verified", "closed", "cancelled")
LAST_SLOT_MINUTES = 120  # the last check of the day is due as long after it as the gap before it


@dataclass
class DailyReport:
    dnd_checks: int = 0
    dnd_escalated: int = 0
    audited_day: str | None = None
    no_shows: int = 0
    overdue: int = 0


def local_day(moment: datetime) -> date:
    """The hotel's calendar day at ``moment``."""
    return date.fromisoformat(clock.show_local(clock.iso(moment), "%Y-%m-%d"))


# --------------------------------------------------------------------------------------------
# DND checks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    day: date
    hhmm: str
    at: datetime
    due: datetime


def dnd_slot(now: datetime) -> Slot | None:
    """The DND check slot current at ``now`` (from its time to the next slot's, the last to midnight)."""
    day = local_day(now)
    times = list(DND_CHECK_TIMES)
    for i in range(len(times) - 1, -1, -1):
        at = clock.local_at(day, times[i])
        if at <= now:
            due = clock.local_at(day, times[i + 1]) if i + 1 < len(times) else at + timedelta(minutes=LAST_SLOT_MINUTES)
            return Slot(day, times[i], at, due)
    return None


_PENDING = ("SELECT r.number FROM rooms r WHERE r.dnd AND (r.dnd_since IS NULL OR r.dnd_since <= ?)"
            " AND r.occupancy IN ('occupied', 'due_out')"  # nobody in the room: nobody to phone
            " AND NOT EXISTS (SELECT 1 FROM dnd_checks c WHERE c.room_number = r.number AND c.day = ? AND c.slot = ?)"
            " ORDER BY r.number")


def raise_dnd_checks(store: Store, *, station: str | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Raise the DND checks due now; returns (checks raised, escalated to the duty manager)."""
    now = now or clock.now()
    slot = dnd_slot(now)
    if slot is None:
        return 0, 0
    params = (clock.iso(slot.at), slot.day.isoformat(), slot.hhmm)
    if not store.rows(_PENDING, params):
        return 0, 0
    task_type = get_type(store, DND_TYPE)
    raised = escalated = 0
    with store.write(actor="sweep", station=station) as tx:
        rooms = [str(r[0]) for r in tx.execute(_PENDING, params).fetchall()]
        for room in rooms:
            claimed = tx.execute("INSERT OR IGNORE INTO dnd_checks (room_number, day, slot, created_at)"
                                 " VALUES (?, ?, ?, ?)", (room, slot.day.isoformat(), slot.hhmm, clock.iso(now)))
            if claimed.rowcount != 1:
                continue  # another sweeper raised it
            task_id = _raise(tx, task_type, room, slot, now)
            raised += 1
            if _escalate_if_unanswered(tx, room, slot, task_id, now):
                escalated += 1
        if not tx.event_ids:
            tx.abandon()
    return raised, escalated


def _raise(tx: Tx, task_type: TaskType, room: str, slot: Slot, now: datetime) -> int:
    from butler_tui.models import Task, validate
    from butler_tui.services import tasks  # tasks imports escalation, which runs this

    model = validate(Task, {
        "type": DND_TYPE, "name": f"{task_type.name_zh} {task_type.name} {slot.hhmm}".strip(),  # both, as the boards' names are
        "details": "", "room_number": room, "priority": task_type.priority,
        "station_code": floor_station(tx, room), "due_at": slot.due,
    }, "task")
    actor, tx.actor = tx.actor, None  # raised by no one: its notices go out from the floor station
    try:
        raised = tasks.raise_in(tx, model, task_type, now)
    finally:
        tx.actor = actor
    tx.execute("UPDATE dnd_checks SET task_id = ? WHERE room_number = ? AND day = ? AND slot = ?",
               (raised.id, room, slot.day.isoformat(), slot.hhmm))
    tx.event("dnd_checks", f"{room}:{slot.day.isoformat()}:{slot.hhmm}", "raise",
             after={"room": room, "day": slot.day.isoformat(), "slot": slot.hhmm, "task": raised.id})
    return raised.id


def _escalate_if_unanswered(tx: Tx, room: str, slot: Slot, task_id: int, now: datetime) -> bool:
    """A later check on a room whose earlier check today is still not done goes to the duty manager."""
    marks = ", ".join("?" for _ in ANSWERED)
    earlier = tx.execute(
        "SELECT c.slot, c.task_id FROM dnd_checks c JOIN tasks t ON t.id = c.task_id"
        f" WHERE c.room_number = ? AND c.day = ? AND c.slot < ? AND t.status NOT IN ({marks}) ORDER BY c.slot",
        (room, slot.day.isoformat(), slot.hhmm, *ANSWERED)).fetchone()
    if earlier is None:
        return False
    reason = said("DND room {room}: the {slot} check (task #{task}) is still unanswered", room=room,
                  slot=earlier[0], task=earlier[1])
    return escalation.escalate_to_duty_manager(tx, task_id, reason, now)


# --------------------------------------------------------------------------------------------
# The night audit
# --------------------------------------------------------------------------------------------


def audit_at(day: date, hhmm: str) -> datetime:
    """When the night audit closes hotel day ``day``: ``hhmm`` the next morning (before noon), else that day."""
    return clock.local_at(day + timedelta(days=1), hhmm) if hhmm < "12:00" else clock.local_at(day, hhmm)


def audit_due(store: Store, now: datetime) -> tuple[date, datetime] | None:
    """The latest hotel day whose audit time has come at ``now``, and that time."""
    hhmm = get_setting(store, "night_audit").value
    today = local_day(now)
    for back in range(0, 3):
        day = today - timedelta(days=back)
        at = audit_at(day, hhmm)
        if at <= now:
            return day, at
    return None


def night_audit(store: Store, *, station: str | None = None, now: datetime | None = None) -> tuple[str | None, int, int]:
    """Run the night audit if its time has come and it has not run for that day; returns (the day
    audited or None, no-shows, overdue departures)."""
    now = now or clock.now()
    due = audit_due(store, now)
    if due is None:
        return None, 0, 0
    day = due[0].isoformat()
    if store.scalar("SELECT 1 FROM night_audits WHERE day = ?", (day,)) is not None:
        return None, 0, 0
    stamp = clock.iso(now)
    no_shows = overdue = 0
    with store.write(actor="sweep", station=station) as tx:
        claimed = tx.execute("INSERT OR IGNORE INTO night_audits (day, ran_at) VALUES (?, ?)", (day, stamp))
        if claimed.rowcount != 1:
            tx.abandon()  # another sweeper ran it
        for stay_id, status, room in tx.execute(
                "SELECT id, status, room_number FROM stays WHERE arrival_date <= ? AND status IN ('expected','room_ready')"
                " ORDER BY id", (day,)).fetchall():
            tx.execute("UPDATE stays SET status = 'no_show', updated_at = ? WHERE id = ?", (stamp, stay_id))
            if room:
                tx.execute("UPDATE rooms SET occupancy = 'vacant' WHERE number = ? AND occupancy = 'expected'", (room,))
            tx.event("stays", stay_id, "no_show", before={"status": status},
                     after={"status": "no_show", "room": room, "audit_day": day})
            no_shows += 1
        for stay_id, status in tx.execute(
                "SELECT id, status FROM stays WHERE departure_date <= ? AND status IN ('arrived','in_house','due_out')"
                " AND overdue_at IS NULL ORDER BY id", (day,)).fetchall():
            tx.execute("UPDATE stays SET overdue_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, stay_id))
            tx.event("stays", stay_id, "overdue", before={"overdue_at": None},
                     after={"overdue_at": stamp, "status": status, "audit_day": day})
            overdue += 1
        tx.execute("UPDATE night_audits SET no_shows = ?, overdue = ? WHERE day = ?", (no_shows, overdue, day))
        tx.event("night_audits", day, "run", after={"day": day, "no_shows": no_shows, "overdue": overdue})
    return day, no_shows, overdue


def run_daily(store: Store, *, station: str | None = None, now: datetime | None = None) -> DailyReport:
    """What the sweep runs each time: the DND checks due, and the night audit when its time has come."""
    report = DailyReport()
    report.dnd_checks, report.dnd_escalated = raise_dnd_checks(store, station=station, now=now)
    report.audited_day, report.no_shows, report.overdue = night_audit(store, station=station, now=now)
    if report.audited_day is not None:  # once a day, by the sweeper that ran the audit
        from butler_tui.services import reports

        reports.keep_days(store, now=now)
    return report
