"""Sessions on the command line and service accounts (issue 18): every change is made by someone signed in."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.cli.common import session_file
from butler_tui.services import sessions
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store

ADMIN = "0009"


def butler(db: Path, *args: str, stdin: str | None = None, token: str | None = None):
    env = {"BUTLER_TOKEN": token} if token else {}
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=stdin, env=env)


def login(db: Path, staff: str = "1002", station: str = "lobby", *extra: str):
    return butler(db, "login", "--station", station, "--staff", staff, *extra, stdin=DEMO_PIN + "\n")


def count(db: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    s = Store(db)
    try:
        return int(s.scalar(sql, params))
    finally:
        s.close()


def test_login_whoami_logout_round_trip(demo_db: Path):
    done = login(demo_db)
    assert done.exit_code == 0, done.output
    assert "signed in as 1002 李晓莉 at lobby" in done.output
    kept = session_file(demo_db)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # the token is for this OS user only
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    token = json.loads(kept.read_text(encoding="utf-8"))["token"]
    assert count(demo_db, "SELECT count(*) FROM sessions WHERE token_hash = ?", (token,)) == 0  # only its hash
    me = json.loads(butler(demo_db, "whoami", "--json").output)
    assert {k: me[k] for k in ("staff", "name", "role", "station")} == {
        "staff": "1002", "name": "李晓莉", "role": "butler", "station": "lobby"}
    assert clock.parse(me["expires"]) > clock.now()
    sent = butler(demo_db, "send", "hello from the lobby")  # acts as the session's person and station
    assert sent.exit_code == 0, sent.output
    assert count(demo_db, "SELECT count(*) FROM messages WHERE id = ? AND from_staff = '1002' AND from_station = 'lobby'",
                 (int(sent.output),)) == 1
    out = butler(demo_db, "logout")
    assert out.exit_code == 0 and "signed out 1002" in out.output
    assert not kept.exists()
    assert count(demo_db, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL") == 1
    assert count(demo_db, "SELECT count(*) FROM events WHERE entity = 'sessions' AND entity_id = '1002'"
                          " AND action IN ('login', 'logout')") == 2
    after = butler(demo_db, "whoami")
    assert after.exit_code == 5 and "sign in first" in after.stderr


def test_ended_token_is_refused_server_side(demo_db: Path):
    token = login(demo_db, "1002", "lobby", "--print").output.strip()
    assert not session_file(demo_db).exists()  # --print keeps nothing
    assert butler(demo_db, "logout", token=token).exit_code == 0
    again = butler(demo_db, "send", "hi", token=token)
    assert again.exit_code == 5 and "logged out" in again.stderr


def test_a_wrong_pin_opens_no_session(demo_db: Path):
    done = butler(demo_db, "login", "--station", "lobby", "--staff", "1002", stdin="9999\n")
    assert done.exit_code == 5 and "wrong PIN" in done.stderr
    assert count(demo_db, "SELECT count(*) FROM sessions") == 0 and not session_file(demo_db).exists()


def test_butler_token_comes_before_the_kept_session(demo_db: Path):
    assert login(demo_db, "1002", "lobby").exit_code == 0
    other = login(demo_db, "5002", "cs", "--print").output.strip()
    assert json.loads(butler(demo_db, "whoami", "--json", token=other).output)["staff"] == "5002"
    assert json.loads(butler(demo_db, "whoami", "--json").output)["staff"] == "1002"


def test_a_command_without_a_session_is_refused(demo_db: Path):
    before = count(demo_db, "SELECT count(*) FROM messages")
    for args in (["send", "--from", "lobby", "--staff", "1002", "hi"], ["task", "ack", "1", "--staff", "1002"],
                 ["guest", "show", "1"], ["log", "add", "--station", "lobby", "--staff", "1002", "note"]):
        done = butler(demo_db, *args)
        assert done.exit_code == 5, (args, done.output)
        assert "sign in first: `butler login --station CODE --staff NO`" in done.stderr
    assert count(demo_db, "SELECT count(*) FROM messages") == before


def test_staff_or_station_that_disagree_with_the_session_are_refused(demo_db: Path):
    token = login(demo_db, "1002", "lobby", "--print").output.strip()
    other = butler(demo_db, "send", "--staff", "1003", "hi", token=token)
    assert other.exit_code == 5 and "--staff 1003 is not you" in other.stderr
    elsewhere = butler(demo_db, "task", "add", "--type", "guest_request", "--station", "fo", "pillows", token=token)
    assert elsewhere.exit_code == 5 and "--station fo is not where this session is" in elsewhere.stderr
    same = butler(demo_db, "send", "--staff", "1002", "--from", "LOBBY", "hi", token=token)
    assert same.exit_code == 0, same.output  # agreeing is fine


def test_an_expired_session_is_refused(demo_db: Path):
    token = login(demo_db, "1002", "lobby", "--print", "--hours", "1").output.strip()
    clock.freeze(clock.now() + timedelta(hours=1, minutes=1))
    try:
        done = butler(demo_db, "send", "hi", token=token)
    finally:
        clock.freeze(None)
    assert done.exit_code == 5 and "the session of 李晓莉 ended at" in done.stderr


def test_a_session_ends_with_the_shift_else_after_session_hours(demo_store: Store):
    clock.freeze(clock.local_at(clock.today(), "10:00"))
    try:
        # Nobody rostered: session_hours (8 by default, a setting).
        assert sessions.session_end(demo_store, "1004") == clock.now() + timedelta(hours=8)
        from butler_tui.services import roster

        roster.set_duty(demo_store, clock.today(), "early", "1004", by="1001")
        from butler_tui.config import shift_named, shift_window

        assert sessions.session_end(demo_store, "1004") == shift_window(shift_named("early"), clock.today())[1]
        assert sessions.session_end(demo_store, "1004", hours=2) == clock.now() + timedelta(hours=2)
    finally:
        clock.freeze(None)


def test_by_pin_signs_in_for_one_command(demo_db: Path):
    done = butler(demo_db, "send", "--from", "lobby", "--staff", "1002", "--by-pin", DEMO_PIN, "hi")
    assert done.exit_code == 0, done.output
    wrong = butler(demo_db, "send", "--from", "lobby", "--staff", "1002", "--by-pin", "9999", "hi")
    assert wrong.exit_code == 5 and "wrong PIN" in wrong.stderr


def test_a_service_account_does_only_what_it_was_given(demo_db: Path, tmp_path: Path):
    refused = butler(demo_db, "staff", "add-service", "pms", "--may", "import", "--by", "1001", "--by-pin", DEMO_PIN)
    assert refused.exit_code == 5 and "may not add staff" in refused.stderr  # admins only
    added = butler(demo_db, "staff", "add-service", "pms", "--may", "import,sweep", "--by", ADMIN, "--by-pin", DEMO_PIN)
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    assert count(demo_db, "SELECT count(*) FROM sessions WHERE service = 'pms' AND token_hash = ?",
                 (sessions.token_hash(token),)) == 1
    assert butler(demo_db, "sweep", token=token).exit_code == 0
    csv = Path(__file__).resolve().parents[1] / "data" / "sample-pms-arrivals.csv"
    imported = butler(demo_db, "import", "arrivals", str(csv), token=token)
    assert imported.exit_code == 0, imported.output
    for args in (["send", "--from", "lobby", "hi"], ["task", "add", "--type", "guest_request", "--station", "lobby",
                                                      "x"], ["guest", "show", "1"]):
        done = butler(demo_db, *args, token=token)
        assert done.exit_code == 5 and "service account pms may not" in done.stderr, args
    assert json.loads(butler(demo_db, "whoami", "--json", token=token).output)["may"] == ["import", "sweep"]
    assert butler(demo_db, "staff", "revoke-service", "pms", "--by", ADMIN, "--by-pin", DEMO_PIN).exit_code == 0
    gone = butler(demo_db, "sweep", token=token)
    assert gone.exit_code == 5 and "service account pms was revoked" in gone.stderr


def test_task_cancel_goes_through_the_permission_check(demo_db: Path):
    receiver = login(demo_db, "1002", "lobby", "--print").output.strip()
    added = butler(demo_db, "task", "add", "--type", "guest_request", "--json", "pillows", token=receiver)
    task_id = str(json.loads(added.output)["id"])
    colleague = login(demo_db, "1003", "lobby", "--print").output.strip()
    refused = butler(demo_db, "task", "cancel", task_id, "--reason", "not mine", token=colleague)
    assert refused.exit_code == 5
    assert "李菲菲 (butler) may not cancel a task somebody else received" in refused.stderr
    lead = login(demo_db, "1001", "lobby", "--print").output.strip()
    assert butler(demo_db, "task", "cancel", task_id, "--reason", "duplicate", token=lead).exit_code == 0


def _second_process(db: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BUTLER_TOKEN", "BUTLER_PIN")}
    if token is not None:
        env["BUTLER_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "butler_tui", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_a_second_process_cannot_act_without_a_session(demo_db: Path):
    mine = login(demo_db, "1002", "lobby", "--print").output.strip()
    before = count(demo_db, "SELECT count(*) FROM messages"), count(demo_db, "SELECT count(*) FROM tasks")
    bare = _second_process(demo_db, "send", "--from", "fo", "--staff", "0001", "--priority", "emergency", "evacuate")
    assert bare.returncode == 5 and "sign in first" in bare.stderr
    forged = _second_process(demo_db, "task", "verify", "1", "--staff", "0001", token="x" * 43)
    assert forged.returncode == 5 and "not known here" in forged.stderr
    stolen_hash = _second_process(demo_db, "send", "hi", token=sessions.token_hash(mine))  # what the file holds
    assert stolen_hash.returncode == 5 and "not known here" in stolen_hash.stderr
    as_director = _second_process(demo_db, "task", "add", "--type", "guest_request", "--staff", "0001", "x",
                                  token=mine)
    assert as_director.returncode == 5 and "--staff 0001 is not you" in as_director.stderr
    assert "Traceback" not in bare.stderr + forged.stderr + as_director.stderr
    assert (count(demo_db, "SELECT count(*) FROM messages"), count(demo_db, "SELECT count(*) FROM tasks")) == before


@pytest.mark.parametrize("value", ["0", "25", "x"])
def test_bad_hours_are_refused(demo_db: Path, value: str):
    done = login(demo_db, "1002", "lobby", "--hours", value)
    assert done.exit_code == 2


def test_a_by_command_acts_as_the_session_when_by_is_left_out(demo_db: Path):
    lead = login(demo_db, "2005", "floors-mid", "--print").output.strip()  # a supervisor
    done = butler(demo_db, "room", "dnd", "909", "on", "--json", token=lead)
    assert done.exit_code == 0, done.output
    assert count(demo_db, "SELECT count(*) FROM events WHERE entity = 'rooms' AND entity_id = '909' AND actor = '2005'") >= 1
    bare = butler(demo_db, "room", "dnd", "909", "off")
    assert bare.exit_code == 5 and "sign in first" in bare.stderr
    added = butler(demo_db, "staff", "add-service", "cron", "--may", "sweep", "--by", ADMIN, "--by-pin", DEMO_PIN)
    service = butler(demo_db, "room", "dnd", "909", "off", token=added.stdout.strip())
    assert service.exit_code == 5 and "service account cron may not" in service.stderr
