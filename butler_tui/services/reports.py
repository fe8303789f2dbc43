"""The manager's figures (issue 21): requests, times to acknowledge and to done, the share within the SLA,
escalations, reopens, complaints, follow-up calls and the guests' satisfaction, and the channel's
acknowledgement times — for any period, hotel-wide or by team, task type, station or staff.

Computed from the record's tables with their timestamps (a task's row carries its lifecycle instants, the
seconds it spent on hold and how often it was reopened; every change to them is an event in the same
transaction), not by replaying the event log: a year of a 300-room hotel is 250,000 tasks and 500,000 events.

Rules, as the SLA rules say (services/escalation.py):
* a task's clock runs from its creation, or from its last reopen (``clock_started_at``); the seconds on hold
  do not count: time to done is done − clock start − held seconds; within the SLA is done by due + held;
* the share within the SLA counts the tasks with a due time that are done, and those still open and already
  past their (hold-moved) due time as missed; cancelled tasks count as requests, never for the SLA;
* a task belongs to the period, the hotel day and the hour of day it was created in (hotel time);
* its team is the doing team (the second responsible department, else the owner's); its staff is who did it
  (the assignee), else who received it;
* messages: the median seconds from sending to each addressed station's acknowledgement, and the stations'
  acknowledgements still missing when the shift the message was sent in ended (in the overnight gap: the
  next shift's end).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from butler_tui import clock
from butler_tui.config import current_shifts, shift_window
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services import auth
from butler_tui.services.stays import FOLLOW_UP_HOURS
from butler_tui.store import Store

GROUPS = ("team", "type", "station", "staff")
PERIODS = ("today", "shift", "7d", "30d", "custom")
PERIOD_LABELS = {"today": N_("today"), "shift": N_("this shift"), "7d": N_("7 days"), "30d": N_("30 days"),
                 "custom": N_("custom")}
SATISFACTION_TARGET = 90.0  # % of follow-up calls scoring 4 or 5
COMPLAINT = "complaint"
ALL = "all"

_KEY = {
    "team": "coalesce(t.second_team, t.owner_team, '')",
    "type": "t.type",
    "station": "coalesce(t.station_code, '')",
    "staff": "coalesce(t.assignee_no, t.owner_no, '')",
    None: "'all'",
}


def require_reader(store: Store, staff_no: str | None) -> None:
    """Refuse unless ``staff_no`` may read the figures (manager and up: the ``see_reports`` permission)."""
    if not staff_no:
        raise PermissionDenied(tr("sign in first"), action="see_reports")
    who = auth.actor(store, staff_no)
    if who is None:
        raise PermissionDenied(tr("unknown staff no. {staff_no!r}", staff_no=staff_no), action="see_reports")
    refused = auth.denial(store.db.conn, who, "see_reports")
    if refused:
        raise PermissionDenied(refused, action="see_reports", staff_no=staff_no)


# -- periods ---------------------------------------------------------------------------------------


def period(name: str, *, now: datetime | None = None, start: date | None = None,
           end: date | None = None) -> tuple[datetime, datetime]:
    """The instants [start, end) of a named period, in hotel time: ``today`` (since midnight), ``shift`` (the
    shift that started last), ``7d`` / ``30d`` (the last 7 / 30 hotel days, today included), ``custom``
    (hotel days ``start`` to ``end``, both included)."""
    now = now or clock.now()
    local = clock.local(now)
    today = local.date()
    if name == "today":
        return clock.local_at(today, "00:00"), now
    if name == "shift":
        from butler_tui.config import latest_shift

        shift, day = latest_shift(local)
        begin, finish = shift_window(shift, day)
        return begin, min(finish, now)
    if name in ("7d", "30d"):
        days = 7 if name == "7d" else 30
        return clock.local_at(today - timedelta(days=days - 1), "00:00"), now
    if name == "custom":
        if start is None or end is None:
            raise InvalidInput(tr("a custom period needs a first and a last day"))
        return days_window(start, end)
    raise InvalidInput(tr("unknown period {name!r}; one of: {choices}", name=name, choices=", ".join(PERIODS)))


def days_window(first: date, last: date) -> tuple[datetime, datetime]:
    """The hotel days ``first`` to ``last`` (both included) as instants [start, end)."""
    if last < first:
        raise InvalidInput(tr("the period ends ({last}) before it starts ({first})", first=first, last=last))
    return clock.local_at(first, "00:00"), clock.local_at(last + timedelta(days=1), "00:00")


# -- figures ---------------------------------------------------------------------------------------


@dataclass
class Row:
    group: str
    requests: int = 0
    cancelled: int = 0
    acknowledged: int = 0
    ack_median_s: int | None = None
    ack_p90_s: int | None = None
    done: int = 0
    done_median_s: int | None = None
    done_p90_s: int | None = None
    sla_counted: int = 0
    sla_met: int = 0
    sla_met_pct: float | None = None
    escalations: int = 0
    escalations_by_level: dict[str, int] = field(default_factory=dict)
    reopened: int = 0
    reopen_rate: float | None = None
    complaints: int = 0
    complaint_feedback_median_s: int | None = None
    satisfaction_pct: float | None = None
    task_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "task_ids"}


@dataclass
class Report:
    start: str
    end: str
    by: str | None
    rows: list[Row]
    total: Row
    sla_by_day: list[tuple[str, float | None]]
    requests_by_hour: list[int]
    done_median_by_team: list[tuple[str, int | None]]
    follow_ups: dict[str, Any]
    messages: list[dict[str, Any]]
    unacked_at_shift_end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start, "to": self.end, "by": self.by or ALL,
            "rows": [r.to_json() for r in self.rows], "total": self.total.to_json(),
            "sla_by_day": [{"day": d, "sla_met_pct": p} for d, p in self.sla_by_day],
            "requests_by_hour": self.requests_by_hour,
            "done_median_by_team": [{"team": g, "done_median_s": s} for g, s in self.done_median_by_team],
            "follow_ups": self.follow_ups, "messages": self.messages,
            "unacked_at_shift_end": self.unacked_at_shift_end,
        }


def quantile(values: list[int], q: float) -> int | None:
    """The ``q`` quantile of sorted ``values`` (nearest rank: the median of 1, 2, 3, 4 is 2)."""
    if not values:
        return None
    rank = max(1, -(-int(q * 1000) * len(values) // 1000))  # ceil(q * n), in whole numbers
    return values[min(rank, len(values)) - 1]


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


class _Buckets:
    """Instants → hotel day and hour of day, by their 10-minute UTC prefix (``2026-11-24T08:3``): every
    zone's offset is a whole number of 10 minutes, so all the instants of a prefix share a local day and hour."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int]] = {}

    def __call__(self, iso: str) -> tuple[str, int]:
        prefix = iso[:15]
        found = self._seen.get(prefix)
        if found is None:
            local = clock.local(clock.parse(prefix + "0:00.000Z"))
            found = self._seen[prefix] = (local.date().isoformat(), local.hour)
        return found


