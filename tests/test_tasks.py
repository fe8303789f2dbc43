"""Tasks: lifecycle guards, SLA across holds, the ladder, concurrent sweepers, first-asked responsibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, NotFound, PermissionDenied
from butler_tui.services import escalation, messaging, tasks
from butler_tui.store import Store

from . import workers
from .conftest import signed_env

# An hour from now, on the minute: later than anything the demo hotel holds.
T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)


@pytest.fixture
def at(demo_store):
    """Move the frozen clock: at(minutes) sets now = T0 + minutes."""
    def move(minutes: float) -> datetime:
        moment = T0 + timedelta(minutes=minutes)
        clock.freeze(moment)
        return moment

    move(0)
    yield move
    clock.freeze(None)


WHO = {"staff_no": "2003", "station": "floors-mid"}
LEAD = {"staff_no": "2001", "station": "floors-high"}


def _new(store: Store, type_: str = "guest_request", **kw) -> int:
    return tasks.create(store, type=type_, room=kw.pop("room", "908"), staff_no=kw.pop("staff_no", "1002"),
                        station=kw.pop("station", "lobby"), **kw)


def test_creator_is_first_responsible_and_sla_comes_from_the_type(demo_store, at):
    task_id = _new(demo_store, name="Extra pillows")
    t = tasks.get_task(demo_store, task_id)
    assert (t.owner_no, t.owner_team, t.status, t.priority) == ("1002", "LOBBY", "new", 2)
    assert t.effective_due == T0 + timedelta(minutes=10)  # guest request: respond within 10 min
    complaint = tasks.get_task(demo_store, _new(demo_store, "complaint"))
    assert complaint.effective_due == T0 + timedelta(hours=24)
    repair = tasks.get_task(demo_store, _new(demo_store, "repair"))
    assert repair.effective_due == T0 + timedelta(hours=8)


def test_dnd_check_is_due_at_noon_then_two(demo_store):
    local_day = datetime(2026, 11, 24, 9, 0).astimezone()
    clock.freeze(local_day)
    try:
        first = tasks.get_task(demo_store, _new(demo_store, "dnd_check"))
        assert first.effective_due == clock.local_at(local_day.date(), "12:00")
        clock.freeze(datetime(2026, 11, 24, 12, 30).astimezone())
        second = tasks.get_task(demo_store, _new(demo_store, "dnd_check"))
        assert second.effective_due == clock.local_at(local_day.date(), "14:00")
    finally:
        clock.freeze(None)


@pytest.mark.parametrize(
    ("path", "refused", "match"),
    [
        (["ack"], "verify", "cannot verify it"),
        ([], "done", "cannot done it"),
        ([], "resume", "cannot resume it"),
        (["ack", "start", "done"], "hold", "cannot hold it"),
        (["ack", "start", "done", "verify", "close"], "cancel", "cannot cancel it"),
        (["ack"], "reopen", "cannot reopen it"),
        (["ack", "start", "done", "verify", "close"], "close", "cannot close it"),
    ],
)
def test_guards_refuse_wrong_steps(demo_store, at, path, refused, match):
    task_id = _new(demo_store)
    for step in path:
        who = LEAD if step in ("verify", "close") else WHO
        tasks.transition(demo_store, task_id, step, staff_no=who["staff_no"], station=who["station"])
    with pytest.raises(InvalidInput, match=match):
        tasks.transition(demo_store, task_id, refused, reason="because", **WHO)


def test_the_whole_lifecycle_with_events(demo_store, at):
    task_id = _new(demo_store)
    tasks.transition(demo_store, task_id, "ack", **WHO)
    tasks.transition(demo_store, task_id, "start", **WHO)
    with pytest.raises(InvalidInput, match="a reason is required"):
        tasks.transition(demo_store, task_id, "hold", **WHO)
    tasks.transition(demo_store, task_id, "hold", reason="guest asleep", **WHO)
    t = tasks.transition(demo_store, task_id, "resume", **WHO)
    assert t.status == "in_progress"  # back to where it was
    tasks.transition(demo_store, task_id, "done", resolution="Two pillows delivered", **WHO)
    with pytest.raises(InvalidInput, match="does not verify it"):
        tasks.transition(demo_store, task_id, "verify", staff_no="2003", station="floors-mid")
    with pytest.raises(PermissionDenied, match="may not verify a done task"):
        tasks.transition(demo_store, task_id, "verify", staff_no="2002", station="floors-low")
    tasks.transition(demo_store, task_id, "verify", **LEAD)
    tasks.transition(demo_store, task_id, "close", **LEAD)
    t = tasks.transition(demo_store, task_id, "reopen", reason="guest wants more", **WHO)
    assert t.status == "reopened" and t.repeat_count == 1
    tasks.transition(demo_store, task_id, "ack", **WHO)
    with pytest.raises(PermissionDenied, match="may not cancel a task somebody else received"):
        tasks.transition(demo_store, task_id, "cancel", reason="guest changed their mind", **WHO)
    tasks.transition(demo_store, task_id, "cancel", reason="guest changed their mind", **LEAD)
    actions = [r["action"] for r in demo_store.rows(
        "SELECT action, actor, station FROM events WHERE entity='tasks' AND entity_id=? ORDER BY id", (str(task_id),))]
    assert actions == ["create", "ack", "start", "hold", "resume", "done", "verify", "close", "reopen", "ack", "cancel"]
    t = tasks.get_task(demo_store, task_id)
    assert t.status == "cancelled" and t.cancel_reason == "guest changed their mind"
    assert t.resolution == "Two pillows delivered"


def test_sign_in_needed_for_every_step(demo_store, at):
    task_id = _new(demo_store)
    with pytest.raises(InvalidInput, match="sign in first"):
        tasks.transition(demo_store, task_id, "ack", staff_no=None, station="lobby")


def test_sla_clock_pauses_on_hold(demo_store, at):
    task_id = _new(demo_store)  # due T0 + 10 min
    tasks.transition(demo_store, task_id, "ack", **WHO)
    at(4)
    tasks.transition(demo_store, task_id, "hold", reason="waiting for the guest", **WHO)
    at(30)  # 26 minutes on hold: not overdue, the clock is stopped
    t = tasks.get_task(demo_store, task_id)
    assert t.minutes_over is None and not t.overdue
    tasks.transition(demo_store, task_id, "resume", **WHO)
    t = tasks.get_task(demo_store, task_id)
    assert t.effective_due == T0 + timedelta(minutes=36)
    at(37)
    assert tasks.get_task(demo_store, task_id).minutes_over == pytest.approx(1.0)
    # A second hold adds up.
    tasks.transition(demo_store, task_id, "hold", reason="again", **WHO)
    at(47)
    tasks.transition(demo_store, task_id, "resume", **WHO)
    assert tasks.get_task(demo_store, task_id).effective_due == T0 + timedelta(minutes=46)


def test_ladder_fires_each_level_once_and_only_raises_priority(demo_store, at):
    task_id = _new(demo_store, priority=3)  # guest request: L1 unacked 5 min, L2 overdue (10), L3 +15

    def fired() -> int:
        return demo_store.scalar("SELECT count(*) FROM escalations WHERE task_id = ?", (task_id,))

    escalation.sweep(demo_store)
    assert fired() == 0
    at(4.9)
    escalation.sweep(demo_store)
    assert fired() == 0
    at(5)
    escalation.sweep(demo_store)
    t = tasks.get_task(demo_store, task_id)
    assert fired() == 1 and t.escalation_level == 1 and t.priority == 2
    escalation.sweep(demo_store)
    assert fired() == 1  # idempotent
    at(10)
    escalation.sweep(demo_store)
    t = tasks.get_task(demo_store, task_id)
    assert t.escalation_level == 2 and t.priority == 1
    at(25)
    escalation.sweep(demo_store)
    t = tasks.get_task(demo_store, task_id)
    assert t.escalation_level == 3 and t.priority == 1  # never below 1, never lowered
    rows = demo_store.rows("SELECT level, repeat_no, notify, message_id FROM escalations WHERE task_id = ?"
                           " ORDER BY level", (task_id,))
    assert [(r["level"], r["notify"]) for r in rows] == [(1, "supervisor"), (2, "manager"), (3, "director")]
    assert all(r["message_id"] for r in rows)
    # The top level repeats every 15 minutes, at most 3 times.
    for minute in (40, 55, 70, 85, 100):
        at(minute)
        escalation.sweep(demo_store)
    repeats = demo_store.scalar("SELECT count(*) FROM escalations WHERE task_id = ? AND repeat_no > 0", (task_id,))
    assert repeats == 3
    message = messaging.get_message(demo_store, rows[0]["message_id"])
    assert message.task_id == task_id and "ESCALATION L1" in message.body


def test_manual_priority_change_is_allowed_but_sweeps_never_lower(demo_store, at):
    task_id = _new(demo_store, priority=2)
    tasks.update(demo_store, task_id, priority=4, **WHO)  # a person may lower it
    at(5)
    escalation.sweep(demo_store)
    assert tasks.get_task(demo_store, task_id).priority == 3


def test_acked_task_without_progress_falls_back(demo_store, at):
    task_id = _new(demo_store)  # guest request: no progress for 10 min → unacknowledged again
    tasks.transition(demo_store, task_id, "ack", **WHO)
    at(9)
    escalation.sweep(demo_store)
    assert tasks.get_task(demo_store, task_id).status == "acknowledged"
    at(10)
    escalation.sweep(demo_store)
    t = tasks.get_task(demo_store, task_id)
    assert t.status == "new" and t.clock.acknowledged_at is None
    assert demo_store.scalar("SELECT count(*) FROM events WHERE entity='tasks' AND entity_id=? AND action='fallback'",
                             (str(task_id),)) == 1


def test_deferred_task_comes_back(demo_store, at):
    task_id = _new(demo_store, "turndown")
    tasks.transition(demo_store, task_id, "defer", until=T0 + timedelta(hours=3), **WHO)
    at(60)
    escalation.sweep(demo_store)
    assert tasks.get_task(demo_store, task_id).status == "deferred"
    at(181)
    escalation.sweep(demo_store)
    assert tasks.get_task(demo_store, task_id).status == "new"


def test_hand_on_adds_a_second_department_and_keeps_the_first_owner(demo_store, at):
    task_id = _new(demo_store, "repair", staff_no="2003", station="floors-mid")
    t = tasks.hand_on(demo_store, task_id, "eng", staff_no="2003", station="floors-mid", note="Needs an engineer")
    assert (t.owner_no, t.owner_team, t.second_team) == ("2003", "ROOMS", "ENG")
    eng = [x.id for x in tasks.open_tasks(demo_store, teams=["ENG"])]
    rooms = [x.id for x in tasks.open_tasks(demo_store, teams=["ROOMS"])]
    assert task_id in eng and task_id in rooms  # the first owner keeps following it
    with pytest.raises(InvalidInput, match="already owns"):
        tasks.hand_on(demo_store, task_id, "ROOMS", staff_no="2003", station="floors-mid")
    with pytest.raises(NotFound, match="unknown team"):
        tasks.hand_on(demo_store, task_id, "SPA", staff_no="2003", station="floors-mid")


def test_escalate_at_once_and_the_queue(demo_store, at):
    task_id = _new(demo_store, "complaint", staff_no="5003", station="cs")
    tasks.escalate_now(demo_store, task_id, "Guest demands the manager", staff_no="5003", station="cs")
    queue = tasks.escalation_queue(demo_store)
    assert task_id in [t.id for t in queue]
    with pytest.raises(PermissionDenied, match="may not take over"):
        tasks.take_over(demo_store, task_id, staff_no="5003", station="cs")
    t = tasks.take_over(demo_store, task_id, staff_no="0003", station="cs")
    assert t.assignee_no == "0003" and t.owner_no == "5003"
    t = tasks.take_over(demo_store, task_id, staff_no="0003", station="cs", assignee="5001")
    assert t.assignee_no == "5001"
    with pytest.raises(InvalidInput, match="needs a note"):
        tasks.resolve(demo_store, task_id, "", staff_no="0003", station="cs")
    t = tasks.resolve(demo_store, task_id, "Apologised, room upgraded", staff_no="0003", station="cs")
    assert t.status == "verified" and task_id not in [x.id for x in tasks.escalation_queue(demo_store)]


def test_queue_is_most_urgent_first(demo_store, at):
    a = _new(demo_store, "laundry_pickup")  # P4, due 30 min
    b = _new(demo_store, "guest_request")  # P2, due 10 min
    at(45)
    queue = [t.id for t in tasks.escalation_queue(demo_store) if t.id in (a, b)]
    assert queue == [b, a]


def test_two_sweepers_in_separate_processes_fire_each_escalation_once(demo_address: str | Path, at):
    store = Store(demo_address)
    ids = [_new(store, priority=3) for _ in range(30)]
    store.close()
    ctx = workers.processes()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    moment = T0 + timedelta(minutes=26)  # the child gets the moment, not T0: it would compute its own
    procs = [ctx.Process(target=workers.sweep, args=(str(demo_address), moment, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    store = Store(demo_address)
    fired = store.rows("SELECT task_id, level, count(*) AS n FROM escalations WHERE task_id IN"
                       f" ({','.join(map(str, ids))}) GROUP BY task_id, level")
    assert len(fired) == 30 * 3 and all(r["n"] == 1 for r in fired)  # L1, L2, L3 once each
    assert sum(r[0] for r in results) >= 30 * 3  # the demo's own tasks may add to it
    notices = store.rows("SELECT m.task_id, m.id IN (SELECT message_id FROM escalations) AS escalation, count(*) AS n"
                         f" FROM messages m WHERE m.task_id IN ({','.join(map(str, ids))}) GROUP BY 1, 2")
    # each escalation told once, beside the one notice that raised the task
    assert sorted({(r["escalation"], r["n"]) for r in notices}) == [(0, 1), (1, 3)] and len(notices) == 30 * 2
    store.close()


def test_cli_task_commands(demo_db: Path):
    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    added = run("task", "add", "--type", "amenity_delivery", "--station", "cs", "--staff", "5002", "--room", "1208",
                "--json", "Two bottles of water")
    assert added.exit_code == 0, added.output
    import json

    task = json.loads(added.output)
    assert task["owner"] == {"staff": "5002", "team": "CS"} and task["room"] == "1208" and task["priority"] == 3
    tid = str(task["id"])
    assert run("task", "ack", tid, "--station", "floors-high", "--staff", "2001").exit_code == 0
    assert run("task", "update", tid, "--station", "cs", "--staff", "5002", "--to-team", "ROOMS").exit_code == 0
    done = run("task", "done", tid, "--station", "floors-high", "--staff", "2001", "--json")
    assert json.loads(done.output)["status"] == "done"
    listed = json.loads(run("task", "list", "--all", "--json").output)
    assert any(t["id"] == task["id"] and t["second_team"] == "ROOMS" for t in listed)
    shown = run("task", "show", tid)
    assert "create" in shown.output and "ack" in shown.output and "done" in shown.output
    bad = run("task", "verify", tid, "--station", "cs", "--staff", "5002")
    assert bad.exit_code == 5 and "may not verify a done task" in bad.stderr
    bad = run("task", "add", "--type", "massage", "--station", "cs", "--staff", "5002")
    assert bad.exit_code == 1 and "unknown task type 'massage'" in bad.stderr
    assert run("sweep").exit_code == 0
    assert "guest_request" in run("task", "types").output


# --------------------------------------------------------------------------------------------
# What the task boards ask: why a step would be refused, what waits for verification, closed today
# --------------------------------------------------------------------------------------------


def test_refusal_is_the_sentence_the_step_refuses_with_and_writes_nothing(demo_store):
    task_id = tasks.create(demo_store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                           station="floors-mid")
    for action in ("done", "hold", "verify"):
        said = tasks.refusal(demo_store, task_id, action, staff_no="2003")
        with pytest.raises(InvalidInput) as refused:
            tasks.transition(demo_store, task_id, action, staff_no="2003", station="floors-mid", reason="x")
        assert said == str(refused.value) and f"cannot {action} it" in said
    assert tasks.refusal(demo_store, task_id, "ack", staff_no="2003") is None
    said = tasks.refusal(demo_store, task_id, "take_over", staff_no="2003")  # a butler: not hers to take over
    with pytest.raises(PermissionDenied) as denied:
        tasks.take_over(demo_store, task_id, staff_no="2003", station="floors-mid")
    assert said == str(denied.value)
    assert tasks.refusal(demo_store, task_id, "ack", staff_no=None) == "sign in first: every step of a task records who did it"
    for step in ("ack", "start", "done"):
        tasks.transition(demo_store, task_id, step, staff_no="2003", station="floors-mid")
    said = tasks.refusal(demo_store, task_id, "verify", staff_no="2003")
    assert said is not None and "does not verify it" in said  # her own work
    assert tasks.refusal(demo_store, task_id, "verify", staff_no="2005") is None
    events = demo_store.scalar("SELECT count(*) FROM events")
    for action in (*tasks.TRANSITIONS, *tasks.OPEN_TASK_ACTIONS):
        tasks.refusal(demo_store, task_id, action, staff_no="2003")
    assert demo_store.scalar("SELECT count(*) FROM events") == events  # asking writes nothing
    assert tasks.get_task(demo_store, task_id).status == "done"


def test_done_tasks_wait_for_the_station_that_raised_them_and_closed_today_lists_the_resolved(demo_store):
    task_id = tasks.create(demo_store, type="repair", room="908", name="Leaking tap", staff_no="2005",
                           station="floors-mid")
    for step in ("ack", "start", "done"):
        tasks.transition(demo_store, task_id, step, staff_no="9001", station="eng")
    assert task_id in [t.id for t in tasks.awaiting_verification(demo_store, "floors-mid")]
    assert task_id not in [t.id for t in tasks.awaiting_verification(demo_store, "eng")]
    assert task_id not in [t.id for t in tasks.visible_to(demo_store, "eng")]  # done: not on anyone's to-do
    assert task_id not in [t.id for t in tasks.closed_today(demo_store, "floors-mid")]
    tasks.transition(demo_store, task_id, "verify", staff_no="2005", station="floors-mid")
    assert task_id not in [t.id for t in tasks.awaiting_verification(demo_store, "floors-mid")]
    assert task_id in [t.id for t in tasks.closed_today(demo_store, "floors-mid")]
    assert task_id in [t.id for t in tasks.closed_today(demo_store, "eng")]  # its doing team sees it too
    assert task_id not in [t.id for t in tasks.closed_today(demo_store, "fnb")]
    clock.freeze(clock.local_at(clock.today() + timedelta(days=1), "00:01"))
    try:
        assert task_id not in [t.id for t in tasks.closed_today(demo_store, "floors-mid")]  # a new hotel day
    finally:
        clock.freeze(None)


def test_assign_is_to_a_person_of_the_doing_team_by_a_lead(demo_store):
    task_id = tasks.create(demo_store, type="repair", room="908", name="Leaking tap", staff_no="2005",
                           station="floors-mid")
    assert [no for no, _name in tasks.assignable(demo_store, task_id)] == ["9001"]
    with pytest.raises(InvalidInput, match="not of ENG"):
        tasks.assign(demo_store, task_id, "2002", staff_no="2005", station="floors-mid")
    with pytest.raises(NotFound):
        tasks.assign(demo_store, task_id, "X999", staff_no="2005", station="floors-mid")
    with pytest.raises(PermissionDenied):
        tasks.assign(demo_store, task_id, "9001", staff_no="2003", station="floors-mid")  # a butler
    assert tasks.assign(demo_store, task_id, "9001", staff_no="2005", station="floors-mid").assignee_no == "9001"
    assert "assigned to" in messaging.task_notices(demo_store, task_id)[-1].body
