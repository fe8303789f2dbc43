"""Events that refer to their row instead of repeating it (issue 15: a year of history in less room).

The ``send`` event of a message and the ``create`` event of a task used to copy the row they describe
(~40 MB a year for the tasks alone). Now :func:`compact_after` stores, instead:

* for a message sent: nothing (``after`` is NULL) — its priority, parent, room, task and the stations
  addressed (its ack rows) never change, so :func:`expand_after` reads them back from the rows;
* for a task created: nothing — its values as created are the task row's, or, once one of them changed,
  the row the ``tasks_origin`` trigger kept in ``task_origins`` at the first change (whichever writer made
  it); an event written before that (an older release's, its task changed since) keeps the values that
  may change, marked with ``"@": "tasks"``, and takes type, owner and owning team from the row.

Only when the rows give back exactly what would have been written: otherwise the JSON is kept whole.
Readers (a task's history, the change feed) call :func:`expand_after` and see what they saw before.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import zlib
from typing import Any

from butler_tui.clock import Instant, from_ms, ms

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


def _task_created(conn: sqlite3.Connection, task_id: int) -> dict[str, Any] | None:
    """The task's ``create`` event as the service writes it, from the row (or its origin, once changed)."""
    row = conn.execute(
        "SELECT coalesce(o.task_id, 0), t.type, t.name, t.room_number, t.priority, t.owner_no, t.owner_team,"
        " t.second_team, t.due_at, o.type, o.name, o.room_number, o.priority, o.owner_no, o.owner_team,"
        " o.second_team, o.due_at FROM tasks t LEFT JOIN task_origins o ON o.task_id = t.id WHERE t.id = ?",
        (task_id,)).fetchone()
    if row is None:
        return None
    kind, name, room, priority, owner, owner_team, second_team, due_at = row[9:] if row[0] else row[1:9]
    return {"type": kind, "name": name, "room": room, "priority": priority, "owner": owner,
            "owner_team": owner_team, "doing_team": second_team or owner_team, "due_at": _iso(due_at)}


def compact_after(conn: sqlite3.Connection, entity: str, action: str, entity_id: Any, after: Any) -> str | None:
    """What to store in ``events.after`` for this event (see the module's docstring)."""
    text = dump(after)
    if not isinstance(after, dict) or entity_id is None or not str(entity_id).isdigit():
        return text
    if entity == "messages" and action == "send":
        return None if _message_sent(conn, int(entity_id)) == after else text
    if entity == "tasks" and action == "create" and REF not in after:
        if _task_created(conn, int(entity_id)) == after:
            return None
        fixed = _task_fixed(conn, int(entity_id))
        if fixed is not None and all(k in after and after[k] == v for k, v in fixed.items()):
            return dump({k: v for k, v in after.items() if k not in fixed} | {REF: "tasks"})
    return text


def expand_after(conn: sqlite3.Connection, entity: str, action: str, entity_id: Any, stored: str | None) -> str | None:
    """``events.after`` as it was written before events referred to their rows (the JSON text)."""
    if entity == "messages" and action == "send" and stored is None and entity_id is not None:
        return dump(_message_sent(conn, int(entity_id)))
    if entity == "tasks" and action == "create" and stored is None and entity_id is not None:
        return dump(_task_created(conn, int(entity_id)))
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


# -- a closed stay's checklist, packed ------------------------------------------------------------
# A stay's checklist is ~27 rows (1.3 M a year, ~110 MB with their index). Once the stay is over —
# cancelled, or departed with its follow-up call made — nobody ticks it again, so its items and stage
# completions are kept as one packed row (``checklists_packed``), with the follow-up call's time beside it
# for the boards. Readers read either (services/checklists.py); a tick on a packed checklist unpacks it
# first (the same ids), and it is packed again when the stay is still closed after the change.

ITEM_COLUMNS = ("id", "stage", "code", "mandatory", "position", "done_at", "done_by", "done_station", "note")
STAGE_COLUMNS = ("stage", "completed_at", "completed_by", "completed_station")
CLOSED_STAY = ("s.status = 'cancelled' OR (s.status = 'departed' AND NOT EXISTS (SELECT 1 FROM checklist_items c"
               " WHERE c.stay_id = s.id AND c.code = 'follow_up_call' AND c.done_at IS NULL))")


