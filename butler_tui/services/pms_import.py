"""``butler import arrivals FILE``: the PMS arrivals export in.

All or nothing: every row is validated first; a file with any bad row — or an unsound line (a stray
quote, a wrong number of fields, an oversized field: :mod:`butler_tui.services.pms_file`) — imports
nothing and the error lists every bad line with its number and reason. The columns are mapped by a
profile (:mod:`butler_tui.services.pms_profiles`). Idempotent by reservation no.: re-importing the same
file changes nothing.

Everything is prepared outside the write lock — the rows checked, guests matched, overlaps found, the
rows to insert and update built with their ids — and written with ``executemany`` calls: a day's file in
one transaction, a larger one in short transactions that are still all or nothing (an import run undone
when it cannot finish: :func:`_write_in_parts`). Each transaction first checks that no guest, stay or room
changed since the preparation read them (else it prepares again).

A re-import overwrites a field only when the profile says the PMS owns it or the field still holds the
value the PMS gave last time (``pms_values``): what the hotel changed by hand is kept and reported.
A guest already in house gets the PMS's room move and new departure date (the floor stations concerned
are told); a change that cannot apply (the arrival date of a guest who has arrived, anything of a stay
that is over) is reported as refused.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.defaults import build_items
from butler_tui.errors import InvalidInput
from butler_tui.i18n import N_, said
from butler_tui.i18n import t as tr
from butler_tui.search_keys import CJK, search_keys
from butler_tui.services import pms_file, pms_profiles
from butler_tui.services.pms_file import read_table
from butler_tui.services.pms_profiles import FIELDS as COLUMNS  # noqa: F401  (the butler profile's columns)
from butler_tui.services.pms_profiles import (
    REQUIRED,  # noqa: F401
    Profile,
)
from butler_tui.services.times import plausible, time_of_day
from butler_tui.store import ITEM_COLUMNS, EventBatch, Store, Tx, event_batch, pack_checklist

STAY_FIELDS = ["room_type", "room_number", "arrival_date", "eta", "departure_date", "party_size", "car_plate",
               "booked_by", "remarks"]
GUEST_FIELDS = ["name", "salutation", "member_no", "mobile", "vip_level"]
MAX_ROWS = 100_000
BEFORE_ARRIVAL = ("expected", "room_ready")
IN_HOUSE = ("arrived", "in_house", "due_out")
HOLDS_ROOM = ("expected", "room_ready", "arrived", "in_house", "due_out")
_CHUNK = 500


class ImportRejected(InvalidInput):
    """The file was refused; ``problems`` holds (line, reason) for every bad row."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        self.problems = sorted(problems)
        lines = [tr("{path}: {n} bad row(s), nothing imported", path=path, n=len(problems))]
        lines += ["  " + tr("line {line}: {reason}", line=line, reason=reason) for line, reason in self.problems[:200]]
        if len(problems) > 200:
            lines.append("  " + tr("… and {n} more", n=len(problems) - 200))
        super().__init__("\n".join(lines))


@dataclass
class RowOutcome:
    line: int
    reservation_no: str
    outcome: str  # new | updated | unchanged | refused
    reasons: list[str] = field(default_factory=list)
    kept: int = 0


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    kept: int = 0
    guests_created: int = 0
    moves: int = 0
    profile: str = ""
    encoding: str = ""
    separator: str = ","
    dry_run: bool = False
    changed_ids: list[int] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    write_seconds: float = 0.0  # the write phase, first transaction to last (for bench/import.py)
    transactions: int = 0  # how many transactions it wrote in
    lock_seconds: float = 0.0  # how long they held the write lock in all
    longest_lock: float = 0.0  # the longest of them
    waited: float = 0.0  # how long the import waited for the lock (other stations writing)

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "refused": self.refused, "kept": self.kept, "guests_created": self.guests_created,
                "moves": self.moves, "profile": self.profile, "encoding": self.encoding}

    def details(self) -> list[RowOutcome]:
        """The rows worth reading: updated, refused, or with a field kept."""
        return [o for o in self.outcomes if o.outcome in ("updated", "refused") or o.reasons]

    def as_dict(self) -> dict[str, Any]:
        return self.summary() | {"dry_run": self.dry_run, "rows_detail": [asdict(o) for o in self.details()]}


def read_text(path: Path) -> str:
    """The text of an export (the duty roster's too): see :func:`butler_tui.services.pms_file.decode`."""
    return pms_file.read_text(path)[0]


# -- names ------------------------------------------------------------------------------------------

