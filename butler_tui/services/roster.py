"""The duty roster: who is on which shift on which date, and each shift's duty manager (值班经理).

A roster row is (date, shift, staff no.): the date is the local day the shift *starts* (a night shift
16:00–24:30 of 24 Nov is still the 24th at 00:15 on the 25th), the shift one of the hotel's shifts by
name (``config.current_shifts``). One person per shift may be its duty manager. Leads and up set it
(permission ``set_roster``), one person at a time (:func:`set_duty`, :func:`clear`) or a CSV file at a
time (:func:`import_csv`: all rows or none; each (date, shift) in the file is replaced by the file's
rows), and every change is an ``events`` row in its own transaction.

Escalation reads it (:func:`reach`): a ladder step meant for the supervisor, the manager or the
director goes to the doing team's people of that role who are on duty now, or the next role up the
chain, or at the top the duty manager of the shift.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.config import Shift, current_shifts, shift_window
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import t as tr
from butler_tui.services.auth import actor, denial, require
from butler_tui.services.csvfile import data_rows
from butler_tui.services.pms_import import ImportRejected, read_text
from butler_tui.services.times import parse_day
from butler_tui.store import Store, Tx

COLUMNS = ["date", "shift", "staff_no", "duty_manager"]
REQUIRED = ["date", "shift", "staff_no"]
# Who may be a shift's duty manager (值班经理): the managing roles, not the floor.
DUTY_MANAGER_ROLES = ("supervisor", "manager", "director")
# Who an escalation step reaches, in the order it falls back when nobody of a role is on duty.
CHAIN = ("supervisor", "manager", "director")
DUTY_MANAGER = "duty_manager"
YES = {"1", "yes", "y", "true", "x", "是"}
NO = {"", "0", "no", "n", "false", "否"}
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Duty:
    """One person on one shift."""

    day: str  # YYYY-MM-DD, the local day the shift starts
    shift: str
    staff_no: str
    name: str
    role: str
    team_code: str | None
    duty_manager: bool

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day, "shift": self.shift, "staff_no": self.staff_no, "name": self.name,
                "role": self.role, "team": self.team_code, "duty_manager": self.duty_manager}


_SELECT = ("SELECT r.shift_date, r.shift, r.staff_no, s.name, s.role, s.team_code, r.duty_manager"
           " FROM roster r JOIN staff s ON s.staff_no = r.staff_no")


def _duty(row: tuple[Any, ...] | list[Any]) -> Duty:
    return Duty(day=str(row[0]), shift=str(row[1]), staff_no=str(row[2]), name=str(row[3]), role=str(row[4]),
                team_code=row[5], duty_manager=bool(row[6]))


def _shift_order() -> dict[str, int]:
    return {s.name: i for i, s in enumerate(sorted(current_shifts(), key=lambda s: s.start))}


def _sorted(duties: list[Duty]) -> list[Duty]:
    order = _shift_order()
    return sorted(duties, key=lambda d: (d.day, order.get(d.shift, len(order)), d.shift, not d.duty_manager,
                                         d.staff_no))


# --------------------------------------------------------------------------------------------
# Parsing what people type
# --------------------------------------------------------------------------------------------


def _shift(name: str) -> Shift:
    for s in current_shifts():
        if s.name == name.strip().lower():
            return s
    raise InvalidInput(tr("unknown shift {name!r}; shifts: {known}", name=name,
                          known=", ".join(s.name for s in current_shifts())))


def parse_flag(value: str) -> bool:
    """``1``/``yes``/``y``/``是`` or ``0``/``no``/``n``/``否``/empty, as the CSV's ``duty_manager`` column."""
    return _flag(value)


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(tr("duty_manager {value!r} is not 1 or 0 (yes or no)", value=value))


def _person(tx: Tx, staff_no: str) -> tuple[str, str, str]:
    """(staff no., name, role) of an active member of staff, else a clear refusal."""
    found = tx.execute("SELECT staff_no, name, role FROM staff WHERE staff_no = ? AND active",
                       (staff_no.strip().upper(),)).fetchone()
    if found is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
    return str(found[0]), str(found[1]), str(found[2])


