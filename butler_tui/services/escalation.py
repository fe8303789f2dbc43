"""SLA clocks and the escalation ladder, and the sweep that applies them.

The clock: a task's time runs from ``clock_started_at`` (creation, or reopening) and stops while it
is on hold; ``due`` moves later by the time spent on hold. The ladder (snapshotted on the task) says
when to escalate: not acknowledged N minutes after the clock started → supervisor; not done by the
due time → manager; M minutes later → director; then the top level is repeated every R minutes, at
most K times. Escalations only ever raise the priority. An acknowledged task with no progress for a
while falls back to unacknowledged.

The sweep is idempotent and safe with several stations running it at once: it works inside
``BEGIN IMMEDIATE`` on the tasks whose ``next_check_at`` has come, and ``escalations`` has
``UNIQUE (task_id, reopen_no, level, repeat_no)``, so each escalation fires exactly once — once per
round: ``reopen_no`` is the task's reopen count (``tasks.repeat_count``), so a reopened task, whose
level and reminders start again from nothing, escalates again by its ladder.

Who an escalation reaches: the doing team's people of the step's role (supervisor, manager, director)
who are on duty now by the roster (``services.roster.reach``), else the next role up, else the duty
manager of the shift — told at the station where each is signed in, else at their team's stations,
and named in the notice; ``escalations.notify_staff`` keeps who was meant. With nobody on the roster
who fits, the step goes by its label to the owning and the doing team's stations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.i18n import Said, english, said
from butler_tui.services import roster
from butler_tui.services.messaging import post, recipients
from butler_tui.services.routing import doing_team, person_stations, room_floor
from butler_tui.services.task_types import get_type
from butler_tui.store import Store, Tx

if TYPE_CHECKING:
    from butler_tui.models import Ladder

OPEN = ("new", "acknowledged", "in_progress", "on_hold", "deferred", "reopened")
UNACKED = ("new", "reopened")
WORKING = ("new", "acknowledged", "in_progress", "reopened")
NOTIFY_LABEL = {"supervisor": "supervisor 主管", "manager": "manager 经理", "director": "director 总监",
                "duty_manager": "duty manager 值班经理"}


# A task as the clock reads it: its columns, and the JSON of the ladder it snapshotted (tasks keep it
# by reference, ``ladder_id``; a ``ladders`` row never changes) as ``ladder``.
TASK_ROW = "SELECT t.*, l.json AS ladder FROM tasks t LEFT JOIN ladders l ON l.id = t.ladder_id"


def ladder_ref(tx: Tx, ladder_json: str) -> int:
    """The id of the ``ladders`` row holding ``ladder_json``, made when no task has taken it yet."""
    tx.execute("INSERT OR IGNORE INTO ladders (json) VALUES (?)", (ladder_json,))
    return int(tx.execute("SELECT id FROM ladders WHERE json = ?", (ladder_json,)).fetchone()[0])


@lru_cache(maxsize=256)
def parse_ladder(raw: str) -> Ladder:
    """Tasks snapshot their ladder as JSON; most share a handful of them, so parse each once."""
    from butler_tui.models import Ladder

    return Ladder.model_validate_json(raw)


@dataclass
class Clock:
    """The SLA state of one task, as stored."""

    status: str
    created_at: str
    clock_started_at: str | None
    due_at: str | None
    held_seconds: int
    held_since: str | None
    deferred_until: str | None
    acknowledged_at: str | None
    last_progress_at: str | None
    escalation_level: int
    escalation_repeats: int
    last_escalated_at: str | None
    ladder_json: str | None  # parsed only when a step is looked at: a list of tasks never needs it

    @property
    def ladder(self) -> Ladder | None:
        return parse_ladder(self.ladder_json) if self.ladder_json else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Clock:
        values: dict[str, Any] = {k: row.get(k) for k in cls.__dataclass_fields__ if k != "ladder_json"}
        for counter in ("held_seconds", "escalation_level", "escalation_repeats"):
            values[counter] = values[counter] or 0
        # NULL: since its creation (most tasks: 6 MB a year not spent repeating created_at, issue 15).
        values["clock_started_at"] = values["clock_started_at"] or values["created_at"]
        return cls(**values, ladder_json=row.get("ladder") or None)

    def held(self, now: datetime) -> timedelta:
        running = now - clock.parse(self.held_since) if self.held_since else timedelta(0)
        return timedelta(seconds=self.held_seconds or 0) + running

    def effective_due(self, now: datetime) -> datetime | None:
        """The due time, moved later by every minute spent on hold."""
        if not self.due_at:
            return None
        return clock.parse(self.due_at) + self.held(now)

    def minutes_over(self, now: datetime) -> float | None:
        due = self.effective_due(now)
        if due is None or self.status not in OPEN or self.status == "on_hold":
            return None
        return (now - due).total_seconds() / 60


@dataclass(frozen=True)
class Action:
    kind: str  # escalate | repeat | fallback | undefer
    at: datetime
    level: int = 0
    notify: str = ""
    reason: Said | None = None  # a stored sentence (i18n.said): each station reads it in its language

    @property
    def why(self) -> str:
        """The reason in English, as the escalations table and the events keep it."""
        return english(self.reason) if self.reason else ""


def _step_time(c: Clock, when: str, after: float, now: datetime) -> datetime | None:
    if when == "unacknowledged":
        if c.status not in UNACKED:
            return None
        start = clock.parse(c.clock_started_at or c.created_at)
        return start + c.held(now) + timedelta(minutes=after)
    due = c.effective_due(now)
    if due is None or c.status not in WORKING:
        return None
    return due + timedelta(minutes=after)


def plan(c: Clock, now: datetime) -> tuple[list[Action], datetime | None]:
    """What is due now for this task, and when to look at it next (None: nothing pending)."""
    actions: list[Action] = []
    upcoming: list[datetime] = []
    if c.status not in OPEN or c.status == "on_hold" or c.ladder is None:
        return actions, None
    if c.status == "deferred":
        until = clock.parse(c.deferred_until) if c.deferred_until else now
        if until <= now:
            actions.append(Action("undefer", until, reason=said("deferral ended")))
            return actions, None
        return actions, until
    ladder = c.ladder
    if c.status == "acknowledged" and ladder.no_progress_minutes:
        since = clock.parse(c.last_progress_at or c.acknowledged_at or c.created_at)
        fallback_at = since + c.held(now) + timedelta(minutes=ladder.no_progress_minutes)
        if fallback_at <= now:
            actions.append(Action("fallback", fallback_at, reason=said("no progress for {minutes:g} min",
                                                                       minutes=ladder.no_progress_minutes)))
        else:
            upcoming.append(fallback_at)
    level = c.escalation_level
    fired_top_at = clock.parse(c.last_escalated_at) if c.last_escalated_at else None
    for step in sorted(ladder.steps, key=lambda s: s.level):
        if step.level <= level:
            continue
        t = _step_time(c, step.when, step.after_minutes, now)
        if t is None:
            continue
        if t <= now:
            minutes = step.after_minutes
            if step.when == "unacknowledged":
                reason = said("not acknowledged {minutes:g} min", minutes=minutes)
            else:
                reason = said("past due +{minutes:g} min", minutes=minutes) if minutes else said("past due")
            actions.append(Action("escalate", t, step.level, step.notify, reason))
            level, fired_top_at = step.level, now
        else:
            upcoming.append(t)
            break
    top = max((s.level for s in ladder.steps), default=0)
    still_bad = any(_step_time(c, s.when, s.after_minutes, now) is not None for s in ladder.steps if s.level == top)
    if level >= top and top and still_bad and fired_top_at is not None:
        repeats = c.escalation_repeats
        if repeats < ladder.max_repeats:
            t = fired_top_at + timedelta(minutes=ladder.repeat_every_minutes)
            if t <= now and not any(a.kind == "escalate" for a in actions):
                notify = next(s.notify for s in ladder.steps if s.level == top)
                actions.append(Action("repeat", t, top, notify, said("still open, reminder {n}", n=repeats + 1)))
                if repeats + 1 < ladder.max_repeats:
                    upcoming.append(now + timedelta(minutes=ladder.repeat_every_minutes))
            else:
                upcoming.append(t)
    return actions, min(upcoming) if upcoming else None


def next_check_iso(row: dict[str, Any], now: datetime | None = None) -> str | None:
    now = now or clock.now()
    actions, later = plan(Clock.from_row(row), now)
    if actions:
        return clock.iso(now)
    return clock.iso(later) if later else None


# --------------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    examined: int = 0
    escalated: int = 0
    repeated: int = 0
    fell_back: int = 0
    undeferred: int = 0
    raised: int = 0  # scheduled tasks and routines' tasks raised (services.scheduling)
    dnd_checks: int = 0  # DND checks raised (services.dnd_audit)
    dnd_escalated: int = 0  # of which to the duty manager: the earlier check of the day unanswered
    no_shows: int = 0  # the night audit's
    overdue: int = 0
    audited_day: str | None = None

    @property
    def changed(self) -> int:
        return self.escalated + self.repeated + self.fell_back + self.undeferred + self.raised


def sweep(store: Store, *, station: str | None = None, now: datetime | None = None, batch: int = 500) -> SweepReport:
    """Apply every rule that has come due. Cheap when nothing has: one indexed read, no lock. Work
    is done in transactions of at most ``batch`` tasks so other stations' writes interleave."""
    now = now or clock.now()
    stamp = clock.iso(now)
    report = SweepReport()
    while store.scalar("SELECT 1 FROM tasks WHERE next_check_at <= ? LIMIT 1", (stamp,)) is not None:
        before = report.changed
        with store.write(actor="sweep", station=station) as tx:
            rows = _due_rows(tx, stamp, batch)
            if not rows:
                tx.abandon()
            report.examined += len(rows)
            for row in rows:
                _apply(tx, row, now, report)
            if report.changed == before:
                tx.event("tasks", None, "sweep", after={"examined": len(rows)})
        if len(rows) < batch or report.changed == before:
            break  # done, or nothing more can change now (never spin on the same rows)
    from butler_tui.services import scheduling  # it raises through services.tasks, which imports this module

    report.raised += scheduling.raise_due(store, station=station, now=now)
    _daily(store, station, now, report)
    from butler_tui.services import pms_import  # a PMS import whose process died: what it wrote is taken out

    pms_import.undo_abandoned(store, station=station)
    return report


