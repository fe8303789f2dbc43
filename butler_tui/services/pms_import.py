"""``butler import arrivals FILE.csv``: the PMS arrivals export in.

All or nothing: every row is validated first; a file with any bad row imports nothing and the error
lists every bad row with its line number and reason. Idempotent by reservation no.: re-importing
the same file changes nothing; a row whose booking changed in the PMS updates the stay.
Guests of new reservations are matched by member no., else by name + mobile, else created.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.errors import ButlerError, InvalidInput
from butler_tui.i18n import t as tr
from butler_tui.services.checklists import ensure_checklist
from butler_tui.services.csvfile import data_rows
from butler_tui.services.guests import index_guest
from butler_tui.services.times import time_of_day
from butler_tui.store import Store, Tx

COLUMNS = ["reservation_no", "guest_name", "salutation", "member_no", "mobile", "vip_level", "arrival_date", "eta",
           "departure_date", "room_type", "room_number", "party_size", "car_plate", "booked_by", "remarks"]
REQUIRED = ["reservation_no", "guest_name", "arrival_date", "departure_date"]
STAY_FIELDS = ["room_type", "room_number", "arrival_date", "eta", "departure_date", "party_size", "car_plate",
               "booked_by", "remarks"]
MAX_ROWS = 100_000


class ImportRejected(InvalidInput):
    """The file was refused; ``problems`` holds (line, reason) for every bad row."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        self.problems = problems
        lines = [tr("{path}: {n} bad row(s), nothing imported", path=path, n=len(problems))]
        lines += ["  " + tr("line {line}: {reason}", line=line, reason=reason) for line, reason in problems[:200]]
        if len(problems) > 200:
            lines.append("  " + tr("… and {n} more", n=len(problems) - 200))
        super().__init__("\n".join(lines))


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    guests_created: int = 0
    changed_ids: list[int] = field(default_factory=list)


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ButlerError(tr("cannot read {path}: {strerror}", path=path, strerror=exc.strerror)) from exc
    for encoding in ("utf-8-sig", "gb18030"):  # PMS exports in China are often GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(tr("{path}: not UTF-8 or GB18030 text", path=path))


def _hhmm(value: str, day: date) -> str:
    hhmm = time_of_day(value)
    if hhmm is None:
        raise ValueError(tr("eta {value!r} is not a time like 14:30", value=value))
    return clock.iso(clock.local_at(day, hhmm))


