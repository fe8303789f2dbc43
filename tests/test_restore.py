"""``butler backup --keep N DIR`` rotates dated backups; ``butler restore BACKUP`` puts one back — checked,
the file in place kept aside, refused while stations have the file open (``--force`` stops them), and on
the record of the restored file. A long command stops when its file changes under it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import DatabaseFileChanged
from butler_tui.services import maintenance
from butler_tui.store import SCHEMA_VERSION, Store
from tests.workers import open_station, processes, send_one, station

ADMIN = ["--by", "0009", "--by-pin", "1234"]  # the demo's system admin


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def _bodies(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT body FROM messages ORDER BY id")]
    finally:
        conn.close()


def _last_event(path: Path) -> tuple[str, str, str, dict]:
    conn = sqlite3.connect(path)
    try:
        actor, entity, action, after = conn.execute(
            "SELECT actor, entity, action, after FROM events ORDER BY id DESC LIMIT 1").fetchone()
        return actor, entity, action, json.loads(after)
    finally:
        conn.close()


@pytest.fixture
def backup_file(demo_db: Path, tmp_path: Path) -> Path:
    (tmp_path / "bk").mkdir()
    done = run(demo_db, "backup", str(tmp_path / "bk" / "before.db"))
    assert done.exit_code == 0, done.output
    return tmp_path / "bk" / "before.db"


def test_backup_change_restore_round_trip(demo_db: Path, backup_file: Path):
    send_one(demo_db, "written after the backup")
    done = run(demo_db, "restore", str(backup_file), *ADMIN)
    assert done.exit_code == 0, done.output
    assert "written after the backup" not in _bodies(demo_db)  # the change is gone
    kept = [p for p in demo_db.parent.iterdir() if p.name.startswith(f"{demo_db.name}.before-restore-")]
    assert len(kept) == 1 and f"kept as {kept[0]}" in done.output
    assert "written after the backup" in _bodies(kept[0])  # and kept aside, whole
    actor, entity, action, after = _last_event(demo_db)
    assert (actor, entity, action) == ("0009", "database", "restore")
    assert after["backup"] == str(backup_file.resolve()) and after["kept"] == str(kept[0].resolve())
    assert run(demo_db, "check").exit_code == 0
    assert not list(demo_db.parent.glob(".*restoring*"))


def test_restore_is_refused_while_a_station_has_the_file_open(demo_db: Path, backup_file: Path):
    send_one(demo_db, "still here")
    mp = processes()
    inbox, outbox = mp.Queue(), mp.Queue()
    child = mp.Process(target=station, args=(str(demo_db), "fo", "8003", inbox, outbox))
    child.start()
    try:
        inbox.put(("notices", 0))
        assert outbox.get(timeout=30) == []  # the station is up, with the file open
        refused = run(demo_db, "restore", str(backup_file), *ADMIN)
        assert refused.exit_code == 4
        assert "1 station(s) or command(s) have the database open: close them first" in refused.output
        assert "--force" in refused.output
        assert "still here" in _bodies(demo_db)
        assert not list(demo_db.parent.glob("*.before-restore-*"))
    finally:
        inbox.put(("stop",))
        child.join(timeout=30)
    assert child.exitcode == 0
    done = run(demo_db, "restore", str(backup_file), *ADMIN)  # the station closed: now it goes
    assert done.exit_code == 0, done.output
    assert "still here" not in _bodies(demo_db)


def test_restore_force_stops_the_open_stations_first(demo_db: Path, backup_file: Path):
    send_one(demo_db, "gone after the restore")
    mp = processes()
    ready, out = mp.Event(), mp.Queue()
    child = mp.Process(target=open_station, args=(str(demo_db), ready, out))
    child.start()
    try:
        assert ready.wait(timeout=30)
        done = run(demo_db, "restore", "--force", str(backup_file), *ADMIN)
        assert done.exit_code == 0, done.output
        assert "1 station(s) stopped" in done.output
        assert out.get(timeout=10) == "moved"  # the station saw its file go, stopped and let go
    finally:
        child.join(timeout=30)
    assert child.exitcode == 0
    assert "gone after the restore" not in _bodies(demo_db)
    assert _last_event(demo_db)[3]["stations_stopped"] == 1
    assert run(demo_db, "check").exit_code == 0


def test_a_damaged_backup_is_refused_and_nothing_moves(demo_db: Path, backup_file: Path, tmp_path: Path):
    damaged = tmp_path / "damaged.db"
    shutil.copy(backup_file, damaged)
    with damaged.open("r+b") as f:
        f.truncate(damaged.stat().st_size // 2)
    send_one(demo_db, "kept in place")
    refused = run(demo_db, "restore", str(damaged), *ADMIN)
    assert refused.exit_code == 4
    assert "damaged" in refused.output or "integrity check" in refused.output
    assert "Traceback" not in refused.output
    assert "kept in place" in _bodies(demo_db)
    assert not list(demo_db.parent.glob("*.before-restore-*"))
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello " * 2000)
    assert run(demo_db, "restore", str(not_sqlite), *ADMIN).exit_code == 4
    assert run(demo_db, "restore", str(tmp_path / "missing.db"), *ADMIN).exit_code == 4


def test_a_backup_changed_around_the_program_is_refused_by_its_chain(demo_db: Path, backup_file: Path):
    """A backup whose audit trail was edited with another SQLite client (the trigger dropped, a row
    rewritten, the trigger put back) is sound as a file but not as a record: restore refuses it."""
    conn = sqlite3.connect(backup_file)
    victim = conn.execute("SELECT min(id) FROM events").fetchone()[0]
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events_no_update'").fetchone()[0]
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET actor = '0001' WHERE id = ?", (victim,))
    conn.execute(trigger)
    conn.commit()
    conn.close()
    send_one(demo_db, "kept in place")
    refused = run(demo_db, "restore", str(backup_file), *ADMIN)
    assert refused.exit_code == 4, refused.output
    assert f"event chain breaks at event {victim}" in refused.output and "Traceback" not in refused.output
    assert "kept in place" in _bodies(demo_db)
    assert not list(demo_db.parent.glob("*.before-restore-*"))


def test_a_backup_from_a_newer_butler_is_refused(demo_db: Path, backup_file: Path):
    conn = sqlite3.connect(backup_file)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    refused = run(demo_db, "restore", str(backup_file), *ADMIN)
    assert refused.exit_code == 3 and "newer than this butler-tui" in refused.output


def test_only_a_director_or_admin_restores(demo_db: Path, backup_file: Path):
    send_one(demo_db, "not restored")
    refused = run(demo_db, "restore", str(backup_file), "--by", "1002", "--by-pin", "1234")
    assert refused.exit_code == 5 and "may not restore the database" in refused.output
    assert "not restored" in _bodies(demo_db)
    assert _last_event(demo_db)[1:3] == ("permissions", "refused")


def test_restore_where_the_file_was_deleted(demo_db: Path, backup_file: Path):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
    done = run(demo_db, "restore", str(backup_file), *ADMIN)  # the admin signs in against the backup
    assert done.exit_code == 0, done.output
    assert _last_event(demo_db)[:3] == ("0009", "database", "restore")


def test_backup_keep_rotates_the_dated_backups(demo_db: Path, tmp_path: Path):
    rotation = tmp_path / "rotation"
    rotation.mkdir()
    unrelated = [rotation / "butler.db", rotation / "notes-20260101-000000.db", rotation / "butler-2026.db"]
    for path in unrelated:
        path.write_text("not ours")
    for hour in (8, 9, 10, 11):
        clock.freeze(datetime(2026, 3, 1, hour, 30, 15))
        done = run(demo_db, "backup", "--keep", "2", str(rotation))
        assert done.exit_code == 0, done.output
        assert f"butler-20260301-{hour:02d}3015.db" in done.output
    clock.freeze(None)
    assert "deleted the old backup" in done.output
    ours = sorted(p.name for p in rotation.iterdir() if p not in unrelated)
    assert ours == ["butler-20260301-103015.db", "butler-20260301-113015.db"]
    assert all(p.read_text() == "not ours" for p in unrelated)
    assert maintenance.check_backup(rotation / ours[-1]) == SCHEMA_VERSION
    assert run(demo_db, "backup", "--keep", "0", str(rotation)).exit_code == 2
    assert run(demo_db, "backup", "--keep", "2", str(rotation / ours[-1])).exit_code == 2  # not a directory
    assert run(demo_db, "backup", str(tmp_path / "plain.db")).exit_code == 0  # DEST as before


def test_a_long_command_stops_when_its_file_changes(demo_db: Path, tmp_path: Path):
    store = Store(demo_db)
    try:
        def replace_after_the_first_table(done: int, total: int) -> None:
            if done == 1:
                other = demo_db.with_name("other.db")
                shutil.copy(demo_db, other)
                other.replace(demo_db)

        with pytest.raises(DatabaseFileChanged, match="was replaced by another file"):
            maintenance.check(store, progress=replace_after_the_first_table)
        with pytest.raises(DatabaseFileChanged):
            maintenance.backup(store, tmp_path / "copy.db")
        assert not (tmp_path / "copy.db").exists()
    finally:
        store.close()