def fold(name: str) -> str:
    """A name without case, spaces, punctuation or accents: ``José  MÜLLER`` = ``jose muller``."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", plain.casefold())


def _pinyin(name: str) -> str:
    if not CJK.search(name):
        return fold(name)
    from pypinyin import lazy_pinyin

    return fold("".join(lazy_pinyin(name)))


def same_person(a: str, b: str) -> bool:
    """Two spellings of one name: equal folded, with the words in another order, or in pinyin."""
    if fold(a) == fold(b):
        return True
    if sorted(fold(w) for w in a.split()) == sorted(fold(w) for w in b.split()) and " " in a.strip():
        return True
    return _pinyin(a) == _pinyin(b)


# -- parsing ----------------------------------------------------------------------------------------

def _date(value: str, formats: list[str]) -> str:
    found: date | None = None
    for fmt in formats:
        try:
            found = datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    if found is None:
        found = date.fromisoformat(value)  # raises ValueError
    if not plausible(found):
        raise ValueError(value)  # (a booking in year 9999: the day's arithmetic would run out of the calendar)
    return found.isoformat()


def _pick_profile(header: list[str], wanted: str | None) -> Profile:
    if wanted:
        return pms_profiles.load(wanted)
    default = pms_profiles.load(None)
    if not default.mapping(header)[1]:
        return default
    for profile in pms_profiles.shipped():
        if not profile.mapping(header)[1]:
            return profile
    return default


def parse(path: Path, store: Store, *, profile: str | None = None, encoding: str | None = None,
          report: ImportReport | None = None) -> list[dict[str, Any]]:
    """Validate every row; raise :class:`ImportRejected` listing all bad rows."""
    return _parse(path, store, profile=profile, encoding=encoding, report=report)[0]


def _parse(path: Path, store: Store, *, profile: str | None, encoding: str | None,
           report: ImportReport | None) -> tuple[list[dict[str, Any]], Profile]:
    text, used = pms_file.read_text(path, encoding)
    table = read_table(text, path, MAX_ROWS)
    chosen = _pick_profile(table.header, profile)
    where, missing, unknown = chosen.mapping(table.header)
    expected = ", ".join(a[0] for a in chosen.columns.values())
    if missing:
        raise InvalidInput(tr("{path}: missing column(s) {missing}; expected: {expected}", path=path,
                              missing=", ".join(missing), expected=expected))
    if unknown and chosen.strict:
        raise InvalidInput(tr("{path}: unknown column(s) {unknown}; expected: {expected}",
                              path=path, unknown=", ".join(unknown), expected=expected))
    if report is not None:
        report.profile, report.encoding, report.separator = chosen.name, used, table.separator
    rooms = {r["number"] for r in store.rows("SELECT number FROM rooms")}
    staff = {r["staff_no"] for r in store.rows("SELECT staff_no FROM staff")}
    problems = list(table.problems)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, values in table.rows:
        mapped = {name: values[i] for name, i in where.items()}
        try:
            row = _row(mapped, rooms, staff, chosen)
        except (ValueError, InvalidInput) as exc:
            problems.append((line, str(exc)))
            continue
        row["line"] = line
        row["given"] = set(mapped)
        res = row["stay"]["reservation_no"]
        if res in seen:
            problems.append((line, tr("reservation {res} also on line {line}", res=res, line=seen[res])))
        seen[res] = line
        rows.append(row)
    if problems:
        raise ImportRejected(path, problems)
    if not rows:
        raise InvalidInput(tr("{path}: no arrivals in the file", path=path))
    return rows, chosen


def _row(values: dict[str, str], rooms: set[str], staff: set[str], profile: Profile) -> dict[str, Any]:
    """One CSV row to a guest and a stay; every problem of the row in one message."""
    from pydantic import ValidationError

    from butler_tui.models import Guest, Stay, list_problems

    problems: list[str] = []
    guest = stay = None
    vip = values.get("vip_level") or "0"
    if profile.name != "butler":
        digits = re.findall(r"\d", vip)
        vip = digits[0] if digits else "0"
    try:
        guest = Guest.model_validate({
            "name": values.get("guest_name", ""), "salutation": values.get("salutation", ""),
            "member_no": values.get("member_no") or None, "mobile": values.get("mobile") or None,
            "vip_level": vip,
        })
    except ValidationError as exc:
        problems.append(list_problems(exc, rename={"name": "guest_name"}))
    arrival: date | None = None
    try:
        arrival = date.fromisoformat(_date(values["arrival_date"], profile.date_formats))
    except ValueError:
        problems.append(tr("arrival_date {value!r} is not a date like 2026-11-25", value=values["arrival_date"]))
    departure = values.get("departure_date", "")
    with contextlib.suppress(ValueError):  # else the model says what is wrong with it
        departure = _date(departure, profile.date_formats)
    try:
        stay = Stay.model_validate({
            "reservation_no": values["reservation_no"], "guest_id": 0, "room_type": values.get("room_type", ""),
            "room_number": values.get("room_number") or None, "arrival_date": arrival or date.min,
            "departure_date": departure, "party_size": values.get("party_size") or 1,
            "car_plate": values.get("car_plate") or None, "booked_by": values.get("booked_by") or None,
            "remarks": values.get("remarks", ""),
        })
    except ValidationError as exc:
        problems.append(list_problems(exc))
    eta = None
    if values.get("eta") and arrival:
        hhmm = time_of_day(values["eta"])
        if hhmm is None:
            problems.append(tr("eta {value!r} is not a time like 14:30", value=values["eta"]))
        else:
            eta = clock.iso(clock.local_at(arrival, hhmm))
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


# -- planning (outside the write lock) ----------------------------------------------------------------

def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _rows_in(store: Store, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(set(values))):
        out += store.rows(sql.format(marks=", ".join("?" for _ in chunk)), chunk)
    return out


def _address(name: str, salutation: str | None) -> str:
    from butler_tui.services.guests import address

    return address(name, salutation or "")


def _decide(current: Any, new: Any, last: dict[str, Any] | None, name: str, owned: bool,
            unknown_is_pms: bool) -> str:
    """``same``, ``apply`` or ``keep`` for one field."""
    if current == new:
        return "same"
    if owned:
        return "apply"
    if last is None or name not in last:
        return "apply" if unknown_is_pms or current in (None, "", 0) else "keep"
    return "apply" if current == last[name] else "keep"


@dataclass
class Plan:
    stamp: int
    max_guest: int
    max_stay: int
    max_item: int
    report: ImportReport
    new_guests: list[dict[str, Any]] = field(default_factory=list)
    guest_updates: list[tuple[int, dict[str, Any], dict[str, Any], tuple[Any, ...]]] = field(default_factory=list)
    new_stays: list[dict[str, Any]] = field(default_factory=list)
    stay_updates: list[tuple[int, dict[str, Any], dict[str, Any], str]] = field(default_factory=list)
    bookkeeping: list[tuple[str, int]] = field(default_factory=list)  # stays whose pms_values alone change
    notices: list[dict[str, Any]] = field(default_factory=list)


def plan(store: Store, path: Path, rows: list[dict[str, Any]], profile: Profile, report: ImportReport) -> Plan:
    """What the import will write, with the ids it will give, from what the database holds now."""
    stamp = int(store.scalar("SELECT coalesce(max(id), 0) FROM events"))
    max_guest = int(store.scalar("SELECT coalesce(max(id), 0) FROM guests"))
    max_stay = int(store.scalar("SELECT coalesce(max(id), 0) FROM stays"))
    max_item = int(store.scalar("SELECT coalesce(max(id), 0) FROM checklist_items"))
    out = Plan(stamp, max_guest, max_stay, max_item, report)
    res_nos = [r["stay"]["reservation_no"] for r in rows]
    known = {r["reservation_no"]: r for r in _rows_in(
        store, f"SELECT id, reservation_no, status, guest_id, pms_values, {', '.join(STAY_FIELDS)} FROM stays"
        " WHERE reservation_no IN ({marks})", res_nos)}
    guest_cols = "id, name, salutation, member_no, mobile, vip_level, car_plate, pms_values, merged_into"
    guests: dict[int, dict[str, Any]] = {}
    member_nos = [r["guest"]["member_no"] for r in rows if r["guest"].get("member_no")]
    for g in _rows_in(store, f"SELECT {guest_cols} FROM guests WHERE member_no IN ({{marks}})", member_nos):
        guests[g["id"]] = g
    # A record merged at the hotel let go of its member no.; the PMS still sends it.
    former = {g["id"]: g["former_member_no"] for g in _rows_in(
        store, f"SELECT {guest_cols}, former_member_no FROM guests WHERE former_member_no IN ({{marks}})", member_nos)}
    for g in _rows_in(store, f"SELECT {guest_cols} FROM guests WHERE id IN ({{marks}})", sorted(former)):
        guests[g["id"]] = g
    for g in _rows_in(store, f"SELECT {guest_cols} FROM guests WHERE mobile IN ({{marks}})",
                      [r["guest"]["mobile"] for r in rows if r["guest"].get("mobile")]):
        guests[g["id"]] = g
    for g in _rows_in(store, f"SELECT {guest_cols} FROM guests WHERE id IN ({{marks}})",
                      [k["guest_id"] for k in known.values()]):
        guests[g["id"]] = g
    # A record merged into another (guest merge) stands for the one it was merged into.
    for g in _rows_in(store, f"SELECT {guest_cols} FROM guests WHERE id IN ({{marks}})",
                      sorted({g["merged_into"] for g in guests.values() if g["merged_into"]} - guests.keys())):
        guests[g["id"]] = g
    by_member = {g["member_no"] or former[known_id]: g["merged_into"] or known_id for known_id, g in guests.items()
                 if g["member_no"] or known_id in former}
    by_mobile: dict[str, list[int]] = {}
    for known_id, g in guests.items():
        if g["mobile"]:
            by_mobile.setdefault(g["mobile"], []).append(known_id)
    next_guest = max_guest
    now = clock.now_iso()
    touched_guests: dict[int, dict[str, Any]] = {}  # existing guests: their new values

    def find_guest(g: dict[str, Any]) -> int | None:
        if g.get("member_no") and g["member_no"] in by_member:
            return by_member[g["member_no"]]
        for gid in by_mobile.get(g.get("mobile") or "", []):
            if same_person(guests[gid]["name"], g["name"]):
                return guests[gid].get("merged_into") or gid
        return None

    outcomes: list[RowOutcome] = []
    effective: list[tuple[dict[str, Any], dict[str, Any], int | None]] = []  # (row, stay values, stay id)
    for row in rows:
        res = row["stay"]["reservation_no"]
        existing = known.get(res)
        outcome = RowOutcome(row["line"], res, "unchanged")
        outcomes.append(outcome)
        # the guest
        gid: int | None = existing["guest_id"] if existing else find_guest(row["guest"])
        if gid is None:
            next_guest += 1
            gid = next_guest
            new = row["guest"] | {"id": gid, "created_at": now, "updated_at": now}
            new["pms_values"] = json.dumps({k: new.get(k) for k in GUEST_FIELDS}, ensure_ascii=False)
            guests[gid] = new | {"new": True}
            out.new_guests.append(new)
            if new.get("member_no"):
                by_member[new["member_no"]] = gid
            if new.get("mobile"):
                by_mobile.setdefault(new["mobile"], []).append(gid)
            report.guests_created += 1
        elif gid in guests and not guests[gid].get("new"):
            _plan_guest(guests[gid], row, profile, touched_guests, outcome, by_member)
        # the stay
        stay = row["stay"] | {"guest_id": gid}
        if existing is None:
            stay_id = max_stay + len(out.new_stays) + 1
            pms = {k: stay[k] for k in STAY_FIELDS}
            out.new_stays.append(stay | {"id": stay_id, "status": "expected", "created_at": now, "updated_at": now,
                                         "pms_values": json.dumps(pms, ensure_ascii=False), "line": row["line"],
                                         "vip_level": guests[gid].get("vip_level", 0) or 0})
            outcome.outcome = "new"
            report.created += 1
            effective.append((row, stay, None))
            continue
        _plan_stay(existing, stay, row, profile, out, outcome, now)
        if existing["status"] in HOLDS_ROOM:
            current = {k: existing[k] for k in STAY_FIELDS}
            for change in out.stay_updates[-1:]:
                if change[0] == existing["id"]:
                    current |= change[2]
            effective.append((row, current | {"reservation_no": res, "guest_id": existing["guest_id"]},
                              existing["id"]))
    for gid, after in touched_guests.items():
        g = guests[gid]
        before = {k: g[k] for k in after if k != "pms_values"}
        changed = {k: v for k, v in after.items() if k != "pms_values"}
        old_keys = (g["name"], g["mobile"], g["member_no"], g["car_plate"])
        out.guest_updates.append((gid, before, changed | {"pms_values": after["pms_values"]}, old_keys))
    _refuse_overlaps(store, path, effective, guests)
    report.outcomes = outcomes
    report.rows = len(rows)
    for o in outcomes:
        if o.outcome == "updated":
            report.updated += 1
        elif o.outcome == "refused":
            report.refused += 1
        elif o.outcome == "unchanged":
            report.unchanged += 1
    return out


def _plan_guest(g: dict[str, Any], row: dict[str, Any], profile: Profile, touched: dict[int, dict[str, Any]],
                outcome: RowOutcome, by_member: dict[str, int]) -> None:
    last = json.loads(g["pms_values"]) if g.get("pms_values") else None
    given = row["guest"]
    owned = {"name": "guest_name"}
    changes: dict[str, Any] = {}
    pms = dict(last or {})
    for name in GUEST_FIELDS:
        source = owned.get(name, name)
        if source not in row["given"] or given.get(name) in (None, ""):
            continue
        new = given.get(name, 0 if name == "vip_level" else None)
        pms[name] = new
        if name == "member_no" and (g["member_no"] or new in by_member):
            continue  # a member no. is not moved between guests by an import
        verdict = _decide(g[name], new, last, name, source in profile.pms_owns, unknown_is_pms=False)
        if verdict == "apply":
            changes[name] = new
        elif verdict == "keep":
            outcome.reasons.append(tr("kept {field} {value!r} (edited at the hotel; the PMS says {new!r})",
                                      field=source, value=g[name], new=new))
            outcome.kept += 1
    if changes or pms != (last or {}):
        if changes:
            outcome.reasons.append(tr("guest: {changes}", changes=", ".join(
                f"{k} {g[k]!r} → {v!r}" for k, v in changes.items())))
            outcome.outcome = "updated" if outcome.outcome == "unchanged" else outcome.outcome
        merged = touched.setdefault(g["id"], {})
        merged.update(changes)
        merged["pms_values"] = json.dumps(pms, ensure_ascii=False)


def _plan_stay(existing: dict[str, Any], stay: dict[str, Any], row: dict[str, Any], profile: Profile, out: Plan,
               outcome: RowOutcome, now: str) -> None:
    last = json.loads(existing["pms_values"]) if existing.get("pms_values") else None
    status = existing["status"]
    changes: dict[str, Any] = {}
    pms = dict(last or {})
    refused: list[str] = []
    for name in STAY_FIELDS:
        if name not in row["given"] and name not in ("arrival_date", "departure_date"):
            continue
        new = stay[name]
        pms[name] = new
        verdict = _decide(existing[name], new, last, name, name in profile.pms_owns, unknown_is_pms=True)
        if verdict == "same":
            continue
        if verdict == "keep":
            outcome.reasons.append(tr("kept {field} {value!r} (edited at the hotel; the PMS says {new!r})",
                                      field=name, value=existing[name], new=new))
            outcome.kept += 1
            continue
        if status not in HOLDS_ROOM:
            refused.append(tr("{field} {old!r} → {new!r}: the stay is {status}, not changed", field=name,
                              old=existing[name], new=new, status=status))
            continue
        if status in IN_HOUSE and name == "arrival_date":
            refused.append(tr("arrival_date {old} → {new}: the guest has arrived, the arrival date stays",
                              old=existing[name], new=new))
            continue
        changes[name] = new
    if refused and not changes:
        outcome.outcome = "refused"
    outcome.reasons += refused
    if changes:
        outcome.outcome = "updated"
        words = []
        for k, v in changes.items():
            if k == "room_number" and status in IN_HOUSE:
                words.append(tr("room move {old} → {new} (guest in house)", old=existing[k] or "—", new=v or "—"))
            elif k == "departure_date" and status in IN_HOUSE:
                words.append(tr("departure {old} → {new} (guest in house)", old=existing[k], new=v))
            else:
                words.append(f"{k} {existing[k]!r} → {v!r}")
        outcome.reasons.insert(0, "; ".join(words))
        before = {k: existing[k] for k in changes}
        out.stay_updates.append((existing["id"], before, changes, json.dumps(pms, ensure_ascii=False)))
        out.report.changed_ids.append(existing["id"])
        if status in IN_HOUSE and ("room_number" in changes or "departure_date" in changes):
            out.notices.append({"stay_id": existing["id"], "status": status, "guest_id": existing["guest_id"],
                                "old_room": existing["room_number"],
                                "room": changes.get("room_number", existing["room_number"]),
                                "old_departure": existing["departure_date"],
                                "departure": changes.get("departure_date")})
            if "room_number" in changes:
                out.report.moves += 1
    elif pms != (last or {}):
        out.bookkeeping.append((json.dumps(pms, ensure_ascii=False), existing["id"]))


def _refuse_overlaps(store: Store, path: Path, effective: list[tuple[dict[str, Any], dict[str, Any], int | None]],
                     guests: dict[int, dict[str, Any]]) -> None:
    """A room holds one stay a night: a row whose room is held on one of its nights — by a stay already in
    the hotel's book or by an earlier row of the file — is a bad row, naming both stays; any bad row
    refuses the whole file (:class:`ImportRejected`), as a row that fails validation does."""
    from butler_tui.services.stays import nights_overlap, overlap_sentence

    in_file = {stay["reservation_no"] for _, stay, _ in effective}
    marks = ", ".join("?" for _ in HOLDS_ROOM)
    holders: dict[str, list[dict[str, Any]]] = {}
    for h in store.rows(
            "SELECT s.id, s.reservation_no, g.name, g.salutation, s.room_number, s.arrival_date, s.departure_date"
            f" FROM stays s JOIN guests g ON g.id = s.guest_id WHERE s.room_number IS NOT NULL AND s.status IN ({marks})"
            " ORDER BY s.arrival_date, s.id", HOLDS_ROOM):
        if h["reservation_no"] not in in_file:
            holders.setdefault(h["room_number"], []).append(h)
    problems: list[tuple[int, str]] = []
    placed: dict[str, list[tuple[dict[str, Any], str, int]]] = {}
    for row, stay, _stay_id in effective:
        room = stay["room_number"]
        if not room:
            continue
        g = guests.get(stay.get("guest_id") or -1) or row["guest"]
        guest = _address(g["name"], g.get("salutation"))
        mine = (stay["reservation_no"], guest, stay["arrival_date"], stay["departure_date"])
        refused = None
        for h in holders.get(room, []):
            if nights_overlap((stay["arrival_date"], stay["departure_date"]), (h["arrival_date"], h["departure_date"])):
                refused = overlap_sentence(room, mine, (h["reservation_no"], _address(h["name"], h["salutation"]),
                                                        h["arrival_date"], h["departure_date"]))
                break
        if refused is None:
            for other, other_guest, other_line in placed.get(room, []):
                if nights_overlap((stay["arrival_date"], stay["departure_date"]),
                                  (other["arrival_date"], other["departure_date"])):
                    refused = overlap_sentence(room, mine, (other["reservation_no"], other_guest,
                                                            other["arrival_date"], other["departure_date"]))
                    refused += " " + tr("(line {line})", line=other_line)
                    break
        if refused:
            problems.append((row["line"], refused))
        placed.setdefault(room, []).append((stay, guest, row["line"]))
    if problems:
        raise ImportRejected(path, problems)


# -- writing ---------------------------------------------------------------------------------------

class _Stale(Exception):
    """Guests, stays or rooms changed between the preparation and the write lock."""


_NEW_STAY_COLS = ["id", "reservation_no", "guest_id", *STAY_FIELDS, "status", "created_at", "updated_at", "pms_values"]
_NEW_GUEST_COLS = ["id", "name", "salutation", "member_no", "mobile", "vip_level", "created_at", "updated_at",
                   "pms_values"]


@dataclass
class Prepared:
    """The plan as rows ready for ``executemany``, built before the lock is taken."""

    guests: list[tuple[Any, ...]]  # new guests, by id
    keys: dict[int, list[tuple[str, str, int]]]  # the new guests' search keys, by guest id
    search: list[tuple[str, str, int]]  # keys of guests updated
    search_gone: list[tuple[str, str, int]]
    guest_updates: list[tuple[str, list[Any]]]
    stays: list[tuple[Any, ...]]  # new stays, by id
    checklist: dict[int, list[tuple[Any, ...]]]  # items by stay id (arrivals within EAGER_DAYS)
    packed: dict[int, bytes]  # packed checklists by stay id (later arrivals)
    expected_rooms: list[tuple[str]]
    stay_updates: list[tuple[str, list[Any]]]
    events: EventBatch  # those of the changes to rows already there
    source: str = ""
    actor: str = "pms-import"
    station: str | None = None


EAGER_DAYS = 2
"""New stays arriving within this many days get their checklist as rows; later ones a packed checklist
(one row, unpacked on its first tick: :func:`butler_tui.services.checklists.ensure_checklist`), so that a
year of bookings is not a million rows written under the lock."""

ONE_GO = 2_000
"""New guests and stays up to this many are written in one transaction (a day's file: milliseconds)."""
LOCK_TARGET = 0.3
"""Seconds one transaction of a larger import should hold the write lock: the size of the next part is
set from how long the last one took (a loaded machine gets smaller parts)."""
GAP = 0.12
"""Seconds between two transactions of an import: SQLite's busy handler makes a station that has waited
a while look again every 100 ms, so a gap shorter than that may find nobody looking and take the lock again."""
ABANDONED_AFTER = 120.0
"""Seconds after its last transaction a 'running' import counts as abandoned (its process died)."""


def prepare(p: Plan, source: str, staff_no: str | None = None, station: str | None = None) -> Prepared:
    guests = [tuple(g.get(c) if c != "vip_level" else g.get(c, 0) for c in _NEW_GUEST_COLS) for g in p.new_guests]
    guests = [tuple("" if (c == "salutation" and v is None) else v for c, v in zip(_NEW_GUEST_COLS, g, strict=True))
              for g in guests]
    keys = {g["id"]: [(key, kind, g["id"]) for key, kind in search_keys(g["name"], g.get("mobile"), g.get("member_no"),
                                                                       None)] for g in p.new_guests}
    search: list[tuple[str, str, int]] = []
    search_gone: list[tuple[str, str, int]] = []
    guest_updates: list[tuple[str, list[Any]]] = []
    # New rows are listed in one event per table and transaction (``_created``); changes to rows already
    # there keep one event each.
    events: list[tuple[str, Any, str, Any, Any]] = []
    now = clock.now_iso()
    for gid, before, after, old_keys in p.guest_updates:
        sets = ", ".join(f"{k} = ?" for k in after)
        guest_updates.append((f"UPDATE guests SET {sets}, updated_at = ? WHERE id = ?", [*after.values(), now, gid]))
        if any(k in after for k in ("name", "mobile", "member_no")):
            new_keys = (after.get("name", old_keys[0]), after.get("mobile", old_keys[1]),
                        after.get("member_no", old_keys[2]), old_keys[3])
            search_gone += [(key, kind, gid) for key, kind in search_keys(*old_keys)]
            search += [(key, kind, gid) for key, kind in search_keys(*new_keys)]
        if before:
            events.append(("guests", gid, "pms_update", before, {k: v for k, v in after.items() if k != "pms_values"}))
    stays = [tuple(s[c] for c in _NEW_STAY_COLS) for s in p.new_stays]
    soon = (clock.today().toordinal() + EAGER_DAYS)
    checklist: dict[int, list[tuple[Any, ...]]] = {}
    packed: dict[int, bytes] = {}
    blobs: dict[tuple[bool, bool], bytes] = {}
    for s in p.new_stays:
        items = build_items({"id": s["id"], "car_plate": s["car_plate"]}, int(s["vip_level"] or 0))
        if date.fromisoformat(s["arrival_date"]).toordinal() <= soon:
            checklist[s["id"]] = [(i["stay_id"], i["stage"], i["code"], i["mandatory"], i["position"]) for i in items]
            continue
        kind = (bool(s["vip_level"]), bool(s["car_plate"]))
        if kind not in blobs:  # the items carry no stay id: four checklists cover every new stay
            blobs[kind] = pack_checklist([[i.get(c) if c != "id" else None for c in ITEM_COLUMNS] for i in items], [])
        packed[s["id"]] = blobs[kind]
    expected_rooms = [(s["room_number"],) for s in p.new_stays if s["room_number"]]
    stay_updates: list[tuple[str, list[Any]]] = []
    for stay_id, before, changes, pms in p.stay_updates:
        sets = ", ".join(f"{k} = ?" for k in changes)
        stay_updates.append((f"UPDATE stays SET {sets}, pms_values = ?, updated_at = ? WHERE id = ?",
                             [*changes.values(), pms, now, stay_id]))
        events.append(("stays", stay_id, "pms_update", before, changes))
    actor = staff_no or "pms-import"
    return Prepared(guests, keys, search, search_gone, guest_updates, stays, checklist, packed, expected_rooms,
                    stay_updates, event_batch(actor, station, events), source, actor, station)


def _created(ready: Prepared, table: str, rows: list[tuple[Any, ...]], run: int | None) -> EventBatch:
    """The event listing new rows of ``table`` (a guest's id and name, a stay's id and reservation no.)."""
    after: dict[str, Any] = {"source": ready.source, "created": [[r[0], r[1]] for r in rows]}
    if run is not None:
        after["run"] = run
    return event_batch(ready.actor, ready.station, [(table, None, "import_create", None, after)])


def _checks(lo_guest: int, hi_guest: int, lo_stay: int, hi_stay: int, touched: str = "") -> list[str]:
    """The references the rows written make, checked at once (not row by row: Store.bulk_write): new stays
    and stays updated, new checklists."""
    also = f" OR s.id IN ({touched})" if touched else ""
    return [
        f"SELECT s.id FROM stays s WHERE ((s.id > {lo_stay} AND s.id <= {hi_stay}){also}) AND (NOT EXISTS"
        " (SELECT 1 FROM guests g WHERE g.id = s.guest_id)"
        " OR (s.room_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.number = s.room_number))"
        " OR (s.booked_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staff f WHERE f.staff_no = s.booked_by))) LIMIT 1",
        f"SELECT c.stay_id FROM checklists_packed c WHERE c.stay_id > {lo_stay} AND c.stay_id <= {hi_stay} AND NOT EXISTS"
        " (SELECT 1 FROM stays s WHERE s.id = c.stay_id) LIMIT 1",
        f"SELECT c.stay_id FROM checklist_items c WHERE c.stay_id > {lo_stay} AND c.stay_id <= {hi_stay}"
        " AND NOT EXISTS (SELECT 1 FROM stays s WHERE s.id = c.stay_id) LIMIT 1",
    ] if hi_stay > lo_stay or touched else []


def _fresh(tx: Tx, stamp: int) -> None:
    """Raise :class:`_Stale` when another station changed guests, stays or rooms since event ``stamp``."""
    if tx.execute("SELECT 1 FROM events WHERE id > ? AND entity IN ('stays', 'guests', 'rooms', 'schema')"
                  " LIMIT 1", (stamp,)).fetchone():
        raise _Stale


def _put_guests(tx: Tx, ready: Prepared, rows: list[tuple[Any, ...]]) -> None:
    tx.insert_many("guests", _NEW_GUEST_COLS, rows)
    keys = sorted(k for r in rows for k in ready.keys[r[0]])  # in the index's order: appended to, not split
    tx.db.conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)", keys)


