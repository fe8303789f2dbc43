"""What a station re-reads on every change is answered from indexes, never by scanning the history
tables: the plans (EXPLAIN QUERY PLAN) of every statement those reads run are checked here, so a
year of messages, tasks and stays costs a station nothing on refresh (bench/history.py measures it)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from butler_tui import clock
from butler_tui.services import dnd_audit, escalation, handover, messaging, overview, scheduling, stays, tasks
from butler_tui.store import Store

pytestmark = pytest.mark.sqlite_only("reads SQLite's query plans (EXPLAIN QUERY PLAN)")

HISTORY = {"messages", "acks", "tasks", "stays", "events", "checklist_items", "handovers", "log_entries",
           "escalations", "guests", "guest_notes", "scheduled_tasks", "routine_runs", "dnd_checks", "night_audits"}


def _at(hhmm: str, read: Callable[[Store], Any]) -> Callable[[Store], Any]:
    """``read`` with the clock at ``hhmm`` today, hotel time (the sweep's daily rounds look at the time)."""
    def run(store: Store) -> Any:
        clock.freeze(clock.local_at(clock.today(), hhmm))
        try:
            return read(store)
        finally:
            clock.freeze(None)
    return run


REPEATED: dict[str, Callable[[Store], Any]] = {
    "overview": lambda s: overview.overview(s, "lobby"),
    "unacked for a station": lambda s: messaging.unacked_for(s, "lobby"),
    "the log of a station": lambda s: messaging.list_messages(s, station="floors-mid"),
    "unacked at a station": lambda s: messaging.list_messages(s, station="lobby", unacked=True),
    "unacked hotel-wide": lambda s: messaging.list_messages(s, unacked=True),
    "pending handover": lambda s: handover.pending(s, "lobby"),
    "arrivals": lambda s: stays.arrivals(s, clock.today()),
    "departures": lambda s: stays.departures(s, clock.today()),
    "follow-up queue": stays.follow_up_queue,
    "handover report, a station": lambda s: handover.build_report(s, "floors-mid"),
    "handover report, the hotel": lambda s: handover.build_report(s, None),
    "open tasks of a station": lambda s: tasks.open_tasks(s, teams=["ROOMS"], floors=[8, 9], station="floors-mid"),
    "escalation queue": tasks.escalation_queue,
    "done, waiting to be verified": lambda s: tasks.open_tasks(s, statuses=["done"]),
    "a person's open tasks": lambda s: tasks.open_tasks(s, mine="2003"),
    "a person's done tasks": lambda s: tasks.open_tasks(s, statuses=["done", "verified"], mine="2003"),
    "sweep": lambda s: escalation.sweep(s),
    "scheduled tasks or routines due": lambda s: scheduling.raise_due(s),
    "scheduled tasks a station will get": lambda s: scheduling.pending(s, station="floors-mid"),
    "routines of a station": lambda s: scheduling.list_routines(s, station="floors-mid"),
    # the daily rounds, as every sweep looks for them when nothing is due (the checks already raised)
    "sweep at 14:00": _at("14:00", lambda s: (escalation.sweep(s), escalation.sweep(s))),
    "DND checks due": _at("12:30", lambda s: dnd_audit.dnd_slot(clock.now()) and s.rows(
        dnd_audit._PENDING, (clock.now_iso(), clock.today().isoformat(), "12:00"))),
    "night audit due": lambda s: dnd_audit.audit_due(s, clock.now()),
    "no-shows of last night": lambda s: stays.no_shows(s, clock.today() - timedelta(days=1), clock.today()),
    "overdue departures": stays.overdue_departures,
    "closed today (the task board's third tab)": lambda s: tasks.closed_today(s, "floors-mid"),
}

_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_]\w*)(?:\s+(?:AS\s+)?([a-z_]\w*))?", re.I)
_KEYWORDS = {"where", "on", "left", "join", "order", "group", "limit", "inner", "using", "and", "or"}


def _partial_indexes(conn: sqlite3.Connection) -> set[str]:
    return {name for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
            if sql and re.search(r"\)\s*WHERE\b", sql, re.I)}


def _scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """Plan lines that scan a history table (a SEARCH uses an index; a SCAN reads every row). Reading
    all of a partial index is fine: it holds only the open rows (unacked, not yet called back)."""
    partial = _partial_indexes(conn)
    aliases: dict[str, str] = {}
    for table, alias in _TABLE.findall(sql):
        aliases[table.lower()] = table.lower()
        if alias and alias.lower() not in _KEYWORDS:
            aliases[alias.lower()] = table.lower()
    bad = []
    for *_ids, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
        found = re.match(r"SCAN (\w+)", detail)
        index = re.search(r"USING (?:COVERING )?INDEX (\w+)", detail)
        if index and index.group(1) in partial:
            continue
        if found and aliases.get(found.group(1).lower(), found.group(1).lower()) in HISTORY:
            bad.append(detail)
    return bad


