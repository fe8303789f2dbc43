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
import itertools
import operator
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.config import current_shifts, shift_window
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services import auth
from butler_tui.services.stays import FOLLOW_UP_HOURS
from butler_tui.store import Store, pack_fast, unpack

if TYPE_CHECKING:
    import sqlite3

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


QUARTER_MS = 900_000


class _Buckets:
    """UTC quarter hours (an instant's milliseconds // :data:`QUARTER_MS`) → hotel day and hour of day: every
    zone's offset is a whole number of quarter hours, so all the instants of a quarter share a local day and
    hour."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[str, int]] = {}

    def __call__(self, quarter: int) -> tuple[str, int]:
        found = self._seen.get(quarter)
        if found is None:
            local = clock.local(clock.parse(quarter * QUARTER_MS))
            found = self._seen[quarter] = (local.date().isoformat(), local.hour)
        return found


# Whole seconds between two stored instants (milliseconds: store/instants.py), each taken to its second first,
# as the figures have always been counted.
_ACK_S = "(t.acknowledged_at / 1000 - coalesce(t.clock_started_at, t.created_at) / 1000)"
_DONE_S = "(t.done_at / 1000 - coalesce(t.clock_started_at, t.created_at) / 1000 - t.held_seconds)"
_SLA = """CASE WHEN t.due_at IS NULL OR t.status = 'cancelled' THEN NULL
            WHEN t.done_at IS NOT NULL THEN t.done_at / 1000 - t.due_at / 1000 <= t.held_seconds
            WHEN t.status = 'on_hold' THEN NULL
            WHEN :asof / 1000 - t.due_at / 1000 > t.held_seconds THEN 0
            END"""

# One row per group and doing team: the counts, and the seconds to acknowledge / to done as lists (sorted in
# Python: SQLite 3.40 has no percentile).
_TASKS_SQL = """
SELECT {key}, coalesce(t.second_team, t.owner_team, '-'), count(*), total(t.status = 'cancelled'),
       total(t.repeat_count > 0), total(t.type = 'complaint'), count(sla), total(sla),
       group_concat(ack_s), group_concat(done_s), group_concat(CASE WHEN t.type = 'complaint' THEN done_s END)
FROM (SELECT t.*, {ack} AS ack_s, {done} AS done_s, {sla} AS sla FROM {src} t
      WHERE t.created_at >= :start AND t.created_at < :end {cond}) t
GROUP BY 1, 2
"""
# The within-SLA share per hotel day and the requests per hour of day, by UTC quarter hour.
_QUARTERS_SQL = """
SELECT t.created_at / {quarter}, count(*), count(sla), total(sla)
FROM (SELECT t.created_at, {sla} AS sla FROM {src} t WHERE t.created_at >= :start AND t.created_at < :end {cond}) t
GROUP BY 1
"""


def _ints(text: str | list[int] | None) -> list[int]:
    """The seconds of a ``group_concat`` — or of a kept day, already numbers (see :func:`_gaps`)."""
    if isinstance(text, list):
        return text
    return list(map(int, text.split(","))) if text else []


_TASK_COLUMNS = ("id, type, status, owner_team, second_team, station_code, assignee_no, owner_no, created_at,"
                 " acknowledged_at, done_at, due_at, held_seconds, clock_started_at, repeat_count, updated_at")


class _Sources:
    """What a report reads: the hotel's tables, and its archive's when there is one (Store.reading_with_archive):
    archived history still counts, so figures do not change when history is archived."""

    def __init__(self, reading: Any) -> None:
        self.reading = reading
        self.conn: sqlite3.Connection = reading.conn  # or PostgreSQL's look-alike
        self.schemas: list[str] = reading.schemas

    def tasks(self) -> str:
        """The tasks of the hotel's file and of its archive, as one table."""
        if len(self.schemas) == 1:
            return "main.tasks"
        return "(" + " UNION ALL ".join(f"SELECT {_TASK_COLUMNS} FROM {s}.tasks" for s in self.schemas) + ")"