# Packed by column, instants as milliseconds from the first, with a preset dictionary of the template's
# codes and stages (each packed checklist is compressed alone: without it, every one would spell them out):
# ~360 bytes a stay instead of ~680 with :func:`butler_tui.store.packing.pack`. Only used when it gives
# back exactly what went in (instants in the store's own format); else the plain packing.
_Z2 = b"z2:"
# Fixed for ever (blobs written with it are read with it): a new format gets a new magic and dictionary.
_ZDICT = json.dumps([["pre_arrival", "arrival", "pre_departure", "departure", "follow_up"] * 4, [
    "room_assigned", "file_pulled", "prefs_passed", "butler_confirmed", "instructions_done", "keys_verified",
    "vip_passage", "parking_reserved", "welcome_sms", "prep_verified", "checked_in", "info_collected", "escorted",
    "itinerary_confirmed", "butler_sms", "vehicle_logged", "team_told", "opinion_asked", "plan_recorded",
    "bill_prepared", "checkout_assisted", "water_snacks", "farewell", "farewell_sms", "file_updated",
    "follow_up_call", "filed_with_cs"], ["lobby", "fo", "cs", "floors-low", "floors-mid", "floors-high"]],
    separators=(",", ":")).encode()


def _ms(value: str | int | None) -> int | None:
    """An instant (its ISO text, ``2026-11-24T08:30:00.000Z``, or the milliseconds the column holds) as
    milliseconds since the epoch."""
    if value is None or isinstance(value, int):
        return value
    if len(value) != 24 or value[19] != "." or value[23] != "Z":
        raise ValueError(value)
    return ms(value)


def _iso(value: int | str | None) -> Instant | str | None:
    """An instant as the services write it, ISO text, whichever way the connection gives it back (a plain
    ``sqlite3`` connection: the milliseconds the column holds)."""
    return from_ms(value) if isinstance(value, int) else value


def _encode(items: list[list[Any]], stages: list[list[Any]]) -> bytes:
    at = ITEM_COLUMNS.index("done_at")
    times = [_ms(i[at]) for i in items] + [_ms(s[1]) for s in stages]
    base = min((t for t in times if t is not None), default=0)
    columns = [list(c) for c in zip(*items, strict=True)] if items else [[] for _ in ITEM_COLUMNS]
    columns[at] = [None if t is None else t - base for t in times[:len(items)]]
    ids = columns[0]
    columns[0] = [ids[0], *(b - a for a, b in itertools.pairwise(ids))] if ids else []
    doc = {"t0": base, "c": columns,
           "s": [[s[0], None if t is None else t - base, *s[2:]] for s, t in zip(stages, times[len(items):],
                                                                                 strict=True)]}
    packer = zlib.compressobj(9, zdict=_ZDICT)
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return _Z2 + packer.compress(raw) + packer.flush()


def _decode(blob: bytes) -> dict[str, list[list[Any]]]:
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    doc = json.loads((unpacker.decompress(blob[len(_Z2):]) + unpacker.flush()).decode())
    base, columns = doc["t0"], doc["c"]
    ids, running = [], 0
    for k, step in enumerate(columns[0]):
        running = step if k == 0 else running + step
        ids.append(running)
    columns[0] = ids
    at = ITEM_COLUMNS.index("done_at")
    columns[at] = [None if t is None else _iso(base + t) for t in columns[at]]
    items = [list(row) for row in zip(*columns, strict=True)] if ids else []
    stages = [[s[0], None if s[1] is None else _iso(base + s[1]), *s[2:]] for s in doc["s"]]
    return {"items": items, "stages": stages}


def pack_checklist(items: list[list[Any]], stages: list[list[Any]]) -> bytes:
    """One stay's checklist as stored in ``checklists_packed.items``: its items as lists of
    :data:`ITEM_COLUMNS`, its stage completions as lists of :data:`STAGE_COLUMNS`."""
    from butler_tui.store.packing import pack

    try:
        packed = _encode(items, stages)
        if _decode(packed) == {"items": items, "stages": stages}:
            return packed
    except (ValueError, TypeError, OverflowError):
        pass
    return pack({"items": items, "stages": stages})


