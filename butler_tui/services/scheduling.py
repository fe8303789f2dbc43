"""Scheduled and recurring work (issue 17): a task due at a time, raised ahead of it; leads' routines.

A task due at a time (a wake-up call at 06:30) waits in ``scheduled_tasks`` until its raise time — the
due time less its type's lead (``task_types.lead_minutes``, 10 min unless the hotel changed it) — and
no board lists it as a task until then; the stations it will reach see it as *scheduled*. The sweep
(:func:`butler_tui.services.escalation.sweep` calls :func:`raise_due`) raises it then, like any new
task: its SLA clock starts at the raise, it is due at its time, and its stations are told.

A routine is a lead's daily or weekly job ("18:00 turndown for the VIP rooms, daily"): at each
occurrence (less the lead) the sweep raises its tasks — one per matching room, or one for the station
— once per routine per occurrence however many sweepers run: ``routine_runs`` is keyed by
(routine, occurrence day) and written with ``INSERT OR IGNORE`` in the same transaction as the tasks.
Setting and removing routines is for leads and up (permission ``manage_routines``). All times are the
hotel's (:mod:`butler_tui.clock`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.errors import ButlerError, InvalidInput, NotFound, PermissionDenied
from butler_tui.i18n import t as tr
from butler_tui.services import tasks
from butler_tui.services.auth import Actor, actor, actor_in, allowed_roles, denial, require
from butler_tui.services.rooms import room_number
from butler_tui.services.task_types import get_type, type_in
from butler_tui.services.times import parse_hhmm
from butler_tui.store import Store, Tx
from butler_tui.text import clean_text

if TYPE_CHECKING:
    from butler_tui.models import Task, TaskType

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IN_HOUSE = ("arrived", "in_house", "due_out")  # a stay whose guest is in the room
BATCH = 500
MISSED_AFTER = timedelta(hours=1)  # a routine's occurrence this late (nobody swept) is skipped, not raised


def _local_day(moment: datetime) -> date:
    """The hotel's calendar day of an instant."""
    return date.fromisoformat(clock.show_local(clock.iso(moment), "%Y-%m-%d"))


def parse_days(value: str) -> str:
    """``daily`` or weekdays ``mon,tue,…`` (checked, in week order)."""
    text = (value or "").strip().lower()
    if text in ("daily", "every day", ""):
        return "daily"
    days = {d.strip()[:3] for d in text.replace(" ", ",").split(",") if d.strip()}
    unknown = sorted(days - set(DAYS))
    if unknown or not days:
        raise InvalidInput(tr("{value!r} is not a repeat: use daily or days such as mon,wed,fri", value=value))
    return ",".join(d for d in DAYS if d in days)


def _weekdays(days: str) -> set[int]:
    return set(range(7)) if days == "daily" else {DAYS.index(d) for d in days.split(",")}


def parse_rooms(value: str | None) -> str:
    """``''`` (one task for the station), ``vip`` (rooms of VIP guests in house) or room numbers."""
    text = (value or "").strip().lower()
    if text in ("", "none", "station"):
        return ""
    if text == "vip":
        return "vip"
    return ",".join(dict.fromkeys(room_number(r) for r in text.replace(" ", ",").split(",") if r.strip()))


def next_occurrence(at: str, days: str, after: datetime) -> datetime:
    """The first occurrence of ``at`` on one of ``days`` later than ``after`` (hotel time)."""
    wanted = _weekdays(days)
    day = _local_day(after)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() in wanted:
            moment = clock.local_at(candidate, at)
            if moment > after:
                return moment
    raise InvalidInput(tr("{value!r} is not a repeat: use daily or days such as mon,wed,fri", value=days))


