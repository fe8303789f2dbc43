"""Who and where: teams, stations, staff, rooms."""

from __future__ import annotations

import json
from dataclasses import dataclass

from butler_tui.errors import NotFound
from butler_tui.i18n import t as tr
from butler_tui.store import Store


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    name_zh: str
    team_code: str
    team_name: str
    floors: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.name} {self.name_zh}".strip()


@dataclass(frozen=True)
class StaffInfo:
    staff_no: str
    name: str
    name_en: str
    team_code: str | None
    role: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.staff_no})"


def get_station(store: Store, code: str) -> StationInfo:
    from butler_tui.models import Station, validate

    model = validate(Station, {"code": code, "name": "?", "team_code": "XX"}, "station")
    row = store.row(
        "SELECT s.*, t.name AS team_name FROM stations s JOIN teams t ON t.code = s.team_code"
        " WHERE s.code = ? AND s.active",
        (model.code,),
    )
    if row is None:
        known = ", ".join(r["code"] for r in store.rows("SELECT code FROM stations WHERE active ORDER BY code"))
        hint = (tr("; known stations: {known}", known=known) if known
                else tr("; the database has no stations (run `butler demo`)"))
        raise NotFound(tr("unknown station {code!r}{hint}", code=model.code, hint=hint))
    return StationInfo(
        code=row["code"], name=row["name"], name_zh=row["name_zh"], team_code=row["team_code"],
        team_name=row["team_name"], floors=tuple(json.loads(row["floors"] or "[]")),
    )


def list_stations(store: Store) -> list[StationInfo]:
    return [get_station(store, r["code"]) for r in store.rows("SELECT code FROM stations WHERE active ORDER BY code")]


def get_staff(store: Store, staff_no: str) -> StaffInfo:
    from butler_tui.models import Staff, validate

    model = validate(Staff, {"staff_no": staff_no, "name": "?"}, "staff")
    row = store.row("SELECT * FROM staff WHERE staff_no = ? AND active", (model.staff_no,))
    if row is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=model.staff_no))
    return StaffInfo(
        staff_no=row["staff_no"], name=row["name"], name_en=row["name_en"], team_code=row["team_code"],
        role=row["role"], title=row["title"],
    )


@dataclass(frozen=True)
class StaffEntry:
    """One line of the staff list, active or not."""

    staff_no: str
    name: str
    team_code: str | None
    role: str
    title: str
    active: bool
    locked_until: str | None


def list_staff(store: Store) -> list[StaffEntry]:
    """Every staff member, active or not, by staff no., with team, role and lock."""
    return [
        StaffEntry(staff_no=r["staff_no"], name=r["name"], team_code=r["team_code"], role=r["role"],
                   title=r["title"], active=bool(r["active"]), locked_until=r["locked_until"])
        for r in store.rows("SELECT staff_no, name, team_code, role, title, active, locked_until FROM staff"
                            " ORDER BY staff_no")
    ]


def audience_codes(store: Store) -> list[str]:
    """What a message can be addressed to, besides ``all``: the active stations and ``team:CODE``."""
    codes = [str(r["code"]) for r in store.rows("SELECT code FROM stations WHERE active ORDER BY code")]
    return codes + [f"team:{r['code']}" for r in store.rows("SELECT code FROM teams ORDER BY code")]
