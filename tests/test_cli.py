"""The command line: init, demo (non-interactive), check, backup, and clear errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from butler_tui.cli import cli
from butler_tui.store import SCHEMA_VERSION

from .conftest import signed_env


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args), catch_exceptions=False)


def test_init_creates_then_migrates(db_path: Path):
    first = run(db_path, "init")
    assert first.exit_code == 0, first.output
    assert f"created {db_path}" in first.output
    second = run(db_path, "init")
    assert second.exit_code == 0 and "migrated" in second.output


def test_db_defaults_to_env_then_cwd(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BUTLER_DB", str(tmp_path / "from-env.db"))
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0
    assert (tmp_path / "from-env.db").exists()
    monkeypatch.delenv("BUTLER_DB")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "butler.db").exists()


def test_demo_no_tui_loads_once(db_path: Path):
    first = run(db_path, "demo", "--no-tui")
    assert first.exit_code == 0, first.output
    assert "300 rooms" in first.output and "220 guests" in first.output
    conn = sqlite3.connect(db_path)
    counts = conn.execute("SELECT (SELECT count(*) FROM rooms), (SELECT count(*) FROM events)").fetchone()
    conn.close()
    second = run(db_path, "demo", "--no-tui")
    assert second.exit_code == 0 and "already loaded" in second.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT (SELECT count(*) FROM rooms), (SELECT count(*) FROM events)").fetchone() == counts
    conn.close()


def test_check_reports_ok(demo_db: Path):
    result = run(demo_db, "check")
    assert result.exit_code == 0, result.output
    assert "integrity:      ok" in result.output
    assert f"schema version: {SCHEMA_VERSION}" in result.output


def test_check_warns_when_others_can_read_the_file(demo_db: Path):
    os.chmod(demo_db, 0o644)
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "check"])
    assert result.exit_code == 0
    assert "readable by other users" in result.stderr


def test_check_refuses_a_newer_schema(demo_db: Path):
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "check"])
    assert result.exit_code == 3
    assert "newer than this butler-tui understands" in result.stderr


def test_backup_is_a_complete_copy(demo_db: Path, tmp_path: Path):
    dest = tmp_path / "backup.db"
    result = run(demo_db, "backup", str(dest))
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM guests").fetchone()[0] == 220
    conn.close()
    assert not (tmp_path / "backup.db.partial").exists()


def test_backup_into_a_missing_directory_is_a_clear_error(demo_db: Path, tmp_path: Path):
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "backup", str(tmp_path / "no" / "such" / "x.db")])
    assert result.exit_code != 0
    assert "does not exist" in result.stderr


def test_missing_database_is_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "absent.db"), "check"])
    assert result.exit_code == 4
    assert "no database at" in result.stderr and "butler init" in result.stderr


def test_unknown_station_lists_the_known_ones(demo_db: Path):
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "run", "--station", "spa"])
    assert result.exit_code == 1
    assert "unknown station 'spa'" in result.stderr and "lobby" in result.stderr


def test_the_installed_command_prints_one_line_not_a_traceback(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "butler_tui", "--db", str(tmp_path / "absent.db"), "check"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 4
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_check_is_quick_by_default_and_full_reads_everything(demo_db: Path):
    from butler_tui.services import maintenance
    from butler_tui.store import Store

    conn = sqlite3.connect(demo_db)  # a row written around the program, breaking a foreign key
    conn.execute("INSERT INTO guest_notes (guest_id, kind, text, created_at) VALUES (999999, 'preference', 'x', '2026')")
    conn.commit()
    conn.close()
    quick = run(demo_db, "check")
    assert quick.exit_code == 0 and "integrity:      ok" in quick.output  # quick_check: pages and records only
    full = CliRunner().invoke(cli, ["--db", str(demo_db), "check", "--full"])
    assert full.exit_code == 1 and "break foreign keys" in full.output
    seen: list[tuple[int, int]] = []
    store = Store(demo_db)
    try:
        maintenance.check(store, progress=lambda done, total: seen.append((done, total)))
    finally:
        store.close()
    assert seen and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_check_finds_a_damaged_page(demo_db: Path):
    size = demo_db.stat().st_size
    with open(demo_db, "r+b") as f:  # overwrite a run of pages in the middle of the file
        f.seek(size // 2 // 4096 * 4096)
        f.write(b"\xde\xad\xbe\xef" * 4096)
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "check"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
