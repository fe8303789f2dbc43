"""Events that refer to their row instead of repeating it (issue 15: a year of history in less room).

The ``send`` event of a message and the ``create`` event of a task used to copy the row they describe
(~40 MB a year for the tasks alone). Now :func:`compact_after` stores, instead:

* for a message sent: nothing (``after`` is NULL) — its priority, parent, room, task and the stations
  addressed (its ack rows) never change, so :func:`expand_after` reads them back from the rows;
* for a task created: the values that may change later (name, room, priority, due, the team doing it),
  marked with ``"@": "tasks"``; the task's type, owner and owning team, which never change, come back
  from the task row.

Only when the rows give back exactly what would have been written: otherwise the JSON is kept whole.
Readers (a task's history, the change feed) call :func:`expand_after` and see what they saw before.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

REF = "@"
_TASK_FIXED = {"type": "type", "owner": "owner_no", "owner_team": "owner_team"}


def dump(value: Any) -> str | None:
    """An event's JSON as the store writes it."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _message_sent(conn: sqlite3.Connection, message_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT priority, parent_id, room_number, task_id, requires_ack FROM messages WHERE id = ?",
                       (message_id,)).fetchone()
    if row is None:
        return None
    to = [r[0] for r in conn.execute("SELECT station_code FROM acks WHERE message_id = ? ORDER BY station_code",
                                     (message_id,)).fetchall()]
    after: dict[str, Any] = {"priority": row[0], "to": to, "parent_id": row[1], "room": row[2]}
    if row[3] is not None:
        after["task"] = row[3]
    if not row[4]:
        after["requires_ack"] = False
    return after


def _task_fixed(conn: sqlite3.Connection, task_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT type, owner_no, owner_team FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else dict(zip(_TASK_FIXED, row, strict=True))


def compact_after(conn: sqlite3.Connection, entity: str, action: str, entity_id: Any, after: Any) -> str | None:
    """What to store in ``events.after`` for this event (see the module's docstring)."""
    text = dump(after)
    if not isinstance(after, dict) or entity_id is None or not str(entity_id).isdigit():
        return text
    if entity == "messages" and action == "send":
        return None if _message_sent(conn, int(entity_id)) == after else text
    if entity == "tasks" and action == "create" and REF not in after:
        fixed = _task_fixed(conn, int(entity_id))
        if fixed is not None and all(k in after and after[k] == v for k, v in fixed.items()):
            return dump({k: v for k, v in after.items() if k not in fixed} | {REF: "tasks"})
    return text


def expand_after(conn: sqlite3.Connection, entity: str, action: str, entity_id: Any, stored: str | None) -> str | None:
    """``events.after`` as it was written before events referred to their rows (the JSON text)."""
    if entity == "messages" and action == "send" and stored is None and entity_id is not None:
        return dump(_message_sent(conn, int(entity_id)))
    if entity == "tasks" and action == "create" and stored and f'"{REF}": "tasks"' in stored:
        after = json.loads(stored)
        after.pop(REF, None)
        fixed = _task_fixed(conn, int(entity_id)) or {}
        return dump(after | fixed)
    return stored


def expand_rows(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Event rows (dicts with ``entity``, ``action``, ``entity_id``, ``after``) with ``after`` expanded."""
    for row in rows:
        row["after"] = expand_after(conn, row["entity"], row["action"], row["entity_id"], row["after"])
    return rows