def pack_checklists(conn: sqlite3.Connection, stay_ids: list[int] | None = None) -> int:
    """Pack the checklists of these stays (every closed stay's when None) that are closed; how many."""
    where = CLOSED_STAY if stay_ids is None else \
        f"s.id IN ({','.join(str(int(i)) for i in stay_ids)}) AND ({CLOSED_STAY})"
    ids = [r[0] for r in conn.execute(
        f"SELECT s.id FROM stays s WHERE ({where}) AND EXISTS (SELECT 1 FROM checklist_items c WHERE c.stay_id = s.id)"
        " ORDER BY s.id").fetchall()]
    if not ids:
        return 0
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS packing (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.packing")
    conn.executemany("INSERT INTO temp.packing (id) VALUES (?)", [(i,) for i in ids])
    items: dict[int, list[list[Any]]] = {}
    for row in conn.execute(f"SELECT stay_id, {', '.join(ITEM_COLUMNS)} FROM checklist_items"
                            " WHERE stay_id IN temp.packing ORDER BY stay_id, id"):
        items.setdefault(row[0], []).append(list(row[1:]))
    stages: dict[int, list[list[Any]]] = {}
    for row in conn.execute(f"SELECT stay_id, {', '.join(STAGE_COLUMNS)} FROM stay_stages"
                            " WHERE stay_id IN temp.packing ORDER BY stay_id, stage"):
        stages.setdefault(row[0], []).append(list(row[1:]))
    code, done_at = ITEM_COLUMNS.index("code"), ITEM_COLUMNS.index("done_at")
    conn.executemany(
        "INSERT INTO checklists_packed (stay_id, follow_up_done_at, items) VALUES (?, ?, ?)",
        [(stay_id, next((i[done_at] for i in rows if i[code] == "follow_up_call"), None),
          pack_checklist(rows, stages.get(stay_id, []))) for stay_id, rows in items.items()])
    conn.execute("DELETE FROM checklist_items WHERE stay_id IN temp.packing")
    conn.execute("DELETE FROM stay_stages WHERE stay_id IN temp.packing")
    conn.execute("DELETE FROM temp.packing")
    return len(items)


def packed_checklist(conn: sqlite3.Connection, stay_id: int) -> dict[str, list[dict[str, Any]]] | None:
    """A packed checklist as rows: ``items`` (the columns of ``checklist_items`` but ``stay_id``) and
    ``stages`` (those of ``stay_stages``); None when the stay's checklist is not packed."""
    from butler_tui.store.packing import unpack

    row = conn.execute("SELECT items FROM checklists_packed WHERE stay_id = ?", (stay_id,)).fetchone()
    if row is None:
        return None
    doc = _decode(row[0]) if bytes(row[0]).startswith(_Z2) else unpack(row[0])
    return {"items": [dict(zip(ITEM_COLUMNS, i, strict=True)) for i in doc["items"]],
            "stages": [dict(zip(STAGE_COLUMNS, s, strict=True)) for s in doc["stages"]]}


def unpack_checklist(conn: sqlite3.Connection, stay_id: int) -> bool:
    """Put a packed checklist back into rows (the same ids), to change it; False when it was not packed."""
    found = packed_checklist(conn, stay_id)
    if found is None:
        return False
    columns: tuple[str, ...] = ITEM_COLUMNS
    if all(i["id"] is None for i in found["items"]):  # packed by an import before it had ids: new ones
        columns = ITEM_COLUMNS[1:]  # (an explicit NULL id is a new one in SQLite only, not on PostgreSQL)
    conn.executemany(f"INSERT INTO checklist_items (stay_id, {', '.join(columns)})"
                     f" VALUES (?, {', '.join('?' for _ in columns)})",
                     [(stay_id, *(i[c] for c in columns)) for i in found["items"]])
    conn.executemany(f"INSERT INTO stay_stages (stay_id, {', '.join(STAGE_COLUMNS)})"
                     f" VALUES (?, {', '.join('?' for _ in STAGE_COLUMNS)})",
                     [(stay_id, *(s[c] for c in STAGE_COLUMNS)) for s in found["stages"]])
    conn.execute("DELETE FROM checklists_packed WHERE stay_id = ?", (stay_id,))
    return True
