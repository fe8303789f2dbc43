"""The sweep's daily rounds (issue 17): DND checks at 12:00 and 14:00 hotel time — once per room and
slot however many sweep, the 14:00 one escalating to the duty manager when 12:00 went unanswered —
and the night audit: no-shows (kept, listed, reversible) and overdue departures, once per day."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput
from butler_tui.services import escalation, handover, rooms, roster, settings, stays, tasks
from butler_tui.services.dnd_audit import local_day
from butler_tui.store import Store
from tests import workers

from .conftest import signed_env

DND_ROOMS = ["1018", "1315", "319", "412", "519", "603", "906"]  # the demo's, DND since 07:00–09:15 today


@pytest.fixture
def day(demo_store: Store):
    """The demo's day (it is loaded relative to today); the clock is frozen by each test."""
    yield clock.today()
    clock.freeze(None)


def sweep_at(store: Store, day: date, hhmm: str, *, next_day: bool = False) -> escalation.SweepReport:
    clock.freeze(clock.local_at(day + timedelta(days=1) if next_day else day, hhmm))
    return escalation.sweep(store, station="lobby")


def dnd_tasks(store: Store) -> list[dict]:
    return store.rows("SELECT t.id, t.room_number, t.station_code, t.status, t.escalation_level, c.slot"
                      " FROM tasks t JOIN dnd_checks c ON c.task_id = t.id WHERE t.type = 'dnd_check'"
                      " ORDER BY c.slot, t.room_number")


def counts(store: Store) -> tuple[int, ...]:
    """Everything a sweep may write."""
    return tuple(store.scalar(f"SELECT count(*) FROM {table}") for table in
                 ("tasks", "escalations", "messages", "events")) + daily(store)


def daily(store: Store) -> tuple[int, ...]:
    """What the daily rounds write (the ladders of the tasks may fire meanwhile)."""
    return (store.scalar("SELECT count(*) FROM tasks WHERE type = 'dnd_check'"),
            store.scalar("SELECT count(*) FROM dnd_checks"), store.scalar("SELECT count(*) FROM night_audits"),
            store.scalar("SELECT count(*) FROM stays WHERE status = 'no_show' OR overdue_at IS NOT NULL"))


# -- DND checks --------------------------------------------------------------------------------------------


def test_dnd_checks_at_noon_once_per_room_for_its_floor_station(demo_store: Store, day: date):
    assert sweep_at(demo_store, day, "11:59").dnd_checks == 0
    rooms.set_dnd(demo_store, "603", False, by="2002")  # cleared before the slot: no check
    rooms.set_dnd(demo_store, "1209", True, by="2002")  # since 11:59 (the frozen clock): before 12:00
    report = sweep_at(demo_store, day, "12:00")
    expected = sorted([r for r in DND_ROOMS if r != "603"] + ["1209"])
    found = dnd_tasks(demo_store)
    assert report.dnd_checks == len(expected) and sorted(t["room_number"] for t in found) == expected
    assert {t["slot"] for t in found} == {"12:00"}
    assert {t["room_number"]: t["station_code"] for t in found}["906"] == "floors-mid"  # floors 7–10
    assert {t["room_number"]: t["station_code"] for t in found}["1209"] == "floors-high"
    due = demo_store.scalar("SELECT due_at FROM tasks WHERE id = ?", (found[0]["id"],))
    assert clock.parse(due) == clock.local_at(day, "14:00")
    events = demo_store.rows("SELECT entity_id, actor FROM events WHERE entity = 'dnd_checks' ORDER BY id")
    assert len(events) == len(expected) and {e["actor"] for e in events} == {"sweep"}

    before = counts(demo_store)
    again = sweep_at(demo_store, day, "12:00")  # the second sweep at the same moment changes nothing
    assert (again.dnd_checks, again.changed) == (0, 0) and counts(demo_store) == before
    before = daily(demo_store)
    assert sweep_at(demo_store, day, "13:30").dnd_checks == 0 and daily(demo_store) == before  # the same slot
    rooms.set_dnd(demo_store, "1422", True, by="2002")  # went on DND at 13:30: at 14:00, not in the 12:00 round
    assert sweep_at(demo_store, day, "13:45").dnd_checks == 0


