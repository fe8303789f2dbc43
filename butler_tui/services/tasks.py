"""Service orders (tasks): create, the lifecycle, first-asked responsibility, the boards' queries.

Lifecycle: new → acknowledged → in_progress → done → verified → closed, with on_hold (reason
required, SLA clock paused), deferred (to a time), cancelled (reason required) and reopened (from
done / verified / closed; counts repeats). Every transition is an event with who, where, when, why.

首问责任制: whoever creates the task is its first responsible person (``owner_no``, ``owner_team``)
and keeps following it. The team that does the work comes from the task's type (or is chosen); when
it is not the owner's, it is the task's second responsible department (``second_team``), as is a team
the task is handed on to. Who is told of each step, on the channel, is :mod:`routing`'s rule; the
notices are written in the same transaction as the step.
"""

from __future__ import annotations

import heapq
import itertools
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.errors import ButlerError, InvalidInput, NotFound, PermissionDenied
from butler_tui.i18n import pick, said
from butler_tui.i18n import t as tr
from butler_tui.services import escalation, roster, routing, times
from butler_tui.services.auth import Actor, actor, actor_in, denial, require
from butler_tui.services.escalation import OPEN, Clock
from butler_tui.services.routing import EMERGENCY_TYPE, Notified
from butler_tui.services.task_types import DND_CHECK_TIMES, get_type
from butler_tui.store import Store, Tx, expand_rows
from butler_tui.store.archive import reader as archive_reader
from butler_tui.text import clean_text

if TYPE_CHECKING:
    from butler_tui.models import Task, TaskType

STATUS_LABEL = {
    "new": "new 新建", "acknowledged": "acknowledged 已接", "in_progress": "in progress 处理中", "done": "done 完成",
    "verified": "verified 已核实", "closed": "closed 关闭", "on_hold": "on hold 暂停", "deferred": "deferred 延后",
    "cancelled": "cancelled 取消", "reopened": "reopened 重开",
}
# action -> (from statuses, to status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "ack": (("new", "reopened"), "acknowledged"),
    "start": (("new", "reopened", "acknowledged"), "in_progress"),
    "hold": (("acknowledged", "in_progress"), "on_hold"),
    "resume": (("on_hold",), "<previous>"),
    "defer": (("new", "reopened", "acknowledged"), "deferred"),
    "done": (("acknowledged", "in_progress"), "done"),
    "verify": (("done",), "verified"),
    "close": (("verified",), "closed"),
    "cancel": (OPEN, "cancelled"),
    "reopen": (("done", "verified", "closed"), "reopened"),
}
MAX_ROWS = 5000  # a list of tasks stops here
NEEDS_REASON = {"hold": "why the task is on hold", "cancel": "why the task is cancelled",
                "reopen": "why the task is reopened"}


@dataclass
class TaskRow:
    id: int
    type: str
    type_name: str
    name: str
    details: str
    room_number: str | None
    area: str | None
    guest_id: int | None
    guest_name: str | None
    priority: int
    status: str
    station_code: str | None
    owner_no: str | None
    owner_name: str | None
    owner_team: str | None
    second_team: str | None
    assignee_no: str | None
    assignee_name: str | None
    created_at: str
    due_at: str | None
    acknowledged_at: str | None
    done_at: str | None
    hold_reason: str | None
    deferred_until: str | None
    escalation_level: int
    repeat_count: int
    resolution: str | None
    cancel_reason: str | None
    updated_at: str
    clock: Clock
    room_floor: int | None = None
    type_team: str | None = None  # the team the task's type names (task_types.team_code)
    type_name_zh: str = ""  # the type's Chinese name (task_types.name_zh)

    @property
    def shown_name(self) -> str:
        """The name to show: a task named after its type (the default name, e.g. "Wake-up call") shows the
        type's name in the station's language; a name someone wrote shows as written."""
        return pick(self.name, self.type_name_zh) if self.name == self.type_name else self.name

    @property
    def doing_team(self) -> str | None:
        """The team doing the work: the second responsible department when there is one, else the owner's."""
        return self.second_team or self.owner_team

    @property
    def effective_due(self) -> datetime | None:
        return self.clock.effective_due(clock.now())

    @property
    def minutes_over(self) -> float | None:
        return self.clock.minutes_over(clock.now())

    @property
    def overdue(self) -> bool:
        over = self.minutes_over
        return over is not None and over > 0

    def to_json(self) -> dict[str, Any]:
        due = self.effective_due
        return {
            "id": self.id, "type": self.type, "name": self.name, "details": self.details,
            "room": self.room_number, "area": self.area, "guest_id": self.guest_id, "priority": self.priority,
            "status": self.status, "station": self.station_code,
            "owner": {"staff": self.owner_no, "team": self.owner_team}, "second_team": self.second_team,
            "doing_team": self.doing_team,
            "assignee": self.assignee_no, "created_at": self.created_at, "due_at": clock.iso(due) if due else None,
            "overdue": self.overdue, "escalation_level": self.escalation_level, "repeat_count": self.repeat_count,
            "hold_reason": self.hold_reason, "deferred_until": self.deferred_until, "resolution": self.resolution,
            "cancel_reason": self.cancel_reason, "updated_at": self.updated_at,
        }


