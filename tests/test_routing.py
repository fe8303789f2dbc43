"""Work reaches the people who do it, and every task closes its loop (issue 16): the doing team from the
task's type, notices on the channel linked to the task at each step, acknowledged where they should be
and nowhere else, a safety emergency at every station that the floor cannot end alone, a reopened task
escalating again, and ``task update`` all or nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, NotFound, PermissionDenied
from butler_tui.services import auth, escalation, messaging, task_types, tasks
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store

from . import workers
from .conftest import signed_env

T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)


def stations(store: Store) -> list[str]:
    return [r["code"] for r in store.rows("SELECT code FROM stations WHERE active ORDER BY code")]


def waiting(store: Store, task_id: int) -> dict[str, list[int]]:
    """Station → the notices of the task it has still to acknowledge (what its banner shows)."""
    found = {code: [m.id for m in messaging.unacked_for(store, code) if m.task_id == task_id]
             for code in stations(store)}
    return {code: ids for code, ids in found.items() if ids}


def notices(store: Store, task_id: int) -> list[messaging.MessageView]:
    return [m for m in reversed(messaging.list_messages(store)) if m.task_id == task_id]


def told(message: messaging.MessageView) -> dict[str, tuple[str | None, str | None]]:
    """Station → (who acknowledged, or why it was closed without an acknowledgement)."""
    return {r.station: (r.staff_no if r.acknowledged else r.closed_as, r.acked_at and "at") for r in message.recipients}


def seen_at(store: Store, station: str, task_id: int) -> list[int]:
    return [m.id for m in messaging.list_messages(store, station=station) if m.task_id == task_id]


def test_each_type_names_the_team_that_does_the_work(demo_store: Store):
    teams = {t.code: t.team_code for t in task_types.list_types(demo_store)}
    assert teams["repair"] == "ENG" and teams["safety_emergency"] == "SEC"
    for code in ("laundry_pickup", "make_up_room", "turndown", "minibar", "amenity_delivery", "pre_arrival_prep"):
        assert teams[code] == "ROOMS", code
    assert teams["complaint"] == teams["follow_up_call"] == "CS"


def test_a_shift_across_four_stations(demo_store: Store):
    """The guest calls the lobby: A/C not cooling in 908. Engineering and the floor hear of it and must
    acknowledge; Engineering does it; the lobby hears it is done, verifies and closes; everyone told
    hears the loop is closed, with nothing more to acknowledge. The F&B desk hears nothing."""
    raised = tasks.raise_task(demo_store, type="repair", room="908", name="A/C not cooling", staff_no="1002",
                              station="lobby")
    task_id = raised.id
    task = tasks.get_task(demo_store, task_id)
    assert (task.owner_no, task.owner_team, task.station_code) == ("1002", "LOBBY", "lobby")  # the first asked
    assert raised.doing_team == task.doing_team == task.second_team == "ENG"
    assert {n.station for n in raised.notified} == {"eng", "floors-mid"}
    [created] = notices(demo_store, task_id)
    assert {n.message_id for n in raised.notified} == {created.id} and created.requires_ack
    assert created.room_number == "908" and "A/C not cooling" in created.body and "ENG" in created.body
    assert waiting(demo_store, task_id) == {"eng": [created.id], "floors-mid": [created.id]}

    messaging.ack(demo_store, created.id, station="eng", staff_no="9001")
    assert waiting(demo_store, task_id) == {"floors-mid": [created.id]}  # the floor has not acked yet
    for step in ("ack", "start"):
        tasks.transition(demo_store, task_id, step, staff_no="9001", station="eng")
    assert len(notices(demo_store, task_id)) == 1  # acking and starting tell nobody
    tasks.transition(demo_store, task_id, "done", resolution="Filter cleaned, cooling again", staff_no="9001",
                     station="eng")
    done = notices(demo_store, task_id)[-1]
    assert done.from_station == "eng" and [r.station for r in done.recipients] == ["lobby"] and done.requires_ack
    assert "verify it and tell the guest" in done.body and "Filter cleaned" in done.body
    assert waiting(demo_store, task_id) == {"floors-mid": [created.id], "lobby": [done.id]}
    messaging.ack(demo_store, done.id, station="lobby", staff_no="1002")

    tasks.transition(demo_store, task_id, "verify", staff_no="1001", station="lobby")
    assert waiting(demo_store, task_id) == {}  # a resolved task stops re-alerting, the floor's notice too
    verified = notices(demo_store, task_id)[-1]
    assert not verified.requires_ack and "verified" in verified.body
    assert {r.station for r in verified.recipients} == {"eng", "floors-mid"}  # those told before
    assert verified.pending == [] and verified.acked == []
    tasks.transition(demo_store, task_id, "close", staff_no="1001", station="lobby")
    assert tasks.get_task(demo_store, task_id).status == "closed"
    closed = notices(demo_store, task_id)[-1]
    assert not closed.requires_ack and "closed" in closed.body and waiting(demo_store, task_id) == {}

    created, done = messaging.get_message(demo_store, created.id), messaging.get_message(demo_store, done.id)
    assert told(created) == {"eng": ("9001", "at"), "floors-mid": ("resolved", "at")}  # closed, not acked
    assert [r.station for r in created.acked] == ["eng"]
    assert told(done) == {"lobby": ("1002", "at")}
    assert told(closed) == {"eng": ("info", "at"), "floors-mid": ("info", "at")}
    assert seen_at(demo_store, "fnb", task_id) == []  # nowhere else
    for code in set(stations(demo_store)) - {"lobby", "eng", "floors-mid"}:
        assert seen_at(demo_store, code, task_id) == [], code
    closed_acks = demo_store.rows("SELECT entity_id, after FROM events WHERE entity = 'acks' AND action = 'close'"
                                  " AND entity_id = ?", (f"{created.id}:floors-mid",))
    assert len(closed_acks) == 1 and json.loads(closed_acks[0]["after"])["task"] == task_id


def test_the_floor_raises_in_its_own_room_and_verifies(demo_store: Store):
    task_id = tasks.create(demo_store, type="repair", room="908", name="Leaking tap", staff_no="2003",
                           station="floors-mid")
    [created] = notices(demo_store, task_id)
    assert [r.station for r in created.recipients] == ["eng"]  # the floor said it: it does not tell itself
    for step in ("ack", "start", "done"):
        tasks.transition(demo_store, task_id, step, staff_no="9001", station="eng")
    done = notices(demo_store, task_id)[-1]
    assert [r.station for r in done.recipients] == ["floors-mid"]
    assert waiting(demo_store, task_id) == {"eng": [created.id], "floors-mid": [done.id]}
    tasks.transition(demo_store, task_id, "verify", staff_no="2001", station="floors-mid")
    assert waiting(demo_store, task_id) == {}


def test_a_team_with_floor_stations_is_told_at_the_room_s_floor(demo_store: Store):
    raised = tasks.raise_task(demo_store, type="turndown", room="908", staff_no="1002", station="lobby")
    assert raised.doing_team == "ROOMS" and [n.station for n in raised.notified] == ["floors-mid"]
    # Raised by its own team at its own station: told to the rest of the team only.
    raised = tasks.raise_task(demo_store, type="complaint", room="1422", staff_no="5003", station="cs")
    assert raised.doing_team == "CS" and tasks.get_task(demo_store, raised.id).second_team is None
    assert [n.station for n in raised.notified] == ["floors-high"]  # cs said it; the room's floor hears


def test_hand_on_assign_and_reopen_tell_the_new_team_or_person(demo_store: Store):
    clock.freeze(T0)
    try:
        task_id = tasks.create(demo_store, type="guest_request", room="1208", name="Iron", staff_no="1002",
                               station="lobby")
        assert {r.station for r in notices(demo_store, task_id)[0].recipients} == {"cs", "floors-high"}
        tasks.hand_on(demo_store, task_id, "ENG", staff_no="1002", station="lobby", note="the iron is broken")
        handed = notices(demo_store, task_id)[-1]
        assert [r.station for r in handed.recipients] == ["eng"] and "the iron is broken" in handed.body
        assert tasks.get_task(demo_store, task_id).doing_team == "ENG"
        # Assigned to someone not signed in anywhere: their team's stations.
        tasks.update(demo_store, task_id, assignee_no="9001", staff_no="1002", station="lobby")
        assert [r.station for r in notices(demo_store, task_id)[-1].recipients] == ["eng"]
        # Signed in at a station: there.
        auth.sign_in(demo_store, "2004", DEMO_PIN, station="floors-low")
        tasks.take_over(demo_store, task_id, staff_no="2001", station="floors-high", assignee="2004")
        assigned = notices(demo_store, task_id)[-1]
        assert [r.station for r in assigned.recipients] == ["floors-low"] and "assigned to" in assigned.body
        auth.sign_out(demo_store, "2004", station="floors-low")
        tasks.take_over(demo_store, task_id, staff_no="2001", station="floors-mid", assignee="2002")
        assert [r.station for r in notices(demo_store, task_id)[-1].recipients] == ["floors-high"]  # ROOMS at 12F
        count = len(notices(demo_store, task_id))
        tasks.take_over(demo_store, task_id, staff_no="2001", station="floors-high")  # takes it: tells nobody
        assert len(notices(demo_store, task_id)) == count
        for step in ("ack", "start", "done"):
            tasks.transition(demo_store, task_id, step, staff_no="2001", station="floors-high")
        tasks.transition(demo_store, task_id, "verify", staff_no="1001", station="lobby")
        assert waiting(demo_store, task_id) == {}
        tasks.transition(demo_store, task_id, "reopen", reason="the iron leaks", staff_no="1002", station="lobby")
        reopened = notices(demo_store, task_id)[-1]
        assert [r.station for r in reopened.recipients] == ["eng"] and reopened.requires_ack
        assert waiting(demo_store, task_id) == {"eng": [reopened.id]}
        tasks.transition(demo_store, task_id, "cancel", reason="guest checked out", staff_no="1002", station="lobby")
        cancelled = notices(demo_store, task_id)[-1]
        assert "guest checked out" in cancelled.body and not cancelled.requires_ack
        assert {r.station for r in cancelled.recipients} == {"cs", "eng", "floors-high", "floors-low"}
        assert waiting(demo_store, task_id) == {}
    finally:
        clock.freeze(None)


def test_a_safety_emergency_reaches_every_station_and_the_floor_cannot_end_it(demo_store: Store):
    raised = tasks.raise_task(demo_store, type="safety_emergency", room="908", name="Smoke in the corridor",
                              staff_no="2003", station="floors-mid")
    task = tasks.get_task(demo_store, raised.id)
    assert (task.owner_team, task.second_team, raised.doing_team) == ("ROOMS", "SEC", "SEC")
    everyone = set(stations(demo_store)) - {"floors-mid"}
    assert {n.station for n in raised.notified} == everyone
    [alarm] = notices(demo_store, raised.id)
    assert alarm.priority == "emergency" and alarm.audience_kind == "all" and alarm.requires_ack
    assert waiting(demo_store, raised.id) == {code: [alarm.id] for code in everyone}  # the emergency screen
    assert all(messaging.unacked_for(demo_store, code)[0].id == alarm.id for code in everyone)  # first of all
    messaging.ack(demo_store, alarm.id, station="security", staff_no="7002")

    tasks.transition(demo_store, raised.id, "ack", staff_no="2003", station="floors-mid")
    floor = auth.actor(demo_store, "2003")
    assert not {"done", "cancel"} & tasks.allowed_actions(tasks.get_task(demo_store, raised.id), floor)
    with pytest.raises(PermissionDenied, match=r"may not end a safety emergency.*that is for SEC or director, manager"):
        tasks.transition(demo_store, raised.id, "done", staff_no="2003", station="floors-mid")
    with pytest.raises(PermissionDenied):
        tasks.transition(demo_store, raised.id, "cancel", reason="false alarm", staff_no="2001", station="floors-mid")
    assert tasks.get_task(demo_store, raised.id).status == "acknowledged"
    assert "done" in tasks.allowed_actions(tasks.get_task(demo_store, raised.id), auth.actor(demo_store, "7002"))
    tasks.transition(demo_store, raised.id, "done", resolution="Burnt toast, smoke cleared", staff_no="7002",
                     station="security")
    tasks.transition(demo_store, raised.id, "verify", staff_no="2001", station="floors-mid")
    with pytest.raises(PermissionDenied, match="SEC"):
        tasks.transition(demo_store, raised.id, "close", staff_no="2001", station="floors-mid")
    tasks.transition(demo_store, raised.id, "close", staff_no="0003", station="floors-mid")  # a manager may
    assert waiting(demo_store, raised.id) == {}  # every station's emergency is closed with the task
    refused = demo_store.scalar("SELECT count(*) FROM events WHERE entity = 'permissions' AND action = 'refused'"
                                " AND entity_id = 'close_safety_emergency'")
    assert refused == 3


def test_a_reopened_task_escalates_again_by_its_ladder(demo_store: Store):
    def at(minutes: float) -> None:
        clock.freeze(T0 + timedelta(minutes=minutes))

    try:
        at(0)
        task_id = tasks.create(demo_store, type="guest_request", room="908", staff_no="1002", station="lobby")
        at(5)  # not acknowledged in 5 min → supervisor
        escalation.sweep(demo_store)
        at(6)
        for step in ("ack", "start", "done"):
            tasks.transition(demo_store, task_id, step, staff_no="5002", station="cs")
        tasks.transition(demo_store, task_id, "verify", staff_no="1001", station="lobby")
        at(8)
        tasks.transition(demo_store, task_id, "reopen", reason="still no iron", staff_no="1002", station="lobby")
        at(12.9)
        escalation.sweep(demo_store)
        assert tasks.get_task(demo_store, task_id).escalation_level == 0
        at(13)  # five minutes after the reopen, unacknowledged again
        escalation.sweep(demo_store)
        task = tasks.get_task(demo_store, task_id)
        assert (task.escalation_level, task.repeat_count) == (1, 1)
        fired = demo_store.rows("SELECT reopen_no, level, repeat_no, message_id FROM escalations WHERE task_id = ?"
                                " ORDER BY id", (task_id,))
        assert [(r["reopen_no"], r["level"], r["repeat_no"]) for r in fired] == [(0, 1, 0), (1, 1, 0)]
        assert "ESCALATION L1" in messaging.get_message(demo_store, fired[-1]["message_id"]).body
        escalation.sweep(demo_store)
        assert demo_store.scalar("SELECT count(*) FROM escalations WHERE task_id = ?", (task_id,)) == 2  # once
    finally:
        clock.freeze(None)


def test_update_applies_all_of_its_changes_or_none(demo_db: Path):
    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    added = json.loads(run("task", "add", "--type", "guest_request", "--station", "lobby", "--staff", "1002",
                           "--room", "908", "--json", "Extra towels").output)
    tid = str(added["id"])
    store = Store(demo_db)
    try:
        def state() -> tuple:
            return (store.row("SELECT second_team, priority, name, updated_at FROM tasks WHERE id = ?", (tid,)),
                    store.scalar("SELECT count(*) FROM events WHERE entity = 'tasks' AND entity_id = ?", (tid,)),
                    store.scalar("SELECT count(*) FROM messages WHERE task_id = ?", (tid,)))

        before = state()
        bad = run("task", "update", tid, "--station", "lobby", "--staff", "1002", "--to-team", "ENG",
                  "--priority", "9")
        assert bad.exit_code == 2 and "priority" in bad.stderr
        assert state() == before  # the hand-on is not written either
        bad = run("task", "update", tid, "--station", "lobby", "--staff", "1002", "--to-team", "SPA",
                  "--name", "Six towels")
        assert bad.exit_code == 1 and "unknown team 'SPA'" in bad.stderr and state() == before
        with pytest.raises(InvalidInput, match="already owns"):
            tasks.update(store, int(tid), to_team="LOBBY", priority=1, staff_no="1002", station="lobby")
        with pytest.raises(NotFound, match="unknown station"):
            tasks.update(store, int(tid), priority=1, staff_no="1002", station="nowhere")
        assert state() == before
        ok = run("task", "update", tid, "--station", "lobby", "--staff", "1002", "--to-team", "ENG", "--priority", "1",
                 "--json")
        assert ok.exit_code == 0, ok.output
        assert (json.loads(ok.output)["second_team"], json.loads(ok.output)["priority"]) == ("ENG", 1)
        actions = [r["action"] for r in store.rows("SELECT action FROM events WHERE entity = 'tasks'"
                                                    " AND entity_id = ? ORDER BY id", (tid,))]
        assert actions == ["create", "hand_on", "update"]
    finally:
        store.close()


def test_cli_add_json_list_by_status_and_mine(demo_db: Path):
    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    added = run("task", "add", "--type", "repair", "--station", "lobby", "--staff", "1002", "--room", "908",
                "--json", "Door closer squeaks")
    assert added.exit_code == 0, added.output
    task = json.loads(added.output)
    assert task["doing_team"] == "ENG" and task["second_team"] == "ENG" and task["owner"]["team"] == "LOBBY"
    assert sorted(n["station"] for n in task["notified"]) == ["eng", "floors-mid"]
    assert len({n["message_id"] for n in task["notified"]}) == 1
    for key in ("id", "type", "name", "room", "status", "owner", "assignee", "due_at", "escalation_level"):
        assert key in task  # every field it had
    text = run("task", "add", "--type", "repair", "--station", "lobby", "--staff", "1002", "--room", "908", "Fan")
    assert "told: eng, floors-mid" in text.output
    tid = str(task["id"])
    for step in ("ack", "start", "done"):
        assert run("task", step, tid, "--station", "eng", "--staff", "9001").exit_code == 0
    done = json.loads(run("task", "list", "--status", "done", "--json").output)
    assert task["id"] in [t["id"] for t in done] and all(t["status"] == "done" for t in done)
    assert task["id"] not in [t["id"] for t in json.loads(run("task", "list", "--json").output)]  # not open
    mine = json.loads(run("task", "list", "--mine", "--staff", "9001", "--status", "done", "--json").output)
    assert [t["id"] for t in mine] == [task["id"]]  # assigned to 9001
    owned = json.loads(run("task", "list", "--mine", "--staff", "1002", "--all", "--json").output)
    assert task["id"] in [t["id"] for t in owned] and all("1002" in (t["owner"]["staff"], t["assignee"])
                                                           for t in owned)
    assert run("task", "verify", tid, "--station", "lobby", "--staff", "1001").exit_code == 0
    verified = json.loads(run("task", "list", "--status", "verified", "--status", "closed", "--json").output)
    assert task["id"] in [t["id"] for t in verified]
    bad = run("task", "list", "--mine")
    assert bad.exit_code == 2 and "--mine needs --staff" in bad.stderr
    bad = run("task", "list", "--status", "finished")
    assert bad.exit_code == 2
    waiting_json = json.loads(run("messages", "--station", "floors-mid", "--json").output)
    mine_notices = [m for m in waiting_json if m["links"]["task_id"] == task["id"]]
    assert [m["requires_ack"] for m in mine_notices] == [False, True]  # newest first: verified, then raised
    assert mine_notices[1]["recipients"][1]["closed_as"] == "resolved"
    floor_ack = run("ack", str(mine_notices[1]["id"]), "--station", "floors-mid", "--staff", "2003")
    assert floor_ack.exit_code == 0 and "its task was resolved" in floor_ack.output


def test_a_shift_across_station_processes(demo_db: Path):
    """The same loop with each station in a process of its own, as at the hotel: what one writes, the
    others read from the file."""
    ctx = workers.processes()
    names = {"lobby": "1002", "eng": "9001", "floors-mid": "2003", "fnb": "4002"}
    boxes = {code: (ctx.Queue(), ctx.Queue()) for code in names}
    procs = [ctx.Process(target=workers.station, args=(str(demo_db), code, staff, *boxes[code]))
             for code, staff in names.items()]
    for p in procs:
        p.start()

    def ask(code: str, *command) -> object:
        inbox, outbox = boxes[code]
        inbox.put(command)
        answer = outbox.get(timeout=60)
        assert not (isinstance(answer, str) and "Error" in answer), answer
        return answer

    try:
        task_id, doing, notified = ask("lobby", "raise", {"type": "repair", "room": "908", "name": "A/C"})
        assert doing == "ENG" and sorted(s for s, _ in notified) == ["eng", "floors-mid"]
        [(message_id, _task, _priority)] = ask("eng", "notices", task_id)
        assert ask("floors-mid", "notices", task_id) == [(message_id, task_id, "routine")]
        assert ask("fnb", "notices", task_id) == [] and ask("lobby", "notices", task_id) == []
        ask("eng", "ack", message_id)
        assert ask("eng", "notices", task_id) == []
        for step in ("ack", "start", "done"):
            ask("eng", "step", task_id, step, {})
        [(done_id, _task, _priority)] = ask("lobby", "notices", task_id)
        ask("lobby", "ack", done_id)
        assert ask("lobby", "step", task_id, "verify", {"staff_no": "1001"}) == "verified"
        assert ask("lobby", "step", task_id, "close", {"staff_no": "1001"}) == "closed"
        for code in names:
            assert ask(code, "notices", task_id) == [], code
    finally:
        for code in names:
            boxes[code][0].put(("stop",))
        for p in procs:
            p.join(timeout=30)
    store = Store(demo_db)
    try:
        closing = [m for m in notices(store, task_id) if not m.requires_ack]
        assert len(closing) == 2 and all({r.station for r in m.recipients} == {"eng", "floors-mid"} for m in closing)
    finally:
        store.close()