def test_the_14_00_check_escalates_to_the_duty_manager_when_12_00_went_unanswered(demo_store: Store, day: date):
    roster.set_duty(demo_store, day, "early", "7009", duty_manager=True, by="2001")  # 07:00–15:30
    sweep_at(demo_store, day, "12:00")
    noon = {t["room_number"]: t["id"] for t in dnd_tasks(demo_store)}
    for action in ("ack", "start", "done"):  # 319 was phoned and answered; the others were not
        tasks.transition(demo_store, noon["319"], action, staff_no="2002", station="floors-low")
    report = sweep_at(demo_store, day, "14:00")
    assert report.dnd_checks == len(DND_ROOMS) and report.dnd_escalated == len(DND_ROOMS) - 1
    second = {t["room_number"]: t for t in dnd_tasks(demo_store) if t["slot"] == "14:00"}
    fired = demo_store.rows("SELECT task_id, notify, notify_staff, message_id, reason FROM escalations"
                            f" WHERE task_id IN ({','.join(str(t['id']) for t in second.values())})")
    assert sorted(f["task_id"] for f in fired) == sorted(t["id"] for r, t in second.items() if r != "319")
    assert {(f["notify"], f["notify_staff"]) for f in fired} == {("duty_manager", json.dumps(["7009"]))}
    one = next(f for f in fired if f["task_id"] == second["906"]["id"])
    assert f"the 12:00 check (task #{noon['906']}) is still unanswered" in one["reason"]
    body = demo_store.scalar("SELECT body FROM messages WHERE id = ?", (one["message_id"],))
    assert "duty manager 值班经理 on duty 冯振华 (7009)" in body and "906" in body
    assert second["906"]["escalation_level"] >= 2 and second["319"]["escalation_level"] == 0

    before = counts(demo_store)
    again = sweep_at(demo_store, day, "14:00")
    assert (again.dnd_checks, again.dnd_escalated, again.changed) == (0, 0, 0) and counts(demo_store) == before


def test_two_sweepers_in_separate_processes_raise_each_check_once(demo_db: Path, day: date):
    ctx = workers.processes()
    for hhmm in ("12:00", "14:00"):
        barrier, out = ctx.Barrier(2), ctx.Queue()
        moment = clock.local_at(day, hhmm)
        procs = [ctx.Process(target=workers.sweep_daily, args=(str(demo_db), moment, barrier, out)) for _ in range(2)]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert sorted(r[0] for r in results) == [0, len(DND_ROOMS)]  # one of them raised them all
    store = Store(demo_db)
    try:
        per_slot = store.rows("SELECT c.room_number, c.slot, count(t.id) AS n FROM dnd_checks c"
                              " JOIN tasks t ON t.id = c.task_id GROUP BY 1, 2")
        assert len(per_slot) == 2 * len(DND_ROOMS) and all(r["n"] == 1 for r in per_slot)
        assert store.scalar("SELECT count(*) FROM tasks WHERE type = 'dnd_check'") == 2 * len(DND_ROOMS)
        assert store.scalar("SELECT count(*) FROM events WHERE entity = 'dnd_checks'") == 2 * len(DND_ROOMS)
    finally:
        store.close()


# -- the night audit ---------------------------------------------------------------------------------------


def test_the_night_audit_at_the_date_change(demo_store: Store, day: date):
    coming = [s.id for s in stays.arrivals(demo_store, day) if s.status in ("expected", "room_ready")]
    leaving = [s.id for s in stays.departures(demo_store, day) if s.status in stays.IN_HOUSE]
    assert coming and leaving
    settings.set_setting(demo_store, "night_audit", "02:30", by="0001")
    assert sweep_at(demo_store, day, "02:29", next_day=True).audited_day in (None, (day - timedelta(days=1)).isoformat())
    before_today = daily(demo_store)[2:]
    assert sweep_at(demo_store, day, "23:59").audited_day is None and daily(demo_store)[2:] == before_today

    report = sweep_at(demo_store, day, "02:30", next_day=True)
    assert (report.audited_day, report.no_shows, report.overdue) == (day.isoformat(), len(coming), len(leaving))
    tomorrow = day + timedelta(days=1)
    assert local_day(clock.now()) == tomorrow
    assert {s.id for s in stays.no_shows(demo_store, day, tomorrow)} == set(coming)
    assert all(s.status == "no_show" for s in stays.arrivals(demo_store, day) if s.id in coming)  # kept
    board = stays.departures(demo_store, tomorrow)  # today's board opens with last night's overdue departures
    assert {s.id for s in board if s.overdue} >= set(leaving)
    assert all(s.to_json()["overdue"] for s in board if s.id in leaving)
    event = demo_store.row("SELECT actor, after FROM events WHERE entity = 'stays' AND entity_id = ?"
                           " AND action = 'no_show'", (str(coming[0]),))
    assert event and event["actor"] == "sweep" and json.loads(event["after"])["audit_day"] == day.isoformat()
    report_md = handover.to_markdown(handover.build_report(demo_store, None, "early", tomorrow))
    guest = stays.get_stay(demo_store, coming[0]).guest_name
    assert "No-shows (night audit)" in report_md and guest in report_md
    # The sweeper that ran the audit kept the figures of the days that are over (whole hotel and by team),
    # so the first report over a year reads them instead of a year of rows.
    kept = {r["part"] for r in demo_store.rows("SELECT DISTINCT part FROM report_days")}
    assert {"all", "team", "messages"} <= kept

    before = counts(demo_store)
    again = sweep_at(demo_store, day, "02:30", next_day=True)  # a second sweeper at the same moment
    assert (again.audited_day, again.no_shows, again.overdue) == (None, 0, 0) and counts(demo_store) == before
    before = daily(demo_store)
    assert sweep_at(demo_store, day, "09:30", next_day=True).audited_day is None and daily(demo_store) == before