def parse(path: Path, store: Store) -> list[dict[str, Any]]:
    """Validate every row; raise :class:`ImportRejected` listing all bad rows."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(tr("{path}: missing column(s) {missing}; expected: {expected}",
                              path=path, missing=", ".join(missing), expected=", ".join(COLUMNS)))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(tr("{path}: unknown column(s) {unknown}; expected: {expected}",
                              path=path, unknown=", ".join(unknown), expected=", ".join(COLUMNS)))
    reader.fieldnames = header
    rooms = {r["number"] for r in store.rows("SELECT number FROM rooms")}
    staff = {r["staff_no"] for r in store.rows("SELECT staff_no FROM staff")}
    problems: list[tuple[int, str]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, values in data_rows(reader, header, path, problems, MAX_ROWS):
        try:
            rows.append(_row(values, rooms, staff))
        except (ValueError, InvalidInput) as exc:
            problems.append((line, str(exc)))
            continue
        rows[-1]["line"] = line
        res = rows[-1]["stay"]["reservation_no"]
        if res in seen:
            problems.append((line, tr("reservation {res} also on line {line}", res=res, line=seen[res])))
        seen[res] = line
    if problems:
        raise ImportRejected(path, problems)
    if not rows:
        raise InvalidInput(tr("{path}: no arrivals in the file", path=path))
    return rows


def _row(values: dict[str, str], rooms: set[str], staff: set[str]) -> dict[str, Any]:
    """One CSV row to a guest and a stay; every problem of the row in one message."""
    from pydantic import ValidationError

    from butler_tui.models import Guest, Stay, list_problems

    problems: list[str] = []
    guest = stay = None
    try:
        guest = Guest.model_validate({
            "name": values.get("guest_name", ""), "salutation": values.get("salutation", ""),
            "member_no": values.get("member_no") or None, "mobile": values.get("mobile") or None,
            "vip_level": values.get("vip_level") or 0,
        })
    except ValidationError as exc:
        problems.append(list_problems(exc, rename={"name": "guest_name"}))
    arrival: date | None = None
    try:
        arrival = date.fromisoformat(values["arrival_date"])
    except ValueError:
        problems.append(tr("arrival_date {value!r} is not a date like 2026-11-25", value=values["arrival_date"]))
    try:
        stay = Stay.model_validate({
            "reservation_no": values["reservation_no"], "guest_id": 0, "room_type": values.get("room_type", ""),
            "room_number": values.get("room_number") or None, "arrival_date": arrival or date.min,
            "departure_date": values.get("departure_date"), "party_size": values.get("party_size") or 1,
            "car_plate": values.get("car_plate") or None, "booked_by": values.get("booked_by") or None,
            "remarks": values.get("remarks", ""),
        })
    except ValidationError as exc:
        problems.append(list_problems(exc))
    eta = None
    if values.get("eta") and arrival:
        try:
            eta = _hhmm(values["eta"], arrival)
        except ValueError as exc:
            problems.append(str(exc))
    if stay is not None:
        if stay.room_number and stay.room_number not in rooms:
            problems.append(tr("room {room} does not exist", room=stay.room_number))
        if stay.booked_by and stay.booked_by not in staff:
            problems.append(tr("booked_by {staff_no} is not a staff no.", staff_no=stay.booked_by))
    if problems or guest is None or stay is None:
        raise ValueError("; ".join(problems))
    row = stay.model_dump(exclude={"id", "guest_id", "status", "etd", "parking_bay", "butler_no"})
    row["arrival_date"] = stay.arrival_date.isoformat()
    row["departure_date"] = stay.departure_date.isoformat()
    row["eta"] = eta
    return {"guest": guest.model_dump(exclude={"id"}, exclude_defaults=True) | {"name": guest.name},
            "stay": row}


def import_arrivals(store: Store, path: str | Path, *, staff_no: str | None = None,
                    station: str | None = None) -> ImportReport:
    path = Path(path)
    rows = parse(path, store)
    report = ImportReport(rows=len(rows))
    now = clock.now_iso()
    with store.write(actor=staff_no or "pms-import", station=station) as tx:
        refuse_overlaps(tx, path, rows)
        for row in rows:
            existing = tx.execute(
                f"SELECT id, status, guest_id, {', '.join(STAY_FIELDS)} FROM stays WHERE reservation_no = ?",
                (row["stay"]["reservation_no"],),
            ).fetchone()
            # A known reservation keeps its guest; a new one finds or creates the guest.
            guest_id = existing[2] if existing else _match_or_create_guest(tx, row["guest"], now, report)
            stay = row["stay"] | {"guest_id": guest_id}
            if existing is None:
                stay_id = tx.insert("stays", stay | {"status": "expected", "created_at": now, "updated_at": now})
                ensure_checklist(tx, stay_id)
                tx.event("stays", stay_id, "create", after={"reservation_no": stay["reservation_no"],
                                                            "source": path.name})
                if stay["room_number"]:
                    tx.execute("UPDATE rooms SET occupancy = 'expected' WHERE number = ? AND occupancy = 'vacant'",
                               (stay["room_number"],))
                report.created += 1
                report.changed_ids.append(stay_id)
                continue
            stay_id, status = existing[0], existing[1]
            before = dict(zip(["guest_id", *STAY_FIELDS], existing[2:], strict=True))
            after = {k: stay[k] for k in before}
            if before == after:
                report.unchanged += 1
                continue
            if status not in ("expected", "room_ready"):
                continue  # the guest is already here: the PMS booking no longer drives the stay
            changed = {k: v for k, v in after.items() if before[k] != v}
            sets = ", ".join(f"{k} = ?" for k in changed)
            tx.execute(f"UPDATE stays SET {sets}, updated_at = ? WHERE id = ?", [*changed.values(), now, stay_id])
            tx.event("stays", stay_id, "pms_update", before={k: before[k] for k in changed}, after=changed)
            report.updated += 1
            report.changed_ids.append(stay_id)
        if not report.changed_ids and not report.guests_created:
            tx.abandon()
        tx.event("stays", None, "import", after={"file": path.name, "rows": report.rows, "created": report.created,
                                                 "updated": report.updated, "guests_created": report.guests_created})
    return report


def refuse_overlaps(tx: Tx, path: Path, rows: list[dict[str, Any]]) -> None:
    """A room holds one stay a night: a row whose room is held on one of its nights — by a stay already in
    the hotel's book or by an earlier row of the file — is a bad row, naming both stays; any bad row
    refuses the whole file (:class:`ImportRejected`), as a row that fails validation does."""
    from butler_tui.services.guests import address
    from butler_tui.services.stays import nights_overlap, overlap_refusal, overlap_sentence

    driving: list[tuple[dict[str, Any], int | None]] = []  # the rows that will set their stay's dates and room
    for row in rows:
        known = tx.execute("SELECT id, status FROM stays WHERE reservation_no = ?",
                           (row["stay"]["reservation_no"],)).fetchone()
        if known is None or known[1] in ("expected", "room_ready"):  # else the PMS no longer drives the stay
            driving.append((row, known[0] if known else None))
    ignore = frozenset(row["stay"]["reservation_no"] for row, _ in driving)
    problems: list[tuple[int, str]] = []
    placed: list[tuple[dict[str, Any], str]] = []  # earlier rows with a room, and their guest
    for row, stay_id in driving:
        stay = row["stay"]
        if not stay["room_number"]:
            continue
        guest = address(row["guest"]["name"], row["guest"].get("salutation", ""))
        mine = (stay["reservation_no"], guest, stay["arrival_date"], stay["departure_date"])
        refused = overlap_refusal(tx, stay["room_number"], stay["arrival_date"], stay["departure_date"],
                                  stay_id=stay_id, reservation_no=stay["reservation_no"], guest=guest, ignore=ignore)
        if refused is None:
            for earlier, earlier_guest in placed:
                other = earlier["stay"]
                if other["room_number"] == stay["room_number"] and nights_overlap(
                        (stay["arrival_date"], stay["departure_date"]), (other["arrival_date"], other["departure_date"])):
                    refused = overlap_sentence(stay["room_number"], mine, (
                        other["reservation_no"], earlier_guest, other["arrival_date"], other["departure_date"]))
                    refused += " " + tr("(line {line})", line=earlier["line"])
                    break
        if refused:
            problems.append((row["line"], refused))
        placed.append((row, guest))
    if problems:
        raise ImportRejected(path, problems)


def _match_or_create_guest(tx: Tx, guest: dict[str, Any], now: str, report: ImportReport) -> int:
    if guest.get("member_no"):
        found = tx.execute("SELECT id FROM guests WHERE member_no = ?", (guest["member_no"],)).fetchone()
        if found:
            return int(found[0])
    if guest.get("mobile"):
        found = tx.execute("SELECT id FROM guests WHERE name = ? AND mobile = ?",
                           (guest["name"], guest["mobile"])).fetchone()
        if found:
            return int(found[0])
    guest_id = tx.insert("guests", guest | {"created_at": now, "updated_at": now})
    index_guest(tx, guest_id)
    tx.event("guests", guest_id, "create", after={"name": guest["name"], "source": "pms"})
    report.guests_created += 1
    return guest_id