def _put_stays(tx: Tx, ready: Prepared, rows: list[tuple[Any, ...]]) -> None:
    conn = tx.db.conn
    tx.insert_many("stays", _NEW_STAY_COLS, rows)
    conn.executemany("INSERT INTO checklist_items (stay_id, stage, code, mandatory, position) VALUES (?, ?, ?, ?, ?)",
                     [item for r in rows for item in ready.checklist.get(r[0], ())])
    conn.executemany("INSERT INTO checklists_packed (stay_id, items) VALUES (?, ?)",
                     [(r[0], ready.packed[r[0]]) for r in rows if r[0] in ready.packed])


def _put_changes(tx: Tx, p: Plan, ready: Prepared, path: Path) -> None:
    """The changes to rows already there, the floors told, the import's own event."""
    conn = tx.db.conn
    for sql, params in ready.guest_updates:
        conn.execute(sql, params)
    conn.executemany("DELETE FROM guest_search WHERE key = ? AND kind = ? AND guest_id = ?", ready.search_gone)
    conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)", sorted(ready.search))
    conn.executemany("UPDATE rooms SET occupancy = 'expected' WHERE number = ? AND occupancy = 'vacant'",
                     ready.expected_rooms)
    for sql, params in ready.stay_updates:
        conn.execute(sql, params)
    conn.executemany("UPDATE stays SET pms_values = ? WHERE id = ?", p.bookkeeping)
    _move_rooms(tx, p)
    tx.events(ready.events)
    for notice in p.notices:
        _tell_floors(tx, notice, ready.station)
    tx.event("stays", None, "import", after={"file": path.name} | p.report.summary())


