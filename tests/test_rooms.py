"""Rooms live (issue 17): housekeeping status, the ready rule, out of order, DND, settings; the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import checklists, rooms, settings, stays
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store
from tests.test_arrivals import _tick_stage

from .conftest import signed_env

BUTLER, SUPERVISOR, MANAGER = "2002", "2005", "0003"


def _arrival_without_room(store: Store) -> stays.StayRow:
    return next(s for s in stays.arrivals(store) if s.status == "expected" and not s.room_number)


def _vacant_room(store: Store) -> str:
    return str(store.scalar("SELECT number FROM rooms r WHERE occupancy = 'vacant' AND hk_status != 'out_of_order'"
                            " AND NOT EXISTS (SELECT 1 FROM stays s WHERE s.room_number = r.number)"
                            " ORDER BY number LIMIT 1"))


def test_a_housekeeping_day_from_check_out_to_a_ready_room(demo_store: Store):
    leaving = next(s for s in stays.departures(demo_store) if s.status in ("in_house", "due_out") and s.room_number)
    room = leaving.room_number
    assert room
    _tick_stage(demo_store, leaving, "departure", "1002")
    checklists.complete_stage(demo_store, leaving.id, "departure", staff_no="1002", station="lobby")
    stays.transition(demo_store, leaving.id, "departed", staff_no="1002", station="lobby")
    after = rooms.get_room(demo_store, room)
    assert (after.occupancy, after.hk_status, after.dnd) == ("vacant", "dirty", False)

    arrival = _arrival_without_room(demo_store)
    stays.assign_room(demo_store, arrival.id, room, staff_no="1001", station="lobby")
    assert not stays.get_stay(demo_store, arrival.id).room_ready
    for status in ("cleaning", "clean"):
        assert rooms.set_status(demo_store, room, status, by=BUTLER).hk_status == status
    assert not stays.get_stay(demo_store, arrival.id).room_ready  # clean is not enough: inspected is the rule
    with pytest.raises(PermissionDenied, match="may not pass a clean room as inspected"):
        rooms.set_status(demo_store, room, "inspected", by=BUTLER)
    assert rooms.get_room(demo_store, room).hk_status == "clean"
    assert rooms.set_status(demo_store, room, "inspected", by=SUPERVISOR).hk_status == "inspected"
    assert stays.get_stay(demo_store, arrival.id).room_ready
    assert arrival.id in [s.id for s in stays.arrivals(demo_store) if s.room_ready]
    changes = [(r["actor"], r["action"]) for r in demo_store.rows(
        "SELECT actor, action FROM events WHERE entity = 'rooms' AND entity_id = ? ORDER BY id", (room,))]
    assert changes == [(BUTLER, "hk_status"), (BUTLER, "hk_status"), (SUPERVISOR, "hk_status")]


def test_the_ready_rule_clean_makes_a_clean_room_enough(demo_store: Store):
    arrival = _arrival_without_room(demo_store)
    room = _vacant_room(demo_store)
    stays.assign_room(demo_store, arrival.id, room, staff_no="1001", station="lobby")
    rooms.set_status(demo_store, room, "clean", by=BUTLER)
    assert not stays.get_stay(demo_store, arrival.id).room_ready
    with pytest.raises(PermissionDenied):
        settings.set_setting(demo_store, "ready_rule", "clean", by=SUPERVISOR)
    settings.set_setting(demo_store, "ready_rule", "clean", by=MANAGER)
    assert stays.get_stay(demo_store, arrival.id).room_ready
    rooms.set_status(demo_store, room, "cleaning", by=BUTLER)
    assert not stays.get_stay(demo_store, arrival.id).room_ready


def test_out_of_order_blocks_giving_the_room_to_an_arrival(demo_store: Store):
    arrival = _arrival_without_room(demo_store)
    room = _vacant_room(demo_store)
    until = (clock.today() + timedelta(days=3)).isoformat()
    with pytest.raises(InvalidInput, match="reason"):
        rooms.set_out_of_order(demo_store, room, reason=" ", until=until, by=BUTLER)
    with pytest.raises(InvalidInput, match="until"):
        rooms.set_out_of_order(demo_store, room, reason="leaking pipe", until=None, by=BUTLER)
    shut = rooms.set_out_of_order(demo_store, room, reason="leaking pipe", until=until, by=BUTLER)
    assert (shut.hk_status, shut.ooo, shut.ooo_reason, shut.ooo_until) == ("out_of_order", "out_of_order",
                                                                          "leaking pipe", until)
    with pytest.raises(InvalidInput, match=f"room {room} is out_of_order until {until} \\(leaking pipe\\)"):
        stays.assign_room(demo_store, arrival.id, room, staff_no="1001", station="lobby")
    with pytest.raises(InvalidInput, match="clear it first"):
        rooms.set_status(demo_store, room, "clean", by=BUTLER)
    assert stays.get_stay(demo_store, arrival.id).room_number is None
    back = rooms.clear_out_of_order(demo_store, room, by=BUTLER)
    assert (back.hk_status, back.ooo, back.ooo_until) == ("dirty", None, None)
    stays.assign_room(demo_store, arrival.id, room, staff_no="1001", station="lobby")
    assert stays.get_stay(demo_store, arrival.id).room_number == room


def _occupied_room(store: Store) -> str:
    return str(store.scalar("SELECT number FROM rooms WHERE occupancy = 'occupied' AND NOT dnd ORDER BY number LIMIT 1"))


def test_dnd_on_and_off(demo_store: Store):
    room = _occupied_room(demo_store)
    on = rooms.set_dnd(demo_store, room, True, by=BUTLER)
    assert on.dnd and on.dnd_since
    off = rooms.set_dnd(demo_store, room, False, by=BUTLER)
    assert not off.dnd and off.dnd_since is None
    empty = _vacant_room(demo_store)  # nobody in it to ask not to be disturbed
    with pytest.raises(InvalidInput, match=f"room {empty} has no guest in it"):
        rooms.set_dnd(demo_store, empty, True, by=BUTLER)
    assert not rooms.get_room(demo_store, empty).dnd
    room = empty
    assert rooms.set_makeup(demo_store, room, True, by=BUTLER).makeup_requested
    assert not rooms.set_status(demo_store, room, "clean", by=BUTLER).makeup_requested


def test_a_room_out_of_order_names_its_repair(demo_db: Path):
    """Out of order for a leak: the repair is raised and linked in the same step (engineering is told);
    a task for another room is refused as the link; back in order, the link goes."""
    run = _runner(demo_db)
    store = Store(demo_db)
    try:
        room_no = _vacant_room(store)
        other = store.scalar("SELECT id FROM tasks WHERE room_number IS NOT NULL AND room_number != ? LIMIT 1",
                             (room_no,))
    finally:
        store.close()
    until = (clock.today() + timedelta(days=3)).isoformat()
    by = ("--by", BUTLER, "--by-pin", DEMO_PIN)
    shut = run("room", "ooo", room_no, "--reason", "leak under the basin", "--until", until, "--repair", *by, "--json")
    assert shut.exit_code == 0, shut.output
    room = json.loads(shut.output)
    task = json.loads(run("task", "show", str(room["ooo_task"]), "--json").output)
    assert (task["type"], task["room"], task["details"]) == ("repair", room_no, "leak under the basin")
    assert task["doing_team"] == "ENG"
    assert f"repair task #{room['ooo_task']}" in run("room", "show", room_no).output
    wrong = run("room", "ooo", room_no, "--reason", "leak", "--until", until, "--task", str(other), *by)
    assert wrong.exit_code == 2 and f"task #{other} is for room" in wrong.output
    both = run("room", "ooo", room_no, "--reason", "leak", "--until", until, "--task", "1", "--repair", *by)
    assert both.exit_code == 2 and "not both" in both.output
    back = json.loads(run("room", "ooo", room_no, "--clear", *by, "--json").output)
    assert back["ooo_task"] is None and back["hk_status"] == "dirty"


def test_settings_are_validated():
    assert settings.check_setting("timezone", "Asia/Shanghai") == "Asia/Shanghai"
    assert settings.check_setting("night_audit", "3:5") == "03:05"
    for key, value in (("timezone", "Mars/Olympus"), ("timezone", "../etc"), ("night_audit", "25:00"),
                       ("ready_rule", "sparkling"), ("colour", "blue")):
        with pytest.raises(InvalidInput):
            settings.check_setting(key, value)


# -- the command line --------------------------------------------------------------------------------------


def _runner(demo_db: Path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args), catch_exceptions=False)

    return run


def test_cli_room_json_shapes(demo_db: Path):
    run = _runner(demo_db)
    shown = run("room", "show", "301", "--json")
    assert shown.exit_code == 0, shown.output
    room = json.loads(shown.output)
    assert {"number", "floor", "occupancy", "hk_status", "dnd", "dnd_since", "ooo", "ooo_reason",
            "ooo_until"} <= set(room)
    assert (room["number"], room["floor"]) == ("301", 3)
    listed = json.loads(run("room", "list", "--floor", "3", "--json").output)
    assert listed and {r["floor"] for r in listed} == {3} and "301" in [r["number"] for r in listed]
    store = Store(demo_db)
    try:
        room_no = _vacant_room(store)
    finally:
        store.close()
    by = ("--by", BUTLER, "--by-pin", DEMO_PIN)
    assert json.loads(run("room", "set", room_no, "dirty", *by, "--json").output)["hk_status"] == "dirty"
    refused = run("room", "dnd", room_no, "on", *by, "--json")
    assert refused.exit_code == 2 and "has no guest in it" in refused.output  # a vacant room
    store = Store(demo_db)
    try:
        guest_in = _occupied_room(store)
    finally:
        store.close()
    dnd = json.loads(run("room", "dnd", guest_in, "on", *by, "--json").output)
    assert dnd["dnd"] is True and dnd["dnd_since"]
    until = (clock.today() + timedelta(days=2)).isoformat()
    ooo = json.loads(run("room", "ooo", room_no, "--reason", "new carpet", "--until", until, *by, "--json").output)
    assert (ooo["hk_status"], ooo["ooo"], ooo["ooo_reason"], ooo["ooo_until"]) == ("out_of_order", "out_of_order",
                                                                                    "new carpet", until)
    cleared = json.loads(run("room", "ooo", room_no, "--clear", *by, "--json").output)
    assert (cleared["hk_status"], cleared["ooo"]) == ("dirty", None)
    refused = run("room", "set", room_no, "clean", "--by", BUTLER, "--by-pin", DEMO_PIN)
    assert refused.exit_code == 0
    refused = run("room", "set", room_no, "inspected", "--by", BUTLER, "--by-pin", DEMO_PIN)
    assert refused.exit_code == 5 and "may not pass a clean room as inspected" in refused.output
    got = json.loads(run("settings", "get", "ready_rule", "--json").output)
    assert got == {"name": "ready_rule", "value": "inspected", "default": True}
    put = run("settings", "set", "timezone", "Asia/Shanghai", "--by", MANAGER, "--by-pin", DEMO_PIN, "--json")
    assert json.loads(put.output) == {"name": "timezone", "value": "Asia/Shanghai", "default": False}
    assert run("settings", "get", "timezone").output.strip() == "timezone = Asia/Shanghai"


@pytest.mark.parametrize("args", [
    ("room", "show", "9999"),
    ("room", "show", "abc"),
    ("room", "set", "301", "sparkling", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("room", "set", "9999", "clean", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("room", "ooo", "302", "--until", "2099-01-01", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("room", "ooo", "302", "--reason", "leak", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("room", "ooo", "302", "--reason", "leak", "--until", "soon", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("room", "dnd", "302", "maybe", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("settings", "set", "timezone", "Mars/Olympus", "--by", MANAGER, "--by-pin", DEMO_PIN),
    ("settings", "set", "night_audit", "25:00", "--by", MANAGER, "--by-pin", DEMO_PIN),
    ("settings", "set", "ready_rule", "clean", "--by", BUTLER, "--by-pin", DEMO_PIN),
    ("settings", "get", "colour"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(demo_db: Path, args: tuple[str, ...]):
    store = Store(demo_db)
    try:
        before = store.scalar("SELECT count(*) FROM events WHERE entity IN ('rooms', 'settings')")
        rooms_before = store.rows("SELECT * FROM rooms ORDER BY number")
    finally:
        store.close()
    result = _runner(demo_db)(*args)
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    store = Store(demo_db)
    try:
        assert store.scalar("SELECT count(*) FROM events WHERE entity IN ('rooms', 'settings')") == before
        assert store.rows("SELECT * FROM rooms ORDER BY number") == rooms_before
        assert store.scalar("SELECT count(*) FROM settings WHERE name IN ('timezone', 'night_audit', 'ready_rule')") == 0
    finally:
        store.close()


def test_the_arrival_is_told_when_its_room_becomes_ready(demo_store: Store):
    """谁预订谁检查: whoever booked the arrival (and its dedicated butler) hears that the room is ready, once."""
    from butler_tui.services import messaging

    arrival = _arrival_without_room(demo_store)
    room = _vacant_room(demo_store)
    stays.assign_room(demo_store, arrival.id, room, staff_no="1001", station="lobby")
    with demo_store.write("1001", "lobby") as tx:  # the room has just been vacated
        tx.execute("UPDATE rooms SET hk_status = 'dirty' WHERE number = ?", (room,))
        tx.event("rooms", room, "hk_status", after={"hk_status": "dirty"})
    booked_by = demo_store.scalar("SELECT booked_by FROM stays WHERE id = ?", (arrival.id,))
    assert booked_by

    def told() -> list[messaging.MessageView]:
        return [m for m in messaging.list_messages(demo_store) if m.room_number == room and "is ready for" in m.body]

    rooms.set_status(demo_store, room, "clean", by=BUTLER, station="floors-mid")
    assert told() == []  # clean is not ready under the default rule
    rooms.set_status(demo_store, room, "inspected", by=SUPERVISOR, station="floors-mid")
    [notice] = told()
    assert f"#{arrival.id}" in notice.body and notice.from_station == "floors-mid"
    assert notice.pending and "floors-mid" not in notice.pending
    rooms.set_status(demo_store, room, "inspected", by=SUPERVISOR, station="floors-mid")  # nothing new
    assert len(told()) == 1
