"""Who hears about what: the stations a task's notices go to, and the notices themselves.

A task has a first-asked owner (who received it: person, team, station) and a doing team — from its
type (``task_types.team_code``), or chosen when it is raised or handed on; when they differ, the doing
team is the task's second responsible department. A **notice** is a channel message linked to its task
(``messages.task_id``), posted with :func:`butler_tui.services.messaging.post` inside the transaction of
the change it reports, as a stored sentence (:func:`butler_tui.i18n.said`) each station reads in its
own language. The stations concerned must acknowledge it:

* raised → the doing team's stations and the floor station of the room (a safety emergency: an
  emergency broadcast to every station, which each must acknowledge — the emergency screen — Security's
  and the on-duty duty manager's among them: :func:`emergency_stations`);
* handed on → the new team's stations; assigned → the person's station (where they are signed in),
  else their team's;
* reopened → the doing team's; done → the owner's station (verify, and tell the guest);
* verified / closed / cancelled → a notice for information (no acknowledgement) to every station
  told before and the owner's; the acknowledgements the task's messages still wait for are closed
  (``closed_as = 'resolved'``), so a resolved task stops re-alerting.

A team's stations are, when the task has a room and some of them cover its floor, those that do (a
turndown in 908 reaches the floor station of floors 7–10, not every floor); else all of them. The
station where the change is made never notifies itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from butler_tui.i18n import Said, said
from butler_tui.services import roster
from butler_tui.services.messaging import close_task_acks, post
from butler_tui.store import Tx

EMERGENCY_TYPE = "safety_emergency"


# --------------------------------------------------------------------------------------------
# Stations
# --------------------------------------------------------------------------------------------


def room_floor(tx: Tx, room: str | None) -> int | None:
    if not room:
        return None
    found = tx.execute("SELECT floor FROM rooms WHERE number = ?", (room,)).fetchone()
    return int(found[0]) if found else None


def _stations(tx: Tx) -> list[tuple[str, str, list[int]]]:
    """Every active station: (code, team, floors covered), by code."""
    return [(str(code), str(team), json.loads(floors or "[]")) for code, team, floors in tx.execute(
        "SELECT code, team_code, floors FROM stations WHERE active ORDER BY code").fetchall()]


def floor_station(tx: Tx, room: str | None) -> str | None:
    """The station that covers the floor of ``room`` (the first by code when several do)."""
    floor = room_floor(tx, room)
    if floor is None:
        return None
    return next((code for code, _team, floors in _stations(tx) if floor in floors), None)


def team_stations(tx: Tx, team: str | None, floor: int | None = None) -> list[str]:
    """The active stations of ``team``; given the task's ``floor``, only those covering it when any does."""
    if not team:
        return []
    mine = [(code, floors) for code, code_team, floors in _stations(tx) if code_team == team]
    covering = [code for code, floors in mine if floor is not None and floor in floors]
    return covering or [code for code, _floors in mine]


def staff_station(tx: Tx, staff_no: str | None) -> str | None:
    """The station ``staff_no`` is signed in at now (their last sign-in not followed by a sign-out), if any."""
    if not staff_no:
        return None
    last = tx.execute(
        "SELECT e.action, e.station FROM events e WHERE e.entity = 'sessions' AND e.entity_id = ?"
        " AND e.action IN ('sign_in', 'sign_out') ORDER BY e.id DESC LIMIT 1", (staff_no,)).fetchone()
    if last is None or last[0] != "sign_in" or not last[1]:
        return None
    active = tx.execute("SELECT 1 FROM stations WHERE code = ? AND active", (last[1],)).fetchone()
    return str(last[1]) if active else None


def person_stations(tx: Tx, staff_no: str | None, floor: int | None = None) -> list[str]:
    """Where to tell a person: the station they are signed in at, else their team's stations."""
    if not staff_no:
        return []
    at = staff_station(tx, staff_no)
    if at:
        return [at]
    team = tx.execute("SELECT team_code FROM staff WHERE staff_no = ?", (staff_no,)).fetchone()
    return team_stations(tx, team[0] if team else None, floor)