class _Timed:
    """How long each transaction of the import held the write lock — from its ``BEGIN IMMEDIATE`` done to
    its ``COMMIT`` (for the sizes of the parts, the report and bench/import.py)."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.began = 0.0
        self.held = 0.0
        self.asked = 0.0

    def asking(self) -> None:
        """Call right before the transaction asks for the lock (``BEGIN IMMEDIATE``)."""
        self.asked = time.perf_counter()

    def begun(self) -> None:
        """Call first thing inside the transaction."""
        self.began = time.perf_counter()
        if self.asked:
            self.report.waited += self.began - self.asked
            self.asked = 0.0

    def done(self) -> None:
        """Call right after the transaction committed."""
        self.held = time.perf_counter() - self.began
        self.report.transactions += 1
        self.report.longest_lock = max(self.report.longest_lock, self.held)
        self.report.lock_seconds += self.held


def _write(store: Store, p: Plan, ready: Prepared, path: Path, staff_no: str | None, station: str | None) -> None:
    report = p.report
    started = time.perf_counter()
    try:
        if len(ready.guests) + len(ready.stays) <= ONE_GO:
            _write_tx(store, p, ready, path)
        else:
            _write_in_parts(store, p, ready, path)
    finally:
        report.write_seconds = time.perf_counter() - started


def _running(tx: Tx) -> None:
    """Refuse to write while another import is being written (it would be matched against half a file)."""
    row = tx.execute("SELECT started_at, file FROM import_runs WHERE status = 'running' LIMIT 1").fetchone()
    if row is not None:
        raise _another(row[1], row[0])


def _another(file: str, at: str) -> InvalidInput:
    return InvalidInput(tr("another import ({file}, started {at}) is being written; try again in a minute",
                           file=file, at=at))


def _write_tx(store: Store, p: Plan, ready: Prepared, path: Path) -> None:
    """A day's file: everything in one transaction."""
    report = p.report
    touched = ",".join(str(int(u[0])) for u in p.stay_updates)
    checks = _checks(p.max_guest, p.max_guest + len(ready.guests), p.max_stay, p.max_stay + len(ready.stays), touched)
    timed = _Timed(report)
    with store.bulk_write(ready.actor, ready.station, checks) as tx:
        timed.begun()
        _fresh(tx, p.stamp)
        if tx.execute("SELECT coalesce(max(id), 0) FROM guests").fetchone()[0] != p.max_guest or \
                tx.execute("SELECT coalesce(max(id), 0) FROM stays").fetchone()[0] != p.max_stay:
            raise _Stale
        if not report.changed_ids and not report.guests_created and not any(u[1] for u in p.guest_updates):
            tx.abandon()
        _running(tx)
        _put_guests(tx, ready, ready.guests)
        if ready.guests:
            tx.events(_created(ready, "guests", ready.guests, None))
        _put_stays(tx, ready, ready.stays)
        if ready.stays:
            tx.events(_created(ready, "stays", ready.stays, None))
        _put_changes(tx, p, ready, path)
    timed.done()


