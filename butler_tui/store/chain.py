"""The events' hash chain: tamper evidence for the audit trail.

Every row of ``events`` carries ``hash``: SHA-256 (its first 16 bytes) over the hash of the event before it
and the row's own content as stored — ``id, at, actor, station, entity, entity_id, action, before, after`` as
one compact JSON array. It is computed as the row is written, in the same transaction
(:func:`append`), so a row changed, removed or slipped in around the program breaks the chain from there on;
``butler check`` walks it (:func:`verify`) and names the first event where it breaks.

``butler archive`` removes old events in the middle of the chain. For each event left whose predecessor
moved, the archive run records that predecessor's hash in ``event_chain_anchors`` (insert-only, and only
inside an open archive run, as the events' own deletion), and the walk takes it from there.

This protects against a change made around the program by someone who does not rewrite the whole chain
after it; hard enforcement against a hostile local user is the PostgreSQL backend's job.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from butler_tui.clock import from_ms, instant

HASH_BYTES = 16
COLUMNS = ("id", "at", "actor", "station", "entity", "entity_id", "action", "before", "after")
_SELECT = f"SELECT {', '.join(COLUMNS)}, hash FROM events"


def _plain(value: Any) -> Any:
    return {"blob": value.hex()} if isinstance(value, bytes) else value


def _text(value: Any) -> Any:
    """A value as the TEXT column stores it (a number becomes its text), so the hash is of what is stored."""
    return value if value is None or isinstance(value, (str, bytes)) else str(value)


def link(prev: bytes | None, row: Sequence[Any]) -> bytes:
    """The hash of an event whose content is ``row`` (the values of :data:`COLUMNS`, as stored) after an
    event hashed ``prev`` (``None``: the first). The instant is hashed as its ISO text, as it was when instants
    were stored so (store/instants.py): the chain written then still holds."""
    if type(row[1]) is int:
        row = (row[0], from_ms(row[1]), *row[2:])
    content = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"), default=_plain)
    return hashlib.sha256((prev or b"") + content.encode("utf-8", "surrogatepass")).digest()[:HASH_BYTES]


def last(conn: sqlite3.Connection) -> tuple[int, bytes | None]:
    """The id the next event gets (``events`` is AUTOINCREMENT; on PostgreSQL, its sequence) and the hash
    of the last event."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        from butler_tui.store.pg import next_event_id

        prev = conn.execute("SELECT hash FROM events WHERE id = (SELECT max(id) FROM events)").fetchone()
        return next_event_id(conn), prev[0] if prev else None  # type: ignore[arg-type]
    seq, prev = conn.execute(
        "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'events'),"
        " (SELECT hash FROM events WHERE id = (SELECT max(id) FROM events))").fetchone()
    return int(seq or 0) + 1, prev


