"""Hotel time (issue 17): every local time is the hotel's ``timezone`` setting, whatever the host's.

The host here is forced to UTC (and, once, to a third zone); one hotel is in Asia/Shanghai and
another in America/New_York. The same instant is 12:00 at the first and 23:00 the day before at the
second: shifts, due times, the station bar and the CLI follow the hotel, never the machine."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock, context
from butler_tui.cli import cli
from butler_tui.config import shift_label
from butler_tui.services import handover, settings, tasks
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store

from .conftest import signed_env

MANAGER = "0003"
INSTANT = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, 23:00 (23 Nov) in New York


def _hotel(demo_db: Path, tmp_path: Path, name: str, zone: str) -> Path:
    path = tmp_path / f"{name}.db"
    shutil.copy(demo_db, path)
    store = Store(path)
    try:
        settings.set_setting(store, "timezone", zone, by=MANAGER)
    finally:
        store.close()
    return path


def test_the_same_instant_is_each_hotels_own_wall_clock(host_utc: None):
    clock.freeze(INSTANT)
    assert clock.local_now().hour == 4  # no zone set yet: the host's (UTC here)
    clock.use_zone("Asia/Shanghai")
    assert (clock.local_now().date(), clock.local_now().hour) == (date(2026, 11, 24), 12)
    assert clock.show_local(clock.iso(INSTANT)) == "12:00"
    assert clock.local_at(date(2026, 11, 24), "12:00") == INSTANT
    assert shift_label(clock.local_now()) == "early+middle"
    clock.use_zone("America/New_York")
    assert (clock.today(), clock.local_now().hour) == (date(2026, 11, 23), 23)
    assert clock.show_local(clock.iso(INSTANT), "%m-%d %H:%M") == "11-23 23:00"
    assert shift_label(clock.local_now()) == "night"
    # A naive time is the hotel's wall clock, not the host's.
    assert clock.iso(datetime(2026, 11, 23, 23, 0)) == "2026-11-24T04:00:00.000Z"


def test_daylight_saving_days_follow_the_hotels_rules(host_utc: None):
    clock.use_zone("America/New_York")
    # 8 March 2026: clocks go forward at 02:00; 12:00 that day is UTC-4, the day before UTC-5.
    assert clock.iso(clock.local_at(date(2026, 3, 7), "12:00")) == "2026-03-07T17:00:00.000Z"
    assert clock.iso(clock.local_at(date(2026, 3, 8), "12:00")) == "2026-03-08T16:00:00.000Z"
    assert clock.local_at(date(2026, 3, 8), "02:30")  # a time the clocks skip still has an answer


def test_two_hotels_in_one_process_each_keep_their_own_time(host_utc: None, demo_db: Path, tmp_path: Path):
    shanghai = _hotel(demo_db, tmp_path, "shanghai", "Asia/Shanghai")
    new_york = _hotel(demo_db, tmp_path, "new_york", "America/New_York")
    clock.freeze(INSTANT)
    seen = {}
    for path in (shanghai, new_york):
        with context.using(context.current().derive()):
            store = Store(path)
            try:
                settings.use_hotel_settings(store)
                shift, day = handover.current()
                task_id = tasks.create(store, type="guest_request", name="Extra pillows", room="1208",
                                       staff_no="2001", station="floors-high",
                                       due_at=tasks.parse_when("18:00"))
                due = tasks.get_task(store, task_id).due_at
                seen[path.stem] = (shift.name, day, clock.iso(due) if isinstance(due, datetime) else due)
            finally:
                store.close()
    assert seen["shanghai"][:2] == ("middle", date(2026, 11, 24))
    assert seen["shanghai"][2] == "2026-11-24T10:00:00.000Z"  # 18:00 in Shanghai
    assert seen["new_york"][:2] == ("night", date(2026, 11, 23))
    assert seen["new_york"][2] == "2026-11-24T23:00:00.000Z"  # 18:00 on the 24th in New York (next 18:00)


def test_the_cli_reads_and_writes_hotel_time(host_utc: None, demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_NOW", "2026-11-24T04:00:00Z")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args), catch_exceptions=False)

    put = run("settings", "set", "timezone", "Asia/Shanghai", "--by", MANAGER, "--by-pin", DEMO_PIN)
    assert put.exit_code == 0, put.output
    made = run("task", "add", "--type", "guest_request", "--station", "floors-high", "--staff", "2001",
               "--room", "1208", "--due", "13:30", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["due_at"].startswith("2026-11-24T05:30:00")  # 13:30 in Shanghai
    wrong = run("settings", "set", "timezone", "Beijing", "--by", MANAGER, "--by-pin", DEMO_PIN)
    assert wrong.exit_code != 0 and "IANA time zone" in wrong.output
    assert run("settings", "get", "timezone").output.strip() == "timezone = Asia/Shanghai"


async def test_a_station_shows_the_hotels_clock_on_a_host_elsewhere(host_new_york: None, demo_db: Path,
                                                                    tmp_path: Path):
    """The host says New York (23:00 yesterday); the hotel says Shanghai: the station bar says 12:00 and
    the middle shift; a setting changed at another station moves this station's clock at once."""
    from butler_tui.app import ButlerApp
    from butler_tui.ui.station_bar import StationBar
    from tests.conftest import await_until

    shanghai = _hotel(demo_db, tmp_path, "shanghai", "Asia/Shanghai")
    clock.freeze(INSTANT)
    app = ButlerApp(shanghai, "floors-high", "2001")
    async with app.run_test(size=(120, 36)) as pilot:
        def bar() -> str:
            return str(app.screen.query_one(StationBar).render())

        await await_until(pilot, lambda: "12:00" in bar() and "early+middle" in bar())
        store = Store(shanghai)
        try:
            settings.set_setting(store, "timezone", "Europe/London", by=MANAGER)  # another station's manager
        finally:
            store.close()
        app.screen.query_one(StationBar).refresh_bar()
        await await_until(pilot, lambda: (app.screen.query_one(StationBar).refresh_bar(), "04:00" in bar())[1])