_SELECT = """
SELECT t.*, ty.name AS type_name, ty.name_zh AS type_name_zh, ty.team_code AS type_team, g.name AS guest_name, o.name AS owner_name,
       a.name AS assignee_name, r.floor AS room_floor, l.json AS ladder
FROM tasks t
LEFT JOIN ladders l ON l.id = t.ladder_id
LEFT JOIN rooms r ON r.number = t.room_number
LEFT JOIN task_types ty ON ty.code = t.type
LEFT JOIN guests g ON g.id = t.guest_id
LEFT JOIN staff o ON o.staff_no = t.owner_no
LEFT JOIN staff a ON a.staff_no = t.assignee_no
"""
_FIELDS = [f for f in TaskRow.__dataclass_fields__ if f not in ("clock",)]


def _to_row(r: dict[str, Any]) -> TaskRow:
    data: dict[str, Any] = {k: r.get(k) for k in _FIELDS}
    data["type_name"] = data["type_name"] or r["type"]
    data["type_name_zh"] = data["type_name_zh"] or ""
    return TaskRow(**data, clock=Clock.from_row(r))


def query(store: Store, where: str = "1", params: Any = (), order: str = "t.priority, t.due_at IS NULL, t.due_at, t.id",
          limit: int = MAX_ROWS) -> list[TaskRow]:
    return [_to_row(r) for r in store.rows(f"{_SELECT} WHERE {where} ORDER BY {order} LIMIT ?", [*params, limit])]


def get_task(store: Store, task_id: int) -> TaskRow:
    """A task, from the hotel's file or, once ``butler archive`` moved it, from the archive."""
    found = query(store, "t.id = ?", [task_id])
    if not found:
        archived = archive_reader(store)
        if archived is not None:
            try:
                found = query(archived, "t.id = ?", [task_id])
            finally:
                archived.close()
    if not found:
        raise NotFound(tr("no task {task_id}", task_id=task_id))
    return found[0]


def open_tasks(store: Store, *, teams: list[str] | None = None, floors: list[int] | None = None,
               station: str | None = None, include_closed: bool = False, statuses: Sequence[str] | None = None,
               mine: str | None = None) -> list[TaskRow]:
    """Open tasks, most urgent first (every task with ``include_closed``; those in ``statuses`` when
    given): the open ones and those done (waiting to be verified) most urgent first, then the verified,
    closed and cancelled ones newest first, up to :data:`MAX_ROWS`. Given a station's teams, floors or
    code, only those that station sees (:class:`Scope`, the one rule); given ``mine`` (a staff no.),
    only those that person owns or is assigned."""
    if statuses:
        unknown = [s for s in statuses if s not in STATUS_LABEL]
        if unknown:
            raise InvalidInput(tr("unknown status {status!r}; one of: {choices}", status=unknown[0],
                                  choices=", ".join(STATUS_LABEL)))
        wanted = list(dict.fromkeys(statuses))
    else:
        wanted = list(STATUS_LABEL) if include_closed else list(OPEN)
    scope = Scope(frozenset(teams or ()), frozenset(floors or ()), station)
    seen, params = scope.where()
    if mine:
        seen += " AND (t.owner_no = ? OR t.assignee_no = ?)"
        params += [mine.strip().upper()] * 2
    live = [s for s in wanted if s in OPEN or s == "done"]
    found: list[TaskRow] = []
    if live:
        # All the open statuses, written as the partial index tasks_open_order says them, walk that index.
        marks = ",".join(f"'{s}'" for s in (OPEN if set(OPEN) <= set(live) else ()))
        rest = [s for s in live if s not in OPEN] if marks else live
        where = " OR ".join(([f"t.status IN ({marks})"] if marks else [])
                            + ([f"t.status IN ({','.join('?' for _ in rest)})"] if rest else []))
        found = query(store, f"({where}) AND {seen}", [*rest, *params])
    # Finished tasks newest first: the keys of each status from its end of tasks_status, merged, then the
    # rows of the newest only (a year holds ~250,000 of them).
    room = " LEFT JOIN rooms r ON r.number = t.room_number" if not scope.everything else ""
    room_free = MAX_ROWS - len(found)
    keys = [[(r["updated_at"], r["id"]) for r in store.rows(
                f"SELECT t.updated_at, t.id FROM tasks t{room} WHERE t.status = ? AND {seen}"
                " ORDER BY t.updated_at DESC, t.id DESC LIMIT ?", [s, *params, room_free])]
            for s in wanted if s not in live and room_free > 0]
    newest = [task_id for _at, task_id in itertools.islice(heapq.merge(*keys, reverse=True), room_free)]
    if newest:
        found += query(store, f"t.id IN ({','.join(str(int(i)) for i in newest)})",
                       order="t.updated_at DESC, t.id DESC", limit=-1)
    return [t for t in found if scope.sees(t)][:MAX_ROWS]


def escalation_queue(store: Store) -> list[TaskRow]:
    """Every escalated or overdue open task, most urgent first (priority, then longest over)."""
    marks = ",".join(f"'{s}'" for s in OPEN)
    rows = query(store, f"t.status IN ({marks}) AND (t.escalation_level > 0 OR t.due_at < ?)", [clock.now_iso()])
    rows = [r for r in rows if r.escalation_level > 0 or r.overdue]
    return sorted(rows, key=lambda r: (r.priority, -(r.minutes_over or -1e9), -r.escalation_level))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _staff(tx: Tx, staff_no: str | None) -> tuple[str, str | None, str] | None:
    if not staff_no:
        return None
    row = tx.execute("SELECT staff_no, team_code, role FROM staff WHERE staff_no = ? AND active",
                     (staff_no.upper(),)).fetchone()
    if row is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
    return row[0], row[1], row[2]