def figures(store: Store, start: datetime, end: datetime, by: str | None = None, *,
            now: datetime | None = None) -> Report:
    """The figures of the tasks created, messages sent and stays departed in [start, end)."""
    if by is not None and by not in GROUPS:
        raise InvalidInput(tr("--by: one of {choices} (got {by!r})", choices=", ".join(GROUPS), by=by))
    with store.reading_with_archive() as reading:
        return _figures(store, _Sources(reading), start, end, by, now or clock.now())


def _figures(store: Store, src: _Sources, start: datetime, end: datetime, by: str | None, now: datetime) -> Report:
    s_iso, e_iso = clock.iso(start), clock.iso(end)
    asof = clock.iso(min(end, now))
    conn = store.db.conn
    found = _gather(src, start, end, by, asof)
    cells = found["cells"]

    groups: dict[str, Row] = {}
    if by == "team":  # a team with no work shows, with nothing
        for (code,) in conn.execute("SELECT code FROM teams ORDER BY code"):
            groups[code] = Row(group=code)
    total = Row(group=ALL)
    acks: dict[str, list[int]] = {}
    dones: dict[str, list[int]] = {}
    complaint_s: dict[str, list[int]] = {}
    team_done: dict[str, list[int]] = {}
    for key, team, n, cancelled, reopened, complaints, counted, met, ack_s, done_s, complaint_done in cells:
        key = key or "-"
        row = groups.get(key)
        if row is None:
            row = groups[key] = Row(group=key)
        for r in (row, total):
            r.requests += n
            r.cancelled += int(cancelled)
            r.reopened += int(reopened)
            r.complaints += int(complaints)
            r.sla_counted += counted
            r.sla_met += int(met)
        a, d = _ints(ack_s), _ints(done_s)
        acks.setdefault(key, []).extend(a)
        dones.setdefault(key, []).extend(d)
        team_done.setdefault(team, []).extend(d)
        complaint_s.setdefault(key, []).extend(_ints(complaint_done))

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

    hours = [0] * 24
    day_sla: dict[str, list[int]] = {}
    for day, hour, n, counted, met in found["hours"]:
        hours[hour] += n
        if counted:
            seen = day_sla.setdefault(day, [0, 0])
            seen[0] += counted
            seen[1] += int(met)

    for key, level, n in found["escalations"]:
        row = groups.get(key or "-")
        for r in (row, total) if row is not None else (total,):
            r.escalations += n
            r.escalations_by_level[str(level)] = r.escalations_by_level.get(str(level), 0) + n
    follow_ups = _follow_ups(src, s_iso, e_iso, now)
    total.satisfaction_pct = follow_ups["satisfaction_pct"]
    if by == "staff":
        for key, pct in follow_ups.pop("by_butler").items():
            if key in groups:
                groups[key].satisfaction_pct = pct
    else:
        follow_ups.pop("by_butler")
    by_team_done = [(k, quantile(sorted(v), 0.5)) for k, v in sorted(team_done.items()) if v]
    per_station: dict[str, list[Any]] = {}
    for station, n, secs, late in found["messages"]:
        kept = per_station.setdefault(station, [0, [], 0])
        kept[0] += n
        kept[1] += _ints(secs)
        kept[2] += int(late)
    messages = [{"station": st, "asked": v[0], "ack_median_s": quantile(sorted(v[1]), 0.5),
                 "unacked_at_shift_end": v[2]} for st, v in sorted(per_station.items())]
    unacked = sum(m["unacked_at_shift_end"] for m in messages)
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


def _escalations(src: _Sources, by: str | None, params: Mapping[str, str], cond: str) -> list[Any]:
    """Escalations fired for the range's tasks, by group and level (a task and its escalations are archived
    together)."""
    sql = " UNION ALL ".join(
        f"SELECT {_KEY[by]} AS g, e.level AS level FROM {s}.escalations e JOIN {s}.tasks t ON t.id = e.task_id"
        f" WHERE t.created_at >= :start AND t.created_at < :end {cond}" for s in src.schemas)
    # (in order: PostgreSQL gives a GROUP BY in no order, and the levels are keys of the JSON in this order)
    return src.conn.execute(f"SELECT g, level, count(*) FROM ({sql}) GROUP BY 1, 2 ORDER BY 1, 2", params).fetchall()