_TASKS_SQL = """
SELECT t.id, {key}, coalesce(t.second_team, t.owner_team, '-'), t.type, t.status, t.created_at,
       CAST(round((julianday(t.acknowledged_at) - julianday(coalesce(t.clock_started_at, t.created_at))) * 86400)
            AS INTEGER),
       CAST(round((julianday(t.done_at) - julianday(coalesce(t.clock_started_at, t.created_at))) * 86400) AS INTEGER)
            - t.held_seconds,
       CASE WHEN t.due_at IS NULL OR t.status = 'cancelled' THEN NULL
            WHEN t.done_at IS NOT NULL THEN (julianday(t.done_at) - julianday(t.due_at)) * 86400 <= t.held_seconds + 0.5
            WHEN t.status = 'on_hold' THEN NULL
            WHEN (julianday(:asof) - julianday(t.due_at)) * 86400 > t.held_seconds THEN 0
            END,
       t.repeat_count
FROM tasks t WHERE t.created_at >= :start AND t.created_at < :end
"""


def figures(store: Store, start: datetime, end: datetime, by: str | None = None, *,
            now: datetime | None = None) -> Report:
    """The figures of the tasks created, messages sent and stays departed in [start, end)."""
    if by is not None and by not in GROUPS:
        raise InvalidInput(tr("--by: one of {choices} (got {by!r})", choices=", ".join(GROUPS), by=by))
    now = now or clock.now()
    s_iso, e_iso = clock.iso(start), clock.iso(end)
    asof = clock.iso(min(end, now))
    conn = store.db.conn
    rows = conn.execute(_TASKS_SQL.format(key=_KEY[by]), {"start": s_iso, "end": e_iso, "asof": asof}).fetchall()

    groups: dict[str, Row] = {}
    if by == "team":  # a team with no work shows, with nothing
        for (code,) in conn.execute("SELECT code FROM teams ORDER BY code"):
            groups[code] = Row(group=code)
    total = Row(group=ALL)
    acks: dict[str, list[int]] = {}
    dones: dict[str, list[int]] = {}
    complaint_s: dict[str, list[int]] = {}
    day_sla: dict[str, list[int]] = {}
    hours = [0] * 24
    bucket = _Buckets()
    team_done: dict[str, list[int]] = {}
    for task_id, key, team, type_code, status, created, ack_s, done_s, sla, repeats in rows:
        key = key or "-"
        row = groups.get(key)
        if row is None:
            row = groups[key] = Row(group=key)
        day, hour = bucket(created)
        hours[hour] += 1
        for r in (row, total):
            r.requests += 1
            if status == "cancelled":
                r.cancelled += 1
            if repeats:
                r.reopened += 1
            if type_code == COMPLAINT:
                r.complaints += 1
            if sla is not None:
                r.sla_counted += 1
                r.sla_met += sla
        row.task_ids.append(task_id)
        if ack_s is not None:
            acks.setdefault(key, []).append(ack_s)
        if done_s is not None:
            dones.setdefault(key, []).append(done_s)
            team_done.setdefault(team, []).append(done_s)
            if type_code == COMPLAINT:
                complaint_s.setdefault(key, []).append(done_s)
        if sla is not None:
            day_sla.setdefault(day, [0, 0])
            day_sla[day][0] += 1
            day_sla[day][1] += sla

    def settle(r: Row, a: list[int], d: list[int], c: list[int]) -> None:
        a.sort()
        d.sort()
        c.sort()
        r.acknowledged, r.done = len(a), len(d)
        r.ack_median_s, r.ack_p90_s = quantile(a, 0.5), quantile(a, 0.9)
        r.done_median_s, r.done_p90_s = quantile(d, 0.5), quantile(d, 0.9)
        r.complaint_feedback_median_s = quantile(c, 0.5)
        r.sla_met_pct = _pct(r.sla_met, r.sla_counted)
        r.reopen_rate = _pct(r.reopened, r.requests)

    every_ack: list[int] = []
    every_done: list[int] = []
    every_complaint: list[int] = []
    for key, r in groups.items():
        a, d, c = acks.get(key, []), dones.get(key, []), complaint_s.get(key, [])
        every_ack += a
        every_done += d
        every_complaint += c
        settle(r, a, d, c)
    settle(total, every_ack, every_done, every_complaint)

    _escalations(store, groups, total, by, s_iso, e_iso)
    follow_ups = _follow_ups(store, s_iso, e_iso, now)
    total.satisfaction_pct = follow_ups["satisfaction_pct"]
    if by == "staff":
        for key, pct in follow_ups.pop("by_butler").items():
            if key in groups:
                groups[key].satisfaction_pct = pct
    else:
        follow_ups.pop("by_butler")
    by_team_done = [(k, quantile(sorted(v), 0.5)) for k, v in sorted(team_done.items())]
    messages, unacked = _messages(store, s_iso, e_iso, asof)
    days = _days(start, end)
    order = sorted(groups.values(), key=lambda r: (-r.requests, r.group)) if by != "team" else list(groups.values())
    return Report(
        start=s_iso, end=e_iso, by=by, rows=order if by else [total], total=total,
        sla_by_day=[(d, _pct(day_sla[d][1], day_sla[d][0]) if d in day_sla else None) for d in days],
        requests_by_hour=hours, done_median_by_team=by_team_done, follow_ups=follow_ups,
        messages=messages, unacked_at_shift_end=unacked,
    )


