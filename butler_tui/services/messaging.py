"""The radio channel (对讲机): a message is said once, reaches every station concerned, and each of
them acknowledges it (上传下达 → 落实 → 核实). The sender sees who has and who has not.

Storage: ``messages`` holds the call; ``acks`` holds one row per addressed station, created with
the message, whose ``acked_at``/``staff_no`` are filled when that station acknowledges. A row whose
``acked_at`` is set without an acknowledgement says why in ``closed_as``: ``info`` — a notice that
needs none (``messages.requires_ack = 0``; the row is born closed, so the station's log lists the
notice but nothing rings) — or ``resolved`` — its task was verified, closed or cancelled first
(:func:`close_task_acks`). "Waiting for an ack" is therefore always ``acked_at IS NULL``, the
partial index every repeated read uses.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import N_, Said, english, render
from butler_tui.i18n import t as tr
from butler_tui.services.settings import setting_number
from butler_tui.store import Store, Tx

PRIORITIES = ("routine", "urgent", "emergency")
PRIORITY_ALIASES = {"1": "emergency", "2": "urgent", "3": "routine", "normal": "routine", "r": "routine",
                    "u": "urgent", "e": "emergency"}
REALERT_MINUTES_DEFAULT = 3

# Quick phrases: what butlers say most on the radio. {placeholders} are filled in before sending.
QUICK_PHRASES: list[tuple[str, str]] = [
    ("vip_arriving", "VIP arriving {room} in {minutes} min · VIP 客人 {minutes} 分钟后抵达 {room}"),
    ("guest_request", "Guest {room} requests {item} · {room} 客人需要 {item}"),
    ("room_ready", "Room {room} ready and inspected · {room} 房已查房可入住"),
    ("guest_arrived", "Guest of {room} has arrived · {room} 客人已抵店"),
    ("guest_out", "Guest of {room} has left the hotel · {room} 客人已外出"),
    ("dnd_check", "DND {room}: please phone the guest · {room} 请勿打扰，请电话联系客人"),
    ("luggage", "Luggage down from {room} · {room} 行李下楼"),
    ("car_ready", "Car for {room} at the main door · {room} 车辆已在正门等候"),
    ("repair", "Repair needed in {room}: {item} · {room} 需要维修：{item}"),
    ("security", "Security to {place} at once · 安保请立即到 {place}"),
]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def phrase_text(key: str) -> str:
    for name, text in QUICK_PHRASES:
        if name == key:
            return text
    raise NotFound(tr("unknown quick phrase {key!r}; known: {known}",
                      key=key, known=", ".join(n for n, _ in QUICK_PHRASES)))


def phrase_placeholders(key: str) -> list[str]:
    return list(dict.fromkeys(_PLACEHOLDER.findall(phrase_text(key))))


def render_phrase(key: str, **values: Any) -> str:
    """Fill a quick phrase; every placeholder must be given."""
    template = phrase_text(key)
    missing = [name for name in phrase_placeholders(key) if not str(values.get(name) or "").strip()]
    if missing:
        raise InvalidInput(tr("quick phrase {key!r} needs {missing}", key=key, missing=", ".join(missing)))
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]).strip(), template)


def fill_known(template: str, **values: Any) -> str:
    """Fill the placeholders we know (e.g. the room), leave the others for the butler to type."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if values.get(m.group(1)) else m.group(0), template)


def parse_priority(value: str) -> str:
    value = value.strip().lower()
    value = PRIORITY_ALIASES.get(value, value)
    if value not in PRIORITIES:
        raise InvalidInput(tr("priority {value!r} is not one of: routine, urgent, emergency", value=value))
    return value


def parse_audience(to: str | list[str]) -> tuple[str, list[str]]:
    """``all`` | ``team:ROOMS[,team:FNB]`` | ``lobby,fo`` → (kind, codes)."""
    parts = [p.strip() for p in (to.split(",") if isinstance(to, str) else to) if p.strip()]
    if not parts:
        raise InvalidInput(tr("say who the message is to: all, station codes (lobby,fo) or team:CODE"))
    if any(p.lower() == "all" for p in parts):
        if len(parts) > 1:
            raise InvalidInput(tr("'all' cannot be combined with other recipients"))
        return "all", []
    teams = [p for p in parts if p.lower().startswith("team:")]
    if teams and len(teams) != len(parts):
        raise InvalidInput(tr("send to teams or to stations, not both in one message"))
    if teams:
        return "team", [p.split(":", 1)[1].strip().upper() for p in teams]
    return "stations", [p.lower() for p in parts]