# --------------------------------------------------------------------------------------------
# One task due at a time
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    """A task waiting for its raise time (or raised: ``task_id``; or failed to: ``failure``)."""

    id: int
    type: str
    name: str
    room_number: str | None
    station_code: str | None
    team_code: str | None
    created_by: str | None
    due_at: str
    raise_at: str
    state: str
    task_id: int | None
    failure: str | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["room"] = out.pop("room_number")
        out["station"] = out.pop("station_code")
        out["scheduled"] = out.pop("id")
        return out


_SCHEDULED = ("SELECT id, type, name, room_number, station_code, team_code, created_by, due_at, raise_at, state,"
              " task_id, failure FROM scheduled_tasks")


def _scheduled(row: dict[str, Any]) -> Scheduled:
    return Scheduled(**row)


def schedule(
    store: Store, *, type: str, at: datetime, lead_minutes: int | None = None, name: str | None = None,
    details: str = "", room: str | None = None, area: str | None = None, guest_id: int | None = None,
    priority: int | None = None, staff_no: str | None = None, station: str | None = None,
    second_team: str | None = None, assignee: str | None = None,
) -> Scheduled:
    """A task due ``at``, raised ``lead_minutes`` ahead (the type's lead unless given). A raise time
    already come raises it at the next sweep. Everything the task names is checked now."""
    task_type = get_type(store, type)
    now = clock.now()
    if at <= now:
        raise InvalidInput(tr("{when} has passed: a scheduled task is due later than now",
                              when=clock.show_local(clock.iso(at), "%m-%d %H:%M")))
    lead = task_type.lead_minutes if lead_minutes is None else lead_minutes
    if not 0 <= lead <= 24 * 60:
        raise InvalidInput(tr("the lead is 0 to 1440 minutes"))
    model = tasks.task_model(task_type, now, name=name, details=details, room=room, area=area, guest_id=guest_id,
                             priority=priority, staff_no=staff_no, station=station, due_at=at,
                             second_team=second_team, assignee=assignee)
    raise_at = max(at - timedelta(minutes=lead), now)
    with store.write(actor=model.owner_no, station=model.station_code) as tx:
        tasks.check_refs(tx, model)
        spec = model.model_dump(mode="json", exclude={"id", "due_at"}, exclude_defaults=True)
        row = {"type": model.type, "name": model.name, "room_number": model.room_number,
               "station_code": model.station_code, "team_code": model.second_team or task_type.team_code,
               "created_by": model.owner_no, "created_at": clock.iso(now), "due_at": clock.iso(at),
               "raise_at": clock.iso(raise_at), "spec": json.dumps(spec, ensure_ascii=False)}
        scheduled_id = tx.insert("scheduled_tasks", row)
        tx.event("scheduled_tasks", scheduled_id, "schedule",
                 after={k: row[k] for k in ("type", "name", "room_number", "due_at", "raise_at")})
    return get_scheduled(store, scheduled_id)


def get_scheduled(store: Store, scheduled_id: int) -> Scheduled:
    found = store.row(_SCHEDULED + " WHERE id = ?", (scheduled_id,))
    if found is None:
        raise NotFound(tr("no scheduled task {id}", id=scheduled_id))
    return _scheduled(found)


def pending(store: Store, *, station: str | None = None) -> list[Scheduled]:
    """Tasks waiting for their raise time, soonest first: every one, or those ``station`` will see
    (raised there, in a room on its floors, or for its team — the board's rule, :class:`tasks.Scope`)."""
    rows = [_scheduled(r) for r in store.rows(_SCHEDULED + " WHERE state = 'pending' ORDER BY raise_at, id")]
    if station is None:
        return rows
    scope = tasks.station_scope(store, station)
    if scope.everything:
        return rows
    floors = {r["number"]: r["floor"] for r in store.rows(
        "SELECT number, floor FROM rooms WHERE number IN (SELECT room_number FROM scheduled_tasks"
        " WHERE state = 'pending' AND room_number IS NOT NULL)")}
    return [s for s in rows if s.station_code == station or s.team_code in scope.teams
            or floors.get(s.room_number or "") in scope.floors]