def dnd_due(now: datetime) -> datetime:
    """A DND room is phoned at 12:00, and again at 14:00: the next of those checks."""
    local = clock.local(now)
    for hhmm in DND_CHECK_TIMES:
        at = clock.local_at(local.date(), hhmm)
        if at > now:
            return at
    return clock.local_at(local.date() + timedelta(days=1), DND_CHECK_TIMES[0])


def _check_station(tx: Tx, station: str | None) -> None:
    """The station a step is taken at exists (its notices go out from there)."""
    if station and not tx.execute("SELECT 1 FROM stations WHERE code = ?", (station,)).fetchone():
        raise NotFound(tr("unknown station {station!r}", station=station))


def _team_exists(tx: Tx, team: str | None) -> bool:
    return bool(team) and tx.execute("SELECT 1 FROM teams WHERE code = ?", (team,)).fetchone() is not None


@dataclass(frozen=True)
class Raised:
    """A task just raised: its id, the team doing it, and the stations told (each with its message)."""

    id: int
    doing_team: str | None
    notified: list[Notified]


def create(
    store: Store, *, type: str, name: str | None = None, details: str = "", room: str | None = None,
    area: str | None = None, guest_id: int | None = None, priority: int | None = None,
    staff_no: str | None = None, station: str | None = None, due_at: datetime | None = None,
    second_team: str | None = None, assignee: str | None = None,
) -> int:
    """Create a service order; the creator is its first responsible person. Returns its id (see
    :func:`raise_task` for who was told)."""
    return raise_task(store, type=type, name=name, details=details, room=room, area=area, guest_id=guest_id,
                      priority=priority, staff_no=staff_no, station=station, due_at=due_at, second_team=second_team,
                      assignee=assignee).id


def raise_task(
    store: Store, *, type: str, name: str | None = None, details: str = "", room: str | None = None,
    area: str | None = None, guest_id: int | None = None, priority: int | None = None,
    staff_no: str | None = None, station: str | None = None, due_at: datetime | None = None,
    second_team: str | None = None, assignee: str | None = None,
) -> Raised:
    """Create a service order. The creator is its first responsible person (their team, else the
    station's, is the owner team); the team doing it is ``second_team`` when chosen, else the one its
    type names, and becomes the second responsible department when it is not the owner's. The
    stations concerned are told in the same transaction (:func:`routing.on_create`)."""
    task_type = get_type(store, type)
    now = clock.now()
    model = task_model(task_type, now, name=name, details=details, room=room, area=area, guest_id=guest_id,
                       priority=priority, staff_no=staff_no, station=station, due_at=due_at,
                       second_team=second_team, assignee=assignee)
    with store.write(actor=model.owner_no, station=model.station_code) as tx:
        return raise_in(tx, model, task_type, now)


def task_model(
    task_type: TaskType, now: datetime, *, name: str | None = None, details: str = "", room: str | None = None,
    area: str | None = None, guest_id: int | None = None, priority: int | None = None,
    staff_no: str | None = None, station: str | None = None, due_at: datetime | None = None,
    second_team: str | None = None, assignee: str | None = None,
) -> Task:
    """A new task of ``task_type`` checked field by field (not yet against the database): the due time
    is the type's SLA from ``now`` unless given."""
    if due_at is None:
        if task_type.code == "dnd_check":
            due_at = dnd_due(now)
        elif task_type.due_minutes is not None:
            due_at = now + timedelta(minutes=task_type.due_minutes)
    from butler_tui.models import Task, validate  # pydantic only when a task is written

    return validate(Task, {
        "type": task_type.code, "name": name or task_type.name, "details": details, "room_number": room or None,
        "area": area or None, "guest_id": guest_id, "priority": priority if priority is not None else task_type.priority,
        "station_code": station, "owner_no": staff_no, "second_team": second_team, "assignee_no": assignee,
        "due_at": due_at,
    }, "task")


def check_refs(tx: Tx, model: Task) -> tuple[str, str | None, str] | None:
    """Inside a write: what ``model`` names exists (station, room, guest, teams, staff); returns its creator."""
    creator = _staff(tx, model.owner_no)
    if model.station_code and not tx.execute("SELECT 1 FROM stations WHERE code = ?",
                                             (model.station_code,)).fetchone():
        raise NotFound(tr("unknown station {station!r}", station=model.station_code))
    if model.room_number and not tx.execute("SELECT 1 FROM rooms WHERE number = ?",
                                            (model.room_number,)).fetchone():
        raise NotFound(tr("no room {room}", room=model.room_number))
    if model.guest_id is not None and not tx.execute("SELECT 1 FROM guests WHERE id = ?",
                                                     (model.guest_id,)).fetchone():
        raise NotFound(tr("no guest {guest_id}", guest_id=model.guest_id))
    if model.second_team and not _team_exists(tx, model.second_team):
        raise NotFound(tr("unknown team {team!r}", team=model.second_team))
    if model.assignee_no:
        _staff(tx, model.assignee_no)
    return creator


