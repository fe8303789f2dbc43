"""The VIP reception notice (接待通知单): written for a VIP stay, approved by a manager, then sent to
the teams concerned as a channel message that each of their stations must acknowledge."""

from __future__ import annotations

import json
from dataclasses import dataclass

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import said
from butler_tui.i18n import t as tr
from butler_tui.services.auth import require
from butler_tui.services.messaging import post, recipients
from butler_tui.store import Store
from butler_tui.text import clean_text

DEFAULT_TEAMS = ["LOBBY", "ROOMS", "FNB", "SEC", "FO"]


@dataclass(frozen=True)
class VipNotice:
    id: int
    stay_id: int
    name: str
    content: str
    teams: list[str]
    status: str
    created_by: str | None
    created_at: str
    approved_by: str | None
    approved_at: str | None
    sent_at: str | None
    message_id: int | None


def get_notice(store: Store, stay_id: int) -> VipNotice | None:
    row = store.row("SELECT * FROM vip_notices WHERE stay_id = ?", (stay_id,))
    if row is None:
        return None
    row["teams"] = json.loads(row["teams"])
    return VipNotice(**row)


def draft_text(store: Store, stay_id: int) -> str:
    """A first draft from the guest file: who, when, where, VIP level, preferences to prepare for."""
    stay = store.row(
        "SELECT s.*, g.name, g.salutation, g.vip_level, g.member_level, g.company, b.name AS butler"
        " FROM stays s JOIN guests g ON g.id = s.guest_id LEFT JOIN staff b ON b.staff_no = s.butler_no"
        " WHERE s.id = ?", (stay_id,))
    if stay is None:
        raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
    notes = store.rows(
        "SELECT kind, text FROM guest_notes WHERE guest_id = ? AND retired_at IS NULL"
        " AND kind IN ('preference','dietary','dislike','special_date','habit') ORDER BY"
        " CASE kind WHEN 'dietary' THEN 0 WHEN 'dislike' THEN 1 ELSE 2 END, created_at DESC LIMIT 8",
        (stay["guest_id"],))
    who = f"{stay['name']}{stay['salutation']}" if stay["salutation"] in ("先生", "女士") else \
        f"{stay['salutation']} {stay['name']}".strip()
    lines = [
        f"VIP {stay['vip_level']} {stay['member_level']} · {who}" + (f" · {stay['company']}" if stay["company"] else ""),
        tr("Arrival {arrival} {eta} · departure {departure} · room {room} · party of {party}",
           arrival=stay["arrival_date"], eta=clock.show_local(stay["eta"]), departure=stay["departure_date"],
           room=stay["room_number"] or tr("to assign"), party=stay["party_size"]),
    ]
    if stay["butler"]:
        lines.append(tr("Dedicated butler: {name}", name=stay["butler"]))
    if stay["car_plate"]:
        lines.append(tr("Car {plate}", plate=stay["car_plate"])
                     + (tr(", bay {bay}", bay=stay["parking_bay"]) if stay["parking_bay"] else ""))
    lines += [f"- {n['text']}" for n in notes]
    return "\n".join(lines)


def create(store: Store, stay_id: int, content: str, teams: list[str] | None, *, staff_no: str | None,
           station: str | None) -> int:
    content = clean_text(content, multiline=True)
    if not content:
        raise InvalidInput(tr("the notice needs its content"))
    if len(content) > 2000:
        raise InvalidInput(tr("content: must be at most 2000 characters (got {n})", n=len(content)))
    teams = [t.strip().upper() for t in (teams or DEFAULT_TEAMS) if t.strip()]
    with store.write(actor=staff_no, station=station) as tx:
        stay = tx.execute("SELECT s.reservation_no, g.vip_level, g.name FROM stays s JOIN guests g ON g.id = s.guest_id"
                          " WHERE s.id = ?", (stay_id,)).fetchone()
        if stay is None:
            raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
        if stay[1] == 0:
            raise InvalidInput(tr("a reception notice is for VIP guests (VIP level 1–5)"))
        known = {r[0] for r in tx.execute("SELECT code FROM teams").fetchall()}
        unknown = [t for t in teams if t not in known]
        if unknown:
            raise NotFound(tr("unknown team(s): {missing}", missing=", ".join(unknown)))
        existing = tx.execute("SELECT id, status FROM vip_notices WHERE stay_id = ?", (stay_id,)).fetchone()
        now = clock.now_iso()
        if existing and existing[1] == "sent":
            raise InvalidInput(tr("the notice was already sent; send a message on the channel for changes"))
        if existing:
            tx.execute("UPDATE vip_notices SET content = ?, teams = ?, status = 'draft', approved_by = NULL,"
                       " approved_at = NULL WHERE id = ?", (content, json.dumps(teams), existing[0]))
            notice_id = existing[0]
            tx.event("vip_notices", notice_id, "edit", after={"teams": teams})
        else:
            notice_id = tx.insert("vip_notices", {
                "stay_id": stay_id, "name": f"接待通知单 {stay[2]} {stay[0]}", "content": content,
                "teams": json.dumps(teams), "status": "draft", "created_by": staff_no, "created_at": now})
            tx.event("vip_notices", notice_id, "create", after={"stay_id": stay_id, "teams": teams})
    return int(notice_id)


def approve_and_send(store: Store, stay_id: int, *, staff_no: str | None, station: str | None) -> int:
    """Approve the notice (manager, director or admin) and send it to the teams; returns the message id."""
    if not staff_no or not station:
        raise InvalidInput(tr("sign in at a station first: approval records who approved"))
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "approve_vip_notice")
        notice = tx.execute("SELECT id, status, content, teams FROM vip_notices WHERE stay_id = ?",
                            (stay_id,)).fetchone()
        if notice is None:
            raise NotFound(tr("write the reception notice first"))
        notice_id, status, content, teams_json = notice
        if status == "sent":
            raise InvalidInput(tr("the notice was already approved and sent"))
        teams = json.loads(teams_json)
        stations = recipients(tx.db.conn, "team", teams, station)
        if not stations:
            raise InvalidInput(tr("none of the notice's teams has a station to receive it"))
        room, guest_id = tx.execute("SELECT room_number, guest_id FROM stays WHERE id = ?", (stay_id,)).fetchone()
        now = clock.now_iso()
        body = said("VIP reception notice — {content}", content=content.replace("\n", " · ")[:450])
        message_id = post(tx, from_station=station, from_staff=staff_no, stations=stations, said=body,
                          priority="urgent", kind="team", audience=teams, room=room, guest_id=guest_id)
        tx.execute("UPDATE vip_notices SET status = 'sent', approved_by = ?, approved_at = ?, sent_at = ?,"
                   " message_id = ? WHERE id = ?", (staff_no, now, now, message_id, notice_id))
        tx.event("vip_notices", notice_id, "approve", after={"by": staff_no})
    return message_id