CANCEL_OTHERS = "take_over_task"
"""Cancelling a scheduled task someone else asked for: leads and up (the permission that takes over or
reassigns a task); the person who asked for it may always cancel their own."""


def _unschedule_denial(conn: Any, who: Actor, entry_id: int, asked_by: str | None) -> str | None:
    if (asked_by and who.staff_no == asked_by) or who.may(CANCEL_OTHERS):
        return None
    roles = ", ".join(tr(r) for r in allowed_roles(conn, CANCEL_OTHERS)) or tr("nobody")
    return tr("{name} ({role}) may not cancel scheduled task #{id}: that is for {asker}, who asked for it, or {roles}",
              name=who.name, role=tr(who.role), id=entry_id, asker=asked_by or "-", roles=roles)


def _pending_entry(conn: Any, entry_id: int) -> dict[str, Any]:
    """The scheduled task, still waiting for its raise time — or the sentence why it is not."""
    found = conn.execute("SELECT type, name, room_number, due_at, raise_at, created_by, state, task_id, failure"
                         " FROM scheduled_tasks WHERE id = ?", (entry_id,)).fetchone()
    if found is None:
        raise NotFound(tr("no scheduled task {id}", id=entry_id))
    row = dict(zip(("type", "name", "room_number", "due_at", "raise_at", "created_by", "state", "task_id",
                    "failure"), found, strict=True))
    if row["state"] == "raised":
        raise InvalidInput(tr("scheduled task #{id} was raised as task #{task}: cancel the task instead",
                              id=entry_id, task=row["task_id"]))
    if row["state"] != "pending":
        raise InvalidInput(tr("scheduled task #{id} could not be raised ({reason}): there is nothing to cancel",
                              id=entry_id, reason=row["failure"] or "-"))
    return row


def unschedule_refusal(store: Store, entry_id: int, staff_no: str | None) -> str | None:
    """Why ``staff_no`` may not cancel the scheduled task (the sentence :func:`cancel_scheduled` refuses
    with), or ``None`` when they may: a station asks before it asks "cancel?"."""
    who = actor(store, staff_no)
    if who is None:
        return tr("sign in first")
    try:
        row = _pending_entry(store.db.conn, entry_id)
    except ButlerError as exc:
        return str(exc)
    return _unschedule_denial(store.db.conn, who, entry_id, row["created_by"])


def cancel_scheduled(store: Store, entry_id: int, *, staff_no: str | None, station: str | None = None) -> Scheduled:
    """Cancel a scheduled task before it is raised: the person who asked for it, or leads and up. The
    entry goes; the event (in the same transaction) keeps what it was. Returns the entry as it was."""
    entry = get_scheduled(store, entry_id)
    if not staff_no:
        raise InvalidInput(tr("sign in first"))
    with store.write(actor=staff_no, station=station) as tx:
        who = actor_in(tx, staff_no)
        if who is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        row = _pending_entry(tx.db.conn, entry_id)
        refused = _unschedule_denial(tx.db.conn, who, entry_id, row["created_by"])
        if refused:
            raise PermissionDenied(refused, action="cancel_scheduled", staff_no=staff_no)
        tx.execute("DELETE FROM scheduled_tasks WHERE id = ? AND state = 'pending'", (entry_id,))
        tx.event("scheduled_tasks", entry_id, "cancel",
                 before={k: row[k] for k in ("type", "name", "room_number", "due_at", "raise_at", "created_by")})
    return entry


def _in_savepoint(tx: Tx, model: Task, task_type: TaskType, now: datetime) -> tasks.Raised:
    """:func:`tasks.raise_in`, undone alone when it refuses (the sweep's other work stays). The task is
    raised as by whoever scheduled it, at their station (its event and notices say so), not by the sweep."""
    tx.execute("SAVEPOINT raise_one")
    sweeper = (tx.actor, tx.station)
    tx.actor, tx.station = model.owner_no, model.station_code or tx.station
    try:
        return tasks.raise_in(tx, model, task_type, now)
    except BaseException:
        tx.execute("ROLLBACK TO raise_one")
        raise
    finally:
        tx.actor, tx.station = sweeper
        tx.execute("RELEASE raise_one")