def raise_in(tx: Tx, model: Task, task_type: TaskType, now: datetime) -> Raised:
    """Inside a write: store the task ``model`` (checked by :func:`check_refs`), its clock starting
    ``now``, and tell the stations concerned (:func:`routing.on_create`)."""
    creator = check_refs(tx, model)
    station_team = tx.execute("SELECT team_code FROM stations WHERE code = ?",
                              (model.station_code,)).fetchone() if model.station_code else None
    owner_team = (creator[1] if creator else None) or (station_team[0] if station_team else None) \
        or task_type.team_code
    # A type naming a team the hotel does not have (edited by hand) leaves the work with the owner.
    doing = model.second_team or (task_type.team_code if _team_exists(tx, task_type.team_code) else None) \
        or owner_team
    stamp = clock.iso(now)
    row = model.model_dump(exclude={"id"})
    row.update(
        owner_team=owner_team, second_team=doing if doing != owner_team else None,
        due_at=clock.iso(model.due_at) if model.due_at else None, created_at=stamp,
        updated_at=stamp, clock_started_at=None, last_progress_at=stamp,  # NULL clock start: since creation
        ladder_id=escalation.ladder_ref(tx, task_type.ladder.model_dump_json()),
    )
    task_id = tx.insert("tasks", row)
    row.update(id=task_id, ladder=task_type.ladder.model_dump_json())
    tx.execute("UPDATE tasks SET next_check_at = ? WHERE id = ?", (escalation.next_check_iso(row, now), task_id))
    tx.event("tasks", task_id, "create", after={"type": row["type"], "name": row["name"], "room": row["room_number"],
                                                "priority": row["priority"], "owner": row["owner_no"],
                                                "owner_team": owner_team, "doing_team": doing,
                                                "due_at": row["due_at"]})
    notified = routing.on_create(tx, row)
    return Raised(task_id, doing, notified)


def _load(tx: Tx, task_id: int) -> dict[str, Any]:
    cur = tx.execute(f"{escalation.TASK_ROW} WHERE t.id = ?", (task_id,))
    found = cur.fetchone()
    if found is None:
        raise NotFound(tr("no task {task_id}", task_id=task_id))
    return dict(zip([d[0] for d in cur.description], found, strict=True))


def _save(tx: Tx, row: dict[str, Any], changes: dict[str, Any], now: datetime) -> None:
    row.update(changes)
    changes = {**changes, "updated_at": clock.iso(now), "next_check_at": escalation.next_check_iso(row, now)}
    sets = ", ".join(f"{k} = ?" for k in changes)
    tx.execute(f"UPDATE tasks SET {sets} WHERE id = ?", [*changes.values(), row["id"]])


def transition(
    store: Store, task_id: int, action: str, *, staff_no: str | None, station: str | None,
    reason: str | None = None, until: datetime | None = None, resolution: str | None = None,
) -> TaskRow:
    """Apply a lifecycle action (ack, start, hold, resume, defer, done, verify, close, cancel, reopen)."""
    if action not in TRANSITIONS:
        raise InvalidInput(tr("unknown action {action!r}; one of: {choices}",
                              action=action, choices=", ".join(TRANSITIONS)))
    reason = clean_text(reason) if reason else None
    resolution = clean_text(resolution, multiline=True) if resolution else None
    if reason and len(reason) > 200:
        raise InvalidInput(tr("reason: must be at most 200 characters (got {n})", n=len(reason)))
    if resolution and len(resolution) > 500:
        raise InvalidInput(tr("resolution: must be at most 500 characters (got {n})", n=len(resolution)))
    if action in NEEDS_REASON and not reason:
        raise InvalidInput(tr("say {what} (a reason is required)", what=tr(NEEDS_REASON[action])))
    with store.write(actor=staff_no, station=station) as tx:
        who = _staff(tx, staff_no)
        if who is None:
            raise InvalidInput(tr("sign in first: every step of a task records who did it"))
        _check_station(tx, station)
        row = _load(tx, task_id)
        _allowed, target = TRANSITIONS[action]
        status = row["status"]
        refused = _refused(tx.db.conn, row, action, actor_in(tx, who[0]), _type_team(tx, row["type"]))
        if refused is not None:
            raise refused
        now = clock.now()
        stamp = clock.iso(now)
        changes: dict[str, Any] = {"status": target, "last_progress_at": stamp}
        if action == "ack":
            changes.update(acknowledged_at=stamp, assignee_no=row["assignee_no"] or who[0])
        elif action == "start":
            changes.update(started_at=stamp, assignee_no=row["assignee_no"] or who[0],
                           acknowledged_at=row["acknowledged_at"] or stamp)
        elif action == "hold":
            changes.update(hold_reason=reason, held_since=stamp, hold_from=status)
        elif action == "resume":
            held = int((now - clock.parse(row["held_since"])).total_seconds()) if row["held_since"] else 0
            changes.update(status=row["hold_from"] or "in_progress", held_since=None, hold_from=None,
                           held_seconds=(row["held_seconds"] or 0) + held)
        elif action == "defer":
            if until is None or until <= now:
                raise InvalidInput(tr("defer to a time in the future"))
            changes.update(deferred_until=clock.iso(until))
            if row["due_at"] and clock.parse(row["due_at"]) < until:
                minutes = (clock.parse(row["due_at"]) - clock.parse(row["clock_started_at"] or row["created_at"]))
                changes["due_at"] = clock.iso(until + minutes)
        elif action == "done":
            changes.update(done_at=stamp, resolution=resolution or row["resolution"],
                           assignee_no=row["assignee_no"] or who[0])
        elif action == "verify":
            changes.update(verified_at=stamp)
        elif action == "close":
            changes.update(closed_at=stamp)
        elif action == "cancel":
            changes.update(cancel_reason=reason)
        elif action == "reopen":
            due_minutes = type_due_minutes(tx, row["type"])
            due = now + timedelta(minutes=due_minutes) if due_minutes is not None else None
            changes.update(repeat_count=row["repeat_count"] + 1, clock_started_at=stamp, acknowledged_at=None,
                           done_at=None, verified_at=None, closed_at=None, escalation_level=0, escalation_repeats=0,
                           last_escalated_at=None, held_seconds=0, held_since=None,
                           due_at=clock.iso(due) if due else row["due_at"])
        _save(tx, row, changes, now)
        tx.event("tasks", task_id, action, before={"status": status},
                 after={"status": changes["status"], "reason": reason, "resolution": resolution})
        if action == "done":
            routing.on_done(tx, row, row["resolution"])
        elif action == "reopen":
            routing.on_reopen(tx, row, reason or "")
        elif action in routing.RESOLVED:
            routing.on_resolved(tx, row, action, reason)
    return get_task(store, task_id)


