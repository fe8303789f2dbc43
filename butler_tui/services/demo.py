"""Load the demo hotel from ``data/demo-hotel.json`` — idempotent, in one transaction.

Days in the file are relative to the day of loading (day 0 = today), so the demo always has
today's and tomorrow's arrivals. A second load changes nothing: rows are keyed by their natural
keys (team and station codes, staff no., room number, member no., reservation no.) and the
tasks and messages are loaded once, marked by the ``demo_loaded_at`` setting. A demo loaded into a file
that holds no hotel yet marks it as a training database (:mod:`butler_tui.services.training`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.models import Guest, GuestNote, Message, Room, Staff, Station, Stay, Task, Team, validate
from butler_tui.services.auth import hash_pin
from butler_tui.services.checklists import ensure_checklist
from butler_tui.services.escalation import get_type_ladder, ladder_ref, next_check_iso
from butler_tui.services.guests import index_guest
from butler_tui.services.messaging import audience_json, recipients
from butler_tui.services.training import mark_training
from butler_tui.store import Store, Tx


def data_dir() -> Path:
    """``butler_tui/_data`` in an installed wheel, else the repository's ``data/``."""
    packaged = Path(__file__).resolve().parents[1] / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


DEMO_FILE = "demo-hotel.json"
DEMO_PIN = "1234"  # every demo staff member signs in with it; real staff get their own (butler staff add)


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False
    training: bool = False

    @property
    def total(self) -> int:
        return sum(self.inserted.values())


def _insert_or_ignore(tx: Tx, table: str, row: dict[str, Any]) -> bool:
    cols = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    cur = tx.execute(f"INSERT OR IGNORE INTO [{table}] ({cols}) VALUES ({marks})", list(row.values()))
    return cur.rowcount == 1


# How far along each demo stay is, by status: the checklist stages completed so far.
_STAGES_DONE = {
    "expected": [],
    "room_ready": ["pre_arrival"],
    "in_house": ["pre_arrival", "arrival"],
    "due_out": ["pre_arrival", "arrival", "pre_departure"],
    "departed": ["pre_arrival", "arrival", "pre_departure", "departure"],
}
_TEAM_STATION = {"LOBBY": "lobby", "FO": "fo", "CS": "cs", "ROOMS": "floors-mid", "FNB": "fnb", "SEC": "security"}


def _demo_progress(tx: Tx, stay_id: int, stay: dict[str, Any], raw: dict[str, Any], now: datetime) -> None:
    """Give a demo stay a believable checklist: finished stages done and signed, the next one begun."""
    ensure_checklist(tx, stay_id)
    done_stages = _STAGES_DONE.get(stay["status"], [])
    booker = stay["booked_by"] or "8002"
    butler = stay["butler_no"] or "1002"

    def station_of(staff_no: str) -> str:
        team = tx.execute("SELECT team_code FROM staff WHERE staff_no = ?", (staff_no,)).fetchone()
        return _TEAM_STATION.get(team[0] if team else "", "lobby")

    items = tx.execute("SELECT id, stage, code, mandatory FROM checklist_items WHERE stay_id = ? ORDER BY position",
                       (stay_id,)).fetchall()
    for offset, (item_id, stage, code, mandatory) in enumerate(items):
        if stage in done_stages:
            tick = mandatory or (stay_id + offset) % 3 != 0
        elif stage == "pre_arrival" and stay["status"] == "expected":
            tick = code in ("file_pulled", "prefs_passed") or (code == "room_assigned" and stay["room_number"])
        else:
            tick = False
        if not tick:
            continue
        who = booker if code in ("prep_verified", "room_assigned") else butler
        when = clock.iso(now - timedelta(hours=2 + (len(done_stages) - (done_stages.index(stage) if stage in
                                                                          done_stages else 0)) * 10))
        tx.execute("UPDATE checklist_items SET done_at = ?, done_by = ?, done_station = ? WHERE id = ?",
                   (when, who, station_of(who), item_id))
    for stage in done_stages:
        tx.insert("stay_stages", {"stay_id": stay_id, "stage": stage, "completed_at": clock.iso(now - timedelta(hours=1)),
                                  "completed_by": booker if stage == "pre_arrival" else butler,
                                  "completed_station": station_of(butler)})
    updates: dict[str, Any] = {}
    if stay["status"] in ("in_house", "due_out", "departed") and stay["eta"]:
        updates["arrived_at"] = stay["eta"]
    if stay["status"] == "departed":
        updates["departed_at"] = stay["etd"] or clock.iso(now - timedelta(hours=20))
    if stay["status"] in ("due_out", "departed"):
        minutes = (stay_id * 7) % 60
        updates.update(wakeup_time=f"06:{minutes:02d}", breakfast_time="07:30", luggage_time=f"08:{minutes:02d}",
                       departure_time=clock.show_local(stay["etd"]) if stay["etd"] else "10:00",
                       airport_car="Mercedes V-class, T3" if stay_id % 3 == 0 else None)
    if updates:
        sets = ", ".join(f"{k} = ?" for k in updates)
        tx.execute(f"UPDATE stays SET {sets} WHERE id = ?", [*updates.values(), stay_id])


