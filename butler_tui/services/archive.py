"""``butler archive --before DATE``: closed history moves to an archive file, or on a PostgreSQL server to
the schema ``report_archive`` of the same database (issue 15).

What moves, when it was over before DATE (local midnight): tasks verified, closed or cancelled (not a
task done and not verified yet: its owner's station still has it to verify; nor lost & found, which the
handover report of their day lists, nor a task a duty-log entry names), with their escalations and events;
messages whose every acknowledgement is in, with their acks and events — a message moves with its task, a
thread with its first message, and none that a VIP notice or a task still here refers to; the checklists
(items, stages) of stays departed or cancelled, once no follow-up call waits. Guests, stays, the duty log
and the handover book stay.

One write transaction on the hotel's tables, after the archive's tables are ready: ``INSERT … SELECT``
into ``report_archive.TABLE`` (the attached file, or the schema), then ``DELETE``; the backends' differences
are in :mod:`butler_tui.store.archive`. On a server only the database's owner role may do it (the stations'
role may not remove events). Events are append-only; the trigger lets this transaction
delete them because an ``archive_runs`` row, open only inside it, covers their instants. Their hash chain
still verifies: the run keeps, for each event left after a gap, the hash before it (store/chain.py). The ``archive``
event records what moved, the cut and the file (or the schema). Reading: :func:`butler_tui.store.archive.reader`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.services.auth import require
from butler_tui.services.times import in_years
from butler_tui.store import Store, Tx
from butler_tui.store import archive as stored
from butler_tui.store.archive import ARCHIVE_SCHEMA, TABLES
from butler_tui.store.chain import anchor_gaps

CLOSED_TASKS = ("verified", "closed", "cancelled")
"""The tasks that are history. A done task is not: it waits on its owner's station's verify list, however old."""
# The tables whose rows refer to tasks or messages (checked after the move: see :func:`archive`).
REFERRING = ("messages", "acks", "escalations", "log_entries", "vip_notices", "task_origins")


@dataclass
class Archived:
    before: str
    cut: str
    path: str
    counts: dict[str, int] = field(default_factory=dict)
    size_before: int = 0
    size_after: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "cut": self.cut, "archive": self.path, "moved": self.counts,
                "size_before": self.size_before, "size_after": self.size_after}


def parse_day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(tr("{value!r} is not a date: use YYYY-MM-DD", value=value)) from None
    return in_years(day, value)


def _select(tx: Tx, cut: str, day: str) -> None:
    """The ids that move, in temp tables ``arch_tasks``, ``arch_messages``, ``arch_stays``."""
    for name in ("arch_tasks", "arch_messages", "arch_stays", "arch_events"):
        tx.execute(f"DROP TABLE IF EXISTS temp.{name}")
        tx.execute(f"CREATE TEMP TABLE {name} (id INTEGER PRIMARY KEY)")
    tx.execute(
        f"INSERT INTO arch_tasks SELECT t.id FROM tasks t WHERE t.status IN ({','.join('?' for _ in CLOSED_TASKS)})"
        " AND t.updated_at < ? AND t.type != 'lost_found'"
        # (NOT IN a list built once: log entries have no index by task, a correlated NOT EXISTS scans them per task)
        " AND t.id NOT IN (SELECT l.task_id FROM log_entries l WHERE l.task_id IS NOT NULL)", (*CLOSED_TASKS, cut))
    tx.execute(
        "INSERT INTO arch_messages SELECT m.id FROM messages m WHERE m.created_at < ?"
        " AND m.id NOT IN (SELECT a.message_id FROM acks a WHERE a.acked_at IS NULL)"
        " AND m.id NOT IN (SELECT v.message_id FROM vip_notices v WHERE v.message_id IS NOT NULL)", (cut,))
    # Keep together what refers to what: drop until nothing changes (two or three rounds).
    while True:
        changed = 0
        changed += tx.execute(  # a message of a task that stays
            "DELETE FROM arch_messages WHERE id IN (SELECT m.id FROM messages m JOIN arch_messages x ON x.id = m.id"
            " WHERE m.task_id IS NOT NULL AND m.task_id NOT IN (SELECT id FROM arch_tasks))").rowcount
        changed += tx.execute(  # a message an escalation of a task that stays points at
            "DELETE FROM arch_messages WHERE id IN (SELECT e.message_id FROM escalations e"
            " WHERE e.message_id IS NOT NULL AND e.task_id NOT IN (SELECT id FROM arch_tasks))").rowcount
        changed += tx.execute(  # a thread's first message, when a reply stays
            "DELETE FROM arch_messages WHERE id IN (SELECT m.parent_id FROM messages m WHERE m.parent_id IN"
            " (SELECT id FROM arch_messages) AND m.id NOT IN (SELECT id FROM arch_messages))").rowcount
        changed += tx.execute(  # a task with a message that stays
            "DELETE FROM arch_tasks WHERE id IN (SELECT m.task_id FROM messages m WHERE m.task_id IN"
            " (SELECT id FROM arch_tasks) AND m.id NOT IN (SELECT id FROM arch_messages))").rowcount
        if not changed:
            break
    tx.execute(
        "INSERT INTO arch_stays SELECT s.id FROM stays s WHERE s.status IN ('departed', 'cancelled')"
        " AND s.departure_date < ?"
        " AND NOT EXISTS (SELECT 1 FROM checklist_items c WHERE c.stay_id = s.id AND c.code = 'follow_up_call'"
        " AND c.done_at IS NULL AND s.status = 'departed')", (day,))


_MOVES: list[tuple[str, str]] = [
    ("tasks", "id IN (SELECT id FROM arch_tasks)"),
    ("task_origins", "task_id IN (SELECT id FROM arch_tasks)"),
    ("escalations", "task_id IN (SELECT id FROM arch_tasks)"),
    ("messages", "id IN (SELECT id FROM arch_messages)"),
    ("acks", "message_id IN (SELECT id FROM arch_messages)"),
    ("checklist_items", "stay_id IN (SELECT id FROM arch_stays)"),
    ("stay_stages", "stay_id IN (SELECT id FROM arch_stays)"),
    ("checklists_packed", "stay_id IN (SELECT id FROM arch_stays)"),
    ("events", "id IN (SELECT id FROM arch_events)"),
]
# The events that move: those of the tasks and messages that do (chosen once: the chain's anchors and the move
# read the same set).
_EVENTS = ("SELECT id FROM events WHERE (entity = 'tasks' AND entity_id IN (SELECT CAST(id AS TEXT) FROM arch_tasks))"
           " OR (entity = 'messages' AND entity_id IN (SELECT CAST(id AS TEXT) FROM arch_messages))")
# Deleted children first: the hotel's foreign keys are checked at each statement's end.
_DELETE_ORDER = ["events", "acks", "escalations", "checklist_items", "stay_stages", "checklists_packed", "messages",
                 "task_origins", "tasks"]


def archive(store: Store, before: str, *, to: Path | None = None, staff_no: str | None,
            station: str | None = None, vacuum: bool = True) -> Archived:
    """Move the closed history older than ``before`` (YYYY-MM-DD, local) to the archive (a file, or on a
    server the schema ``report_archive``)."""
    day = parse_day(before)
    if day > clock.today():
        raise InvalidInput(tr("--before {day} is in the future: only what is over can be archived", day=day))
    cut = clock.iso(clock.local_at(day, "00:00"))
    where = stored.target(store, to)
    stored.require_owner(store)
    result = Archived(before=day.isoformat(), cut=cut, path=where, size_before=stored.size(store))
    with store.write(actor=staff_no, station=station) as tx:  # the permission first, before any file is made
        require(tx, staff_no, "archive_history")
        tx.event("archive", None, "authorised", after={"before": result.before, "archive": result.path})
    stored.prepare(store, where)
    # What moves is chosen to keep every reference whole; the tables that refer to what moved are checked
    # once before the COMMIT (stored.moving, stored.broken_references).
    with stored.moving(store, where, staff_no, station) as tx:
        require(tx, staff_no, "archive_history")
        run_id = tx.insert("archive_runs", {"started_at": clock.now_iso(), "before_at": cut, "archive_path": where})
        _select(tx, cut, day.isoformat())
        tx.execute(f"INSERT INTO arch_events {_EVENTS}")
        # The events left after a gap keep the hash of the one before them: the chain still verifies.
        anchor_gaps(tx.db.conn, "arch_events")
        for table, condition in _MOVES:
            cols = ", ".join(f'"{c}"' for c in stored.columns(tx.db.conn, table))
            result.counts[table] = tx.execute(
                f"INSERT INTO {ARCHIVE_SCHEMA}.{table} ({cols}) SELECT {cols} FROM main.{table}"
                f" WHERE {condition}").rowcount
        where_of = dict(_MOVES)
        for table in _DELETE_ORDER:
            tx.execute(f"DELETE FROM main.{table} WHERE {where_of[table]}")
        tx.execute("INSERT INTO settings (name, value) VALUES ('archive_path', ?)"
                   " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (where,))
        tx.execute("UPDATE archive_runs SET finished_at = ?, counts = ? WHERE id = ?",
                   (clock.now_iso(), json.dumps(result.counts), run_id))
        tx.event("archive", run_id, "archive", after={"before": result.before, "cut": cut, "archive": where,
                                                      "moved": result.counts})
        for name in ("arch_tasks", "arch_messages", "arch_stays", "arch_events"):
            tx.execute(f"DROP TABLE temp.{name}")
        broken = stored.broken_references(tx, REFERRING)
        if broken is not None:  # never expected: the selection keeps references together
            table, n = broken
            if n is None:
                raise StoreUnavailable(tr("archiving would break references from {table}: nothing was moved",
                                          table=table))
            raise StoreUnavailable(tr("archiving would break {n} references from {table}: nothing was"
                                      " moved", n=n, table=table))
    if vacuum:
        compact(store)
    result.size_after = stored.size(store)
    return result


def compact(store: Store) -> tuple[int, int]:
    """Give back the space freed (SQLite: VACUUM the file, which shrinks, and checkpoint the WAL; PostgreSQL:
    VACUUM (ANALYZE), which frees it for reuse); (size before, after)."""
    size = stored.size(store)
    stored.vacuum(store)
    return size, stored.size(store)


__all__ = ["TABLES", "Archived", "archive", "compact", "parse_day"]