def _refused(conn: sqlite3.Connection, row: dict[str, Any] | TaskRow, action: str, who: Actor | None,
             type_team: str | None) -> ButlerError | None:
    """Why ``who`` may not take ``action`` on the task now — the error :func:`transition` and the open-task
    steps refuse with, in their order of checks — or ``None`` when they may. Writes nothing."""
    task: dict[str, Any] = row if isinstance(row, dict) else {"id": row.id, "status": row.status, "type": row.type,
                                               "assignee_no": row.assignee_no, "owner_no": row.owner_no}
    if who is None:
        return InvalidInput(tr("sign in first: every step of a task records who did it"))
    if action in TRANSITIONS:
        allowed = TRANSITIONS[action][0]
        if task["status"] not in allowed:
            return InvalidInput(tr("task #{task_id} is {status}: cannot {action} it (only from {allowed})",
                                   task_id=task["id"], status=tr(STATUS_LABEL[task["status"]]), action=tr(action),
                                   allowed=", ".join(tr(STATUS_LABEL[a]) for a in allowed)))
    elif action in OPEN_TASK_ACTIONS:
        permission = OPEN_TASK_ACTIONS[action]
        denied = denial(conn, who, permission) if permission else None
        if denied:
            return PermissionDenied(denied, action=permission or action, staff_no=who.staff_no)
        if task["status"] not in OPEN:
            return InvalidInput(_nothing_to(task["id"], task["status"], action.replace("_", " ")))
    else:
        return InvalidInput(tr("unknown action {action!r}; one of: {choices}", action=action,
                               choices=", ".join([*TRANSITIONS, *OPEN_TASK_ACTIONS])))
    if task["type"] == EMERGENCY_TYPE and action in EMERGENCY_ENDS:
        denied = denial(conn, who, "close_safety_emergency", or_team=type_team)
        if denied:
            return PermissionDenied(denied, action="close_safety_emergency", staff_no=who.staff_no)
    if action == "cancel" and not _may_cancel(task["owner_no"], who):
        return PermissionDenied(denial(conn, who, "cancel_task") or "", action="cancel_task", staff_no=who.staff_no)
    if action == "verify":
        if _verifies_own_work(task["assignee_no"], who.staff_no):
            return InvalidInput(tr("the person who did the work does not verify it: ask a lead or supervisor"))
        denied = denial(conn, who, STEP_PERMISSIONS[action])
        if denied:
            return PermissionDenied(denied, action=STEP_PERMISSIONS[action], staff_no=who.staff_no)
    return None


def refusal(store: Store, task_id: int, action: str, *, staff_no: str | None) -> str | None:
    """The sentence the service would refuse ``action`` on task ``task_id`` with, asked before anything
    is filled in (a station answers a ruled-out key at once); ``None`` when it would not refuse."""
    task = get_task(store, task_id)
    who = actor(store, staff_no)
    if staff_no and who is None:
        return tr("unknown staff no. {staff_no!r}", staff_no=staff_no)
    refused = _refused(store.db.conn, task, action, who, task.type_team)
    return str(refused) if refused is not None else None


def _type_team(tx: Tx, type_code: str) -> str | None:
    found = tx.execute("SELECT team_code FROM task_types WHERE code = ?", (type_code,)).fetchone()
    return found[0] if found else None


def _may_end(tx: Tx, row: dict[str, Any], action: str, staff_no: str) -> None:
    """The floor does not end a safety emergency alone: done, close, cancel and resolve are for its doing
    team (Security) or a role with ``close_safety_emergency`` (managers and up, by default)."""
    if row["type"] == EMERGENCY_TYPE and action in EMERGENCY_ENDS:
        require(tx, staff_no, "close_safety_emergency", or_team=_type_team(tx, row["type"]))


def type_due_minutes(tx: Tx, type_code: str) -> int | None:
    found = tx.execute("SELECT due_minutes FROM task_types WHERE code = ?", (type_code,)).fetchone()
    return found[0] if found else None