def _daily(store: Store, station: str | None, now: datetime, report: SweepReport) -> None:
    """The DND checks and the night audit (services.dnd_audit), once each however many sweep."""
    from butler_tui.services import dnd_audit  # it raises tasks, whose module imports this one

    daily = dnd_audit.run_daily(store, station=station, now=now)
    report.dnd_checks, report.dnd_escalated = daily.dnd_checks, daily.dnd_escalated
    report.no_shows, report.overdue, report.audited_day = daily.no_shows, daily.overdue, daily.audited_day


def _due_rows(tx: Tx, stamp: str, limit: int) -> list[dict[str, Any]]:
    cur = tx.execute(
        f"{TASK_ROW} WHERE t.next_check_at <= ? ORDER BY t.next_check_at LIMIT ?", (stamp, limit))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _apply(tx: Tx, row: dict[str, Any], now: datetime, report: SweepReport) -> None:
    if not row.get("ladder"):
        try:
            row["ladder"] = get_type_ladder(tx, row["type"])
        except LookupError:
            from butler_tui.models import Ladder

            row["ladder"] = Ladder(steps=[]).model_dump_json()
        row["ladder_id"] = ladder_ref(tx, row["ladder"])
        tx.execute("UPDATE tasks SET ladder_id = ? WHERE id = ?", (row["ladder_id"], row["id"]))
    c = Clock.from_row(row)
    actions, _ = plan(c, now)
    stamp = clock.iso(now)
    for action in actions:
        if action.kind == "fallback":
            tx.execute("UPDATE tasks SET status = 'new', acknowledged_at = NULL, clock_started_at = ?,"
                       " updated_at = ? WHERE id = ?", (stamp, stamp, row["id"]))
            tx.event("tasks", row["id"], "fallback", before={"status": "acknowledged"},
                     after={"status": "new", "reason": action.why})
            row.update(status="new", acknowledged_at=None, clock_started_at=stamp)
            report.fell_back += 1
        elif action.kind == "undefer":
            tx.execute("UPDATE tasks SET status = 'new', deferred_until = NULL, clock_started_at = ?, updated_at = ?"
                       " WHERE id = ?", (stamp, stamp, row["id"]))
            tx.event("tasks", row["id"], "undefer", before={"status": "deferred"}, after={"status": "new"})
            row.update(status="new", deferred_until=None, clock_started_at=stamp)
            report.undeferred += 1
        else:
            repeat_no = row["escalation_repeats"] + 1 if action.kind == "repeat" else 0
            if not _fire(tx, row, action, repeat_no, stamp):
                continue  # already fired (another sweeper got there first)
            if action.kind == "repeat":
                report.repeated += 1
            else:
                report.escalated += 1
    tx.execute("UPDATE tasks SET next_check_at = ? WHERE id = ?", (next_check_iso(row, now), row["id"]))


