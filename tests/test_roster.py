"""The duty roster (issue 16): who is on which shift, each shift's duty manager, set by leads and up (one
person, or a CSV file all or nothing), and escalations that reach the people on duty — the doing team's
supervisor, else up the chain, else the duty manager — by name, where they are signed in."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock, i18n
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import auth, escalation, messaging, roster, tasks
from butler_tui.services.demo import DEMO_PIN
from butler_tui.services.routing import emergency_stations
from butler_tui.store import Store

from .conftest import signed_env

DAY = date.today() + timedelta(days=1)
MORNING = datetime.combine(DAY, time(10, 0)).astimezone()  # the early shift only (07:00–15:30)


@pytest.fixture
def morning():
    clock.freeze(MORNING)
    yield MORNING
    clock.freeze(None)


def escalations_of(store: Store, task_id: int) -> list[dict]:
    return store.rows("SELECT level, notify, notify_staff, message_id FROM escalations WHERE task_id = ? ORDER BY id",
                      (task_id,))


def turndown(store: Store) -> int:
    """A turndown for 908 taken at the lobby: the lobby owns it, Rooms (floors 7–10: floors-mid) does it."""
    return tasks.create(store, type="turndown", room="908", staff_no="1002", station="lobby")


def sweep_at(store: Store, minutes: float) -> None:
    clock.freeze(MORNING + timedelta(minutes=minutes))
    escalation.sweep(store)


def active_stations(store: Store) -> list[str]:
    return [r["code"] for r in store.rows("SELECT code FROM stations WHERE active")]


def recipients(store: Store, message_id: int) -> set[str]:
    return {r.station for r in messaging.get_message(store, message_id).recipients}


# -- the roster itself ---------------------------------------------------------------------------------


def test_set_show_and_the_duty_manager_of_a_shift(demo_store: Store, morning):
    day = DAY.isoformat()
    roster.set_duty(demo_store, day, "early", "2005", by="2001")
    roster.set_duty(demo_store, day, "early", "0003", duty_manager=True, by="2001")
    roster.set_duty(demo_store, day, "night", "7009", duty_manager=True, by="2001")
    assert [(d.shift, d.staff_no, d.duty_manager) for d in roster.show(demo_store, day)] == [
        ("early", "0003", True), ("early", "2005", False), ("night", "7009", True)]
    roster.set_duty(demo_store, day, "early", "0002", duty_manager=True, by="2001")  # one duty manager a shift
    assert [(d.staff_no, d.duty_manager) for d in roster.show(demo_store, day) if d.shift == "early"] == [
        ("0002", True), ("0003", False), ("2005", False)]
    events = demo_store.rows("SELECT actor, entity_id, action FROM events WHERE entity = 'roster' ORDER BY id")
    assert [(e["actor"], e["entity_id"], e["action"]) for e in events] == [
        ("2001", f"{day}:early", "set"), ("2001", f"{day}:early", "set"), ("2001", f"{day}:night", "set"),
        ("2001", f"{day}:early", "set")]
    roster.set_duty(demo_store, day, "early", "2005", by="2001")  # as it is already: nothing written
    assert demo_store.scalar("SELECT count(*) FROM events WHERE entity = 'roster'") == 4
    assert roster.clear(demo_store, day, "early", "2005", by="2001") == 1
    assert "2005" not in {d.staff_no for d in roster.show(demo_store, day)}
    with pytest.raises(InvalidInput, match="cannot be duty manager"):
        roster.set_duty(demo_store, day, "early", "2003", duty_manager=True, by="2001")
    with pytest.raises(InvalidInput, match="unknown shift 'late'"):
        roster.set_duty(demo_store, day, "late", "2003", by="2001")


def test_only_leads_and_up_set_the_roster(demo_store: Store, morning):
    with pytest.raises(PermissionDenied, match="may not set the duty roster"):
        roster.set_duty(demo_store, DAY, "early", "2003", by="2003")  # a butler
    assert roster.show(demo_store, DAY) == []
    assert demo_store.scalar("SELECT count(*) FROM events WHERE entity = 'permissions' AND action = 'refused'"
                             " AND entity_id = 'set_roster'") == 1


def test_import_is_all_or_nothing_naming_the_bad_lines(demo_store: Store, tmp_path: Path, morning):
    day = DAY.isoformat()
    roster.set_duty(demo_store, day, "early", "2002", by="2001")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"date,shift,staff_no,duty_manager\n{day},early,2005,0\n{day},late,2004,0\n"
                   f"{day},early,9999,\n{day},early,0003,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        roster.import_csv(demo_store, bad, by="2001")
    text = str(refused.value)
    assert "2 bad row(s), nothing imported" in text
    assert "line 3: unknown shift 'late'" in text and "line 4: unknown staff no. '9999'" in text
    assert [d.staff_no for d in roster.show(demo_store, day)] == ["2002"]  # nothing of the file

    good = tmp_path / "good.csv"
    good.write_text(f"date,shift,staff_no,duty_manager\n{day},early,2005,0\n{day},early,0003,1\n"
                    f"{day},night,7009,yes\n", encoding="utf-8")
    report = roster.import_csv(demo_store, good, by="2001")
    assert (report.rows, report.shifts, report.changed) == (3, 2, 2)
    assert [(d.shift, d.staff_no, d.duty_manager) for d in roster.show(demo_store, day)] == [
        ("early", "0003", True), ("early", "2005", False), ("night", "7009", True)]  # the early shift replaced
    assert roster.export_csv(demo_store) == (f"date,shift,staff_no,duty_manager\n{day},early,0003,1\n"
                                             f"{day},early,2005,0\n{day},night,7009,1\n")
    assert roster.import_csv(demo_store, good, by="2001").changed == 0  # again: nothing changes

    two = tmp_path / "two.csv"
    two.write_text(f"date,shift,staff_no,duty_manager\n{day},early,0003,1\n{day},early,0002,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"line 3: the early shift of .* has its duty manager on line 2"):
        roster.import_csv(demo_store, two, by="2001")


def test_assigning_offers_the_doing_team_on_duty_else_the_whole_team(demo_store: Store, morning):
    task_id = tasks.create(demo_store, type="turndown", room="908", staff_no="2001", station="floors-mid")
    everyone = ["0002", "0003", "2001", "2002", "2003", "2004", "2005"]  # Rooms does it; none rostered: all of Rooms
    assert [no for no, _name in tasks.assignable(demo_store, task_id)] == everyone
    roster.set_duty(demo_store, DAY, "early", "2003", by="2001")
    roster.set_duty(demo_store, DAY, "early", "2005", by="2001")
    roster.set_duty(demo_store, DAY, "middle", "2002", by="2001")  # from 11:30: not on at 10:00
    roster.set_duty(demo_store, DAY, "early", "9001", by="2001")  # on duty, but not of Rooms
    roster.set_duty(demo_store, DAY - timedelta(days=1), "early", "2004", by="2001")  # yesterday
    assert tasks.assignable(demo_store, task_id) == [("2003", "胡亚茹"), ("2005", "何丽娟")]
    clock.freeze(MORNING + timedelta(hours=2))  # 12:00: the middle shift is on too
    assert [no for no, _name in tasks.assignable(demo_store, task_id)] == ["2002", "2003", "2005"]
    # Offered is not the limit: a lead may still assign anyone of the team (called in before the roster says).
    assert tasks.assign(demo_store, task_id, "2004", staff_no="2001", station="floors-mid").assignee_no == "2004"


def test_the_roster_says_why_a_person_may_not_set_it_before_anything_is_filled_in(demo_store: Store):
    assert roster.refusal(demo_store, "2001") is None  # a lead
    assert roster.refusal(demo_store, "0003") is None  # a manager
    assert "may not set the duty roster" in (roster.refusal(demo_store, "2003") or "")  # a butler
    assert roster.refusal(demo_store, None) == "sign in first"


def test_the_night_shift_is_on_after_midnight_under_its_own_date():
    clock.freeze(datetime.combine(DAY, time(0, 15)).astimezone())
    try:
        assert [(d, s.name) for d, s in roster.shifts_at()] == [(DAY - timedelta(days=1), "night")]
    finally:
        clock.freeze(None)


# -- escalation reaches the people on duty ----------------------------------------------------------------


def test_escalation_reaches_the_supervisor_on_duty_where_signed_in(demo_store: Store, morning):
    roster.set_duty(demo_store, DAY, "early", "2005", by="2001")  # Rooms' supervisor
    roster.set_duty(demo_store, DAY, "early", "0003", duty_manager=True, by="2001")
    auth.sign_in(demo_store, "2005", DEMO_PIN, station="floors-low")
    task_id = turndown(demo_store)
    sweep_at(demo_store, 30)  # not acknowledged in 30 min → supervisor
    [fired] = escalations_of(demo_store, task_id)
    assert (fired["level"], fired["notify"], json.loads(fired["notify_staff"])) == (1, "supervisor", ["2005"])
    notice = messaging.get_message(demo_store, fired["message_id"])
    assert "supervisor 主管 on duty 何丽娟 (2005)" in notice.body
    assert recipients(demo_store, fired["message_id"]) == {"floors-low", "lobby"}  # where she is; who raised it
    event = demo_store.row("SELECT after FROM events WHERE entity = 'tasks' AND entity_id = ? AND action = 'escalate'",
                           (str(task_id),))
    assert json.loads(event["after"])["notify_staff"] == ["2005"]
    i18n.set_language("zh")  # each station reads the notice in its own language
    assert "升级 L1 → 在班主管 何丽娟 (2005)" in messaging.get_message(demo_store, fired["message_id"]).body


def test_nobody_of_the_role_on_duty_falls_back_to_the_manager(demo_store: Store, morning):
    roster.set_duty(demo_store, DAY, "early", "0003", by="2001")  # Rooms' manager, not signed in anywhere
    roster.set_duty(demo_store, DAY, "early", "7009", duty_manager=True, by="2001")
    roster.set_duty(demo_store, DAY, "night", "2005", by="2001")  # the supervisor works tonight
    task_id = turndown(demo_store)
    sweep_at(demo_store, 30)
    [fired] = escalations_of(demo_store, task_id)
    assert (fired["notify"], json.loads(fired["notify_staff"])) == ("supervisor", ["0003"])
    body = messaging.get_message(demo_store, fired["message_id"]).body
    assert "manager 经理 on duty 吴明远 (0003) (no supervisor 主管 on duty)" in body
    assert recipients(demo_store, fired["message_id"]) == {"floors-mid", "lobby"}  # Rooms' station of floor 9


def test_at_the_top_the_duty_manager(demo_store: Store, morning):
    roster.set_duty(demo_store, DAY, "early", "2002", by="2001")  # a Rooms butler: no one to escalate to
    roster.set_duty(demo_store, DAY, "early", "7009", duty_manager=True, by="2001")
    auth.sign_in(demo_store, "7009", DEMO_PIN, station="security")
    task_id = turndown(demo_store)
    sweep_at(demo_store, 30)
    [fired] = escalations_of(demo_store, task_id)
    assert json.loads(fired["notify_staff"]) == ["7009"]
    assert "duty manager 值班经理 on duty 冯振华 (7009) (no supervisor 主管 on duty)" in messaging.get_message(
        demo_store, fired["message_id"]).body
    assert recipients(demo_store, fired["message_id"]) == {"security", "lobby"}


def test_nobody_rostered_goes_by_the_label_as_before(demo_store: Store, morning):
    task_id = turndown(demo_store)
    sweep_at(demo_store, 30)
    [fired] = escalations_of(demo_store, task_id)
    assert fired["notify_staff"] is None
    notice = messaging.get_message(demo_store, fired["message_id"])
    assert "ESCALATION L1 → supervisor 主管: task" in notice.body
    assert notice.audience_kind == "team"
    assert recipients(demo_store, fired["message_id"]) == {"lobby", "floors-low", "floors-mid", "floors-high"}


def test_a_safety_emergency_names_the_duty_manager_whose_station_must_acknowledge(demo_store: Store, morning):
    roster.set_duty(demo_store, DAY, "early", "0003", duty_manager=True, by="2001")
    auth.sign_in(demo_store, "0003", DEMO_PIN, station="fo")
    raised = tasks.raise_task(demo_store, type="safety_emergency", room="908", name="Smoke in the corridor",
                              staff_no="2003", station="floors-mid")
    assert "fo" in {n.station for n in raised.notified}
    alarm = messaging.get_message(demo_store, raised.notified[0].message_id)
    assert "SEC and the duty manager 吴明远 (0003) to respond" in alarm.body
    row = demo_store.row("SELECT * FROM tasks WHERE id = ?", (raised.id,))
    with demo_store.write(actor="test", station="floors-mid") as tx:
        stations, managers = emergency_stations(tx, row)
        tx.abandon()
    assert set(stations) == set(active_stations(demo_store)) - {"floors-mid"}
    assert stations[:2] == ["security", "fo"] and [d.staff_no for d in managers] == ["0003"]


# -- the command line --------------------------------------------------------------------------------------


def test_cli_set_show_json_import_export(demo_db: Path, tmp_path: Path, morning):
    runner = CliRunner()
    day = DAY.isoformat()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args), catch_exceptions=False)

    done = run("roster", "set", day, "early", "0003", "--duty-manager", "--by", "2001", "--by-pin", DEMO_PIN)
    assert done.exit_code == 0, done.output
    assert "0003 吴明远 on the early shift" in done.output and "duty manager" in done.output
    refused = run("roster", "set", day, "early", "2002", "--by", "2003", "--by-pin", DEMO_PIN)
    assert refused.exit_code == 5 and "may not set the duty roster" in refused.output
    shown = run("roster", "show", "--date", day, "--json")
    assert json.loads(shown.output) == [{"date": day, "shift": "early", "staff_no": "0003", "name": "吴明远",
                                         "role": "manager", "team": "ROOMS", "duty_manager": True}]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"date,shift,staff_no,duty_manager\n{day},early,2005,0\n{day}x,early,2004,0\n", encoding="utf-8")
    rejected = run("roster", "import", str(bad), "--by", "2001", "--by-pin", DEMO_PIN)
    assert rejected.exit_code == 2 and "line 3:" in rejected.output and "nothing imported" in rejected.output
    out = tmp_path / "out.csv"
    assert run("roster", "export", "--out", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == f"date,shift,staff_no,duty_manager\n{day},early,0003,1\n"
    good = tmp_path / "good.csv"
    good.write_text(f"date,shift,staff_no,duty_manager\n{day},early,2005,0\n{day},early,0003,1\n", encoding="utf-8")
    imported = run("roster", "import", str(good), "--by", "2001", "--by-pin", DEMO_PIN)
    assert imported.exit_code == 0 and "2 rows, 1 shift(s), 1 changed" in imported.output
    listed = run("roster", "show", "--date", day)
    assert listed.output.splitlines()[0].startswith(f"{day} early    0003") and "2005" in listed.output