def update(store: Store, task_id: int, *, staff_no: str | None, station: str | None, to_team: str | None = None,
           note: str | None = None, **fields: Any) -> TaskRow:
    """Change what the task is about — name, details, room, priority, area, assignee — and/or hand it on
    to ``to_team`` (``second_team`` is the same): all of it in one transaction, or, when anything is
    refused, none of it. A new assignee and a new team are told (:mod:`routing`)."""
    allowed = {"name", "details", "room_number", "priority", "assignee_no", "second_team", "area"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(tr("cannot change {fields}", fields=", ".join(sorted(unknown))))
    if "second_team" in fields:
        to_team = fields.pop("second_team") or to_team
    with store.write(actor=staff_no, station=station) as tx:
        who = _staff(tx, staff_no)
        if who is None:
            raise InvalidInput(tr("sign in first: every change of a task records who made it"))
        _check_station(tx, station)
        row = _load(tx, task_id)
        # Everything is checked before anything is written.
        merged = {k: row[k] for k in ("type", "name", "details", "room_number", "priority", "assignee_no",
                                      "second_team", "area")} | dict(fields)
        from butler_tui.models import Task, validate

        model = validate(Task, merged, "task")
        new = {k: getattr(model, k) for k in fields}
        if new.get("room_number") and not tx.execute("SELECT 1 FROM rooms WHERE number = ?",
                                                     (new["room_number"],)).fetchone():
            raise NotFound(tr("no room {room}", room=new["room_number"]))
        if new.get("assignee_no"):
            _staff(tx, new["assignee_no"])
        team = _hand_on_team(tx, row, to_team) if to_team else None
        now = clock.now()
        changed_any = False
        if team is not None:
            changed_any = _hand_on_in(tx, row, team, clean_text(note or ""), now)
        changed = {k: v for k, v in new.items() if row[k] != v}
        if changed:
            before = {k: row[k] for k in changed}
            _save(tx, row, changed, now)
            tx.event("tasks", task_id, "update", before=before, after=changed)
            if changed.get("assignee_no"):
                routing.on_assign(tx, row, changed["assignee_no"])
        if not changed and not changed_any:
            tx.abandon()
    return get_task(store, task_id)


def _open_task(tx: Tx, task_id: int, staff_no: str | None, doing: str,
               permission: str | None = None) -> tuple[tuple[str, str | None, str], dict[str, Any]]:
    """The signed-in person (allowed to do this) and an open task, or a clear refusal."""
    who = _staff(tx, staff_no)
    if who is None:
        raise InvalidInput(tr("sign in first"))
    if permission:
        require(tx, who[0], permission)
    _check_station(tx, tx.station)
    row = _load(tx, task_id)
    if row["status"] not in OPEN:
        raise InvalidInput(_nothing_to(task_id, row["status"], doing))
    return who, row


def _nothing_to(task_id: int, status: str, doing: str) -> str:
    return tr("task #{task_id} is {status}: nothing to {doing}", task_id=task_id, status=tr(STATUS_LABEL[status]),
              doing=tr(doing))


def _hand_on_team(tx: Tx, row: dict[str, Any], team: str) -> str:
    """The team to hand the task on to, checked: an open task, a known team, not the owner's."""
    team = team.strip().upper()
    if row["status"] not in OPEN:
        raise InvalidInput(tr("task #{task_id} is {status}: nothing to {doing}", task_id=row["id"],
                              status=tr(STATUS_LABEL[row["status"]]), doing=tr("hand on")))
    if not _team_exists(tx, team):
        raise NotFound(tr("unknown team {team!r}", team=team))
    if team == row["owner_team"]:
        raise InvalidInput(tr("{team} already owns the task as first responsible department", team=team))
    return team


def _hand_on_in(tx: Tx, row: dict[str, Any], team: str, note: str, now: datetime) -> bool:
    """Inside ``tx``: make ``team`` the second responsible department and tell its stations; ``False``
    when it already is."""
    if team == row["second_team"]:
        return False
    before = {"second_team": row["second_team"], "assignee": row["assignee_no"]}
    _save(tx, row, {"second_team": team, "assignee_no": None}, now)
    tx.event("tasks", row["id"], "hand_on", before=before, after={"second_team": team, "note": note})
    routing.on_hand_on(tx, row, team, note)
    return True


def hand_on(store: Store, task_id: int, team: str, *, staff_no: str | None, station: str | None,
            note: str | None = None) -> TaskRow:
    """Hand the task to another department: it becomes the second responsible department (and is told);
    the first owner keeps following the task."""
    with store.write(actor=staff_no, station=station) as tx:
        _who, row = _open_task(tx, task_id, staff_no, "hand on")
        if not _hand_on_in(tx, row, _hand_on_team(tx, row, team), clean_text(note or ""), clock.now()):
            tx.abandon()
    return get_task(store, task_id)


def escalate_now(store: Store, task_id: int, reason: str, *, staff_no: str | None, station: str | None) -> TaskRow:
    """What cannot be solved goes at once to the manager, then the director (第一时间)."""
    reason = clean_text(reason or "")
    if not reason:
        raise InvalidInput(tr("say why the task is escalated"))
    with store.write(actor=staff_no, station=station) as tx:
        _who, row = _open_task(tx, task_id, staff_no, "escalate")
        escalation.fire_manual(tx, row, said("escalated by hand: {reason}", reason=reason[:180]), staff_no)
    return get_task(store, task_id)


def take_over(store: Store, task_id: int, *, staff_no: str | None, station: str | None,
              assignee: str | None = None) -> TaskRow:
    """A supervisor takes the task over (or reassigns it to ``assignee``); the first owner stays."""
    with store.write(actor=staff_no, station=station) as tx:
        who, row = _open_task(tx, task_id, staff_no, "take over", OPEN_TASK_ACTIONS["take_over"])
        target = assignee.strip().upper() if assignee else who[0]
        _staff(tx, target)
        if row["assignee_no"] == target:
            tx.abandon()
        now = clock.now()
        _save(tx, row, {"assignee_no": target, "last_progress_at": clock.iso(now)}, now)
        tx.event("tasks", task_id, "take_over" if target == who[0] else "reassign",
                 before={"assignee": row["assignee_no"]}, after={"assignee": target})
        if target != who[0]:
            routing.on_assign(tx, row, target)
    return get_task(store, task_id)


def resolve(store: Store, task_id: int, note: str, *, staff_no: str | None, station: str | None) -> TaskRow:
    """A supervisor resolves an escalated task with a note: done and verified in one step."""
    note = clean_text(note or "", multiline=True)
    if not note:
        raise InvalidInput(tr("resolving needs a note saying what was done"))
    with store.write(actor=staff_no, station=station) as tx:
        who, row = _open_task(tx, task_id, staff_no, "resolve", OPEN_TASK_ACTIONS["resolve"])
        _may_end(tx, row, "resolve", who[0])
        now = clock.now()
        stamp = clock.iso(now)
        held = int((now - clock.parse(row["held_since"])).total_seconds()) if row["held_since"] else 0
        status = row["status"]
        _save(tx, row, {"status": "verified", "resolution": note[:500], "done_at": stamp, "verified_at": stamp,
                        "held_since": None, "held_seconds": (row["held_seconds"] or 0) + held,
                        "last_progress_at": stamp}, now)
        tx.event("tasks", task_id, "resolve", before={"status": status},
                 after={"status": "verified", "resolution": note[:500]})
        routing.on_resolved(tx, row, "resolve", note)
    return get_task(store, task_id)


def parse_when(value: str) -> datetime:
    """``HH:MM`` today (tomorrow if past), ``+30m`` / ``+2h``, or an ISO datetime (:func:`times.parse_when`)."""
    return times.parse_when(value)


def teams_of_station(store: Store, station: str) -> tuple[list[str], list[int]]:
    row = store.row("SELECT team_code, floors FROM stations WHERE code = ?", (station,))
    if row is None:
        raise NotFound(tr("unknown station {station!r}", station=station))
    return [row["team_code"]], json.loads(row["floors"] or "[]")


def history(store: Store, task_id: int) -> list[dict[str, Any]]:
    """A task's events, oldest first: the columns of ``events`` but its hash (``at``, ``action``, ``actor``,
    ``station``, ``before``, ``after`` …) plus ``actor_name``, the acting staff member's name (``None`` when the actor is
    no staff member, e.g. the sweep). The CLI's ``task show`` and the station's task detail both read it."""
    sql = ("SELECT e.id, e.at, e.actor, e.station, e.entity, e.entity_id, e.action, e.before, e.after,"
           " s.name AS actor_name FROM events e LEFT JOIN staff s ON s.staff_no = e.actor"
           " WHERE e.entity = 'tasks' AND e.entity_id = ? ORDER BY e.id")
    rows = expand_rows(store.db.conn, store.rows(sql, (str(task_id),)))
    if not store.scalar("SELECT 1 FROM tasks WHERE id = ?", (task_id,)):
        archived = archive_reader(store)  # moved by ``butler archive``: its events went with it
        if archived is not None:
            try:
                rows = expand_rows(archived.db.conn, archived.rows(sql, (str(task_id),))) + rows
            finally:
                archived.close()
    return rows


# --------------------------------------------------------------------------------------------
# The rules the stations and the command line ask before they offer something
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which tasks a station sees: those of its teams (first or second responsible department), those
    in rooms on its floors, and those raised at it. A scope with none of these sees every task."""

    teams: frozenset[str] = frozenset()
    floors: frozenset[int] = frozenset()
    station: str | None = None

    @property
    def everything(self) -> bool:
        return not (self.teams or self.floors or self.station)

    def sees(self, task: TaskRow) -> bool:
        return (self.everything or task.owner_team in self.teams or task.second_team in self.teams
                or task.room_floor in self.floors or (self.station is not None and task.station_code == self.station))

    def where(self) -> tuple[str, list[Any]]:
        """:meth:`sees` as an SQL condition on the tasks query (``t``, its room ``r``), for a read that
        would otherwise build every row of the hotel to keep a station's few."""
        if self.everything:
            return "1", []
        teams = sorted(self.teams)
        marks = ",".join("?" for _ in teams) or "NULL"
        floors = ",".join(str(int(f)) for f in sorted(self.floors)) or "NULL"
        here = " OR t.station_code = ?" if self.station is not None else ""
        return (f"(t.owner_team IN ({marks}) OR t.second_team IN ({marks}) OR r.floor IN ({floors}){here})",
                [*teams, *teams, *([self.station] if self.station is not None else [])])


def station_scope(store: Store, station: str) -> Scope:
    teams, floors = teams_of_station(store, station)
    return Scope(frozenset(teams), frozenset(floors), station)


def visible_to(store: Store, station: str, *, scope_all: bool = False, include_closed: bool = False,
               among: Sequence[TaskRow] | None = None) -> list[TaskRow]:
    """The open tasks ``station`` sees (every station's with ``scope_all``), most urgent first.
    ``among``: the open tasks already read, for a board that needs all of them as well."""
    scope = Scope() if scope_all else station_scope(store, station)
    if among is None:
        return open_tasks(store, teams=sorted(scope.teams), floors=sorted(scope.floors), station=scope.station,
                          include_closed=include_closed)
    return [t for t in among if scope.sees(t)]


def awaiting_verification(store: Store, station: str, staff_no: str | None = None) -> list[TaskRow]:
    """Done tasks waiting for ``station`` to verify them: those raised (booked) here, those of the person
    signed in here (``staff_no``: owned, or booked by them), and those raised nowhere whose owner team is
    the station's. Oldest done first: the guest has been waiting longest."""
    teams, _floors = teams_of_station(store, station)
    params: list[Any] = [station, *teams]
    mine = ""
    if staff_no:
        mine = " OR t.owner_no = ?"
        params.append(staff_no.strip().upper())
    marks = ",".join("?" for _ in teams) or "NULL"
    return query(store, f"t.status = 'done' AND (t.station_code = ? OR (t.station_code IS NULL AND t.owner_team"
                        f" IN ({marks})){mine})", params, order="t.done_at, t.id")


RESOLVED_STATUSES = ("verified", "closed", "cancelled")


def closed_today(store: Store, station: str, *, scope_all: bool = False) -> list[TaskRow]:
    """Tasks verified, closed or cancelled today (the hotel's day) that ``station`` sees (every station's
    with ``scope_all``), the latest first."""
    since = clock.iso(clock.local_at(clock.today(), "00:00"))
    marks = ",".join(f"'{s}'" for s in RESOLVED_STATUSES)
    scope = Scope() if scope_all else station_scope(store, station)
    seen, params = scope.where()  # a busy day closes ~700 tasks: build only the station's
    found = query(store, f"t.status IN ({marks}) AND t.updated_at >= ? AND {seen}", [since, *params],
                  order="t.updated_at DESC, t.id DESC", limit=-1)
    return [t for t in found if scope.sees(t)][:MAX_ROWS]


def _team_members(store: Store, team: str | None) -> list[tuple[str, str]]:
    return [(r["staff_no"], r["name"]) for r in store.rows(
        "SELECT staff_no, name FROM staff WHERE active AND team_code = ? ORDER BY staff_no", (team,))]


def assignable(store: Store, task_id: int) -> list[tuple[str, str]]:
    """Who to offer when a task is assigned, (staff no., name) by staff no.: the people of its doing team
    on duty now by the roster (:func:`roster.team_on_duty`), or, when the roster has none of them on
    duty, every active member of the team. :func:`assign` still takes any active member of the team
    (someone called in before the roster says so)."""
    task = get_task(store, task_id)
    on_duty = {d.staff_no: d.name for d in roster.team_on_duty(store, task.doing_team)}
    if on_duty:
        return sorted(on_duty.items())
    return _team_members(store, task.doing_team)


def assign(store: Store, task_id: int, assignee: str, *, staff_no: str | None, station: str | None) -> TaskRow:
    """A lead (or above) assigns the task to a person of its doing team, who is told (:func:`take_over`)."""
    target = (assignee or "").strip().upper()
    if not target:
        raise InvalidInput(tr("say who does it: a staff no."))
    task = get_task(store, task_id)
    members = dict(_team_members(store, task.doing_team))
    if target not in members:
        found = store.row("SELECT name, team_code FROM staff WHERE staff_no = ? AND active", (target,))
        if found is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=target))
        raise InvalidInput(tr("{name} ({team}) is not of {doing}, the team doing task #{task_id}",
                              name=found["name"], team=found["team_code"] or "-", doing=task.doing_team or "-",
                              task_id=task_id))
    return take_over(store, task_id, staff_no=staff_no, station=station, assignee=target)