def _raise_scheduled(tx: Tx, row: dict[str, Any], now: datetime) -> bool:
    """Raise one scheduled task (inside the sweep's write); ``False`` when it could not be (recorded)."""
    stamp = clock.iso(now)
    try:
        task_type = type_in(tx, row["type"])
        spec = json.loads(row["spec"])
        from butler_tui.models import Task

        model = Task.model_validate({**spec, "type": row["type"], "due_at": clock.parse(row["due_at"])})
        raised = _in_savepoint(tx, model, task_type, now)
    except (ButlerError, ValueError) as exc:
        tx.execute("UPDATE scheduled_tasks SET state = 'failed', failure = ? WHERE id = ?", (str(exc)[:300], row["id"]))
        tx.event("scheduled_tasks", row["id"], "fail", after={"reason": str(exc)[:300]})
        return False
    tx.execute("UPDATE scheduled_tasks SET state = 'raised', task_id = ? WHERE id = ?", (raised.id, row["id"]))
    tx.event("scheduled_tasks", row["id"], "raise", after={"task": raised.id, "at": stamp})
    return True


# --------------------------------------------------------------------------------------------
# Routines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routine:
    id: int
    title: str
    type: str
    station_code: str
    at: str
    days: str
    rooms: str
    lead_minutes: int
    created_by: str | None
    next_at: str | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["station"] = out.pop("station_code")
        out["every"] = out.pop("days")
        return out


_ROUTINE = ("SELECT id, title, type, station_code, at, days, rooms, lead_minutes, created_by, next_at"
            " FROM routines")


def add_routine(store: Store, *, title: str, type: str, station: str, at: str, every: str = "daily",
                rooms: str | None = None, lead_minutes: int | None = None, staff_no: str | None) -> Routine:
    """A lead's routine: ``title`` tasks of ``type`` for ``station`` at ``at`` (hotel time) ``every``
    day or on the days named, one per room of ``rooms`` (``vip``: the rooms of VIP guests in house on
    the station's floors; or room numbers) or, without rooms, one for the station."""
    title = clean_text(title or "")
    if not title:
        raise InvalidInput(tr("say what the routine is (its title)"))
    hhmm, days, room_spec = parse_hhmm(at), parse_days(every), parse_rooms(rooms)
    task_type = get_type(store, type)
    lead = task_type.lead_minutes if lead_minutes is None else lead_minutes
    if not 0 <= lead <= 24 * 60:
        raise InvalidInput(tr("the lead is 0 to 1440 minutes"))
    station = (station or "").strip().lower()
    now = clock.now()
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "manage_routines")
        if not tx.execute("SELECT 1 FROM stations WHERE code = ?", (station,)).fetchone():
            raise NotFound(tr("unknown station {station!r}", station=station))
        for number in room_spec.split(",") if room_spec not in ("", "vip") else ():
            if not tx.execute("SELECT 1 FROM rooms WHERE number = ?", (number,)).fetchone():
                raise NotFound(tr("no room {room}", room=number))
        occurrence = next_occurrence(hhmm, days, now)
        row = {"title": title[:120], "type": task_type.code, "station_code": station, "at": hhmm, "days": days,
               "rooms": room_spec, "lead_minutes": lead, "created_by": (staff_no or "").upper() or None,
               "created_at": clock.iso(now), "next_at": clock.iso(occurrence),
               "raise_at": clock.iso(occurrence - timedelta(minutes=lead))}
        routine_id = tx.insert("routines", row)
        tx.event("routines", routine_id, "add", after={k: v for k, v in row.items() if k != "created_at"})
    return get_routine(store, routine_id)