def _days(start: datetime, end: datetime) -> list[str]:
    first = clock.local(start).date()
    last = clock.local(end - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _escalations(store: Store, groups: dict[str, Row], total: Row, by: str | None, s_iso: str, e_iso: str) -> None:
    """Escalations fired for the period's tasks, by level."""
    for key, level, n in store.db.conn.execute(
            f"SELECT {_KEY[by]}, e.level, count(*) FROM escalations e JOIN tasks t ON t.id = e.task_id"
            " WHERE t.created_at >= ? AND t.created_at < ? GROUP BY 1, 2", (s_iso, e_iso)):
        row = groups.get(key or "-")
        for r in (row, total) if row is not None else (total,):
            r.escalations += n
            r.escalations_by_level[str(level)] = r.escalations_by_level.get(str(level), 0) + n


def _follow_ups(store: Store, s_iso: str, e_iso: str, now: datetime) -> dict[str, Any]:
    """Stays that departed in the period: follow-up calls made within 24 h; the calls' scores."""
    departed = made = in_time = due_open = 0
    scores = [0] * 6
    butler: dict[str, list[int]] = {}
    rows = store.db.conn.execute(
        "SELECT s.departed_at, s.butler_no, s.follow_up_score,"
        " coalesce((SELECT done_at FROM checklist_items c WHERE c.stay_id = s.id AND c.code = 'follow_up_call'),"
        "          (SELECT p.follow_up_done_at FROM checklists_packed p WHERE p.stay_id = s.id))"
        " FROM stays s WHERE s.departed_at >= ? AND s.departed_at < ? AND s.status = 'departed'",
        (s_iso, e_iso)).fetchall()
    for departed_at, butler_no, score, done_at in rows:
        departed += 1
        due = clock.parse(departed_at) + timedelta(hours=FOLLOW_UP_HOURS)
        if done_at:
            made += 1
            in_time += clock.parse(done_at) <= due
        elif due > now:
            due_open += 1
        if score:
            scores[score] += 1
            b = butler.setdefault(butler_no or "-", [0, 0])
            b[0] += 1
            b[1] += score >= 4
    scored = sum(scores)
    return {
        "departed": departed, "calls_made": made, "within_24h": in_time, "not_due_yet": due_open,
        "within_24h_pct": _pct(in_time, departed - due_open),
        "scored": scored, "scores": {str(i): scores[i] for i in range(1, 6)},
        "satisfaction_pct": _pct(scores[4] + scores[5], scored), "target_pct": SATISFACTION_TARGET,
        "by_butler": {k: _pct(v[1], v[0]) for k, v in butler.items()},
    }


class _ShiftEnds:
    """The end of the shift a message was sent in (in the overnight gap: the next shift's end), by the
    message's 10-minute prefix."""

    def __init__(self, s_iso: str, e_iso: str) -> None:
        first = clock.local(clock.parse(s_iso)).date() - timedelta(days=1)
        last = clock.local(clock.parse(e_iso)).date() + timedelta(days=1)
        windows = []
        day = first
        while day <= last:
            for s in current_shifts():
                begin, finish = shift_window(s, day)
                windows.append((clock.iso(begin), clock.iso(finish)))
            day += timedelta(days=1)
        windows.sort()
        self.starts = [w[0] for w in windows]
        self.windows = windows
        self._seen: dict[str, str] = {}

    def __call__(self, iso: str) -> str:
        prefix = iso[:15]
        found = self._seen.get(prefix)
        if found is None:
            at = prefix + "0:00.000Z"
            i = bisect.bisect_right(self.starts, at)
            covering = [w[1] for w in self.windows[:i] if w[1] > at]
            if covering:
                found = max(covering)
            elif i < len(self.windows):
                found = self.windows[i][1]
            else:
                found = at
            self._seen[prefix] = found
        return found


def _messages(store: Store, s_iso: str, e_iso: str, asof: str) -> tuple[list[dict[str, Any]], int]:
    """Per station: acknowledgements asked, the median seconds to acknowledge, and the acknowledgements still
    missing at the end of the sending shift."""
    ends = _ShiftEnds(s_iso, e_iso)
    per: dict[str, list[int]] = {}
    asked: dict[str, int] = {}
    late: dict[str, int] = {}
    for station, created, acked_at, secs in store.db.conn.execute(
            "SELECT a.station_code, m.created_at, a.acked_at,"
            " CAST(round((julianday(a.acked_at) - julianday(m.created_at)) * 86400) AS INTEGER)"
            " FROM messages m JOIN acks a ON a.message_id = m.id"
            " WHERE m.created_at >= ? AND m.created_at < ? AND m.requires_ack", (s_iso, e_iso)):
        asked[station] = asked.get(station, 0) + 1
        if secs is not None:
            per.setdefault(station, []).append(secs)
        shift_end = ends(created)
        if shift_end <= asof and (acked_at is None or acked_at > shift_end):
            late[station] = late.get(station, 0) + 1
    out = [{"station": st, "asked": n, "ack_median_s": quantile(sorted(per.get(st, [])), 0.5),
            "unacked_at_shift_end": late.get(st, 0)} for st, n in sorted(asked.items())]
    return out, sum(late.values())


def tasks_of(store: Store, start: datetime, end: datetime, by: str | None, group: str) -> list[int]:
    """The ids of the tasks behind one row of :func:`figures` (the drill-down)."""
    if by is not None and by not in GROUPS:
        raise InvalidInput(tr("--by: one of {choices} (got {by!r})", choices=", ".join(GROUPS), by=by))
    key = _KEY[by]
    sql = f"SELECT t.id FROM tasks t WHERE t.created_at >= ? AND t.created_at < ? AND coalesce(nullif({key}, ''), '-') = ?"
    return [r[0] for r in store.db.conn.execute(sql + " ORDER BY t.id",
                                                (clock.iso(start), clock.iso(end), group))]


def shift_figures(store: Store, start: datetime, end: datetime) -> dict[str, Any]:
    """The short figures of a shift window for the handover (hotel-wide)."""
    report = figures(store, start, end)
    t = report.total
    return {"requests": t.requests, "done": t.done, "ack_median_s": t.ack_median_s,
            "done_median_s": t.done_median_s, "sla_met_pct": t.sla_met_pct, "escalations": t.escalations,
            "reopened": t.reopened, "complaints": t.complaints,
            "unacked_at_shift_end": report.unacked_at_shift_end}


def duration(seconds: int | None) -> str:
    """``42s``, ``7m``, ``2h05`` or ``—``."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"
