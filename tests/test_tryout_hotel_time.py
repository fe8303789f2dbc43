"""What a new user's tryout of issue 17 found, each shown as the user meets it: times of day that are
not times, a routine left on the old time zone, a departure overdue at a time the board does not show,
wake-up calls the handover forgot, CLI times in UTC, DND on an empty room, ``--day today`` refused, and
the exit code of a refusal by rule. The host is UTC; the hotel is in Asia/Shanghai (UTC+8)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput
from butler_tui.services import settings
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store
from tests.conftest import signed_env

MANAGER, LEAD, BUTLER = "0003", "2001", "2002"  # floor butler lead; floor butler (floors-mid covers 7–10)
DAY = date(2026, 12, 1)


@pytest.fixture
def shanghai(host_utc: None, demo_db: Path) -> Path:
    """The demo hotel, its time zone set to Asia/Shanghai (the host stays UTC)."""
    store = Store(demo_db)
    try:
        settings.set_setting(store, "timezone", "Asia/Shanghai", by=MANAGER)
    finally:
        store.close()
    return demo_db


def at(hhmm: str, day: date = DAY) -> datetime:
    """Freeze the clock at ``hhmm`` hotel time on ``day`` (the hotel's zone must be in force)."""
    moment = clock.local_at(day, hhmm)
    clock.freeze(moment)
    return moment


def runner(db: Path):
    invoke = CliRunner().invoke

    def run(*args: str):
        return invoke(cli, ["--db", str(db), *args], env=signed_env(db, args), catch_exceptions=False)

    return run


# -- 1. a time of day is 00:00–23:59, whatever option reads it ------------------------------------------


@pytest.mark.parametrize("bad", ["25:00", "99:99", "06:61", "-1:00", "24:00", "6pm", "+3d", "2026-12-01T25:00"])
def test_task_add_refuses_a_time_that_is_not_one(shanghai: Path, bad: str):
    clock.use_zone("Asia/Shanghai")
    at("05:00")
    run = runner(shanghai)
    for option in ("--at", "--due"):
        result = run("task", "add", "--type", "wake_up_call", "--station", "floors-mid", "--staff", BUTLER,
                     "--room", "807", option, bad, "Wake-up")
        assert result.exit_code == 2, (option, bad, result.output)
        assert f"'{bad}' is not a time" in result.output and "Traceback" not in result.output
    assert json.loads(run("task", "scheduled", "--json").output) == []  # nothing was scheduled


def test_the_times_people_mean_are_still_taken(shanghai: Path):
    clock.use_zone("Asia/Shanghai")
    at("05:00")
    run = runner(shanghai)
    for given, due in (("6:30", "12-01 06:30"), ("23:59", "12-01 23:59"), ("00:00", "12-02 00:00"),
                       ("+2h", "12-01 07:00"), ("2026-12-01T09:15", "12-01 09:15")):
        made = run("task", "add", "--type", "wake_up_call", "--station", "floors-mid", "--staff", BUTLER, "--room",
                   "807", "--at", given, "Wake-up")
        assert made.exit_code == 0, (given, made.output)
        assert f"due {due}" in made.output, (given, made.output)


def test_the_departure_plan_and_the_settings_read_times_the_same_way():
    for bad in ("25:00", "06:61", "-1:00"):
        with pytest.raises(InvalidInput):
            settings.check_setting("night_audit", bad)
    assert settings.check_setting("night_audit", "3:05") == "03:05"


# -- 7. every --day / --date takes today, tomorrow and yesterday (the hotel's) -----------------------------


def test_day_options_take_today_tomorrow_and_yesterday_in_hotel_time(shanghai: Path):
    clock.freeze(datetime.fromisoformat("2026-11-30T20:00:00+00:00"))  # 04:00 on 1 December in Shanghai
    run = runner(shanghai)
    for word, day in (("today", "2026-12-01"), ("tomorrow", "2026-12-02"), ("yesterday", "2026-11-30")):
        by_word = run("stay", "list", "--day", word, "--json")
        by_date = run("stay", "list", "--day", day, "--json")
        assert by_word.exit_code == 0, by_word.output
        assert json.loads(by_word.output) == json.loads(by_date.output)
        departures = run("stay", "list", "--departures", "--day", word, "--json")
        assert departures.exit_code == 0, departures.output
        assert run("roster", "show", "--date", word).exit_code == 0
        handover = run("handover", "--shift", "early", "--date", word, "--format", "json")
        assert handover.exit_code == 0, handover.output
        assert json.loads(handover.output)["shift_date"] == day
    assert json.loads(run("stay", "list", "--json").output) == json.loads(
        run("stay", "list", "--day", "2026-12-01", "--json").output)  # the default: the hotel's today
    bad = run("stay", "list", "--day", "someday")
    assert bad.exit_code == 2 and "'someday' is not a date: use YYYY-MM-DD, today, tomorrow or yesterday" in bad.output


# -- 2. a routine is a wall-clock rule: a new time zone moves it -------------------------------------------


def test_changing_the_hotels_time_zone_keeps_a_routine_at_its_wall_clock_time(host_utc: None, demo_db: Path):
    clock.freeze(datetime.fromisoformat("2026-12-01T08:00:00+00:00"))  # 08:00 on the host, 16:00 in Shanghai
    run = runner(demo_db)
    made = run("routine", "add", "--title", "Turndown", "--type", "turndown", "--station", "floors-mid", "--at",
               "18:00", "--by", LEAD, "--by-pin", DEMO_PIN, "--json")
    assert made.exit_code == 0, made.output
    assert "next 12-01 18:00" in run("routine", "list").output  # the hotel follows the host (UTC) so far
    changed = run("settings", "set", "timezone", "Asia/Shanghai", "--by", MANAGER, "--by-pin", DEMO_PIN)
    assert changed.exit_code == 0, changed.output
    assert "next 12-01 18:00" in run("routine", "list").output  # 18:00 in Shanghai now, not 02:00 the next day
    [routine] = json.loads(run("routine", "list", "--json").output)
    assert routine["next_at"] == "2026-12-01T10:00:00.000Z"
    store = Store(demo_db)
    try:
        moved = store.rows("SELECT after FROM events WHERE entity = 'routines' AND action = 'rezone'")
        assert [json.loads(e["after"])["timezone"] for e in moved] == ["Asia/Shanghai"]
        clock.use_zone("Asia/Shanghai")
        from butler_tui.services.escalation import sweep

        clock.freeze(datetime.fromisoformat("2026-12-01T09:49:00+00:00"))  # 17:49 hotel time
        assert sweep(store).raised == 0
        clock.freeze(datetime.fromisoformat("2026-12-01T09:50:00+00:00"))  # 17:50: ten minutes ahead of 18:00
        assert sweep(store).raised == 1
    finally:
        store.close()


# -- 5. the command line prints every stored instant in hotel time -----------------------------------------


def test_room_show_and_list_say_since_when_in_hotel_time(shanghai: Path):
    clock.use_zone("Asia/Shanghai")
    at("19:06")  # 11:06 UTC
    run = runner(shanghai)
    on = run("room", "dnd", "1209", "on", "--by", BUTLER, "--by-pin", DEMO_PIN)
    assert on.exit_code == 0, on.output
    assert "DND since 19:06" in on.output
    assert "DND since 19:06" in run("room", "show", "1209").output
    [line] = [x for x in run("room", "list", "--floor", "12").output.splitlines() if x.startswith("1209")]
    assert "DND since 19:06" in line


def test_an_acknowledgement_says_when_in_hotel_time(shanghai: Path):
    clock.use_zone("Asia/Shanghai")
    at("19:06")
    run = runner(shanghai)
    sent = run("send", "--from", "lobby", "--to", "floors-high", "Guest in 1209 asks for an iron")
    assert sent.exit_code == 0, sent.output
    acked = run("ack", sent.output.strip(), "--station", "floors-high", "--staff", "2002")
    assert acked.exit_code == 0, acked.output
    assert "12-01 19:06" in acked.output and "T11:06" not in acked.output


# -- 6. do-not-disturb is a guest's: none on an empty room, no check of one ------------------------------


def test_dnd_is_refused_on_an_empty_room_and_an_empty_room_gets_no_dnd_check(demo_store: Store):
    from butler_tui.services import checklists, rooms, stays
    from butler_tui.services.dnd_audit import raise_dnd_checks
    from tests.test_arrivals import _tick_stage

    today = clock.today()
    clock.freeze(clock.local_at(today, "11:00"))
    empty = str(demo_store.scalar("SELECT number FROM rooms WHERE occupancy = 'vacant' ORDER BY number LIMIT 1"))
    with pytest.raises(InvalidInput, match=f"room {empty} has no guest in it"):
        rooms.set_dnd(demo_store, empty, True, by=BUTLER)
    leaving = next(s for s in stays.departures(demo_store) if s.status in ("in_house", "due_out") and s.room_number)
    room = leaving.room_number
    assert room and rooms.set_dnd(demo_store, room, True, by=BUTLER).dnd
    _tick_stage(demo_store, leaving, "departure", "1002")
    checklists.complete_stage(demo_store, leaving.id, "departure", staff_no="1002", station="lobby")
    stays.transition(demo_store, leaving.id, "departed", staff_no="1002", station="lobby")
    assert not rooms.get_room(demo_store, room).dnd  # check-out clears DND
    with demo_store.write(actor="test", station=None) as tx:  # a room left on DND before this rule, now empty
        tx.execute("UPDATE rooms SET dnd = 1, dnd_since = ? WHERE number = ?", (clock.now_iso(), empty))
        tx.event("rooms", empty, "dnd", after={"dnd": True})
    raise_dnd_checks(demo_store, now=clock.local_at(today, "12:00"))
    checked = {r["room_number"] for r in demo_store.rows("SELECT room_number FROM dnd_checks")}
    assert checked and empty not in checked and room not in checked
    assert all(rooms.get_room(demo_store, r).occupancy in ("occupied", "due_out") for r in checked)


# -- 4. the handover lists the wake-up calls booked ahead, for the stations that will see them -------------


def test_the_handover_lists_booked_wake_up_calls_of_the_next_shift_for_the_floor_that_makes_them(shanghai: Path):
    clock.use_zone("Asia/Shanghai")
    at("14:00")  # the middle shift; the next one, night, is 16:00–00:30
    run = runner(shanghai)
    for room, when in (("1209", "21:00"), ("807", "21:15"), ("1203", "2026-12-02T06:30")):  # the last: too late
        booked = run("task", "add", "--type", "wake_up_call", "--station", "lobby", "--staff", "1002", "--room", room,
                     "--at", when, "Wake-up", room)
        assert booked.exit_code == 0, booked.output
    report = json.loads(run("handover", "--station", "floors-high", "--shift", "middle", "--date", "today",
                            "--format", "json").output)
    booked_calls = [w for w in report["wake_up_calls"] if w["scheduled"]]
    assert [(w["room"], w["wake"]) for w in booked_calls] == [("1209", "2026-12-01T13:00:00.000Z")]  # 21:00 hotel time
    assert booked_calls[0]["asked_by"].endswith("(1002)") and booked_calls[0]["guest"]
    markdown = run("handover", "--station", "floors-high", "--shift", "middle", "--date", "today").output
    section = markdown.split("## Wake-up calls in the next shift 叫醒")[1].split("\n## ")[0]
    assert "| 12-01 21:00 | 1209 |" in section and "(1002)" in section and "807" not in section
    mid = json.loads(run("handover", "--station", "floors-mid", "--shift", "middle", "--date", "today",
                         "--format", "json").output)
    assert [w["room"] for w in mid["wake_up_calls"] if w["scheduled"]] == ["807"]
    whole = json.loads(run("handover", "--shift", "middle", "--date", "today", "--format", "json").output)
    assert sorted(w["room"] for w in whole["wake_up_calls"] if w["scheduled"]) == ["1209", "807"]


# -- 3. a departure is overdue at the leaving time the board shows, both on the hotel's clock ----------------


def test_departures_show_and_judge_overdue_by_the_same_hotel_time(shanghai: Path):
    from butler_tui.services import stays

    clock.use_zone("Asia/Shanghai")
    store = Store(shanghai)
    try:
        day = date.fromisoformat(store.scalar(
            "SELECT departure_date FROM stays WHERE status IN ('in_house','due_out') AND room_number IS NOT NULL"
            " GROUP BY departure_date HAVING count(*) >= 2 ORDER BY departure_date LIMIT 1"))
        planned, by_etd = [s for s in stays.departures(store, day) if s.status in ("in_house", "due_out")][:2]
        stays.record_departure_plan(store, planned.id, staff_no="1002", station="lobby", departure_time="10:00")
        stays.record_departure_plan(store, by_etd.id, staff_no="1002", station="lobby", departure_time=None)
        with store.write(actor="test", station=None) as tx:  # the PMS's ETD: an instant, 07:15 hotel time
            tx.execute("UPDATE stays SET etd = ?, overdue_at = NULL WHERE id IN (?, ?)",
                       (clock.iso(clock.local_at(day, "07:15")), by_etd.id, planned.id))
            tx.event("stays", by_etd.id, "etd", after={"etd": "07:15"})
    finally:
        store.close()
    run = runner(shanghai)

    def board(hhmm: str) -> dict[int, str]:
        at(hhmm, day)
        lines = run("stay", "list", "--departures", "--day", day.isoformat()).output.splitlines()
        return {int(x.split()[0][1:]): x for x in lines if int(x.split()[0][1:]) in (planned.id, by_etd.id)}

    early = board("07:14")
    assert list(early) == [by_etd.id, planned.id]  # by the moment each leaves, not by the text of the times
    assert "leaves 07:15" in early[by_etd.id] and "OVERDUE" not in early[by_etd.id]  # not 23:15 (UTC)
    assert "leaves 10:00" in early[planned.id] and "OVERDUE" not in early[planned.id]  # the plan before the ETD
    at_715 = board("07:15")
    assert "OVERDUE" in at_715[by_etd.id] and "OVERDUE" not in at_715[planned.id]
    assert "OVERDUE" in board("10:00")[planned.id]
    shown = {s["id"]: s for s in json.loads(run("stay", "list", "--departures", "--day", day.isoformat(),
                                                 "--json").output)}
    assert (shown[by_etd.id]["leaves"], shown[by_etd.id]["leaves_at"]) == (
        "07:15", clock.iso(clock.local_at(day, "07:15")))
    assert (shown[planned.id]["leaves"], shown[planned.id]["overdue"]) == ("10:00", True)


# -- 8. a rule's refusal of a well-formed request exits 2, a role's 5: the README's exit codes -------------


def test_a_rule_refuses_with_exit_2_and_a_role_with_exit_5(demo_db: Path):
    run = runner(demo_db)
    by = ("--by-pin", DEMO_PIN)
    added = run("found", "add", "--what", "black umbrella", "--where", "lobby", "--by", "1002", *by)
    assert added.exit_code == 0, added.output
    item = added.output.strip()
    too_young = run("found", "dispose", item, "--by", "2005", *by)  # a supervisor, on the day it was found
    assert too_young.exit_code == 2 and "kept 90 days" in too_young.output
    no_step = run("stay", "set", str(json.loads(run("stay", "list", "--json").output)[0]["id"]), "departed",
                  "--staff", "1002")
    assert no_step.exit_code == 2 and "cannot go from" in no_step.output  # the same kind of refusal, the same code
    not_theirs = run("found", "dispose", item, "--by", BUTLER, *by)
    assert not_theirs.exit_code == 5  # the role may not
