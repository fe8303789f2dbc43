"""The rules the station and the command line ask before they offer something: which tasks a station
sees, what may be done to a task and by whom, where a stay may go next. Fast: services only."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import ButlerError, InvalidInput
from butler_tui.services import auth, stays, tasks
from tests.conftest import signed_env


def _ids(rows: list[tasks.TaskRow]) -> set[int]:
    return {t.id for t in rows}


def test_a_station_sees_its_teams_floors_and_own_requests(demo_store):
    on_nine = tasks.create(demo_store, type="repair", room="908", name="Tap", staff_no="5003", station="cs")
    at_lobby = tasks.create(demo_store, type="guest_request", room="1208", name="Towels", staff_no="1002",
                            station="lobby")
    handed = tasks.create(demo_store, type="guest_request", name="Umbrella", staff_no="1002", station="lobby")
    tasks.hand_on(demo_store, handed, "ENG", staff_no="1002", station="lobby")

    mid = _ids(tasks.visible_to(demo_store, "floors-mid"))
    assert on_nine in mid and at_lobby not in mid  # room 908 is on its floors, 1208 is not
    assert at_lobby in _ids(tasks.visible_to(demo_store, "floors-high"))  # the 12th floor
    lobby = _ids(tasks.visible_to(demo_store, "lobby"))
    assert {at_lobby, handed} <= lobby and on_nine not in lobby  # raised there / its team's
    assert handed in _ids(tasks.visible_to(demo_store, "eng"))  # the second responsible department
    assert on_nine in _ids(tasks.visible_to(demo_store, "cs"))  # the first responsible department
    everything = tasks.open_tasks(demo_store)
    assert tasks.visible_to(demo_store, "eng", scope_all=True) == everything
    for station in ("lobby", "floors-mid", "eng", "cs", "security"):
        assert tasks.visible_to(demo_store, station, among=everything) == tasks.visible_to(demo_store, station)


def test_the_command_line_lists_what_the_station_sees(demo_db: Path, demo_store):
    tasks.create(demo_store, type="repair", room="908", name="Tap", staff_no="5003", station="cs")
    for station in ("lobby", "floors-mid", "cs"):
        listed = CliRunner().invoke(cli, ["--db", str(demo_db), "task", "list", "--station", station, "--json"],
                                    env=signed_env(demo_db, ["task", "list"]))
        assert listed.exit_code == 0, listed.output
        assert [t["id"] for t in json.loads(listed.output)] == [t.id for t in tasks.visible_to(demo_store, station)]


def test_an_unknown_station_sees_nothing_but_an_error(demo_store):
    with pytest.raises(ButlerError, match="unknown station 'spa'"):
        tasks.visible_to(demo_store, "spa")


def _task_in(store, status: str, *, assignee: str = "2003") -> int:
    """A fresh task brought to ``status`` by the butler ``assignee`` (verified by lead 2001)."""
    task_id = tasks.create(store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                           station="floors-mid")
    by = {"staff_no": assignee, "station": "floors-mid"}
    path = {
        "new": [], "acknowledged": ["ack"], "in_progress": ["start"], "on_hold": ["start", "hold"],
        "deferred": ["defer"], "done": ["start", "done"], "verified": ["start", "done", "verify"],
        "closed": ["start", "done", "verify", "close"], "cancelled": ["cancel"],
        "reopened": ["start", "done", "reopen"],
    }[status]
    for action in path:
        who = {"staff_no": "2001", "station": "floors-mid"} if action in ("verify", "close", "cancel") else by
        tasks.transition(store, task_id, action, reason="because" if action in tasks.NEEDS_REASON else None,
                         until=clock.now() + timedelta(hours=1) if action == "defer" else None, **who)
    assert tasks.get_task(store, task_id).status == status
    return task_id


def test_allowed_actions_follow_the_status_and_the_role(demo_store):
    butler, lead, manager = (auth.actor(demo_store, no) for no in ("2002", "2001", "0003"))
    new = tasks.get_task(demo_store, _task_in(demo_store, "new"))
    # A butler cancels only what they received (its owner); anyone else's is for leads and up (issue 18).
    assert tasks.allowed_actions(new, butler) == {"ack", "start", "defer", "hand_on", "escalate"}
    assert "cancel" in tasks.allowed_actions(new, auth.actor(demo_store, "2003"))  # who received it
    assert "cancel" in tasks.allowed_actions(new, lead)
    assert tasks.allowed_actions(new, manager) == {"ack", "start", "defer", "cancel", "hand_on", "escalate",
                                                   "take_over", "reassign", "resolve"}
    assert tasks.allowed_actions(new, None) == set()  # nobody signed in takes no step
    done = tasks.get_task(demo_store, _task_in(demo_store, "done"))
    assert "verify" not in tasks.allowed_actions(done, butler)  # a butler may not verify
    assert "verify" in tasks.allowed_actions(done, lead)
    assert "verify" not in tasks.allowed_actions(done, auth.actor(demo_store, "2003"))  # nor anyone their own work
    held = tasks.get_task(demo_store, _task_in(demo_store, "on_hold"))
    assert tasks.allowed_actions(held, lead) & set(tasks.TRANSITIONS) == {"resume", "cancel"}
    closed = tasks.get_task(demo_store, _task_in(demo_store, "closed"))
    assert tasks.allowed_actions(closed, manager) == {"reopen"}


@pytest.mark.parametrize("status", ["new", "acknowledged", "in_progress", "on_hold", "done", "verified", "closed",
                                    "cancelled"])
@pytest.mark.parametrize("staff_no", ["2002", "2001"])
def test_what_the_rule_allows_the_service_does_and_what_it_refuses_the_service_refuses(demo_store, status, staff_no):
    who = auth.actor(demo_store, staff_no)
    task_id = _task_in(demo_store, status, assignee="2004")
    allowed = tasks.allowed_actions(tasks.get_task(demo_store, task_id), who)
    for action in tasks.TRANSITIONS:
        fresh = _task_in(demo_store, status, assignee="2004")
        attempt = {"staff_no": staff_no, "station": "floors-mid", "reason": "because",
                   "until": clock.now() + timedelta(hours=1)}
        if action in allowed:
            tasks.transition(demo_store, fresh, action, **attempt)
        else:
            with pytest.raises(ButlerError):
                tasks.transition(demo_store, fresh, action, **attempt)
    for action, call in {"take_over": lambda t: tasks.take_over(demo_store, t, staff_no=staff_no, station="floors-mid"),
                         "resolve": lambda t: tasks.resolve(demo_store, t, "fixed", staff_no=staff_no, station="floors-mid"),
                         "hand_on": lambda t: tasks.hand_on(demo_store, t, "ENG", staff_no=staff_no, station="floors-mid")
                         }.items():
        fresh = _task_in(demo_store, status, assignee="2004")
        if action in allowed:
            call(fresh)
        else:
            with pytest.raises(ButlerError):
                call(fresh)


def test_one_permission_check_for_the_rule_and_the_write(demo_store):
    butler, lead = auth.actor(demo_store, "2002"), auth.actor(demo_store, "2001")
    assert butler is not None and lead is not None
    assert (butler.role, butler.may("verify_task"), lead.may("verify_task")) == ("butler", False, True)
    assert auth.may(demo_store, "2001", "verify_task") and not auth.may(demo_store, None, "verify_task")
    assert auth.actor(demo_store, "9999") is None and auth.actor(demo_store, None) is None
    # The hotel changes its permissions table: the rule and the write both follow it.
    with demo_store.write(actor="0009") as tx:
        tx.execute("INSERT INTO permissions (role, action) VALUES ('butler', 'verify_task')")
        tx.event("permissions", "butler", "grant", after={"action": "verify_task"})
    assert auth.actor(demo_store, "2002").may("verify_task")


def _stay(store, status: str) -> stays.StayRow:
    stay_id = store.scalar("SELECT id FROM stays ORDER BY id LIMIT 1")
    return dataclasses.replace(stays.get_stay(store, stay_id), status=status)


@pytest.mark.parametrize(("status", "steps"), [
    ("expected", ["room_ready", "arrived", "cancelled"]),
    ("room_ready", ["arrived", "cancelled"]),
    ("arrived", ["in_house"]),
    ("in_house", ["due_out", "departed"]),
    ("due_out", ["departed"]),
    ("departed", []),
    ("cancelled", []),
])
def test_next_steps_of_a_stay(demo_store, status, steps):
    assert stays.next_steps(_stay(demo_store, status), auth.actor(demo_store, "1002")) == steps
    assert stays.next_steps(_stay(demo_store, status), None) == []


def test_a_stay_refuses_the_steps_it_does_not_offer(demo_store):
    stay = next(s for s in stays.arrivals(demo_store) if s.status == "expected")
    offered = stays.next_steps(stay, auth.actor(demo_store, "1002"))
    for to in stays.STATUSES:
        if to not in offered and to != stay.status:
            with pytest.raises(InvalidInput):
                stays.transition(demo_store, stay.id, to, staff_no="1002", station="lobby", reason="x")