def recipients(conn: sqlite3.Connection, kind: str, audience: list[str], from_station: str) -> list[str]:
    """Stations a message is addressed to (never the sender itself)."""
    if kind == "all":
        rows = conn.execute("SELECT code FROM stations WHERE active ORDER BY code").fetchall()
        codes = [r[0] for r in rows]
    elif kind == "stations":
        known = {r[0] for r in conn.execute("SELECT code FROM stations WHERE active").fetchall()}
        missing = [code for code in audience if code not in known]
        if missing:
            raise NotFound(tr("unknown station(s): {missing}; known: {known}",
                              missing=", ".join(missing), known=", ".join(sorted(known))))
        codes = list(dict.fromkeys(audience))
    else:
        marks = ",".join("?" for _ in audience)
        teams = {r[0] for r in conn.execute(f"SELECT code FROM teams WHERE code IN ({marks})", audience).fetchall()}
        missing = [code for code in audience if code not in teams]
        if missing:
            known_teams = ", ".join(r[0] for r in conn.execute("SELECT code FROM teams ORDER BY code").fetchall())
            raise NotFound(tr("unknown team(s): {missing}; known: {known}", missing=", ".join(missing),
                              known=known_teams))
        rows = conn.execute(
            f"SELECT code FROM stations WHERE active AND team_code IN ({marks}) ORDER BY code", audience
        ).fetchall()
        codes = [r[0] for r in rows]
    return [code for code in codes if code != from_station]