def get_type_ladder(tx: Tx, type_code: str) -> str:
    found = tx.execute("SELECT ladder FROM task_types WHERE code = ?", (type_code,)).fetchone()
    if found is None:
        raise LookupError(type_code)
    return str(found[0])


def _fire(tx: Tx, row: dict[str, Any], action: Action, repeat_no: int, stamp: str,
          by_staff: str | None = None) -> bool:
    cur = tx.execute(
        "INSERT OR IGNORE INTO escalations (task_id, reopen_no, level, repeat_no, fired_at, reason, notify, by_staff)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (row["id"], row.get("repeat_count") or 0, action.level, repeat_no, stamp, action.why, action.notify, by_staff),
    )
    if cur.rowcount != 1:
        return False
    escalation_id = cur.lastrowid
    new_priority = max(1, row["priority"] - 1)  # automatic rules only ever raise the priority
    repeats = repeat_no if action.kind == "repeat" else 0
    tx.execute(
        "UPDATE tasks SET escalation_level = max(escalation_level, ?), escalation_repeats = ?, last_escalated_at = ?,"
        " priority = min(priority, ?), updated_at = ? WHERE id = ?",
        (action.level, repeats, stamp, new_priority, stamp, row["id"]),
    )
    before = {"level": row["escalation_level"], "priority": row["priority"]}
    row.update(escalation_level=max(row["escalation_level"], action.level), escalation_repeats=repeats,
               last_escalated_at=stamp, priority=min(row["priority"], new_priority))
    message_id, meant = _notify(tx, row, action, clock.parse(stamp))
    tx.execute("UPDATE escalations SET message_id = ?, notify_staff = ? WHERE id = ?",
               (message_id, json.dumps(meant) if meant else None, escalation_id))
    tx.event("tasks", row["id"], "escalate", before=before,
             after={"level": action.level, "repeat": repeat_no, "notify": action.notify, "reason": action.why,
                    "priority": row["priority"], **({"notify_staff": meant} if meant else {})})
    return True