def _write_in_parts(store: Store, p: Plan, ready: Prepared, path: Path) -> None:
    """A large file in short transactions, so that a station writing meanwhile waits a fraction of a second.

    Still all or nothing: the run is recorded ('running') with the first part; the new guests, then the new
    stays, are written in parts from the highest id down — so a guest or stay another station creates meanwhile takes
    an id above the run's, never one the run still has to write; the changes to rows already there, the
    floors' messages and the import's event come last, with the run 'done', in one transaction. Each part
    first checks that no other station changed guests, stays or rooms since the import read them; if one
    did, or anything fails, what the run wrote is taken out again (:func:`undo_run`) and the import plans
    again (or fails with nothing imported). A run whose process died is undone by the next sweep or import."""
    report = p.report
    timed = _Timed(report)
    lo_guest, hi_guest = p.max_guest, p.max_guest + len(ready.guests)
    lo_stay, hi_stay = p.max_stay, p.max_stay + len(ready.stays)
    run: int | None = None  # once its first transaction committed
    stamp = p.stamp
    try:
        size = ONE_GO
        for table, rows in (("guests", ready.guests), ("stays", ready.stays)):
            end = len(rows)
            while end > 0:
                part = rows[max(0, end - size):end]
                lo, hi = part[0][0] - 1, part[-1][0]
                checks = _checks(0, 0, lo, hi) if table == "stays" else []
                if run is not None:
                    _between_parts()
                timed.asking()
                with store.bulk_write(ready.actor, ready.station, checks) as tx:
                    timed.begun()
                    _fresh(tx, stamp)
                    mine = run
                    if mine is None:  # the first part records the run: a first part that fails leaves nothing
                        if tx.execute("SELECT coalesce(max(id), 0) FROM guests").fetchone()[0] != p.max_guest or \
                                tx.execute("SELECT coalesce(max(id), 0) FROM stays").fetchone()[0] != p.max_stay:
                            raise _Stale
                        _running(tx)
                        now = _beat()
                        mine = tx.insert("import_runs", {
                            "file": path.name, "status": "running", "started_at": now, "beat_at": now,
                            "guests_from": lo_guest, "guests_to": hi_guest, "stays_from": lo_stay, "stays_to": hi_stay})
                        tx.event("imports", mine, "start", after={"file": path.name, "guests": [lo_guest, hi_guest],
                                                                   "stays": [lo_stay, hi_stay]})
                    if table == "guests":
                        _put_guests(tx, ready, part)
                    else:
                        _put_stays(tx, ready, part)
                    tx.events(_created(ready, table, part, mine))
                    tx.execute("UPDATE import_runs SET beat_at = ? WHERE id = ?", (_beat(), mine))
                    stamp = tx.event_ids[-1]
                run = mine
                timed.done()
                size = max(200, min(20_000, int(len(part) * LOCK_TARGET / max(timed.held, 1e-3))))
                end -= len(part)
        _between_parts()
        touched = ",".join(str(int(u[0])) for u in p.stay_updates)
        timed.asking()
        with store.bulk_write(ready.actor, ready.station, _checks(0, 0, 0, 0, touched)) as tx:
            timed.begun()
            _fresh(tx, stamp)
            _put_changes(tx, p, ready, path)
            tx.execute("UPDATE import_runs SET status = 'done', beat_at = ? WHERE id = ?", (_beat(), run))
            tx.event("imports", run, "done")
        timed.done()
    except BaseException:
        if run is not None:
            with contextlib.suppress(Exception):  # else the next sweep or import undoes it (it stays 'running')
                undo_run(store, run, ready.actor, ready.station)
        raise