def test_dnd_checks_and_the_night_audit_keep_the_hotels_hours(host_utc: None, demo_db: Path, tmp_path: Path):
    """Noon in Shanghai is 04:00 on a UTC host: the DND checks come then, not at the host's noon; the
    night audit at 03:00 Shanghai is 19:00 UTC the evening before."""
    from butler_tui.services import dnd_audit, escalation

    shanghai = _hotel(demo_db, tmp_path, "shanghai", "Asia/Shanghai")
    store = Store(shanghai)
    try:
        settings.use_hotel_settings(store)
        assert dnd_audit.dnd_slot(datetime(2026, 11, 24, 3, 59, tzinfo=UTC)) is None  # 11:59 in Shanghai
        slot = dnd_audit.dnd_slot(datetime(2026, 11, 24, 4, 1, tzinfo=UTC))  # 12:01 in Shanghai
        assert slot is not None and (slot.day, slot.hhmm) == (date(2026, 11, 24), "12:00")
        late = dnd_audit.dnd_slot(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai: the 14:00 slot
        assert late is not None and late.hhmm == "14:00"
        assert dnd_audit.audit_at(date(2026, 11, 24), "03:00") == datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
        # The demo's rooms went on DND this morning (host time); tomorrow at 12:01 Shanghai time they are checked.
        tomorrow = clock.today() + timedelta(days=1)
        clock.freeze(clock.local_at(tomorrow, "11:59"))
        assert escalation.sweep(store).dnd_checks == 0
        clock.freeze(clock.local_at(tomorrow, "12:01"))
        assert escalation.sweep(store).dnd_checks > 0
        raised = store.scalar("SELECT min(due_at) FROM tasks WHERE type = 'dnd_check'")
        assert clock.show_local(raised) == "14:00"  # due at the next check, Shanghai time
    finally:
        store.close()