def load_demo(store: Store, path: Path | None = None) -> LoadReport:
    source = path or data_dir() / DEMO_FILE
    data = json.loads(source.read_text(encoding="utf-8"))
    report = LoadReport()
    _load(store, data, source, report)
    return report


def _load(store: Store, data: dict[str, Any], source: Path, report: LoadReport) -> None:
    now = clock.now()
    today = clock.today()
    stamp = clock.iso(now)

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    def count(table: str, inserted: bool) -> None:
        report.inserted[table] = report.inserted.get(table, 0) + int(inserted)

    with store.write(actor="demo", station=None) as tx:
        loaded = tx.execute("SELECT value FROM settings WHERE name = 'demo_loaded_at'").fetchone()
        report.already_loaded = loaded is not None
        # A demo is a training database (BUTLER_NOW may move its clock): marked before its staff go in, so
        # only on a file that held no hotel — a live hotel the demo is loaded into stays a live one.
        report.training = mark_training(tx)
        hotel = data["hotel"]
        for key in ("name", "name_zh"):
            _insert_or_ignore(tx, "settings", {"name": f"hotel_{key}", "value": hotel[key]})
        for raw in data["teams"]:
            count("teams", _insert_or_ignore(tx, "teams", validate(Team, raw).model_dump()))
        pin_hash = None
        for raw in data["staff"]:
            staff = validate(Staff, raw).model_dump()
            if tx.execute("SELECT 1 FROM staff WHERE staff_no = ?", (staff["staff_no"],)).fetchone():
                count("staff", False)
                continue
            pin_hash = pin_hash or hash_pin(DEMO_PIN)  # one scrypt for the demo team: they share the demo PIN
            count("staff", _insert_or_ignore(tx, "staff", staff | {"pin_hash": pin_hash}))
        for raw in data["stations"]:
            station = validate(Station, raw).model_dump()
            station["floors"] = json.dumps(station["floors"])
            count("stations", _insert_or_ignore(tx, "stations", station))
        for raw in data["rooms"]:
            fields = dict(raw)
            since = fields.pop("dnd_since", None)
            room = validate(Room, fields).model_dump()
            room["dnd_since"] = clock.iso(clock.local_at(today, since)) if since else None
            count("rooms", _insert_or_ignore(tx, "rooms", room))

        for raw in data["guests"]:
            fields = {k: v for k, v in raw.items() if k not in ("notes", "last_visit_days_ago")}
            ago = raw.get("last_visit_days_ago")
            fields["last_visit"] = day(-ago) if ago else None
            guest = validate(Guest, fields).model_dump(exclude={"id"})
            guest.update(created_at=stamp, updated_at=stamp)
            inserted = _insert_or_ignore(tx, "guests", guest)
            count("guests", inserted)
            if not inserted:
                continue
            guest_id = tx.execute("SELECT id FROM guests WHERE member_no = ?", (guest["member_no"],)).fetchone()[0]
            index_guest(tx, guest_id)
            for note_raw in raw["notes"]:
                note_fields = {k: v for k, v in note_raw.items() if k != "days_ago"}
                note = validate(GuestNote, {**note_fields, "guest_id": guest_id}).model_dump(exclude={"id"})
                note["created_at"] = clock.iso(now - timedelta(days=note_raw["days_ago"]))
                tx.insert("guest_notes", note)
                count("guest_notes", True)

        for raw in data["stays"]:
            fields = {k: v for k, v in raw.items() if k not in ("member_no", "arrival_day", "departure_day")}
            guest_id = tx.execute("SELECT id FROM guests WHERE member_no = ?", (raw["member_no"],)).fetchone()[0]
            arrival, departure = day(raw["arrival_day"]), day(raw["departure_day"])
            fields.update(guest_id=guest_id, arrival_date=arrival, departure_date=departure)
            fields["eta"] = clock.local_at(arrival, raw["eta"]) if raw.get("eta") else None
            fields["etd"] = clock.local_at(departure, raw["etd"]) if raw.get("etd") else None
            stay = validate(Stay, fields).model_dump(exclude={"id"})
            for key in ("eta", "etd"):
                stay[key] = clock.iso(stay[key]) if stay[key] else None
            for key in ("arrival_date", "departure_date"):
                stay[key] = stay[key].isoformat()
            stay.update(created_at=stamp, updated_at=stamp)
            inserted = _insert_or_ignore(tx, "stays", stay)
            count("stays", inserted)
            if inserted:
                stay_id = tx.execute("SELECT id FROM stays WHERE reservation_no = ?",
                                     (stay["reservation_no"],)).fetchone()[0]
                _demo_progress(tx, stay_id, stay, raw, now)

        if not report.already_loaded:
            for raw in data["tasks"]:
                fields = {k: v for k, v in raw.items() if k not in ("created_minutes_ago", "due_in_minutes")}
                task = validate(Task, fields).model_dump(exclude={"id"})
                created = now - timedelta(minutes=raw["created_minutes_ago"])
                task.update(
                    created_at=clock.iso(created),
                    updated_at=clock.iso(created),
                    clock_started_at=clock.iso(created),
                    last_progress_at=clock.iso(now - timedelta(minutes=1)),
                    due_at=clock.iso(now + timedelta(minutes=raw["due_in_minutes"])),
                    acknowledged_at=clock.iso(created) if task["status"] != "new" else None,
                    started_at=clock.iso(created) if task["status"] == "in_progress" else None,
                    ladder_id=ladder_ref(tx, get_type_ladder(tx, task["type"])),
                )
                task["next_check_at"] = next_check_iso({**task, "ladder": get_type_ladder(tx, task["type"])}, now)
                tx.insert("tasks", task)
                count("tasks", True)
            for raw in data["messages"]:
                fields = {k: v for k, v in raw.items() if k not in ("created_minutes_ago", "acked_by")}
                sent = validate(Message, fields).model_dump(exclude={"id"})
                to = recipients(tx.db.conn, sent["audience_kind"], sent["audience"], sent["from_station"])
                sent["audience"] = audience_json(sent["audience"])
                sent_at = clock.iso(now - timedelta(minutes=raw["created_minutes_ago"]))
                message_id = tx.insert("messages", {**sent, "created_at": sent_at})
                for recipient in to:
                    acked_by = raw.get("acked_by", {}).get(recipient)
                    tx.insert("acks", {"message_id": message_id, "station_code": recipient, "staff_no": acked_by,
                                       "acked_at": sent_at if acked_by else None})
                count("messages", True)
            tx.insert("settings", {"name": "demo_loaded_at", "value": str(stamp)})  # a setting is text, as written

        if report.total == 0:
            tx.abandon()
        tx.event("hotel", "demo", "load", after={"source": source.name, "inserted": report.inserted})