def _between_parts() -> None:
    """The lock let go: a station waiting for it gets in (see :data:`GAP`)."""
    time.sleep(GAP)


UNDO_PART = 1_000


def _beat() -> str:
    """The instant a run's transaction is written, by the host's clock (never a frozen or training clock:
    another station tells from it whether the importing process is still alive)."""
    return clock.iso(datetime.now(UTC))


def undo_abandoned(store: Store, *, station: str | None = None) -> list[int]:
    """Undo the runs left 'running' by an import whose process died (no transaction for
    :data:`ABANDONED_AFTER` seconds by the host's clock); their ids. The next import and every station's
    sweep call it (one read of an index that holds only running imports)."""
    found = store.rows("SELECT id, beat_at FROM import_runs WHERE status = 'running'")
    moment = datetime.now(UTC).timestamp()
    gone = [r["id"] for r in found if moment - clock.parse(r["beat_at"]).timestamp() > ABANDONED_AFTER]
    for run in gone:
        undo_run(store, run, "pms-import", station)
    return gone


def _kept(tx: Tx, table: str, lo: int, hi: int, ours: set[tuple[str, str]]) -> set[int]:
    """Ids in (lo, hi] of ``table`` that rows of other tables (not the import's own ``ours``) refer to."""
    kept: set[int] = set()
    for child, col in tx.referring(table):
        if (child, col) in ours:
            continue
        kept |= {row[0] for row in tx.execute(
            f"SELECT DISTINCT [{col}] FROM [{child}] WHERE [{col}] > ? AND [{col}] <= ?", (lo, hi)).fetchall()}
    return kept