def audience_json(audience: list[str]) -> str:
    return json.dumps(audience, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AckState:
    station: str
    staff_no: str | None
    staff_name: str | None
    acked_at: str | None
    closed_as: str | None = None  # None: acknowledged by the station (or still open); "info" / "resolved"

    @property
    def acknowledged(self) -> bool:
        """The station itself acknowledged it (not closed for it: see the module's docstring)."""
        return self.acked_at is not None and self.closed_as is None


CLOSED_AS_LABEL = {"info": N_("for information"), "resolved": N_("task resolved")}
"""How a station reads an acknowledgement closed without one (``AckState.closed_as``)."""


@dataclass
class MessageView:
    id: int
    created_at: str
    from_station: str
    from_staff: str | None
    from_staff_name: str | None
    audience_kind: str
    audience: list[str]
    priority: str
    body: str
    room_number: str | None
    guest_id: int | None
    task_id: int | None
    parent_id: int | None
    recipients: list[AckState] = field(default_factory=list)
    reply_count: int = 0
    requires_ack: bool = True

    @property
    def acked(self) -> list[AckState]:
        return [r for r in self.recipients if r.acknowledged]

    @property
    def pending(self) -> list[str]:
        return [r.station for r in self.recipients if not r.acked_at]

    def ack_of(self, station: str) -> AckState | None:
        return next((r for r in self.recipients if r.station == station), None)

    def is_unacked_by(self, station: str) -> bool:
        state = self.ack_of(station)
        return state is not None and state.acked_at is None

    @property
    def audience_label(self) -> str:
        if self.audience_kind == "all":
            return "all"
        if self.audience_kind == "team":
            return ",".join(f"team:{code}" for code in self.audience)
        return ",".join(self.audience)

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` shape (documented in the README)."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "from": {"station": self.from_station, "staff": self.from_staff},
            "to": {"kind": self.audience_kind, "codes": self.audience},
            "priority": self.priority,
            "body": self.body,
            "links": {"room": self.room_number, "guest_id": self.guest_id, "task_id": self.task_id},
            "parent_id": self.parent_id,
            "replies": self.reply_count,
            "recipients": [
                {"station": r.station, "acked_at": r.acked_at, "staff": r.staff_no, "closed_as": r.closed_as}
                for r in self.recipients
            ],
            "acked": len(self.acked),
            "pending": self.pending,
            "requires_ack": self.requires_ack,
        }


_SELECT = """
SELECT m.*, s.name AS from_staff_name,
       (SELECT count(*) FROM messages r WHERE r.parent_id = m.id) AS reply_count
FROM messages m LEFT JOIN staff s ON s.staff_no = m.from_staff
"""


def _views(store: Store, where: str, params: list[Any], order: str = "m.id DESC", limit: int = 500) -> list[MessageView]:
    rows = store.rows(f"{_SELECT} WHERE {where} ORDER BY {order} LIMIT ?", [*params, limit])
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    marks = ",".join("?" for _ in ids)
    # Thousands of ack rows on a full log: read as tuples, in the primary key's order (no sort), and
    # the few staff names once.
    acks = store.db.conn.execute(
        f"SELECT message_id, station_code, staff_no, acked_at, closed_as FROM acks"
        f" WHERE message_id IN ({marks}) ORDER BY message_id, station_code",
        ids,
    ).fetchall()
    names = dict(store.db.conn.execute(
        "SELECT staff_no, name FROM staff WHERE staff_no IN (SELECT DISTINCT staff_no FROM acks"
        f" WHERE message_id IN ({marks}) AND staff_no IS NOT NULL)", ids)) if acks else {}
    by_message: dict[int, list[AckState]] = {}
    for message_id, station, staff_no, acked_at, closed_as in acks:
        by_message.setdefault(message_id, []).append(
            AckState(station, staff_no, names.get(staff_no) if staff_no else None, acked_at, closed_as))
    return [
        MessageView(
            id=r["id"], created_at=r["created_at"], from_station=r["from_station"], from_staff=r["from_staff"],
            from_staff_name=r["from_staff_name"], audience_kind=r["audience_kind"],
            audience=json.loads(r["audience"] or "[]"), priority=r["priority"],
            body=render(r["body_said"])[:500] if r["body_said"] else r["body"],
            room_number=r["room_number"], guest_id=r["guest_id"], task_id=r["task_id"], parent_id=r["parent_id"],
            recipients=by_message.get(r["id"], []), reply_count=r["reply_count"],
            requires_ack=bool(r["requires_ack"]),
        )
        for r in rows
    ]


def get_message(store: Store, message_id: int) -> MessageView:
    found = _views(store, "m.id = ?", [message_id])
    if not found:
        raise NotFound(tr("no message {message_id}", message_id=message_id))
    return found[0]


def thread(store: Store, message_id: int) -> list[MessageView]:
    """The message and its replies, oldest first."""
    root = get_message(store, message_id)
    while root.parent_id:
        root = get_message(store, root.parent_id)
    return [root, *_views(store, "m.parent_id = ?", [root.id], order="m.id ASC")]


def task_notices(store: Store, task_id: int) -> list[MessageView]:
    """The notices linked to a task (``messages.task_id``), oldest first, each with who acknowledged it
    and which acknowledgements were closed instead (``closed_as``)."""
    return _views(store, "m.task_id = ?", [task_id], order="m.id ASC")


# Read from the open acks (a partial index), not by looking at every message ever sent.
_UNACKED_BY = "m.id IN (SELECT message_id FROM acks WHERE station_code = ? AND acked_at IS NULL)"


def list_messages(
    store: Store,
    *,
    station: str | None = None,
    unacked: bool = False,
    priority: str | None = None,
    search: str | None = None,
    limit: int = 500,
) -> list[MessageView]:
    """The channel log, newest first. ``station`` = messages to or from it; ``unacked`` = still
    waiting for an acknowledgement (from ``station`` when given)."""
    where: list[str] = ["1"]
    params: list[Any] = []
    if station and unacked:
        pass  # waiting for the station's ack already means it was sent to the station
    elif station and not priority and not search:
        # The newest ``limit`` to or from the station are among the newest ``limit`` of each side:
        # two short index ranges, however many messages the hotel has sent over the years.
        where.append("m.id IN (SELECT id FROM (SELECT message_id AS id FROM acks WHERE station_code = ?"
                     " ORDER BY message_id DESC LIMIT ?) UNION SELECT id FROM (SELECT id FROM messages"
                     " WHERE from_station = ? ORDER BY id DESC LIMIT ?))")
        params += [station, limit, station, limit]
    elif station:
        # Newest first, each message looked up in the acks by key: the log stops at ``limit`` found, never
        # listing every message the station was ever sent (a year: ~80,000) first.
        where.append("(m.from_station = ? OR EXISTS (SELECT 1 FROM acks a WHERE a.message_id = m.id"
                     " AND a.station_code = ?))")
        params += [station, station]
    if unacked:
        if station:
            where.append(_UNACKED_BY)
            params.append(station)
        else:
            where.append("m.id IN (SELECT message_id FROM acks WHERE acked_at IS NULL)")
    if priority:
        where.append("m.priority = ?")
        params.append(parse_priority(priority))
    if search:
        where.append("(instr(lower(m.body), lower(?)) > 0 OR m.room_number = ? OR m.from_station = lower(?))")
        params += [search, search, search]
    return _views(store, " AND ".join(where), params, limit=limit)


def unacked_for(store: Store, station: str) -> list[MessageView]:
    """Messages this station has not acknowledged yet, most urgent first, then oldest first."""
    return _views(
        store,
        _UNACKED_BY,
        [station],
        order="CASE m.priority WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, m.id ASC",
    )


def realert_minutes(store: Store) -> float:
    return setting_number(store, "urgent_realert_minutes", REALERT_MINUTES_DEFAULT)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def post(
    tx: Tx, *, from_station: str, stations: list[str], priority: str, kind: str, audience: list[str], body: str = "",
    from_staff: str | None = None, room: str | None = None, guest_id: int | None = None, task_id: int | None = None,
    parent_id: int | None = None, said: Said | None = None, requires_ack: bool = True,
) -> int:
    """Put a message on the channel inside ``tx``: the message, one ack row per addressed station,
    and its ``send`` event. Services that tell stations something (arrivals, VIP notices,
    escalations, task notices) post through here as :func:`send` does, with ``said`` — the sentence as
    a template (:func:`butler_tui.i18n.said`) — so that every station reads it in its own language;
    ``body`` is then the English text, for the log and the search. ``requires_ack=False``:
    a notice for information, whose ack rows are born closed (``closed_as = 'info'``)."""
    if said is not None:
        body = english(said)[:500]
    now = clock.now_iso()
    message_id = tx.insert("messages", {
        "from_station": from_station, "from_staff": from_staff, "audience_kind": kind,
        "audience": audience_json(audience), "priority": priority, "body": body, "room_number": room,
        "guest_id": guest_id, "task_id": task_id, "parent_id": parent_id, "created_at": now,
        "requires_ack": int(requires_ack),
        "body_said": json.dumps(said, ensure_ascii=False) if said is not None else None})
    for code in stations:
        tx.insert("acks", {"message_id": message_id, "station_code": code} if requires_ack else
                  {"message_id": message_id, "station_code": code, "acked_at": now, "closed_as": "info"})
    tx.event("messages", message_id, "send",
             # Not the body: the message row keeps it (messages are never edited), the event refers to it by id.
             after={"priority": priority, "to": stations, "parent_id": parent_id, "room": room,
                    **({"task": task_id} if task_id is not None else {}),
                    **({} if requires_ack else {"requires_ack": False})})
    return message_id


def close_task_acks(tx: Tx, task_id: int) -> list[tuple[int, str]]:
    """Inside ``tx``: the task is resolved, so the acknowledgements its messages still wait for are
    closed (``closed_as = 'resolved'``, no staff): they stop re-alerting and leave every station's
    unacknowledged list, and nobody reads them as acknowledged. Returns the (message, station) pairs
    closed; the caller's event records them."""
    open_acks = [(int(r[0]), str(r[1])) for r in tx.execute(
        "SELECT a.message_id, a.station_code FROM acks a WHERE a.acked_at IS NULL"
        " AND a.message_id IN (SELECT id FROM messages WHERE task_id = ?) ORDER BY a.message_id, a.station_code",
        (task_id,)).fetchall()]
    if open_acks:
        tx.execute("UPDATE acks SET acked_at = ?, closed_as = 'resolved' WHERE acked_at IS NULL"
                   " AND message_id IN (SELECT id FROM messages WHERE task_id = ?)", (clock.now_iso(), task_id))
    return open_acks


def send(
    store: Store,
    *,
    from_station: str,
    body: str,
    to: str | list[str] = "all",
    from_staff: str | None = None,
    priority: str = "routine",
    room: str | None = None,
    guest_id: int | None = None,
    task_id: int | None = None,
    parent_id: int | None = None,
) -> int:
    """Broadcast a message; returns its id. Replies (``parent_id``) go back to the sender of the
    thread, or — when the sender replies — to the thread's recipients, unless ``to`` is given."""
    kind, codes = parse_audience(to) if to else ("all", [])
    data = {
        "from_station": from_station, "from_staff": from_staff, "audience_kind": kind, "audience": codes,
        "priority": parse_priority(priority), "body": body, "room_number": room or None, "guest_id": guest_id,
        "task_id": task_id, "parent_id": parent_id,
    }
    from butler_tui.models import Message, validate  # pydantic only when a message is written

    message = validate(Message, data, "message")
    with store.write(actor=message.from_staff, station=message.from_station) as tx:
        conn = tx.db.conn
        if not conn.execute("SELECT 1 FROM stations WHERE code = ? AND active", (message.from_station,)).fetchone():
            raise NotFound(tr("unknown station {station!r}", station=message.from_station))
        if message.from_staff and not conn.execute(
            "SELECT 1 FROM staff WHERE staff_no = ? AND active", (message.from_staff,)
        ).fetchone():
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=message.from_staff))
        if message.room_number and not conn.execute(
            "SELECT 1 FROM rooms WHERE number = ?", (message.room_number,)
        ).fetchone():
            raise NotFound(tr("no room {room}", room=message.room_number))
        for table, value in (("guests", message.guest_id), ("tasks", message.task_id)):
            if value is not None and not conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (value,)).fetchone():
                raise NotFound(tr("no {what} {value}", what=tr(table[:-1]), value=value))
        kind, codes = message.audience_kind, message.audience
        if message.parent_id is not None:
            parent = conn.execute(
                "SELECT id, from_station, parent_id FROM messages WHERE id = ?", (message.parent_id,)
            ).fetchone()
            if parent is None:
                raise NotFound(tr("no message {parent_id} to reply to", parent_id=message.parent_id))
            root_id = parent[2] or parent[0]  # replies thread under the first message
            message = message.model_copy(update={"parent_id": root_id})
            if to in ("all", "", None) or to == ["all"]:
                root = conn.execute("SELECT from_station FROM messages WHERE id = ?", (root_id,)).fetchone()
                if root[0] != message.from_station:
                    kind, codes = "stations", [root[0]]
                else:
                    kind = "stations"
                    codes = [r[0] for r in conn.execute(
                        "SELECT station_code FROM acks WHERE message_id = ? ORDER BY station_code", (root_id,)
                    ).fetchall()]
        to_stations = recipients(conn, kind, codes, message.from_station)
        if not to_stations:
            raise InvalidInput(tr("nobody to send to: the only station addressed is the sender's own"))
        message_id = post(
            tx, from_station=message.from_station, from_staff=message.from_staff, stations=to_stations,
            body=message.body, priority=message.priority, kind=kind, audience=codes, room=message.room_number,
            guest_id=message.guest_id, task_id=message.task_id, parent_id=message.parent_id,
        )
    return message_id


@dataclass(frozen=True)
class AckResult:
    message_id: int
    station: str
    already: bool
    acked_at: str
    closed_as: str | None = None  # already closed without an ack: "info" or "resolved"


def ack(store: Store, message_id: int, *, station: str, staff_no: str | None = None) -> AckResult:
    """Acknowledge a message at a station. Acknowledging twice changes nothing."""
    from butler_tui.models import Message, validate

    station = validate(Message, {"from_station": station, "body": "-"}).from_station
    if staff_no:
        staff_no = staff_no.strip().upper()
    result: AckResult | None = None
    with store.write(actor=staff_no, station=station) as tx:
        conn = tx.db.conn
        if not conn.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone():
            raise NotFound(tr("no message {message_id}", message_id=message_id))
        if staff_no and not conn.execute("SELECT 1 FROM staff WHERE staff_no = ? AND active", (staff_no,)).fetchone():
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        state = conn.execute(
            "SELECT acked_at, staff_no, closed_as FROM acks WHERE message_id = ? AND station_code = ?",
            (message_id, station)
        ).fetchone()
        if state is None:
            if not conn.execute("SELECT 1 FROM stations WHERE code = ?", (station,)).fetchone():
                raise NotFound(tr("unknown station {station!r}", station=station))
            raise NotFound(tr("message {message_id} was not addressed to station {station}",
                              message_id=message_id, station=station))
        if state[0]:
            result = AckResult(message_id, station, True, state[0], state[2])
            tx.abandon()
        now = clock.now_iso()
        conn.execute(
            "UPDATE acks SET acked_at = ?, staff_no = ? WHERE message_id = ? AND station_code = ?",
            (now, staff_no, message_id, station),
        )
        tx.event("acks", f"{message_id}:{station}", "ack", before={"acked_at": None},
                 after={"acked_at": now, "staff": staff_no})
        result = AckResult(message_id, station, False, now)
    assert result is not None
    return result