def routine_refusal(store: Store, staff_no: str | None) -> str | None:
    """Why ``staff_no`` may not set or remove routines (the sentence :func:`add_routine` refuses with), or
    ``None`` when they may: a station asks before it opens the form."""
    who = actor(store, staff_no)
    if who is None:
        return tr("sign in first")
    return denial(store.db.conn, who, "manage_routines")


def get_routine(store: Store, routine_id: int) -> Routine:
    found = store.row(_ROUTINE + " WHERE id = ? AND removed_at IS NULL", (routine_id,))
    if found is None:
        raise NotFound(tr("no routine {id}", id=routine_id))
    return Routine(**found)


def list_routines(store: Store, *, station: str | None = None) -> list[Routine]:
    """The routines in force (of ``station`` when given), by time of day."""
    where, params = " WHERE removed_at IS NULL", []
    if station:
        where += " AND station_code = ?"
        params.append(station.strip().lower())
    return [Routine(**r) for r in store.rows(_ROUTINE + where + " ORDER BY at, id", params)]


def remove_routine(store: Store, routine_id: int, *, staff_no: str | None, station: str | None = None) -> None:
    """Stop a routine (leads and up); the tasks it already raised stay."""
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "manage_routines")
        found = tx.execute("SELECT title FROM routines WHERE id = ? AND removed_at IS NULL", (routine_id,)).fetchone()
        if found is None:
            raise NotFound(tr("no routine {id}", id=routine_id))
        tx.execute("UPDATE routines SET removed_at = ?, next_at = NULL, raise_at = NULL WHERE id = ?",
                   (clock.now_iso(), routine_id))
        tx.event("routines", routine_id, "remove", before={"title": found[0]})


def _routine_rooms(tx: Tx, routine: dict[str, Any]) -> list[str | None]:
    spec = routine["rooms"]
    if not spec:
        return [None]
    if spec != "vip":
        return list(spec.split(","))
    floors = json.loads(tx.execute("SELECT floors FROM stations WHERE code = ?",
                                   (routine["station_code"],)).fetchone()[0] or "[]")
    marks = ",".join("?" for _ in IN_HOUSE)
    sql = (f"SELECT DISTINCT s.room_number FROM stays s JOIN guests g ON g.id = s.guest_id"
           f" JOIN rooms r ON r.number = s.room_number WHERE s.status IN ({marks}) AND g.vip_level > 0")
    params: list[Any] = list(IN_HOUSE)
    if floors:
        sql += f" AND r.floor IN ({','.join('?' for _ in floors)})"
        params += floors
    numbers = sorted((str(r[0]) for r in tx.execute(sql, params)), key=int)
    return list(numbers)


def _run_routine(tx: Tx, routine: dict[str, Any], now: datetime) -> int:
    """Raise one occurrence of a routine (once: the ``routine_runs`` key) and move it to the next."""
    occurrence = clock.parse(routine["next_at"])
    day = _local_day(occurrence).isoformat()
    raised = 0
    if now - occurrence > MISSED_AFTER:
        tx.event("routines", routine["id"], "missed", after={"occurrence": day})
        claimed = False
    else:
        claimed = tx.execute("INSERT OR IGNORE INTO routine_runs (routine_id, occurrence, ran_at) VALUES (?, ?, ?)",
                             (routine["id"], day, clock.iso(now))).rowcount == 1
    if claimed:
        task_type = type_in(tx, routine["type"])
        owner = routine["created_by"]
        if owner and not tx.execute("SELECT 1 FROM staff WHERE staff_no = ? AND active", (owner,)).fetchone():
            owner = None  # the lead has left; the routine goes on, owned by the station
        for room in _routine_rooms(tx, routine):
            try:
                model = tasks.task_model(task_type, now, name=routine["title"], room=room, staff_no=owner,
                                         station=routine["station_code"], due_at=occurrence)
                _in_savepoint(tx, model, task_type, now)
                raised += 1
            except ButlerError as exc:
                tx.event("routines", routine["id"], "skip", after={"room": room, "reason": str(exc)[:300]})
        tx.execute("UPDATE routine_runs SET tasks = ? WHERE routine_id = ? AND occurrence = ?",
                   (raised, routine["id"], day))
        tx.event("routines", routine["id"], "run", after={"occurrence": day, "tasks": raised})
    # Occurrences missed meanwhile (nobody swept for a day) are not raised late: the next is after now.
    following = next_occurrence(routine["at"], routine["days"], max(occurrence, now))
    tx.execute("UPDATE routines SET next_at = ?, raise_at = ? WHERE id = ?",
               (clock.iso(following), clock.iso(following - timedelta(minutes=routine["lead_minutes"])),
                routine["id"]))
    return raised