def append(conn: sqlite3.Connection, at: str, actor: str | None, station: str | None, entity: str,
           entity_id: str | None, action: str, before: str | None, after: str | None) -> int:
    """Insert one event with its hash (inside the caller's write transaction); its id."""
    event_id, prev = last(conn)
    row = (event_id, instant(at), *(_text(v) for v in (actor, station, entity, entity_id, action, before, after)))
    conn.execute("INSERT INTO events (id, at, actor, station, entity, entity_id, action, before, after, hash)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, link(prev, row)))
    return event_id


def chained(prev: bytes | None, rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` (content with their ids, in id order) each with its hash appended, chained after ``prev``:
    for a batch inserted at once (a migration, the history bench)."""
    out = []
    for row in rows:
        prev = link(prev, row)
        out.append((*row, prev))
    return out


def rehash_all(conn: sqlite3.Connection) -> int:
    """Compute the whole chain for the rows there are (migration 0021); the number of events. The caller
    has lifted the events' no-update trigger for it."""
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY id").fetchall()
    conn.executemany("UPDATE events SET hash = ? WHERE id = ?", [(r[-1], r[0]) for r in chained(None, rows)])
    return len(rows)


def anchor_gaps(conn: sqlite3.Connection, doomed: str) -> int:
    """Inside an archive run, before the events whose ids are in the temp table ``doomed`` are deleted: for
    each event left whose predecessor goes, record that predecessor's hash (unless it has an anchor already:
    its predecessor had gone before, and the anchor holds its hash); the number recorded."""
    cur = conn.execute(
        "INSERT INTO event_chain_anchors (event_id, prev_hash)"
        " SELECT n.next_id, n.prev_hash FROM ("
        "  SELECT (SELECT e.id FROM events e WHERE e.id > d.id ORDER BY e.id LIMIT 1) AS next_id,"
        "   (SELECT e.hash FROM events e WHERE e.id = d.id) AS prev_hash"
        f"  FROM {doomed} d) n"
        f" WHERE n.next_id IS NOT NULL AND n.next_id NOT IN (SELECT id FROM {doomed})"
        " AND n.next_id NOT IN (SELECT event_id FROM event_chain_anchors)")
    return cur.rowcount


def walk(rows: Iterable[Sequence[Any]], anchors: Mapping[int, bytes | None], prev: bytes | None = None
         ) -> tuple[int, int | None, bytes | None]:
    """Follow the chain over ``rows`` (the values of :data:`COLUMNS` and the hash, in id order) after an event
    hashed ``prev``, an anchor standing in for the hash before a gap: (events that hold, id of the first whose
    hash does not follow or ``None``, the last hash that held)."""
    done = 0
    for row in rows:
        event_id = row[0]
        expected = link(anchors.get(event_id, prev), row[:-1])
        if row[-1] != expected:
            return done, event_id, prev
        prev = expected
        done += 1
    return done, None, prev


def verify(conn: sqlite3.Connection, progress: Callable[[int, int], None] | None = None,
           batch: int = 20_000) -> tuple[int, int | None]:
    """Walk the chain in id order: (events checked, id of the first event whose hash does not follow, or
    ``None`` when the whole chain holds)."""
    total = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    anchors = dict(conn.execute("SELECT event_id, prev_hash FROM event_chain_anchors").fetchall())
    prev: bytes | None = None
    done = 0
    after_id = -1
    while True:
        rows = conn.execute(f"{_SELECT} WHERE id > ? ORDER BY id LIMIT ?", (after_id, batch)).fetchall()
        if not rows:
            return done, None
        held, broken, prev = walk(rows, anchors, prev)
        done += held
        if broken is not None:
            return done, broken
        after_id = rows[-1][0]
        if progress:
            progress(done, total)


__all__ = ["COLUMNS", "HASH_BYTES", "anchor_gaps", "append", "chained", "last", "link", "rehash_all", "verify",
           "walk"]


def tails(rows: Iterable[Sequence[Any]]) -> list[str]:
    """Each row's content after its id and instant — ``actor … after`` as stored — as the JSON text
    :func:`link` hashes it, made before the write lock is taken (:func:`chain_tails` ends the job)."""
    return [json.dumps([_text(v) for v in row], ensure_ascii=False, separators=(",", ":"), default=_plain)[1:-1]
            for row in rows]


def chain_tails(prev: bytes | None, first_id: int, at: str, texts: Sequence[str]) -> list[bytes]:
    """The hashes of events ``first_id, first_id + 1, …`` written at ``at`` whose contents after the
    instant are ``texts`` (:func:`tails`), chained after ``prev``: the same as :func:`link` gives."""
    head = json.dumps(at, ensure_ascii=False)
    out = []
    for i, tail in enumerate(texts):
        content = f"[{first_id + i},{head},{tail}]"
        prev = hashlib.sha256((prev or b"") + content.encode("utf-8", "surrogatepass")).digest()[:HASH_BYTES]
        out.append(prev)
    return out