def doing_team(row: dict[str, Any]) -> str | None:
    """The team doing the task: the second responsible department when there is one, else the owner's."""
    return row.get("second_team") or row.get("owner_team")


# --------------------------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notified:
    """One station told of a task, and the message that told it."""

    station: str
    message_id: int

    def to_json(self) -> dict[str, Any]:
        return {"station": self.station, "message_id": self.message_id}


def _sender(tx: Tx, row: dict[str, Any]) -> str | None:
    return tx.station or row.get("station_code")


def _priority(row: dict[str, Any]) -> str:
    """A notice of an urgent task (P1–P2) rings again until acknowledged; the others ring once."""
    return "urgent" if int(row.get("priority") or 3) <= 2 else "routine"


def _room(row: dict[str, Any]) -> Said | str:
    return said(" room {room}", room=row["room_number"]) if row.get("room_number") else ""


def _notice(tx: Tx, row: dict[str, Any], stations: Iterable[str | None], body: Said, *, priority: str | None = None,
            requires_ack: bool = True) -> list[Notified]:
    sender = _sender(tx, row)
    targets = list(dict.fromkeys(code for code in stations if code and code != sender))
    if sender is None or not targets:
        return []
    message_id = post(tx, from_station=sender, from_staff=tx.actor, stations=targets, priority=priority or _priority(row),
                      kind="stations", audience=targets, room=row.get("room_number"), guest_id=row.get("guest_id"),
                      task_id=row["id"], said=body, requires_ack=requires_ack)
    return [Notified(code, message_id) for code in targets]


def emergency_stations(tx: Tx, row: dict[str, Any]) -> tuple[list[str], list[roster.Duty]]:
    """The one rule of who must acknowledge a safety emergency: every active station but the one raising
    it — the doing team's (Security) first, then the on-duty duty manager's (where they are signed in,
    else their team's) — and the duty manager(s) on the roster now (none without a roster)."""
    sender = _sender(tx, row)
    every = [code for code, _team, _floors in _stations(tx)]
    managers = roster.duty_managers(tx)
    first = [*team_stations(tx, doing_team(row)), *(code for d in managers for code in person_stations(tx, d.staff_no))]
    ordered = list(dict.fromkeys([*(code for code in first if code in every), *every]))
    return [code for code in ordered if code != sender], managers


def on_create(tx: Tx, row: dict[str, Any]) -> list[Notified]:
    """A task was raised: the doing team's stations and the room's floor must acknowledge it (and the
    assignee's station, when it was raised for someone). A safety emergency goes to every station."""
    room = _room(row)
    if row["type"] == EMERGENCY_TYPE:
        sender = _sender(tx, row)
        targets, managers = emergency_stations(tx, row)
        if sender is None or not targets:
            return []
        if managers:
            body = said("SAFETY EMERGENCY{room}: {name} — task #{id}; {team} and the duty manager {manager} to"
                        " respond, every station to acknowledge", room=room, name=row["name"], id=row["id"],
                        team=doing_team(row) or "-", manager=", ".join(f"{d.name} ({d.staff_no})" for d in managers))
        else:
            body = said("SAFETY EMERGENCY{room}: {name} — task #{id}; {team} to respond, every station to"
                        " acknowledge", room=room, name=row["name"], id=row["id"], team=doing_team(row) or "-")
        message_id = post(tx, from_station=sender, from_staff=tx.actor, stations=targets, priority="emergency",
                          kind="all", audience=[], room=row.get("room_number"), guest_id=row.get("guest_id"),
                          task_id=row["id"], said=body)
        return [Notified(code, message_id) for code in targets]
    floor = room_floor(tx, row.get("room_number"))
    team = doing_team(row)
    body = said("New task #{id} {name}{room}: {team} to do · P{priority}", id=row["id"], name=row["name"], room=room,
                team=team or "-", priority=row["priority"])
    return _notice(tx, row, [*team_stations(tx, team, floor), floor_station(tx, row.get("room_number")),
                             *person_stations(tx, row.get("assignee_no"), floor)], body)