def rezone_routines(tx: Tx, now: datetime) -> int:
    """After the hotel's time zone changed (in the current context already): every routine in force is
    moved to its next occurrence on the new wall clock — an 18:00 turndown stays at 18:00 hotel time.
    Inside the setting's write; one event a routine. The number moved."""
    moved = 0
    for routine in _rows(tx, "SELECT id, at, days, lead_minutes, next_at, raise_at FROM routines"
                             " WHERE removed_at IS NULL ORDER BY id", ()):
        following = next_occurrence(routine["at"], routine["days"], now)
        next_at = clock.iso(following)
        raise_at = clock.iso(following - timedelta(minutes=routine["lead_minutes"]))
        if (next_at, raise_at) == (routine["next_at"], routine["raise_at"]):
            continue
        tx.execute("UPDATE routines SET next_at = ?, raise_at = ? WHERE id = ?", (next_at, raise_at, routine["id"]))
        tx.event("routines", routine["id"], "rezone", before={"next_at": routine["next_at"]},
                 after={"next_at": next_at, "raise_at": raise_at, "timezone": clock.zone_name()})
        moved += 1
    return moved


# --------------------------------------------------------------------------------------------
# The sweep's part
# --------------------------------------------------------------------------------------------


def _rows(tx: Tx, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
    cur = tx.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


SCHEDULED_DUE = "SELECT 1 FROM scheduled_tasks WHERE state = 'pending' AND raise_at <= ? LIMIT 1"
ROUTINES_DUE = "SELECT 1 FROM routines WHERE raise_at <= ? LIMIT 1"


def raise_due(store: Store, *, station: str | None = None, now: datetime | None = None) -> int:
    """Raise the scheduled tasks and the routines' occurrences whose raise time has come; the number of
    tasks raised. Cheap when nothing is due: two reads of partial indexes, no lock."""
    now = now or clock.now()
    stamp = clock.iso(now)
    if store.scalar(SCHEDULED_DUE, (stamp,)) is None and store.scalar(ROUTINES_DUE, (stamp,)) is None:
        return 0
    raised = 0
    with store.write(actor="sweep", station=station) as tx:
        for row in _rows(tx, "SELECT id, type, spec, due_at FROM scheduled_tasks WHERE state = 'pending'"
                             " AND raise_at <= ? ORDER BY raise_at LIMIT ?", (stamp, BATCH)):
            raised += _raise_scheduled(tx, row, now)
        for routine in _rows(tx, "SELECT * FROM routines WHERE raise_at <= ? ORDER BY raise_at LIMIT ?",
                             (stamp, BATCH)):
            raised += _run_routine(tx, routine, now)
        if not tx.event_ids:
            tx.abandon()  # another sweeper raised them first
    return raised


__all__ = ["DAYS", "Routine", "Scheduled", "add_routine", "get_routine", "get_scheduled", "list_routines",
           "next_occurrence", "parse_days", "parse_hhmm", "parse_rooms", "pending", "raise_due", "remove_routine",
           "rezone_routines", "routine_refusal", "schedule"]