# What can be done to a task besides the lifecycle steps (TRANSITIONS), and the permission each needs.
OPEN_TASK_ACTIONS: dict[str, str | None] = {"hand_on": None, "escalate": None, "take_over": "take_over_task",
                                            "reassign": "take_over_task", "resolve": "resolve_escalation"}
STEP_PERMISSIONS = {"verify": "verify_task"}
# What ends a safety emergency, and who else than its doing team may (see _may_end).
EMERGENCY_ENDS = ("done", "close", "cancel", "resolve")


def _verifies_own_work(task_assignee: str | None, staff_no: str) -> bool:
    return task_assignee == staff_no


def _may_cancel(task_owner: str | None, actor: Actor) -> bool:
    """Who received the request (its owner) may cancel it; anyone else needs ``cancel_task`` (leads and up)."""
    return task_owner == actor.staff_no or actor.may("cancel_task")


def allowed_actions(task: TaskRow, actor: Actor | None) -> frozenset[str]:
    """What ``actor`` may do to ``task`` now: the lifecycle steps its status allows (``TRANSITIONS``) and
    ``OPEN_TASK_ACTIONS`` on an open task, each only when the actor's role may. Nobody signed in may
    do nothing: every step records who took it."""
    if actor is None:
        return frozenset()
    allowed = {action for action, (sources, _target) in TRANSITIONS.items() if task.status in sources
               and (action not in STEP_PERMISSIONS or actor.may(STEP_PERMISSIONS[action]))}
    if _verifies_own_work(task.assignee_no, actor.staff_no):
        allowed.discard("verify")
    if not _may_cancel(task.owner_no, actor):
        allowed.discard("cancel")
    if task.status in OPEN:
        allowed |= {action for action, permission in OPEN_TASK_ACTIONS.items()
                    if permission is None or actor.may(permission)}
    if task.type == EMERGENCY_TYPE and not actor.may("close_safety_emergency", or_team=task.type_team):
        allowed -= set(EMERGENCY_ENDS)
    return frozenset(allowed)