def on_hand_on(tx: Tx, row: dict[str, Any], team: str, note: str) -> list[Notified]:
    """Handed on: the new team's stations must acknowledge it."""
    room = _room(row)
    body = (said("Task #{id} {name}{room} handed on to {team}: {note}", id=row["id"], name=row["name"], room=room,
                 team=team, note=note[:200]) if note else
            said("Task #{id} {name}{room} handed on to {team}", id=row["id"], name=row["name"], room=room, team=team))
    return _notice(tx, row, team_stations(tx, team, room_floor(tx, row.get("room_number"))), body)


def on_assign(tx: Tx, row: dict[str, Any], staff_no: str) -> list[Notified]:
    """Assigned to a person: their station (or their team's) must acknowledge it."""
    name = tx.execute("SELECT name FROM staff WHERE staff_no = ?", (staff_no,)).fetchone()
    body = said("Task #{id} {name}{room} assigned to {person}", id=row["id"], name=row["name"], room=_room(row),
                person=f"{name[0] if name else staff_no} ({staff_no})")
    return _notice(tx, row, person_stations(tx, staff_no, room_floor(tx, row.get("room_number"))), body)


def on_reopen(tx: Tx, row: dict[str, Any], reason: str) -> list[Notified]:
    """Reopened: the doing team must acknowledge it again."""
    body = said("Task #{id} {name}{room} reopened: {reason}", id=row["id"], name=row["name"], room=_room(row),
                reason=reason[:200])
    return _notice(tx, row, team_stations(tx, doing_team(row), room_floor(tx, row.get("room_number"))), body)


def owner_stations(tx: Tx, row: dict[str, Any]) -> list[str]:
    """Where the first-asked owner follows the task: the station where it was raised; without one, the
    owner's station (or team's)."""
    if row.get("station_code"):
        return [str(row["station_code"])]
    return person_stations(tx, row.get("owner_no")) or team_stations(tx, row.get("owner_team"))


def on_done(tx: Tx, row: dict[str, Any], resolution: str | None) -> list[Notified]:
    """Done: the owner's station must acknowledge it — verify the work, and tell the guest."""
    done = f" · {resolution[:200]}" if resolution else ""
    body = said("Task #{id} {name}{room} done — verify it and tell the guest{done}", id=row["id"], name=row["name"],
                room=_room(row), done=done)
    return _notice(tx, row, owner_stations(tx, row), body)


RESOLVED = ("verify", "close", "cancel", "resolve")


def on_resolved(tx: Tx, row: dict[str, Any], action: str, reason: str | None = None) -> list[Notified]:
    """Verified, closed, cancelled (or resolved by a supervisor): what the task's messages still wait
    for is closed, and everyone told before — and the owner's station — hears it, with nothing to
    acknowledge. Each acknowledgement closed goes on the record as the acks' own events do."""
    for message_id, station in close_task_acks(tx, row["id"]):
        tx.event("acks", f"{message_id}:{station}", "close", before={"acked_at": None},
                 after={"closed_as": "resolved", "task": row["id"]})
    told = [str(r[0]) for r in tx.execute(
        "SELECT DISTINCT a.station_code FROM acks a WHERE a.message_id IN (SELECT id FROM messages WHERE task_id = ?)"
        " ORDER BY a.station_code", (row["id"],)).fetchall()]
    args: dict[str, Any] = {"id": row["id"], "name": row["name"], "room": _room(row)}
    if action == "verify":
        body = said("Task #{id} {name}{room} verified: the loop is closed", **args)
    elif action == "close":
        body = said("Task #{id} {name}{room} closed", **args)
    elif action == "cancel":
        body = said("Task #{id} {name}{room} cancelled: {reason}", **args, reason=(reason or "")[:200])
    else:
        body = said("Task #{id} {name}{room} resolved by a supervisor: {note}", **args, note=(reason or "")[:200])
    return _notice(tx, row, [*owner_stations(tx, row), *told], body, priority="routine", requires_ack=False)