def _follow_ups(src: _Sources, s_iso: str, e_iso: str, now: datetime) -> dict[str, Any]:
    """Stays that departed in the period: follow-up calls made within 24 h; the calls' scores."""
    done_at = " ".join(  # the call's item, wherever the stay's checklist is (open, packed, archived)
        f"coalesce((SELECT c.done_at FROM {s}.checklist_items c WHERE c.stay_id = s.id AND c.code = 'follow_up_call'),"
        f" (SELECT p.follow_up_done_at FROM {s}.checklists_packed p WHERE p.stay_id = s.id)," for s in src.schemas
    ) + " NULL" + ")" * len(src.schemas)
    rows = src.conn.execute(
        "SELECT coalesce(butler_no, '-'), follow_up_score, count(*), count(done_at),"
        " total(done_at / 1000 <= departed_at / 1000 + :window),"
        " total(done_at IS NULL AND departed_at / 1000 + :window > :now / 1000)"
        f" FROM (SELECT s.departed_at, s.butler_no, s.follow_up_score, {done_at} AS done_at FROM main.stays s"
        "       WHERE s.departed_at >= :start AND s.departed_at < :end AND +s.status = 'departed')"  # by stays_departed
        " GROUP BY 1, 2",
        {"start": s_iso, "end": e_iso, "now": clock.iso(now), "window": FOLLOW_UP_HOURS * 3600}).fetchall()
    departed = made = in_time = due_open = 0
    scores = [0] * 6
    butler: dict[str, list[int]] = {}
    for butler_no, score, n, calls, within, open_ in rows:
        departed += n
        made += calls
        in_time += int(within)
        due_open += int(open_)
        if score:
            scores[score] += n
            b = butler.setdefault(butler_no, [0, 0])
            b[0] += n
            b[1] += n if score >= 4 else 0
    scored = sum(scores)
    return {
        "departed": departed, "calls_made": made, "within_24h": in_time, "not_due_yet": due_open,
        "within_24h_pct": _pct(in_time, departed - due_open),
        "scored": scored, "scores": {str(i): scores[i] for i in range(1, 6)},
        "satisfaction_pct": _pct(scores[4] + scores[5], scored), "target_pct": SATISFACTION_TARGET,
        "by_butler": {k: _pct(v[1], v[0]) for k, v in butler.items()},
    }


_TEN_MINUTES = 600_000


class _ShiftEnds:
    """The end of the shift a message was sent in (in the overnight gap: the next shift's end), by the
    message's 10 minutes (shifts start and end on whole 10 minutes, local); instants as the database holds
    them, milliseconds."""

    def __init__(self, s_iso: str, e_iso: str) -> None:
        first = clock.local(clock.parse(s_iso)).date() - timedelta(days=1)
        last = clock.local(clock.parse(e_iso)).date() + timedelta(days=1)
        windows = []
        day = first
        while day <= last:
            for s in current_shifts():
                begin, finish = shift_window(s, day)
                windows.append((clock.ms(begin), clock.ms(finish)))
            day += timedelta(days=1)
        windows.sort()
        self.starts = [w[0] for w in windows]
        self.windows = windows
        self.longest = max((f - b for b, f in windows), default=0)
        self._seen: dict[int, int] = {}

    def __call__(self, sent: int) -> int:
        prefix = sent // _TEN_MINUTES
        found = self._seen.get(prefix)
        if found is None:
            at = prefix * _TEN_MINUTES
            i = bisect.bisect_right(self.starts, at)
            # the windows that started before and are still running: only those of the last day or so
            j = bisect.bisect_left(self.starts, at - self.longest)
            covering = [w[1] for w in self.windows[j:i] if w[1] > at]
            if covering:
                found = max(covering)
            elif i < len(self.windows):
                found = self.windows[i][1]
            else:
                found = at
            self._seen[prefix] = found
        return found