def _on_duty(tx: Tx, row: dict[str, Any], action: Action, moment: datetime) -> tuple[Said | None, list[str], list[str]]:
    """Who on duty the step reaches (see :func:`butler_tui.services.roster.reach`): how the notice names
    them, their stations, their staff nos.; ``(None, [], [])`` when nobody rostered fits."""
    reached, people = roster.reach(tx, doing_team(row), action.notify, moment)
    if not people:
        return None, [], []
    floor = room_floor(tx, row.get("room_number"))
    stations = [code for d in people for code in person_stations(tx, d.staff_no, floor)]
    names = ", ".join(f"{d.name} ({d.staff_no})" for d in people)
    role = said(NOTIFY_LABEL[reached])
    if reached == action.notify:
        named = said("{role} on duty {names}", role=role, names=names)
    else:
        named = said("{role} on duty {names} (no {asked} on duty)", role=role, names=names,
                     asked=said(NOTIFY_LABEL[action.notify]))
    return named, list(dict.fromkeys(stations)), [d.staff_no for d in people]


def _notify(tx: Tx, row: dict[str, Any], action: Action, moment: datetime) -> tuple[int | None, list[str]]:
    """Tell the people of the step on duty (by name, where they are) — or, with nobody rostered who fits,
    the owning and the second department by the role's label — and the station where the task was raised,
    since the sweep, not that station, is the sender. Returns the message and the staff nos. meant."""
    origin = row.get("station_code") or tx.station
    if not origin:
        return None, []
    named, stations, meant = _on_duty(tx, row, action, moment)
    teams = [t for t in (row.get("owner_team"), row.get("second_team")) if t]
    if named is None:
        stations = recipients(tx.db.conn, "team", teams, "") if teams else []
    if row.get("station_code") and row["station_code"] not in stations:
        stations.append(row["station_code"])
    if not stations:
        return None, meant
    label = said("REMINDER") if action.kind == "repeat" else said("ESCALATION L{level}", level=action.level)
    room = said(" room {room}", room=row["room_number"]) if row.get("room_number") else ""
    body = said("{label} → {notify}: task #{id} {name}{room} — {reason} · P{priority}", label=label,
                notify=named or said(NOTIFY_LABEL[action.notify]), id=row["id"], name=row["name"], room=room,
                reason=action.reason or "", priority=row["priority"])
    # Only a safety emergency takes over the screens; other escalations are urgent (re-alerting) calls.
    priority = "emergency" if row.get("type") == "safety_emergency" else "urgent"
    by_team = named is None and bool(teams)
    message_id = post(tx, from_station=origin, stations=stations, said=body, priority=priority,
                      kind="team" if by_team else "stations", audience=teams if by_team else stations,
                      room=row.get("room_number"), task_id=row["id"])
    return message_id, meant


