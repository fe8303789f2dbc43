"""The handover book (交班本) and the duty log.

The duty log: timestamped entries per station and shift, optionally high-priority and linked to a
room, guest or task. Entries are never edited or deleted (triggers refuse it): a correction is a new
entry that references the one it corrects.

The handover report is generated from the data, not typed: open and overdue tasks, escalations,
unacknowledged messages, arrivals still expected and VIPs in house, departures and wake-up calls in
the next shift, follow-up calls due, DND rooms, lost & found items, and the shift's log entries.
The outgoing lead signs it (the report is frozen at that moment); the incoming shift reads and signs
it. Until then the station shows it on start and its header says "handover unsigned".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from butler_tui import clock
from butler_tui.config import Shift, latest_shift, next_shift, shift_named, shift_window
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services import found, messaging, scheduling, stays, tasks
from butler_tui.services.auth import require
from butler_tui.services.guests import address
from butler_tui.store import Store, pack, unpack
from butler_tui.text import clean_text, shown

WAKE_UP_TYPE = "wake_up_call"  # the task type of a wake-up call booked ahead (`butler task add --at`)

# --------------------------------------------------------------------------------------------
# The duty log
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    id: int
    station_code: str
    shift: str
    shift_date: str
    author_no: str | None
    author_name: str | None
    created_at: str
    text: str
    high_priority: bool
    room_number: str | None
    guest_id: int | None
    task_id: int | None
    corrects_id: int | None
    corrected_by: int | None


def current(moment: datetime | None = None) -> tuple[Shift, date]:
    return latest_shift(clock.local(moment or clock.now()))


def add_entry(store: Store, station: str, text: str, *, staff_no: str | None, high_priority: bool = False,
              room: str | None = None, guest_id: int | None = None, task_id: int | None = None,
              corrects: int | None = None) -> int:
    text = clean_text(text or "", multiline=True)
    if not text:
        raise InvalidInput(tr("a log entry needs its text"))
    if len(text) > 1000:
        raise InvalidInput(tr("text: must be at most 1000 characters (got {n})", n=len(text)))
    if not staff_no:
        raise InvalidInput(tr("sign in first: every log entry records who wrote it"))
    shift, day = current()
    with store.write(actor=staff_no, station=station) as tx:
        for table, column, value in (("stations", "code", station), ("staff", "staff_no", staff_no),
                                     ("rooms", "number", room), ("guests", "id", guest_id), ("tasks", "id", task_id),
                                     ("log_entries", "id", corrects)):
            if value is not None and not tx.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (value,)).fetchone():
                raise NotFound(tr("no {what} {value}", what=tr(table.rstrip("s").replace("_", " ")), value=value))
        if corrects is not None:
            original = tx.execute("SELECT station_code FROM log_entries WHERE id = ?", (corrects,)).fetchone()
            if original[0] != station:
                raise InvalidInput(tr("entry {corrects} belongs to the {station} log; correct it there",
                                      corrects=corrects, station=original[0]))
        entry_id = tx.insert("log_entries", {
            "station_code": station, "shift": shift.name, "shift_date": day.isoformat(), "author_no": staff_no,
            "created_at": clock.now_iso(), "text": text, "high_priority": int(high_priority), "room_number": room,
            "guest_id": guest_id, "task_id": task_id, "corrects_id": corrects})
        tx.event("log_entries", entry_id, "correct" if corrects else "add",
                 after={"high_priority": high_priority, "corrects": corrects})  # the text: in the entry (immutable)
    return entry_id


def entries(store: Store, station: str | None, shift: str, day: date) -> list[LogEntry]:
    where, params = "l.shift = ? AND l.shift_date = ?", [shift, day.isoformat()]
    if station:
        where += " AND l.station_code = ?"
        params.append(station)
    rows = store.rows(
        f"""SELECT l.*, s.name AS author_name,
                   (SELECT max(c.id) FROM log_entries c WHERE c.corrects_id = l.id) AS corrected_by
            FROM log_entries l LEFT JOIN staff s ON s.staff_no = l.author_no WHERE {where} ORDER BY l.id""", params)
    return [LogEntry(**{**r, "high_priority": bool(r["high_priority"])}) for r in rows]


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _scope(store: Store, station: str | None) -> tuple[list[str], list[int]]:
    if not station:
        return [], []
    return tasks.teams_of_station(store, station)


def build_report(store: Store, station: str | None, shift_name: str | None = None, day: date | None = None,
                 now: datetime | None = None, *, figures: bool = True) -> dict[str, Any]:
    """The handover report for ``station`` (hotel-wide when None) and shift, as plain data, with the shift's own
    service figures (services/reports.py; archived history counts too, so they do not change by archiving)."""
    now = now or clock.now()
    if shift_name:
        shift = shift_named(shift_name)
        day = day or current(now)[1]
    else:
        shift, default_day = current(now)
        day = day or default_day
    nxt, nxt_day = next_shift(shift, day)
    start, end = shift_window(shift, day)
    n_start, n_end = shift_window(nxt, nxt_day)
    teams, floors = _scope(store, station)
    station_row = store.row("SELECT name, name_zh FROM stations WHERE code = ?", (station,)) if station else None
    if station and station_row is None:
        raise NotFound(tr("unknown station {station!r}", station=station))

    floor_rooms = {r["number"] for r in store.rows(
        f"SELECT number FROM rooms WHERE floor IN ({','.join(str(int(f)) for f in floors)})")} if floors else None

    def on_floors(room: str | None) -> bool:
        return floor_rooms is None or (room is not None and room in floor_rooms)

    open_rows = tasks.open_tasks(store, teams=teams or None, floors=floors or None, station=station)
    task_items: list[dict[str, Any]] = [{
        "id": t.id, "priority": t.priority, "name": t.name, "room": t.room_number, "status": t.status,
        "owner": t.owner_name or t.owner_no, "owner_team": t.owner_team, "second_team": t.second_team,
        "due": clock.iso(due) if (due := t.clock.effective_due(now)) else None,
        "minutes_over": round(over) if (over := t.clock.minutes_over(now) or 0) > 0 else 0,
        "escalation_level": t.escalation_level, "hold_reason": t.hold_reason,
    } for t in open_rows]
    lost_found = [{"id": t["id"], "kind": "task", "name": t["name"], "room": t["room_number"], "status": t["status"],
                   "created_at": t["created_at"]}
                  for t in store.rows("SELECT * FROM tasks WHERE type = 'lost_found' AND created_at >= ?"
                                      " AND created_at < ? ORDER BY id", (clock.iso(start), clock.iso(end)))
                  if on_floors(t["room_number"])]
    # The register's items found in the shift: on this station's floors, or logged at this station.
    lost_found += [{"id": i.id, "kind": "item", "name": i.what, "room": i.where, "status": i.status,
                    "created_at": i.found_at, "kept_at": i.kept_at, "guest": i.guest}
                   for i in reversed(found.list_items(store, since=clock.iso(start), until=clock.iso(end)))
                   if (on_floors(i.room) if i.room else floor_rooms is None) or (station and i.station == station)]

    unacked = messaging.unacked_for(store, station) if station else messaging.list_messages(store, unacked=True)
    message_items = [{"id": m.id, "at": m.created_at, "from": m.from_station, "priority": m.priority, "body": m.body,
                      "waiting": [station] if station else m.pending} for m in unacked]

    def stay_item(s: stays.StayRow, **extra: Any) -> dict[str, Any]:
        return {"id": s.id, "guest": address(s.guest_name, s.salutation), "vip": s.vip_level, "room": s.room_number,
                "status": s.status, "butler": s.butler_name, **extra}

    today = clock.local(now).date()
    arrivals_day = max(day, today)
    expected = [stay_item(s, eta=s.eta) for s in stays.arrivals(store, arrivals_day, progress=False)
                if s.status in ("expected", "room_ready") and (floor_rooms is None or on_floors(s.room_number))]
    no_shows = [stay_item(s, arrival=s.arrival_date, eta=s.eta)
                for s in stays.no_shows(store, day - timedelta(days=1), day + timedelta(days=1), progress=False)
                if floor_rooms is None or on_floors(s.room_number)]
    in_house = _in_house(store)
    vips = [stay_item(s, departure=s.departure_date) for s in in_house if s.vip_level and on_floors(s.room_number)]
    departures, wakeups = [], []
    for d in sorted({n_start.date(), n_end.date()}):
        for s in stays.still_leaving(in_house, d):
            if not on_floors(s.room_number):
                continue
            leaves = _at(d, s.departure_time) or (clock.parse(s.etd) if s.etd else None)
            if leaves is None or n_start <= leaves < n_end:
                departures.append(stay_item(s, leaves=clock.iso(leaves) if leaves else None,
                                            luggage=s.luggage_time, car=s.airport_car))
            wake = _at(d, s.wakeup_time)
            if wake is not None and now <= wake < n_end:
                wakeups.append(stay_item(s, wake=clock.iso(wake), scheduled=None, asked_by=None))
    # Wake-up calls booked as scheduled tasks (``task add --at``), not raised yet, due from now to the end of
    # the next shift: those this station will see when they are (the boards' scope rule), in its rooms —
    # a floor hands over its floors' calls, like the departure plans' above.
    in_room: dict[str, stays.StayRow] = {s.room_number: s for s in in_house if s.room_number}
    planned = {(w["room"], w["wake"]) for w in wakeups}
    for booked in scheduling.pending(store, station=station):
        due = clock.parse(booked.due_at)
        if booked.type != WAKE_UP_TYPE or not now <= due < n_end or not on_floors(booked.room_number) \
                or (booked.room_number, booked.due_at) in planned:
            continue
        guest = in_room.get(booked.room_number or "")
        item = stay_item(guest) if guest else {"id": None, "guest": booked.name, "vip": 0, "room": booked.room_number,
                                                "status": None, "butler": None}
        wakeups.append(item | {"wake": booked.due_at, "scheduled": booked.id, "asked_by": _staff_label(
            store, booked.created_by)})
    follow_ups = [stay_item(s, due=call, overdue=at < now) for s in stays.follow_up_queue(store, progress=False)
                  if (call := s.follow_up_due) and (at := clock.parse(call)) < n_end]
    dnd = [{"room": r["number"], "since": r["dnd_since"]} for r in store.rows(
        "SELECT number, dnd_since FROM rooms WHERE dnd ORDER BY number") if on_floors(r["number"])]
    log = entries(store, station, shift.name, day)
    from butler_tui.services.reports import shift_figures

    shown = shift_figures(store, start, min(end, now)) if figures else None  # the shift's own (hotel-wide): cheap
    return {
        **({"figures": shown} if shown is not None else {}),
        "station": station, "station_name": f"{station_row['name']} {station_row['name_zh']}" if station_row else
        "Whole hotel 全酒店", "shift": shift.name, "shift_date": day.isoformat(),
        "window": [clock.iso(start), clock.iso(end)], "next_shift": nxt.name, "next_shift_date": nxt_day.isoformat(),
        "next_window": [clock.iso(n_start), clock.iso(n_end)], "generated_at": clock.iso(now),
        "open_tasks": task_items,
        "overdue_tasks": [t for t in task_items if t["minutes_over"] > 0],
        "escalations": [t for t in task_items if t["escalation_level"] > 0],
        "unacked_messages": message_items,
        "arrivals_expected": sorted(expected, key=lambda s: (s["eta"] is None, s["eta"] or "")),
        "no_shows": no_shows,
        "vips_in_house": sorted(vips, key=lambda s: (-s["vip"], s["room"] or "")),
        "departures_next_shift": sorted(departures, key=lambda s: (s["leaves"] is None, s["leaves"] or "")),
        "wake_up_calls": sorted(wakeups, key=lambda s: s["wake"]),
        "follow_up_calls_due": follow_ups,
        "dnd_rooms": dnd,
        "lost_and_found": lost_found,
        "log": [{"id": e.id, "at": e.created_at, "author": e.author_name or e.author_no, "text": e.text,
                 "high_priority": e.high_priority, "room": e.room_number, "guest_id": e.guest_id,
                 "task_id": e.task_id, "corrects": e.corrects_id, "corrected_by": e.corrected_by} for e in log],
    }


def _in_house(store: Store) -> list[stays.StayRow]:
    return stays._rows(store, "s.status IN ('arrived','in_house','due_out')", [], "s.room_number", progress=False)


def _staff_label(store: Store, staff_no: str | None) -> str | None:
    """``王芳 (2002)`` for a staff no.; the number alone when nobody has it; ``None`` for none."""
    if not staff_no:
        return None
    name = store.scalar("SELECT name FROM staff WHERE staff_no = ?", (staff_no,))
    return f"{name} ({staff_no})" if name else staff_no


def _at(day: date, hhmm: str | None) -> datetime | None:
    return clock.local_at(day, hhmm) if hhmm else None


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~"})


def md(value: Any) -> str:
    """Escape text for Markdown so a guest's name or a note is printed as typed, never formatted —
    only the characters that could format or break a table row, so the raw text still reads well."""
    text = str(value if value is not None else "").replace("\n", " ").translate(_MD_SPECIAL)
    return "\\" + text if text[:1] in "#+-" and text[1:2] == " " else text


def _status(value: str) -> str:
    return tr(value.replace("_", " "))


def _t(iso: str | None, fmt: str = "%H:%M") -> str:
    return clock.show_local(iso, fmt) if iso else "—"


SECTIONS = [
    ("open_tasks", "Open tasks 未完成任务"),
    ("escalations", "Escalations 升级"),
    ("unacked_messages", "Unacknowledged messages 未确认消息"),
    ("arrivals_expected", "Arrivals still expected 待抵店"),
    ("no_shows", "No-shows (night audit) 未到客人"),
    ("vips_in_house", "VIPs in house 在住 VIP"),
    ("departures_next_shift", "Departures in the next shift 下一班离店"),
    ("wake_up_calls", "Wake-up calls in the next shift 叫醒"),
    ("follow_up_calls_due", "Follow-up calls due 回访"),
    ("dnd_rooms", "Do-not-disturb rooms 请勿打扰"),
    ("lost_and_found", "Lost & found logged this shift 失物招领"),
    ("log", "Duty log 值班日志"),
]


def _rows(report: dict[str, Any], key: str) -> tuple[list[str], list[list[str]]]:
    items = report[key]
    if key in ("open_tasks", "escalations"):
        return (["#", "P", "Task", "Room", "Status", "First resp.", "2nd", "Due", "Esc"],
                [[str(t["id"]), f"P{t['priority']}", md(t["name"]), md(t["room"] or "—"), _status(t["status"]),
                  md(f"{t['owner'] or '—'} {t['owner_team'] or ''}".strip()), md(t["second_team"] or ""),
                  (f"**{tr('OVERDUE {minutes:.0f} min', minutes=t['minutes_over'])}**" if t["minutes_over"]
                   else _t(t["due"], "%m-%d %H:%M"))
                  + (f" ({tr('held: {reason}', reason=md(t['hold_reason']))})" if t["hold_reason"] else ""),
                  f"L{t['escalation_level']}" if t["escalation_level"] else ""] for t in items])
    if key == "unacked_messages":
        return (["#", "At", "From", "Priority", "Message", N_("Waiting")],
                [[str(m["id"]), _t(m["at"], "%m-%d %H:%M"), md(m["from"]), md(tr(m["priority"])), md(m["body"]),
                  md(", ".join(m["waiting"]))] for m in items])
    if key == "arrivals_expected":
        return (["ETA", "Guest", "VIP", "Room", "Status", "Butler"],
                [[_t(s["eta"]), md(s["guest"]), f"VIP{s['vip']}" if s["vip"] else "", md(s["room"] or "—"),
                  _status(s["status"]), md(s["butler"] or "")] for s in items])
    if key == "no_shows":
        return (["Arrival", "ETA", "Guest", "VIP", "Room", "Butler"],
                [[md(s["arrival"]), _t(s["eta"]), md(s["guest"]), f"VIP{s['vip']}" if s["vip"] else "",
                  md(s["room"] or "—"), md(s["butler"] or "")] for s in items])
    if key == "vips_in_house":
        return (["Room", "Guest", "VIP", "Leaves", "Butler"],
                [[md(s["room"] or "—"), md(s["guest"]), f"VIP{s['vip']}", md(s["departure"]), md(s["butler"] or "")]
                 for s in items])
    if key == "departures_next_shift":
        return (["Leaves", "Room", "Guest", "VIP", "Luggage", "Airport car"],
                [[_t(s["leaves"], "%m-%d %H:%M"), md(s["room"] or "—"), md(s["guest"]),
                  f"VIP{s['vip']}" if s["vip"] else "", md(s["luggage"] or "—"), md(s["car"] or "")] for s in items])
    if key == "wake_up_calls":  # from the departure plans and the scheduled wake-up calls (who booked them)
        return (["Wake-up", "Room", "Guest", "VIP", "Asked by"],
                [[_t(s["wake"], "%m-%d %H:%M"), md(s["room"] or "—"), md(s["guest"]),
                  f"VIP{s['vip']}" if s["vip"] else "", md(s.get("asked_by") or "—")] for s in items])
    if key == "follow_up_calls_due":
        return (["Due", "Guest", "Room", "VIP", ""],
                [[_t(s["due"], "%m-%d %H:%M"), md(s["guest"]), md(s["room"] or "—"),
                  f"VIP{s['vip']}" if s["vip"] else "", f"**{tr('OVERDUE')}**" if s["overdue"] else ""]
                 for s in items])
    if key == "dnd_rooms":
        return (["Room", N_("Since")], [[md(r["room"]), _t(r["since"])] for r in items])
    if key == "lost_and_found":  # lost & found tasks (#id) and the register's items (F id, `butler found`)
        return (["#", "Item", "Room", "Status", N_("Logged")],
                [[str(t["id"]) if t.get("kind", "task") == "task" else f"F{t['id']}",
                  md(t["name"]) + (f" · {md(t['guest'])}" if t.get("guest") else ""), md(t["room"] or "—"),
                  (_status(t["status"]) if t.get("kind", "task") == "task" else tr(found.STATUS_LABEL[t["status"]]))
                  + (f" · {md(t['kept_at'])}" if t.get("kept_at") else ""),
                  _t(t["created_at"])]
                 for t in items])
    return (["At", "Who", "Entry"],
            [[_t(e["at"]), md(e["author"] or "—"),
              ("**HIGH** " if e["high_priority"] else "") + md(e["text"])
              + (f" (corrects entry {e['corrects']})" if e["corrects"] else "")
              + (f" — corrected by entry {e['corrected_by']}" if e["corrected_by"] else "")
              + (f" · room {md(e['room'])}" if e["room"] else "") + (f" · task #{e['task_id']}" if e["task_id"] else "")]
             for e in items])


def to_markdown(report: dict[str, Any], signatures: dict[str, Any] | None = None) -> str:
    start, end = report["window"]
    n_start, n_end = report["next_window"]
    station = report["station_name"]
    lines = [
        f"# {tr('Handover 交班本')} — {md(tr(station) if station == 'Whole hotel 全酒店' else station)}",
        "",
        f"**{tr('Shift')}:** {tr(report['shift'])} {report['shift_date']} ({_t(start)}–{_t(end)})  ",
        f"**{tr('Hands over to')}:** {tr(report['next_shift'])} {report['next_shift_date']}"
        f" ({_t(n_start)}–{_t(n_end)})  ",
        f"**{tr('Generated')}:** {_t(report['generated_at'], '%Y-%m-%d %H:%M')}",
        "",
        "| " + " | ".join(tr(h) for h in ("Open tasks", "Overdue", "Escalated", "Unacked messages",
                                         "Arrivals to come", "Departures next shift")) + " |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {len(report['open_tasks'])} | {len(report['overdue_tasks'])} | {len(report['escalations'])} |"
        f" {len(report['unacked_messages'])} | {len(report['arrivals_expected'])} |"
        f" {len(report['departures_next_shift'])} |",
    ]
    for key, title in SECTIONS:
        lines += ["", f"## {tr(title)}", ""]
        header, rows = _rows(report, key)
        if not rows:
            lines.append(tr("None."))
            continue
        lines.append("| " + " | ".join(tr(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    if report.get("figures"):  # a handover signed before issue 21 has none
        from butler_tui.services.reports import duration, percent

        f = report["figures"]
        lines += ["", f"## {tr('The shift in figures')}", "",
                  tr("{requests} requests, {done} done; median {ack} to acknowledge, {finish} to done; {sla} within"
                     " SLA; {esc} escalations, {reopened} reopened, {complaints} complaints; {late} acknowledgements"
                     " missing at shift end", requests=f["requests"], done=f["done"], ack=duration(f["ack_median_s"]),
                     finish=duration(f["done_median_s"]), sla=percent(f["sla_met_pct"]), esc=f["escalations"],
                     reopened=f["reopened"], complaints=f["complaints"], late=f["unacked_at_shift_end"])]
    lines += ["", f"## {tr('Sign-off 签字')}", ""]
    sig = signatures or {}
    blank = tr("{name} at {time}", name="……………………", time="……:……")
    for label, name, at in (("Outgoing (lead)", "signed_out_name", "signed_out_at"),
                            ("Incoming", "signed_in_name", "signed_in_at")):
        signed = (tr("{name} at {time}", name=md(sig[name]), time=_t(sig[at], "%Y-%m-%d %H:%M")) if sig.get(at)
                  else blank)
        lines.append(f"{tr(label)}: {signed}  ")
    return shown("\n".join(lines) + "\n", multiline=True)  # a file that is `cat` later is a terminal too


# --------------------------------------------------------------------------------------------
# Sign-off
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverRecord:
    id: int
    station_code: str | None
    shift: str
    shift_date: str
    next_shift: str | None
    next_shift_date: str | None
    report: dict[str, Any]
    signed_out_by: str | None
    signed_out_name: str | None
    signed_out_at: str | None
    signed_in_by: str | None
    signed_in_name: str | None
    signed_in_at: str | None

    @property
    def signatures(self) -> dict[str, Any]:
        return {"signed_out_name": self.signed_out_name, "signed_out_at": self.signed_out_at,
                "signed_in_name": self.signed_in_name, "signed_in_at": self.signed_in_at}


_SELECT = """SELECT h.*, o.name AS signed_out_name, i.name AS signed_in_name FROM handovers h
LEFT JOIN staff o ON o.staff_no = h.signed_out_by LEFT JOIN staff i ON i.staff_no = h.signed_in_by"""


def _record(row: dict[str, Any]) -> HandoverRecord:
    fields = set(HandoverRecord.__dataclass_fields__)
    data = {k: v for k, v in row.items() if k in fields}
    data["report"] = unpack(row["report"]) or {}
    return HandoverRecord(**data)


def pending(store: Store, station: str) -> HandoverRecord | None:
    """The handover signed out at this station and not yet read and signed by the incoming shift."""
    row = store.row(f"{_SELECT} WHERE h.station_code = ? AND h.signed_out_at IS NOT NULL AND h.signed_in_at IS NULL"
                    " ORDER BY h.id DESC LIMIT 1", (station,))
    return _record(row) if row else None


def latest(store: Store, station: str) -> HandoverRecord | None:
    row = store.row(f"{_SELECT} WHERE h.station_code = ? ORDER BY h.id DESC LIMIT 1", (station,))
    return _record(row) if row else None


def sign_out(store: Store, station: str, *, staff_no: str | None, shift_name: str | None = None,
             day: date | None = None) -> int:
    """The outgoing lead signs: the report is generated now and frozen with the signature."""
    if not staff_no:
        raise InvalidInput(tr("sign in first: the outgoing lead signs the handover"))
    report = build_report(store, station, shift_name, day)
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "sign_out_handover")
        if tx.execute("SELECT 1 FROM handovers WHERE station_code = ? AND shift = ? AND shift_date = ?",
                      (station, report["shift"], report["shift_date"])).fetchone():
            raise InvalidInput(tr("the {shift} {shift_date} handover of {station} is already signed",
                                  shift=tr(report["shift"]), shift_date=report["shift_date"], station=station))
        now = clock.now_iso()
        handover_id = tx.insert("handovers", {
            "name": f"{station} {report['shift']} {report['shift_date']}", "shift": report["shift"],
            "shift_date": report["shift_date"], "station_code": station, "author_no": staff_no,
            "report": pack(report), "signed_out_by": staff_no, "signed_out_at": now,
            "created_at": now, "next_shift": report["next_shift"], "next_shift_date": report["next_shift_date"]})
        tx.event("handovers", handover_id, "sign_out", after={"shift": report["shift"], "date": report["shift_date"],
                                                              "open_tasks": len(report["open_tasks"])})
    return handover_id


def sign_in(store: Store, handover_id: int, *, staff_no: str | None, station: str | None) -> None:
    """The incoming shift has read the handover and signs it."""
    if not staff_no:
        raise InvalidInput(tr("sign in first: the incoming shift signs the handover"))
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT signed_out_by, signed_in_at, station_code FROM handovers WHERE id = ?",
                         (handover_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no handover {handover_id}", handover_id=handover_id))
        if not tx.execute("SELECT 1 FROM staff WHERE staff_no = ? AND active", (staff_no,)).fetchone():
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        if row[1]:
            raise InvalidInput(tr("this handover was already read and signed"))
        if row[0] == staff_no:
            raise InvalidInput(tr("the incoming shift signs: not the person who handed over"))
        tx.execute("UPDATE handovers SET signed_in_by = ?, signed_in_at = ? WHERE id = ?",
                   (staff_no, clock.now_iso(), handover_id))
        tx.event("handovers", handover_id, "sign_in", after={"by": staff_no})


__all__ = ["add_entry", "build_report", "entries", "pending", "sign_in", "sign_out", "to_markdown"]