def _messages(src: _Sources, ends: _ShiftEnds, params: Mapping[str, str]) -> list[Any]:
    """Per station: acknowledgements asked, the seconds to each acknowledgement, and those still missing at
    the end of the sending shift (worked out once per message, in Python)."""
    msgs = " UNION ALL ".join(
        f"SELECT '{s}' AS s, m.id, m.created_at FROM {s}.messages m"
        " WHERE m.created_at >= :start AND m.created_at < :end AND m.requires_ack" for s in src.schemas)
    src.reading.function("report_shift_end", ends, f"SELECT created_at AS ms FROM ({msgs})", params, "bigint")
    joined = " UNION ALL ".join(
        f"SELECT a.station_code AS station, m.created_at AS created_at, m.shift_end AS shift_end, a.acked_at AS acked_at"
        f" FROM m JOIN {s}.acks a ON a.message_id = m.id WHERE m.s = '{s}'" for s in src.schemas)
    return src.conn.execute(
        f"WITH m AS MATERIALIZED (SELECT s, id, created_at, report_shift_end(created_at) AS shift_end FROM ({msgs}))"
        " SELECT station, count(*), group_concat(acked_at / 1000 - created_at / 1000),"
        " total(shift_end <= :asof AND (acked_at IS NULL OR acked_at > shift_end))"
        f" FROM ({joined}) GROUP BY station", params).fetchall()


# -- the closed days, kept ---------------------------------------------------------------------------
#
# A year is 250,000 tasks and 840,000 acknowledgements: read row by row that is seconds. The figures of a hotel
# day that is over (a day after its end: every shift that began in it has ended) are kept in ``report_days``,
# per grouping, for the day's tasks in a final state (done, verified, closed, cancelled: their figures do not
# depend on when they are read) and for its messages, with a stamp of what they were worked out from — the
# day's tasks (how many, the latest change: every change to a task stamps ``updated_at``), its messages and
# their acknowledgements still missing, the hotel's zone and shifts. A stamp that differs is worked out
# again; the tasks still open are always read as they are. It is a cache of what the record says, not a
# record: archiving changes no stamp (the archive is read too), and deleting the table loses nothing.
#
# A day is kept small (its row, packed by store/packing.py ``pack_fast``): its lists of seconds sorted and
# written as the gaps between them (the figures only read them sorted: quantiles). Gaps pack to ~1.5 KB a day
# instead of ~2.9 KB, and that decides the room it takes: a row over ~2 KB (the most a WITHOUT ROWID table's
# page holds of one row) spills into an 8 KB overflow page of its own — a year's table 10.2 MB → 2.0 MB.
# Rows kept before, as JSON text with the lists as ``group_concat`` gave them, read as they are.

FINAL = "+t.status IN ('done', 'verified', 'closed', 'cancelled')"
OPEN = "t.status NOT IN ('done', 'verified', 'closed', 'cancelled')"


def _part(src: _Sources, ends: _ShiftEnds, by: str | None, params: Mapping[str, str], which: str) -> dict[str, list[Any]]:
    """The rows of a range: ``which`` tasks (``all``, ``final``, ``open``) and, unless ``open``, its messages."""
    cond = {"all": "", "final": f"AND {FINAL}", "open": f"AND {OPEN}"}[which]
    tasks_src = src.tasks()
    conn = src.conn
    bucket = _Buckets()
    hours: dict[tuple[str, int], list[int]] = {}
    for quarter, n, counted, met in conn.execute(_QUARTERS_SQL.format(quarter=QUARTER_MS, sla=_SLA, src=tasks_src,
                                                                               cond=cond), params):
        seen = hours.setdefault(bucket(quarter), [0, 0, 0])
        seen[0] += n
        seen[1] += counted
        seen[2] += int(met)
    return {
        "cells": conn.execute(_TASKS_SQL.format(key=_KEY[by], ack=_ACK_S, done=_DONE_S, sla=_SLA, src=tasks_src,
                                                cond=cond), params).fetchall(),
        "hours": [[day, hour, *v] for (day, hour), v in hours.items()],  # hotel day and hour of day
        "escalations": _escalations(src, by, params, cond),
        "messages": [] if which == "open" else _messages(src, ends, params),
    }