def fire_manual(tx: Tx, row: dict[str, Any], reason: Said, by_staff: str | None) -> None:
    """首问责任制: what the first responsible person cannot solve goes at once one level up."""
    level = row["escalation_level"] + 1
    notify = {1: "supervisor", 2: "manager"}.get(level, "director")
    repeat_no = 0
    while tx.execute("SELECT 1 FROM escalations WHERE task_id = ? AND reopen_no = ? AND level = ? AND repeat_no = ?",
                     (row["id"], row.get("repeat_count") or 0, level, repeat_no)).fetchone():
        repeat_no += 1
    _fire(tx, row, Action("escalate", clock.now(), level, notify, reason), repeat_no, clock.now_iso(), by_staff)


def escalate_to_duty_manager(tx: Tx, task_id: int, reason: Said, now: datetime) -> bool:
    """Escalate task ``task_id`` straight to the duty manager on duty (a manager-level step), told as any
    escalation is; False when that step has already fired for it."""
    cur = tx.execute(f"{TASK_ROW} WHERE t.id = ?", (task_id,))
    found = cur.fetchone()
    if found is None:
        return False
    row = dict(zip([d[0] for d in cur.description], found, strict=True))
    level = max(2, row["escalation_level"] + 1)
    fired = _fire(tx, row, Action("escalate", now, level, "duty_manager", reason), 0, clock.iso(now))
    if fired:
        tx.execute("UPDATE tasks SET next_check_at = ? WHERE id = ?", (next_check_iso(row, now), task_id))
    return fired


__all__ = ["TASK_ROW", "Clock", "SweepReport", "escalate_to_duty_manager", "get_type", "ladder_ref", "next_check_iso", "plan", "sweep"]