def _can_be_duty_manager(name: str, role: str) -> None:
    if role not in DUTY_MANAGER_ROLES:
        raise InvalidInput(tr("{name} ({role}) cannot be duty manager: that is for {roles}", name=name,
                              role=tr(role), roles=", ".join(tr(r) for r in DUTY_MANAGER_ROLES)))


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def show(store: Store, day: str | date | None = None) -> list[Duty]:
    """Who is on each shift of ``day`` (default: today), by shift, the duty manager first."""
    found = parse_day(day).isoformat()
    return _sorted([_duty(r) for r in store.db.conn.execute(_SELECT + " WHERE r.shift_date = ?", (found,))])


def listing(store: Store, start: str | date | None = None, end: str | date | None = None) -> list[Duty]:
    """The roster from ``start`` to ``end`` (inclusive; either open)."""
    sql, params = _SELECT + " WHERE 1", list[str]()
    if start is not None:
        sql, params = sql + " AND r.shift_date >= ?", [*params, parse_day(start).isoformat()]
    if end is not None:
        sql, params = sql + " AND r.shift_date <= ?", [*params, parse_day(end).isoformat()]
    return _sorted([_duty(r) for r in store.db.conn.execute(sql, params)])


def export_csv(store: Store, start: str | date | None = None, end: str | date | None = None) -> str:
    """The roster as the CSV :func:`import_csv` reads (``date,shift,staff_no,duty_manager``)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for d in listing(store, start, end):
        writer.writerow([d.day, d.shift, d.staff_no, "1" if d.duty_manager else "0"])
    return out.getvalue()


def shifts_at(moment: datetime | None = None) -> list[tuple[date, Shift]]:
    """The (date, shift) pairs on duty at ``moment`` (default now), in the hotel's local time: the date
    is the day the shift started (yesterday's night shift at 00:15)."""
    local = clock.local(moment or clock.now())
    found: list[tuple[date, Shift]] = []
    for s in current_shifts():
        for offset in (0, -1):
            day = local.date() + timedelta(days=offset)
            start, end = shift_window(s, day)
            if start <= local < end:
                found.append((day, s))
                break
    return found


def _on_duty(conn: sqlite3.Connection, moment: datetime | None) -> list[Duty]:
    pairs = shifts_at(moment)
    if not pairs:
        return []
    where = " OR ".join("(r.shift_date = ? AND r.shift = ?)" for _ in pairs)
    params = [v for day, s in pairs for v in (day.isoformat(), s.name)]
    rows = conn.execute(_SELECT + f" WHERE s.active AND ({where})", params).fetchall()
    return _sorted([_duty(r) for r in rows])


def shift_end(store: Store, staff_no: str, moment: datetime | None = None) -> datetime | None:
    """When the shift ``staff_no`` is rostered on at ``moment`` (default now) ends (the latest, when two
    overlap); ``None`` when they are on no shift on duty then."""
    ends = [shift_window(s, day)[1] for day, s in shifts_at(moment)
            if store.db.conn.execute("SELECT 1 FROM roster WHERE shift_date = ? AND shift = ? AND staff_no = ?",
                                     (day.isoformat(), s.name, staff_no)).fetchone()]
    return max(ends) if ends else None


def on_duty(tx: Tx, moment: datetime | None = None) -> list[Duty]:
    """Everyone rostered on a shift that is on duty at ``moment`` (active staff only)."""
    return _on_duty(tx.db.conn, moment)


def team_on_duty(store: Store, team: str | None, moment: datetime | None = None) -> list[Duty]:
    """The ``team``'s people rostered on a shift on duty at ``moment`` (default now), each once."""
    return _unique([d for d in _on_duty(store.db.conn, moment) if team and d.team_code == team])


def reach(tx: Tx, team: str | None, role: str, moment: datetime | None = None) -> tuple[str, list[Duty]]:
    """Who a ladder step meant for ``role`` reaches now: the ``team``'s people of that role on duty, else
    of the next role up the chain (supervisor → manager → director), else the duty manager(s) of the
    shift(s) on duty. Returns the role reached (``duty_manager`` at the top) and the people, each once;
    ``("", [])`` when nobody is rostered who fits — the step then goes to the role by its label."""
    people = on_duty(tx, moment)
    if not people:
        return "", []
    # A step meant for the duty manager goes to them directly; an unknown role starts at the bottom.
    start = CHAIN.index(role) if role in CHAIN else len(CHAIN) if role == DUTY_MANAGER else 0
    for rung in CHAIN[start:]:
        found = _unique([d for d in people if team and d.team_code == team and d.role == rung])
        if found:
            return rung, found
    managers = _unique([d for d in people if d.duty_manager])
    return (DUTY_MANAGER, managers) if managers else ("", [])


def duty_managers(tx: Tx, moment: datetime | None = None) -> list[Duty]:
    """The duty manager(s) of the shift(s) on duty at ``moment``."""
    return _unique([d for d in on_duty(tx, moment) if d.duty_manager])


def _unique(duties: list[Duty]) -> list[Duty]:
    """Each person once (on two overlapping shifts, they are one person to tell)."""
    seen: dict[str, Duty] = {}
    for d in duties:
        seen.setdefault(d.staff_no, d)
    return list(seen.values())


# --------------------------------------------------------------------------------------------
# Changing
# --------------------------------------------------------------------------------------------


def _current(tx: Tx, day: str, shift: str) -> list[dict[str, Any]]:
    return [{"staff_no": str(r[0]), "duty_manager": bool(r[1])} for r in tx.execute(
        "SELECT staff_no, duty_manager FROM roster WHERE shift_date = ? AND shift = ? ORDER BY staff_no",
        (day, shift)).fetchall()]


def refusal(store: Store, staff_no: str | None) -> str | None:
    """The sentence :func:`set_duty` and :func:`clear` would refuse ``staff_no`` with for who they are
    (asked before a form is filled in: a station answers a ruled-out key at once); ``None`` when they may."""
    if not staff_no:
        return tr("sign in first")
    who = actor(store, staff_no)
    if who is None:
        return tr("unknown staff no. {staff_no!r}", staff_no=staff_no)
    return denial(store.db.conn, who, "set_roster")


def set_duty(store: Store, day: str | date, shift: str, staff_no: str, *, duty_manager: bool = False, by: str,
             station: str | None = None) -> Duty:
    """Put ``staff_no`` on ``shift`` of ``day`` (as its duty manager, with ``duty_manager``: the one
    before stays on the shift, no longer its duty manager). Setting someone already on it changes only
    the duty manager mark."""
    on = parse_day(day).isoformat()
    s = _shift(shift)
    with store.write(actor=by, station=station) as tx:
        require(tx, by, "set_roster")
        number, name, role = _person(tx, staff_no)
        if duty_manager:
            _can_be_duty_manager(name, role)
        before = _current(tx, on, s.name)
        if duty_manager:
            tx.execute("UPDATE roster SET duty_manager = 0 WHERE shift_date = ? AND shift = ? AND duty_manager = 1"
                       " AND staff_no <> ?", (on, s.name, number))
        tx.execute("INSERT INTO roster (shift_date, shift, staff_no, duty_manager, set_by, set_at)"
                   " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (shift_date, shift, staff_no) DO UPDATE SET"
                   " duty_manager = excluded.duty_manager, set_by = excluded.set_by, set_at = excluded.set_at",
                   (on, s.name, number, int(duty_manager), by, clock.now_iso()))
        after = _current(tx, on, s.name)
        if after == before:
            tx.abandon()  # nothing changes: no event, no write
        tx.event("roster", f"{on}:{s.name}", "set", before={"staff": before},
                 after={"staff": after, "set": number, "duty_manager": duty_manager})
    found = next(d for d in show(store, on) if d.shift == s.name and d.staff_no == number)
    return found


def clear(store: Store, day: str | date, shift: str, staff_no: str | None = None, *, by: str,
          station: str | None = None) -> int:
    """Take ``staff_no`` (or everyone) off ``shift`` of ``day``; returns how many came off."""
    on = parse_day(day).isoformat()
    s = _shift(shift)
    with store.write(actor=by, station=station) as tx:
        require(tx, by, "set_roster")
        before = _current(tx, on, s.name)
        if staff_no is None:
            gone = tx.execute("DELETE FROM roster WHERE shift_date = ? AND shift = ?", (on, s.name)).rowcount
        else:
            gone = tx.execute("DELETE FROM roster WHERE shift_date = ? AND shift = ? AND staff_no = ?",
                              (on, s.name, staff_no.strip().upper())).rowcount
        if not gone:
            who = staff_no.strip().upper() if staff_no else tr("nobody")
            raise NotFound(tr("{who} is not on the {shift} shift of {day}", who=who, shift=s.name, day=on))
        tx.event("roster", f"{on}:{s.name}", "clear", before={"staff": before},
                 after={"staff": _current(tx, on, s.name)})
    return int(gone)


@dataclass
class ImportReport:
    rows: int = 0
    shifts: int = 0  # (date, shift) pairs replaced
    changed: int = 0  # of them, those whose people changed


def _parse(tx: Tx, path: Path) -> list[tuple[int, str, str, str, bool]]:
    """Every row of the file checked: (line, date, shift, staff no., duty manager); :class:`ImportRejected`
    lists every bad row with its line."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(tr("{path}: the columns are {expected}", path=path, expected=",".join(COLUMNS)))
    reader.fieldnames = header
    staff = {str(r[0]): (str(r[1]), str(r[2])) for r in tx.execute(
        "SELECT staff_no, name, role FROM staff WHERE active").fetchall()}
    problems: list[tuple[int, str]] = []
    rows: list[tuple[int, str, str, str, bool]] = []
    seen: dict[tuple[str, str, str], int] = {}
    managers: dict[tuple[str, str], int] = {}
    for line, values in data_rows(reader, header, path, problems, MAX_ROWS):
        reasons: list[str] = []
        day = shift = ""
        try:
            day = parse_day(values["date"] or "-").isoformat()
        except InvalidInput as exc:
            reasons.append(str(exc))
        try:
            shift = _shift(values["shift"]).name
        except InvalidInput as exc:
            reasons.append(str(exc))
        number = values["staff_no"].upper()
        if number not in staff:
            reasons.append(tr("unknown staff no. {staff_no!r}", staff_no=values["staff_no"]))
        duty_manager = False
        try:
            duty_manager = _flag(values.get("duty_manager", ""))
        except InvalidInput as exc:
            reasons.append(str(exc))
        if duty_manager and number in staff:
            try:
                _can_be_duty_manager(*staff[number])
            except InvalidInput as exc:
                reasons.append(str(exc))
        if not reasons:
            key = (day, shift, number)
            if key in seen:
                reasons.append(tr("{staff_no} is on the {shift} shift of {day} also on line {line}",
                                  staff_no=number, shift=shift, day=day, line=seen[key]))
            elif duty_manager and (day, shift) in managers:
                reasons.append(tr("the {shift} shift of {day} has its duty manager on line {line} already",
                                  shift=shift, day=day, line=managers[(day, shift)]))
        if reasons:
            problems.append((line, "; ".join(reasons)))
            continue
        seen[(day, shift, number)] = line
        if duty_manager:
            managers[(day, shift)] = line
        rows.append((line, day, shift, number, duty_manager))
    if problems:
        raise ImportRejected(path, problems)
    if not rows:
        raise InvalidInput(tr("{path}: nobody on any shift in the file", path=path))
    return rows


def import_csv(store: Store, path: Path, *, by: str, station: str | None = None) -> ImportReport:
    """The roster from a CSV file (``date,shift,staff_no,duty_manager``), all rows or none: each (date,
    shift) the file names gets exactly the file's people; the others are left as they are."""
    report = ImportReport()
    with store.write(actor=by, station=station) as tx:
        require(tx, by, "set_roster")
        rows = _parse(tx, path)
        report.rows = len(rows)
        shifts: dict[tuple[str, str], list[tuple[str, bool]]] = {}
        for _line, day, shift, number, duty_manager in rows:
            shifts.setdefault((day, shift), []).append((number, duty_manager))
        stamp = clock.now_iso()
        for (day, shift), people in shifts.items():
            before = _current(tx, day, shift)
            report.shifts += 1
            if before == [{"staff_no": n, "duty_manager": m} for n, m in sorted(people)]:
                continue  # the same people as before: left as it is
            tx.execute("DELETE FROM roster WHERE shift_date = ? AND shift = ?", (day, shift))
            tx.db.conn.executemany(
                "INSERT INTO roster (shift_date, shift, staff_no, duty_manager, set_by, set_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", [(day, shift, n, int(m), by, stamp) for n, m in people])
            report.changed += 1
            tx.event("roster", f"{day}:{shift}", "import", before={"staff": before},
                     after={"staff": _current(tx, day, shift), "file": path.name})
        if not report.changed:
            tx.event("roster", None, "import", after={"file": path.name, "rows": report.rows, "changed": 0})
    return report


__all__ = ["CHAIN", "COLUMNS", "DUTY_MANAGER", "Duty", "ImportReport", "clear", "duty_managers", "export_csv",
           "import_csv", "listing", "on_duty", "parse_day", "parse_flag", "reach", "refusal", "set_duty", "shifts_at",
           "show", "team_on_duty"]