def undo_run(store: Store, run: int, actor: str, station: str | None) -> None:
    """Take out what import run ``run`` wrote, in short transactions each with its event: its stays with
    their checklists, then its guests with their search keys; a row another station already refers to (a
    task for a new guest) is kept. The run is 'undone' at the end."""
    row = store.row("SELECT * FROM import_runs WHERE id = ? AND status = 'running'", (run,))
    if row is None:
        return
    own = {"stays": {("checklist_items", "stay_id"), ("checklists_packed", "stay_id")},
           "guests": {("guest_search", "guest_id")}}
    for table, lo_all, hi_all in (("stays", row["stays_from"], row["stays_to"]),
                                  ("guests", row["guests_from"], row["guests_to"])):
        for lo in range(lo_all, hi_all, UNDO_PART):
            hi = min(lo + UNDO_PART, hi_all)
            time.sleep(GAP)
            # Foreign keys unchecked row by row (a guest's search keys have no index by guest): the rows that
            # refer to these are looked up at once, under the lock, and those rows kept.
            with store.bulk_write(actor, station, []) as tx:
                conn = tx.db.conn
                kept = _kept(tx, table, lo, hi, own[table])
                if table == "guests":
                    found = [g for g in conn.execute("SELECT id, name, mobile, member_no FROM guests"
                                                     " WHERE id > ? AND id <= ?", (lo, hi)).fetchall()
                             if g[0] not in kept]
                    ids = [g[0] for g in found]
                    conn.executemany("DELETE FROM guest_search WHERE key = ? AND kind = ? AND guest_id = ?",
                                     [(k, kind, g[0]) for g in found for k, kind in search_keys(g[1], g[2], g[3], None)])
                    conn.executemany("DELETE FROM guests WHERE id = ?", [(i,) for i in ids])
                else:
                    ids = [r[0] for r in conn.execute("SELECT id FROM stays WHERE id > ? AND id <= ?", (lo, hi))
                           if r[0] not in kept]
                    conn.executemany("DELETE FROM checklist_items WHERE stay_id = ?", [(i,) for i in ids])
                    conn.executemany("DELETE FROM checklists_packed WHERE stay_id = ?", [(i,) for i in ids])
                    conn.executemany("DELETE FROM stays WHERE id = ?", [(i,) for i in ids])
                if not ids:
                    tx.abandon()
                tx.event(table, None, "import_undo", after={"run": run, "ids": [ids[0], ids[-1]], "count": len(ids),
                                                            "kept": sorted(kept)})
    with store.write(actor, station) as tx:
        tx.execute("UPDATE import_runs SET status = 'undone', beat_at = ? WHERE id = ?", (_beat(), run))
        tx.event("imports", run, "undo")