@pytest.mark.parametrize("read", list(REPEATED))
def test_a_repeated_read_never_scans_history(demo_store: Store, read: str) -> None:
    statements: list[str] = []
    demo_store.rows("SELECT 1")  # this thread's connection
    conn = demo_store.db.conn
    conn.set_trace_callback(statements.append)
    try:
        REPEATED[read](demo_store)
    finally:
        conn.set_trace_callback(None)
    selects = [sql for sql in dict.fromkeys(statements) if re.match(r"\s*(SELECT|WITH)\b", sql, re.I)]
    assert selects, "the read ran no query"
    scans = {sql: bad for sql in selects if (bad := _scans(conn, sql))}
    assert not scans, "\n\n".join(f"{sql}\n  -> {bad}" for sql, bad in scans.items())


OPEN_ONLY = {  # reads of what is still open: each must come from an index that holds only open rows
    "unacked for a station": "acks",
    "overview": "acks",
    "pending handover": "handovers",
    "follow-up queue": "checklist_items",
    "scheduled tasks or routines due": "scheduled_tasks",
    "scheduled tasks a station will get": "scheduled_tasks",
}


@pytest.mark.parametrize("read", list(OPEN_ONLY))
def test_what_is_still_open_is_read_from_an_index_of_open_rows(demo_store: Store, read: str) -> None:
    """A SEARCH by station through an index of every ack the station ever had is no scan, but it still
    reads the station's whole history: these reads must find their rows in the partial (open rows
    only) index. (Looking up one stay's items by its key is fine and not what this checks.)"""
    statements: list[str] = []
    demo_store.rows("SELECT 1")
    conn = demo_store.db.conn
    conn.set_trace_callback(statements.append)
    try:
        REPEATED[read](demo_store)
    finally:
        conn.set_trace_callback(None)
    table, partial = OPEN_ONLY[read], _partial_indexes(conn)
    used = []
    for sql in dict.fromkeys(statements):
        if not re.match(r"\s*(SELECT|WITH)\b", sql, re.I):
            continue
        names = {table} | {alias.lower() for name, alias in _TABLE.findall(sql) if name.lower() == table and alias}
        for *_ids, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
            found = re.match(r"(?:SEARCH|SCAN) (\w+) USING (?:COVERING )?INDEX (\w+)", detail)
            if found and found.group(1).lower() in names:
                used.append(found.group(2))
    assert any(index in partial for index in used), f"{read} reads {table} through {used}, no index of open rows"


def test_closed_today_reads_todays_changes_not_every_task_ever_closed(demo_store: Store) -> None:
    """A SEARCH on status alone is no scan, yet it reads every task ever closed (225 ms on a year's file):
    the tab must bound the index search by the time of the last change too."""
    statements: list[str] = []
    demo_store.rows("SELECT 1")
    conn = demo_store.db.conn
    conn.set_trace_callback(statements.append)
    try:
        tasks.closed_today(demo_store, "floors-mid")
    finally:
        conn.set_trace_callback(None)
    plans = [detail for sql in dict.fromkeys(statements) if "updated_at >=" in sql
             for *_ids, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
    assert any(re.search(r"SEARCH t USING INDEX tasks_status \(status=\? AND updated_at>\?\)", p) for p in plans), plans


def test_a_search_in_a_station_s_log_stops_at_the_lines_it_shows(demo_store: Store) -> None:
    """The message screen re-runs its search on every change while a filter is typed. It walks the messages
    newest first and looks each one up in the station's acks by key, stopping at the lines it shows — not
    listing every message the station was ever sent first (a year: ~80,000, 94 ms → 8 ms for '空调')."""
    statements: list[str] = []
    demo_store.rows("SELECT 1")
    conn = demo_store.db.conn
    conn.set_trace_callback(statements.append)
    try:
        found = messaging.list_messages(demo_store, station="lobby", search="1", limit=200)
    finally:
        conn.set_trace_callback(None)
    assert found and all(m.from_station == "lobby" or "lobby" in [r.station for r in m.recipients] for m in found)
    sql = next(s for s in statements if "instr(" in s)
    plan = [detail for *_ids, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
    assert any(re.match(r"SEARCH a USING PRIMARY KEY \(message_id=\? AND station_code=\?\)", p) for p in plan), plan
    assert not any("LIST SUBQUERY" in p for p in plan), plan
