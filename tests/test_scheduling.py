"""Scheduled and recurring work (issue 17): a task due at a time is raised ahead of it by the sweep, and
not before; leads' routines raise their tasks once per occurrence however many sweepers run."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import scheduling, tasks
from butler_tui.services.escalation import sweep
from butler_tui.store import Store
from tests import workers

from .conftest import signed_env

LEAD, BUTLER, LOBBY_BUTLER = "2001", "2002", "1002"  # floor butler lead, floor butler (ROOMS, floors-mid covers 7–10)
DAY = date(2026, 12, 1)  # a Tuesday


def at(hhmm: str, day: date = DAY) -> datetime:
    moment = clock.local_at(day, hhmm)
    clock.freeze(moment)
    return moment


def _mine(store: Store, name: str) -> list[tasks.TaskRow]:
    return [t for t in tasks.open_tasks(store) if t.name == name]


def test_a_wake_up_call_is_invisible_until_its_raise_time_then_raised_for_the_floor(demo_store: Store):
    at("05:00")
    due = clock.local_at(DAY, "06:30")
    scheduled = scheduling.schedule(demo_store, type="wake_up_call", at=due, name="Wake-up 807", room="807",
                                    staff_no=LOBBY_BUTLER, station="lobby")  # asked for at the lobby
    assert scheduled.raise_at == clock.iso(due - timedelta(minutes=10))  # the type's lead
    assert not _mine(demo_store, "Wake-up 807")  # no board lists it as a task
    assert [s.id for s in scheduling.pending(demo_store, station="floors-mid")] == [scheduled.id]
    assert scheduled.id not in [s.id for s in scheduling.pending(demo_store, station="fnb")]

    at("06:19")
    assert sweep(demo_store).raised == 0
    assert not _mine(demo_store, "Wake-up 807")

    at("06:20")
    assert sweep(demo_store).raised == 1
    [task] = _mine(demo_store, "Wake-up 807")
    assert (task.room_number, task.status, task.doing_team) == ("807", "new", "ROOMS")
    assert task.clock.clock_started_at == clock.iso(clock.local_at(DAY, "06:20"))  # the SLA clock from the raise
    assert task.due_at == clock.iso(due)
    assert scheduling.pending(demo_store) == []
    assert scheduling.get_scheduled(demo_store, scheduled.id).task_id == task.id
    assert task.id in [t.id for t in tasks.visible_to(demo_store, "floors-mid")]
    told = demo_store.rows("SELECT a.station_code AS station FROM acks a JOIN messages m ON m.id = a.message_id WHERE m.task_id = ?",
                           (task.id,))
    assert "floors-mid" in {r["station"] for r in told}  # the floor is told at the raise, not before
    assert sweep(demo_store).raised == 0  # raised once


def test_scheduling_refuses_a_time_past_and_unknown_rooms(demo_store: Store):
    at("09:00")
    with pytest.raises(InvalidInput, match="has passed"):
        scheduling.schedule(demo_store, type="wake_up_call", at=clock.local_at(DAY, "08:00"), staff_no=BUTLER,
                            station="floors-mid")
    with pytest.raises(Exception, match="no room 9999"):
        scheduling.schedule(demo_store, type="wake_up_call", at=clock.local_at(DAY, "10:00"), room="9999",
                            staff_no=BUTLER, station="floors-mid")
    assert scheduling.pending(demo_store) == []


def test_a_daily_routine_raises_its_vip_turndowns_once_a_day(demo_store: Store):
    at("12:00")
    routine = scheduling.add_routine(demo_store, title="VIP turndown", type="turndown", station="floors-mid",
                                     at="18:00", every="daily", rooms="vip", staff_no=LEAD)
    assert routine.next_at == clock.iso(clock.local_at(DAY, "18:00"))
    vip_rooms = {r["room_number"] for r in demo_store.rows(
        "SELECT s.room_number FROM stays s JOIN guests g ON g.id = s.guest_id JOIN rooms r ON r.number = s.room_number"
        " WHERE g.vip_level > 0 AND s.status IN ('arrived','in_house','due_out') AND r.floor BETWEEN 7 AND 10")}
    assert vip_rooms

    at("17:49")
    assert sweep(demo_store).raised == 0
    at("17:50")
    first = sweep(demo_store)
    assert first.raised == len(vip_rooms)
    assert sweep(demo_store).raised == 0  # the same occurrence, swept again
    raised = _mine(demo_store, "VIP turndown")
    assert {t.room_number for t in raised} == vip_rooms
    assert {t.due_at for t in raised} == {clock.iso(clock.local_at(DAY, "18:00"))}
    assert {t.owner_no for t in raised} == {LEAD}

    at("17:50", DAY + timedelta(days=1))
    assert sweep(demo_store).raised == len(vip_rooms)  # the next day's occurrence
    runs = demo_store.rows("SELECT occurrence, tasks FROM routine_runs WHERE routine_id = ?", (routine.id,))
    assert [r["occurrence"] for r in runs] == [DAY.isoformat(), (DAY + timedelta(days=1)).isoformat()]


def test_a_weekly_routine_for_the_station_skips_other_days_and_stops_when_removed(demo_store: Store):
    at("08:00")  # Tuesday
    routine = scheduling.add_routine(demo_store, title="Linen count", type="minibar", station="floors-mid",
                                     at="09:00", every="wed, fri", lead_minutes=0, staff_no=LEAD)
    assert routine.days == "wed,fri"
    at("09:00")
    assert sweep(demo_store).raised == 0  # not on a Tuesday
    at("09:00", DAY + timedelta(days=1))
    assert sweep(demo_store).raised == 1
    [task] = _mine(demo_store, "Linen count")
    assert task.room_number is None and task.station_code == "floors-mid"
    scheduling.remove_routine(demo_store, routine.id, staff_no=LEAD)
    at("09:00", DAY + timedelta(days=3))
    assert sweep(demo_store).raised == 0
    assert scheduling.list_routines(demo_store) == []


def test_a_routine_missed_for_hours_is_not_raised_late(demo_store: Store):
    at("12:00")
    scheduling.add_routine(demo_store, title="Evening check", type="minibar", station="floors-mid", at="18:00",
                           staff_no=LEAD)
    at("23:00")
    assert sweep(demo_store).raised == 0
    [routine] = scheduling.list_routines(demo_store)
    assert routine.next_at == clock.iso(clock.local_at(DAY + timedelta(days=1), "18:00"))


def test_only_leads_and_up_set_routines(demo_store: Store):
    at("12:00")
    with pytest.raises(PermissionDenied, match="may not set or remove daily and weekly routines"):
        scheduling.add_routine(demo_store, title="Turndown", type="turndown", station="floors-mid", at="18:00",
                               staff_no=BUTLER)
    assert scheduling.list_routines(demo_store) == []
    refused = demo_store.rows("SELECT actor FROM events WHERE entity = 'permissions' AND action = 'refused'"
                              " AND entity_id = 'manage_routines'")
    assert [r["actor"] for r in refused] == [BUTLER]
    routine = scheduling.add_routine(demo_store, title="Turndown", type="turndown", station="floors-mid",
                                     at="18:00", staff_no=LEAD)
    with pytest.raises(PermissionDenied):
        scheduling.remove_routine(demo_store, routine.id, staff_no=BUTLER)
    for bad in ({"at": "25:00"}, {"every": "someday"}, {"rooms": "abc"}):
        with pytest.raises(InvalidInput):
            scheduling.add_routine(demo_store, **{"title": "x", "type": "turndown", "station": "floors-mid",
                                                  "at": "18:00", **bad}, staff_no=LEAD)


def test_two_sweepers_in_separate_processes_raise_each_occurrence_once(demo_db: Path):
    at("12:00")
    store = Store(demo_db)
    scheduling.add_routine(store, title="VIP turndown", type="turndown", station="floors-mid", at="18:00",
                           rooms="vip", staff_no=LEAD)
    scheduling.schedule(store, type="wake_up_call", at=clock.local_at(DAY, "18:05"), name="Wake-up 807",
                        room="807", staff_no=BUTLER, station="floors-mid")
    store.close()
    ctx = workers.processes()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    moment = clock.local_at(DAY, "17:56")
    procs = [ctx.Process(target=workers.sweep_raising, args=(str(demo_db), moment, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    store = Store(demo_db)
    try:
        turndowns = _mine(store, "VIP turndown")
        wake_ups = _mine(store, "Wake-up 807")
        assert turndowns and len(wake_ups) == 1
        assert len({t.room_number for t in turndowns}) == len(turndowns)  # one a room
        assert results == [0, len(turndowns) + 1]  # one sweeper raised everything, the other nothing
    finally:
        store.close()


def test_cli_task_add_at_and_routines(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    at("05:00")
    monkeypatch.setenv("BUTLER_PIN", "1234")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args), catch_exceptions=False)

    added = run("task", "add", "--type", "wake_up_call", "--station", "floors-mid", "--staff", BUTLER, "--room",
                "807", "--at", "06:30", "--json", "Wake-up", "807")
    assert added.exit_code == 0, added.output
    entry = json.loads(added.output)
    assert (entry["room"], entry["state"], entry["due_at"], entry["raise_at"]) == (
        "807", "pending", clock.iso(clock.local_at(DAY, "06:30")), clock.iso(clock.local_at(DAY, "06:20")))
    listed = json.loads(run("task", "scheduled", "--station", "floors-mid", "--json").output)
    assert [s["scheduled"] for s in listed] == [entry["scheduled"]]
    both = run("task", "add", "--type", "wake_up_call", "--station", "floors-mid", "--staff", BUTLER, "--at", "06:30",
               "--due", "+5m")
    assert both.exit_code != 0 and "not both" in both.output

    made = run("routine", "add", "--title", "Turndown", "--type", "turndown", "--station", "floors-mid", "--at",
               "18:00", "--every", "daily", "--rooms", "vip", "--by", LEAD, "--json")
    assert made.exit_code == 0, made.output
    routine = json.loads(made.output)
    assert (routine["title"], routine["every"], routine["rooms"], routine["station"]) == (
        "Turndown", "daily", "vip", "floors-mid")
    refused = run("routine", "add", "--title", "T", "--type", "turndown", "--station", "floors-mid", "--at", "18:00",
                  "--by", BUTLER)
    assert refused.exit_code != 0 and "may not set or remove daily and weekly routines" in refused.output
    assert [r["id"] for r in json.loads(run("routine", "list", "--json").output)] == [routine["id"]]
    assert run("routine", "remove", str(routine["id"]), "--by", LEAD).exit_code == 0
    assert json.loads(run("routine", "list", "--json").output) == []
    bad = run("routine", "add", "--title", "T", "--type", "turndown", "--station", "floors-mid", "--at", "6pm",
              "--by", LEAD)
    assert bad.exit_code != 0 and "not a time of day" in bad.output


def test_a_scheduled_task_is_cancelled_by_who_asked_or_a_lead_before_it_is_raised(demo_store: Store):
    at("05:00")
    due = clock.local_at(DAY, "06:30")
    mine = scheduling.schedule(demo_store, type="wake_up_call", at=due, room="807", staff_no=BUTLER,
                               station="floors-mid")
    with pytest.raises(PermissionDenied, match="may not cancel scheduled task"):
        scheduling.cancel_scheduled(demo_store, mine.id, staff_no="2003", station="floors-mid")  # another butler
    assert f"that is for {BUTLER}, who asked for it" in (scheduling.unschedule_refusal(demo_store, mine.id, "2003") or "")
    assert scheduling.unschedule_refusal(demo_store, mine.id, BUTLER) is None
    scheduling.cancel_scheduled(demo_store, mine.id, staff_no=BUTLER, station="floors-mid")
    assert scheduling.pending(demo_store) == []
    event = demo_store.row("SELECT actor, station, before FROM events WHERE entity = 'scheduled_tasks'"
                           " AND entity_id = ? AND action = 'cancel'", (str(mine.id),))
    assert (event["actor"], event["station"]) == (BUTLER, "floors-mid")
    assert json.loads(event["before"])["due_at"] == clock.iso(due)

    theirs = scheduling.schedule(demo_store, type="wake_up_call", at=due, room="808", staff_no=BUTLER,
                                 station="floors-mid")
    scheduling.cancel_scheduled(demo_store, theirs.id, staff_no=LEAD, station="floors-mid")  # a lead may
    at("06:21")
    raised = scheduling.schedule(demo_store, type="wake_up_call", at=clock.local_at(DAY, "06:25"), room="809",
                                 staff_no=BUTLER, station="floors-mid")
    sweep(demo_store)
    with pytest.raises(InvalidInput, match="was raised as task"):
        scheduling.cancel_scheduled(demo_store, raised.id, staff_no=BUTLER, station="floors-mid")
    assert _mine(demo_store, "Wake-up call")  # the task raised stays


def test_cli_task_unschedule(demo_db: Path):
    at("05:00")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    added = json.loads(run("task", "add", "--type", "wake_up_call", "--station", "floors-mid", "--staff", BUTLER,
                           "--room", "807", "--at", "06:30", "--json").output)
    refused = run("task", "unschedule", str(added["scheduled"]), "--station", "floors-mid", "--staff", "2003")
    assert refused.exit_code == 5 and "may not cancel scheduled task" in refused.output
    done = run("task", "unschedule", str(added["scheduled"]), "--station", "floors-mid", "--staff", BUTLER)
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"cancelled scheduled #{added['scheduled']} wake_up_call")
    assert run("task", "scheduled", "--json").output.strip() == "[]"
    again = run("task", "unschedule", str(added["scheduled"]), "--station", "floors-mid", "--staff", BUTLER)
    assert again.exit_code != 0 and "no scheduled task" in again.output
