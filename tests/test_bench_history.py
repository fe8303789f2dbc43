"""bench/history.py builds a year of history the way the app stores it; the README's figures come from
it, so a short build (five days) runs here, and the database it writes must pass the app's own check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from butler_tui.cli import cli

BENCH = Path(__file__).resolve().parent.parent / "bench" / "history.py"


def test_a_short_history_builds_measures_and_passes_the_check(tmp_path: Path):
    db = tmp_path / "history.db"
    proc = subprocess.run([sys.executable, str(BENCH), "--days", "5", "--out", str(db), "--runs", "1",
                           "--first-show-runs", "1", "--stations", ""],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "station state (lobby)" in proc.stdout and "year med" in proc.stdout
    # Each board a duty butler opens, timed in a headless station on the three files (its rows shown).
    assert "first show" in proc.stdout
    boards = [line for line in proc.stdout.splitlines() if line.startswith(("| task board (t)", "| arrivals board (r)",
                                                                             "| handover board (b)", "| message log (l)"))]
    assert len(boards) == 8, proc.stdout[-3000:]  # the first-show table and its "of which the read" table
    assert "bench/stations.py" not in proc.stdout  # --stations "": not run
    assert "report, 365 days by team" in proc.stdout and "the first report of the year" in proc.stdout
    check = CliRunner().invoke(cli, ["--db", str(db), "check", "--full"])
    assert check.exit_code == 0, check.output
    assert "integrity:      ok" in check.output
    # Stored as the app stores it: a task's or a message's creation refers to its row (store/history.py), read
    # back by a plain connection too (the instants it compares come back as milliseconds there).
    import sqlite3

    conn = sqlite3.connect(db)
    kept = conn.execute("SELECT count(*), count(after) FROM events WHERE entity = 'tasks' AND action = 'create'"
                        ).fetchone()
    conn.close()
    assert kept[0] > 1000 and kept[1] < kept[0] / 10, kept