def _gather(src: _Sources, start: datetime, end: datetime, by: str | None, asof: str) -> dict[str, list[Any]]:
    """The rows of [start, end): the closed days inside it from ``report_days`` (worked out and kept when
    missing or stale), the rest read now."""
    ends = _ShiftEnds(clock.iso(start), clock.iso(end))
    out: dict[str, list[Any]] = {"cells": [], "hours": [], "escalations": [], "messages": []}

    def add(part: dict[str, list[Any]]) -> None:
        for k, v in part.items():
            out[k] += v

    def live(a: datetime, b: datetime, which: str = "all") -> None:
        if a < b:
            add(_part(src, ends, by, {"start": clock.iso(a), "end": clock.iso(b), "asof": asof}, which))

    # The whole hotel days inside the period that are over a day before ``asof``.
    settled: list[tuple[str, datetime, datetime]] = []
    day = clock.local(start).date()
    if clock.local_at(day, "00:00") < start:
        day += timedelta(days=1)
    limit = min(end, clock.parse(asof) - timedelta(days=1))
    while True:
        a, b = clock.local_at(day, "00:00"), clock.local_at(day + timedelta(days=1), "00:00")
        if b > limit:
            break
        settled.append((day.isoformat(), a, b))
        day += timedelta(days=1)
    if len(settled) < 2:  # not worth keeping
        live(start, end)
        return out
    first, last = settled[0][1], settled[-1][2]
    live(start, first)
    live(last, end)
    live(first, last, "open")
    for part in _kept(src, ends, by, settled):
        add(part)
    return out


def _sorted(text: str | None) -> list[int]:
    """Seconds as ``group_concat`` gives them, sorted (read once: the figures take them as they are)."""
    return sorted(_ints(text))


def _gaps(values: list[int]) -> list[int]:
    """Sorted seconds as the first and the gaps between the next ones."""
    return list(map(operator.sub, values, [0, *values[:-1]]))


def _seconds(kept: str | list[int] | None) -> str | list[int] | None:
    """What :func:`_gaps` kept, as the sorted seconds (a day kept before, as its text)."""
    return list(itertools.accumulate(kept)) if isinstance(kept, list) else kept


def _cells_kept(cells: list[Any], seconds: Any) -> list[list[Any]]:
    """The rows of ``_TASKS_SQL`` with their three lists of seconds (the last columns) turned by ``seconds``."""
    return [[*c[:8], *map(seconds, c[8:])] for c in cells]


def _messages_kept(rows: list[Any], seconds: Any) -> list[list[Any]]:
    """The rows of :func:`_messages` with their list of seconds turned by ``seconds``."""
    return [[station, n, seconds(secs), late] for station, n, secs, late in rows]