def test_a_no_show_is_taken_back_when_the_guest_turns_up(demo_store: Store, day: date):
    coming = [s for s in stays.arrivals(demo_store, day) if s.status == "expected" and s.room_number]
    sweep_at(demo_store, day, "03:00", next_day=True)
    first, second = coming[0], coming[1]
    assert stays.get_stay(demo_store, first.id).status == "no_show"
    assert rooms.get_room(demo_store, first.room_number or "").occupancy == "vacant"  # the room is free again
    assert stays.next_steps(stays.get_stay(demo_store, first.id), None) == []
    back = stays.transition(demo_store, first.id, "arrived", staff_no="1002", station="lobby")
    assert back.status == "arrived" and rooms.get_room(demo_store, first.room_number or "").occupancy == "occupied"
    again = stays.transition(demo_store, second.id, "expected", staff_no="1002", station="lobby")
    assert again.status == "expected"
    assert rooms.get_room(demo_store, second.room_number or "").occupancy == "expected"
    actions = [r["action"] for r in demo_store.rows("SELECT action FROM events WHERE entity = 'stays' AND entity_id = ?"
                                                    " ORDER BY id", (str(first.id),))]
    assert actions[-2:] == ["no_show", "arrived"]
    with pytest.raises(InvalidInput, match="cannot go from"):
        stays.transition(demo_store, coming[2].id, "in_house", staff_no="1002", station="lobby")

    # The audit freed the room of a no-show and it was given to someone else: taking the no-show back
    # refuses to seat two guests in it, naming the other reservation; back to expected, it loses the room.
    third = coming[2]
    other = next(s for s in stays.arrivals(demo_store, day + timedelta(days=1))
                 if s.status == "expected" and not s.room_number)
    # (a guest booked from the night of the no-show's arrival on: back to back would be no clash at all)
    stays.change_dates(demo_store, other.id, day, other.departure_date, staff_no="1001", station="lobby")
    stays.assign_room(demo_store, other.id, third.room_number, staff_no="1001", station="lobby")
    with pytest.raises(InvalidInput, match=f"held by reservation {other.reservation_no}"):
        stays.transition(demo_store, third.id, "arrived", staff_no="1002", station="lobby")
    assert stays.transition(demo_store, third.id, "expected", staff_no="1002", station="lobby").room_number is None


def test_cli_lists_no_shows_and_overdue_and_takes_a_no_show_back(demo_db: Path, day: date):
    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    clock.freeze(clock.local_at(day + timedelta(days=1), "03:05"))
    swept = run("sweep")
    assert swept.exit_code == 0, swept.output
    assert f"night audit of {day.isoformat()}: no-shows" in swept.output
    listed = run("stay", "list", "--no-shows", "--json")
    assert listed.exit_code == 0, listed.output
    missing = json.loads(listed.output)
    assert missing and {s["status"] for s in missing} == {"no_show"}
    departures = json.loads(run("stay", "list", "--departures", "--json").output)
    assert any(s["overdue"] is True for s in departures)
    back = run("stay", "set", str(missing[0]["id"]), "expected", "--staff", "1002", "--json")
    assert back.exit_code == 0, back.output
    assert json.loads(back.output)["status"] == "expected"
    bad = run("stay", "set", str(missing[1]["id"]), "in_house", "--staff", "1002")
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert run("stay", "list", "--day", "yesterday").exit_code == 0  # the hotel's yesterday, like the roster's
    assert run("stay", "list", "--day", "last week").exit_code == 2
    assert run("sweep").output.count("night audit") == 0  # once per day


def test_a_hotel_day_and_its_slots_follow_the_clock_helpers(day: date):
    noon = clock.local_at(day, "12:00")
    assert local_day(noon) == day and local_day(clock.local_at(day, "23:59")) == day
    assert local_day(clock.local_at(day, "24:00")) == day + timedelta(days=1)
    assert isinstance(noon, datetime)


@pytest.mark.station_sweeps
async def test_an_open_station_runs_the_daily_rounds_on_its_own(demo_db: Path, day: date,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """Nobody runs ``butler sweep`` from cron: an open station's own timer raises the noon checks."""
    import butler_tui.app
    from butler_tui.app import ButlerApp
    from tests.conftest import await_until

    monkeypatch.setattr(butler_tui.app, "SWEEP_INTERVAL", 0.2)
    clock.freeze(clock.local_at(day, "12:05"))
    reader = Store(demo_db)
    try:
        app = ButlerApp(demo_db, "floors-mid", "2003")
        async with app.run_test(size=(120, 36)) as pilot:
            await await_until(pilot, lambda: len(dnd_tasks(reader)) == len(DND_ROOMS), timeout=15)
        assert {t["slot"] for t in dnd_tasks(reader)} == {"12:00"}
    finally:
        reader.close()