def _move_rooms(tx: Tx, p: Plan) -> None:
    """A room changed by the PMS: the old room is free (dirty when the guest had been in it), the new one
    expected or occupied."""
    for stay_id, before, changes, _pms in p.stay_updates:
        if "room_number" not in changes:
            continue
        status = tx.execute("SELECT status FROM stays WHERE id = ?", (stay_id,)).fetchone()[0]
        old, new = before["room_number"], changes["room_number"]
        if status in IN_HOUSE:
            if old:
                tx.execute("UPDATE rooms SET occupancy = 'vacant', hk_status = 'dirty' WHERE number = ?", (old,))
            if new:
                tx.execute("UPDATE rooms SET occupancy = ? WHERE number = ?",
                           ("due_out" if status == "due_out" else "occupied", new))
        else:
            if old:
                tx.execute("UPDATE rooms SET occupancy = 'vacant' WHERE number = ? AND occupancy = 'expected'", (old,))
            if new:
                tx.execute("UPDATE rooms SET occupancy = 'expected' WHERE number = ? AND occupancy = 'vacant'", (new,))


def _tell_floors(tx: Tx, notice: dict[str, Any], station: str | None) -> None:
    """The floor stations of the old and the new room hear of an in-house guest's room move or new departure."""
    from butler_tui.services.messaging import post, recipients
    from butler_tui.services.routing import floor_station

    sender = station or "fo"
    targets = [c for c in dict.fromkeys([floor_station(tx, notice["old_room"]), floor_station(tx, notice["room"])])
               if c and c != sender]
    if not targets:
        return
    g = tx.execute("SELECT name, salutation FROM guests WHERE id = ?", (notice["guest_id"],)).fetchone()
    who = _address(g[0], g[1])
    if notice["room"] != notice["old_room"]:
        body = said("PMS: guest {who} moves from room {old} to room {room}", who=who, old=notice["old_room"] or "—",
                    room=notice["room"] or "—")
    else:
        body = said("PMS: guest {who} in room {room} now leaves on {departure} (was {old})", who=who,
                    room=notice["room"], departure=notice["departure"], old=notice["old_departure"])
    if notice["departure"] and notice["room"] != notice["old_room"]:
        body = said("{move}; leaves on {departure}", move=body, departure=notice["departure"])
    staff = tx.actor if tx.actor and tx.execute("SELECT 1 FROM staff WHERE staff_no = ?", (tx.actor,)).fetchone() \
        else None  # a service account (the PMS feed) is nobody on the staff
    post(tx, from_station=sender, from_staff=staff, stations=recipients(tx.db.conn, "stations", targets, sender),
         said=body, priority="routine", kind="stations", audience=targets, room=notice["room"],
         guest_id=notice["guest_id"])


def import_arrivals(store: Store, path: str | Path, *, staff_no: str | None = None, station: str | None = None,
                    profile: str | None = None, encoding: str | None = None, dry_run: bool = False) -> ImportReport:
    """Import the file (or, ``dry_run``, only say what importing it would do); the report of it."""
    path = export_path(path)
    parsed = ImportReport(dry_run=dry_run)
    rows, chosen = _parse(path, store, profile=profile, encoding=encoding, report=parsed)
    if not dry_run:
        undo_abandoned(store)
    running = store.row("SELECT started_at, file FROM import_runs WHERE status = 'running' LIMIT 1")
    if running is not None:  # what it has written so far would be taken for the hotel's book
        raise _another(running["file"], running["started_at"])
    for attempt in range(4):  # the file is read and checked once; what it changes is planned again when stale
        report = ImportReport(dry_run=dry_run, profile=parsed.profile, encoding=parsed.encoding,
                              separator=parsed.separator)
        the_plan = plan(store, path, rows, chosen, report)
        report.kept = sum(o.kept for o in report.outcomes)
        if dry_run:
            return report
        ready = prepare(the_plan, path.name, staff_no, station)
        try:
            _write(store, the_plan, ready, path, staff_no, station)
        except _Stale:
            if attempt == 3:
                raise InvalidInput(tr("guests and stays keep changing while the import is prepared;"
                                      " try again")) from None
            continue
        return report
    raise AssertionError("unreachable")


def summary_lines(report: ImportReport, file: str | Path, *, limit: int = 200) -> list[str]:
    """The report as a user reads it: the counts, then every row updated, refused or with a field kept."""
    head = tr(N_("would import")) if report.dry_run else tr(N_("imported"))
    lines = [tr("{file} ({head}; profile {profile}, {encoding}): {rows} rows — {created} new, {updated} updated,"
                " {unchanged} unchanged, {refused} refused; {guests} new guest(s); {kept} field(s) kept"
                " (edited at the hotel)", file=file, head=head, profile=report.profile, encoding=report.encoding,
                rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged,
                refused=report.refused, guests=report.guests_created, kept=report.kept)]
    details = report.details()
    for o in details[:limit]:
        lines.append("  " + tr("line {line} {reservation} {outcome}: {reasons}", line=o.line,
                               reservation=o.reservation_no, outcome=tr(OUTCOME_LABEL[o.outcome]),
                               reasons="; ".join(o.reasons)))
    if len(details) > limit:
        lines.append("  " + tr("… and {n} more", n=len(details) - limit))
    return lines


OUTCOME_LABEL = {"new": N_("new"), "updated": N_("updated"), "unchanged": N_("unchanged"), "refused": N_("refused")}


def export_path(name: str | Path) -> Path:
    """The file an import reads: ``sample`` (with no such file here) is the sample export shipped with
    butler-tui, for a first try and for training, at a station as on the command line."""
    path = Path(name)
    return sample_path() if str(name).strip() == "sample" and not path.exists() else path


def sample_path() -> Path:
    """The sample arrivals export shipped with butler-tui (in a wheel: ``butler_tui/_data``)."""
    from importlib import resources

    packaged = resources.files("butler_tui").joinpath("_data", "sample-pms-arrivals.csv")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / "sample-pms-arrivals.csv"