def _stamps(src: _Sources, settled: list[tuple[str, datetime, datetime]]) -> dict[str, str]:
    """Per day: what its kept figures were worked out from (see above)."""
    conn = src.conn
    days = [(d, clock.iso(a), clock.iso(b)) for d, a, b in settled]
    values = ", ".join("(?, ?, ?)" for _ in days)
    flat = [v for row in days for v in row]
    tasks_src = src.tasks()
    found: dict[str, str] = {}
    for d, n, changed, messages in conn.execute(
            f"WITH d(day, s, e) AS (VALUES {values}) SELECT d.day,"
            f" (SELECT count(*) FROM {tasks_src} t WHERE t.created_at >= d.s AND t.created_at < d.e),"
            f" (SELECT max(t.updated_at) FROM {tasks_src} t WHERE t.created_at >= d.s AND t.created_at < d.e),"
            + " + ".join(f"(SELECT count(*) FROM {s}.messages m WHERE m.created_at >= d.s AND m.created_at < d.e)"
                         for s in src.schemas) + " FROM d", flat):
        found[d] = f"{n}|{changed}|{messages}"
    # acknowledgements still missing (few: an archived message has none)
    starts = [a for _d, a, _b in days]
    missing = [0] * len(days)
    for (created,) in conn.execute("SELECT m.created_at FROM main.acks a JOIN main.messages m ON m.id = a.message_id"
                                   " WHERE a.acked_at IS NULL AND m.created_at >= ? AND m.created_at < ?",
                                   (days[0][1], days[-1][2])):
        missing[bisect.bisect_right(starts, created) - 1] += 1
    basis = f"{clock.zone_name()}|{[(s.name, s.start, s.end) for s in current_shifts()]}"
    for i, (d, a, b) in enumerate(days):
        found[d] += f"|{missing[i]}|{a}|{b}|{basis}"
    return found


def _kept(src: _Sources, ends: _ShiftEnds, by: str | None,
          settled: list[tuple[str, datetime, datetime]]) -> list[dict[str, list[Any]]]:
    import sqlite3

    conn = src.conn
    stamps = _stamps(src, settled)
    grouping = by or ALL
    kept: dict[tuple[str, str], tuple[str, bytes | str]] = {}
    try:
        for d, part, stamp, data in conn.execute(
                "SELECT day, part, stamp, data FROM main.report_days WHERE day >= ? AND day <= ? AND part IN (?, ?)",
                (settled[0][0], settled[-1][0], grouping, "messages")):
            kept[(d, part)] = (stamp, data)
    except sqlite3.OperationalError:  # a file not migrated yet (read-only use)
        pass
    parts: list[dict[str, list[Any]]] = []
    fresh: list[tuple[str, str, str, bytes]] = []
    for d, a, b in settled:
        stamp = stamps[d]
        params = {"start": clock.iso(a), "end": clock.iso(b), "asof": clock.iso(b + timedelta(days=1))}
        tasks = kept.get((d, grouping))
        if tasks is not None and tasks[0] == stamp:
            part = unpack(tasks[1])
            part["cells"] = _cells_kept(part["cells"], _seconds)
        else:
            part = _part(src, ends, by, params, "final")
            part.pop("messages")
            part["cells"] = _cells_kept(part["cells"], _sorted)
            fresh.append((d, grouping, stamp, pack_fast({**part, "cells": _cells_kept(part["cells"], _gaps)})))
        msgs = kept.get((d, "messages"))
        if msgs is not None and msgs[0] == stamp:
            part["messages"] = _messages_kept(unpack(msgs[1]), _seconds)
        else:
            part["messages"] = _messages_kept(_messages(src, ends, params), _sorted)
            fresh.append((d, "messages", stamp, pack_fast(_messages_kept(part["messages"], _gaps))))
        parts.append(part)
    if fresh and not conn.in_transaction:  # never inside a caller's transaction (kept next time instead)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO main.report_days (day, part, stamp, data) VALUES (?, ?, ?, ?)",
                             fresh)
            conn.execute("COMMIT")
        except sqlite3.Error:  # busy or read-only: they are worked out again next time
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    return parts


def keep_days(store: Store, *, now: datetime | None = None, days: int = 366,
              groupings: tuple[str | None, ...] = (None, "team")) -> None:
    """Work out and keep the figures of the last ``days`` hotel days that are over, whole hotel and by team
    (what a manager asks first): the night audit's round runs it once a day, so the first report over a year
    reads kept days (~0.7 s on a year's file) instead of a year of rows (~3 s)."""
    now = now or clock.now()
    today = clock.local(now).date()
    start, end = clock.local_at(today - timedelta(days=days), "00:00"), clock.local_at(today, "00:00")
    for by in groupings:
        figures(store, start, end, by, now=now)


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
