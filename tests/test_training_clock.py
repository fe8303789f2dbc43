"""BUTLER_NOW moves the clock on a training database only (issue 18): `butler demo` and `butler init
--training` make one; on a live hotel a set BUTLER_NOW is refused before anything is written, by the
command line, a station, and a second process alike."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import ButlerError
from tests.conftest import signed_env

MOVED = "2026-01-05T09:30:00Z"
TASK = ("task", "add", "--type", "guest_request", "--station", "lobby", "--staff", "1002", "--room", "1208")


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args))


def _events(db: Path) -> tuple[int, str]:
    """How many events, and the instant of the last."""
    conn = sqlite3.connect(db)
    try:
        n, at = conn.execute("SELECT count(*), (SELECT at FROM events ORDER BY id DESC LIMIT 1) FROM events").fetchone()
        return n, clock.from_ms(at)
    finally:
        conn.close()


@pytest.fixture
def live_db(demo_db: Path) -> Path:
    """The demo hotel, as a live hotel's file (not a training one)."""
    conn = sqlite3.connect(demo_db)
    conn.execute("DELETE FROM settings WHERE name = 'training'")
    conn.commit()
    conn.close()
    return demo_db


def test_the_demo_is_a_training_database_and_its_clock_moves(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_NOW", MOVED)
    made = run(demo_db, *TASK)
    assert made.exit_code == 0, made.output
    assert _events(demo_db)[1] == "2026-01-05T09:30:00.000Z"


def test_butler_now_is_refused_on_a_live_hotel_before_anything_is_written(live_db: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    signed = {args: signed_env(live_db, args) for args in (TASK, ("task", "list"), ("sweep",), ("init",))}
    before = _events(live_db)  # (after the sessions the commands act under were opened)
    monkeypatch.setenv("BUTLER_NOW", MOVED)
    for args, env in signed.items():
        refused = CliRunner().invoke(cli, ["--db", str(live_db), *args], env=env)
        assert refused.exit_code == 1, (args, refused.output)
        assert "not a training database" in refused.stderr and "Traceback" not in refused.output
    assert _events(live_db) == before
    monkeypatch.delenv("BUTLER_NOW")
    assert run(live_db, *TASK).exit_code == 0  # the real clock: fine
    assert _events(live_db)[1] > "2026-01-05T09:30:00.000Z"


def test_a_second_process_cannot_move_the_clock_of_a_live_hotel(live_db: Path):
    before = _events(live_db)
    env = {**os.environ, "BUTLER_NOW": "2099-01-01T00:00:00Z"}
    proc = subprocess.run([sys.executable, "-m", "butler_tui", "--db", str(live_db), *TASK], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "not a training database" in proc.stderr
    assert _events(live_db) == before


def test_a_station_does_not_open_on_a_live_hotel_with_the_clock_moved(live_db: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    from butler_tui.app import ButlerApp

    before = _events(live_db)
    monkeypatch.setenv("BUTLER_NOW", MOVED)
    with pytest.raises(ButlerError, match="not a training database"):
        ButlerApp(live_db, "lobby", "1002")
    refused = run(live_db, "run", "--station", "lobby")
    assert refused.exit_code == 1 and "not a training database" in refused.stderr
    assert _events(live_db) == before


def test_init_training_makes_an_empty_training_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_NOW", MOVED)
    plain = tmp_path / "live.db"
    refused = run(plain, "init")
    assert refused.exit_code == 1 and "not a training database" in refused.stderr
    assert not plain.exists()  # refused before the file was made
    training = tmp_path / "training.db"
    made = run(training, "init", "--training")
    assert made.exit_code == 0, made.output
    assert "training database" in made.output
    assert _events(training)[1] == "2026-01-05T09:30:00.000Z"
    assert run(training, "messages").exit_code == 0


def test_a_live_hotel_never_becomes_a_training_database(live_db: Path, monkeypatch: pytest.MonkeyPatch):
    made = run(live_db, "init", "--training")
    assert made.exit_code == 2 and "holds a hotel" in made.stderr
    assert run(live_db, "demo", "--no-tui").exit_code == 0  # the demo loaded again: still a live hotel
    monkeypatch.setenv("BUTLER_NOW", MOVED)
    assert run(live_db, "demo", "--no-tui").exit_code == 1
    assert run(live_db, *TASK).exit_code == 1


def test_a_butler_now_that_is_no_date_is_one_clear_error(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_NOW", "next tuesday")
    result = run(demo_db, "task", "list")
    assert result.exit_code == 2 and "not an ISO date" in result.stderr and "Traceback" not in result.output


def test_the_clock_ignores_butler_now_until_a_training_database_is_opened(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_NOW", "2001-01-01T00:00:00Z")
    assert clock.now().year > 2001  # nothing opened: the real clock
    clock.allow_env()
    assert clock.now().year == 2001
