"""``butler backup --keep N DIR`` rotates dated backups; ``butler restore BACKUP`` puts one back — checked,
the file in place kept aside, refused while stations have the file open (``--force`` stops them), and on
the record of the restored file. A long command stops when its file changes under it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import DatabaseFileChanged, StoreUnavailable
from butler_tui.services import maintenance
from butler_tui.store import SCHEMA_VERSION, Store
from tests.workers import open_station, processes, send_on, send_one, station

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


def _backed_up(db: Path | str, target: Path) -> Path:
    """``butler backup TARGET`` of ``db`` (its directory made first): TARGET."""
    target.parent.mkdir()
    done = run(db, "backup", str(target))
    assert done.exit_code == 0, done.output
    return target


@pytest.fixture
def backup_file(demo_db: Path, tmp_path: Path) -> Path:
    return _backed_up(demo_db, tmp_path / "bk" / "before.db")


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


# -- on a PostgreSQL server: the backup is a pg_dump, the stations are the database's other connections -----------
@pytest.fixture
def pg_demo(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh copy of the demo hotel in its own PostgreSQL database (needs BUTLER_TEST_PG)."""
    from tests.conftest import _pg_copy

    yield from _pg_copy(request, "_pg_demo_template")


@pytest.fixture
def pg_backup(pg_demo: str, tmp_path: Path) -> Path:
    return _backed_up(pg_demo, tmp_path / "bk" / "before.dump")


def _server_bodies(url: str) -> list[str]:
    store = Store(url)
    try:
        return [r["body"] for r in store.rows("SELECT body FROM messages ORDER BY id")]
    finally:
        store.close()


def _server_last_event(url: str) -> tuple[str, str, str, dict]:
    store = Store(url)
    try:
        row = store.row("SELECT actor, entity, action, after FROM events ORDER BY id DESC LIMIT 1")
        assert row is not None
        return row["actor"], row["entity"], row["action"], json.loads(row["after"])
    finally:
        store.close()


def _pg_restore(*args: str) -> subprocess.CompletedProcess[str]:
    from butler_tui.store.maintenance import pg_restore_program

    program = pg_restore_program()
    assert program is not None
    return subprocess.run([program, *args], capture_output=True, text=True, check=False)


def _aside(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.before-restore-*"))


def _station_role_can_write(url: str) -> bool:
    from butler_tui.store.pg import STATION_ROLE

    try:
        station = Store(url.replace("postgresql://postgres@", f"postgresql://{STATION_ROLE}@", 1), migrate=False)
    except StoreUnavailable:  # "permission denied for table …" as it opens
        return False
    try:
        send_on(station, "from the station's role")
        return True
    except (sqlite3.Error, StoreUnavailable):
        return False
    finally:
        station.close()


def test_server_backup_change_restore_round_trip(pg_demo: str, tmp_path: Path):
    import psycopg

    from butler_tui.store.pg import STATION_ROLE

    with psycopg.connect(pg_demo, autocommit=True) as conn:  # README: the stations' role, made by the admin
        conn.execute(f"DO $$ BEGIN CREATE ROLE {STATION_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        # a backup taken while the role had no grants here: the restore grants them (pg.station_grants)
        conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {STATION_ROLE}")
        conn.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {STATION_ROLE}")
    (tmp_path / "bk").mkdir()
    backup = tmp_path / "bk" / "before.dump"
    assert run(pg_demo, "backup", str(backup)).exit_code == 0
    assert not _station_role_can_write(pg_demo)
    send_one(pg_demo, "written after the backup")

    done = run(pg_demo, "restore", "--full", "--json", str(backup), *ADMIN)
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    kept = _aside(backup.parent)
    assert len(kept) == 1 and kept[0].suffix == ".dump"
    assert result == {"path": pg_demo, "backup": str(backup), "kept": str(kept[0]),
                      "schema_version": SCHEMA_VERSION, "stations_stopped": 0}
    assert "written after the backup" not in _server_bodies(pg_demo)  # the change is gone
    actor, entity, action, after = _server_last_event(pg_demo)
    assert (actor, entity, action) == ("0009", "database", "restore")
    assert after["backup"] == str(backup.resolve()) and after["kept"] == str(kept[0])
    checked = run(pg_demo, "check")
    assert checked.exit_code == 0, checked.output
    assert "event chain:    ok" in checked.output
    # the database as it was is kept aside, whole: pg_restore reads it, the message is in it
    assert _pg_restore("--list", str(kept[0])).returncode == 0
    assert "written after the backup" in _pg_restore("--data-only", "--table=messages", "--file=-", str(kept[0])).stdout
    assert _station_role_can_write(pg_demo)  # the stations' role has its grants in the restored database

    again = tmp_path / "again"  # the aside dump goes next to BACKUP (named to the second: another directory)
    again.mkdir()
    shutil.copy(kept[0], again / "as-it-was.dump")
    told = run(pg_demo, "restore", str(again / "as-it-was.dump"), *ADMIN)  # and it goes back in the same way
    assert told.exit_code == 0, told.output
    assert len(_aside(again)) == 1 and f"kept as {_aside(again)[0]}" in told.output
    assert "written after the backup" in _server_bodies(pg_demo)


def test_server_restore_refuses_what_is_not_a_hotel_dump_and_changes_nothing(pg_demo: str, pg_backup: Path,
                                                                            demo_db: Path, tmp_path: Path):
    send_one(pg_demo, "kept in place")
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(pg_backup.read_bytes()[: pg_backup.stat().st_size // 2])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello " * 2000)
    for refused_file, words in ((truncated, "is damaged or not a database"), (demo_db, "valid archive"),
                                (notes, "valid archive"), (tmp_path / "missing.dump", "no backup at")):
        refused = run(pg_demo, "restore", str(refused_file), *ADMIN)
        assert refused.exit_code == 4, (refused_file, refused.output)
        assert words in refused.output and "Traceback" not in refused.output
        assert len([line for line in refused.output.splitlines() if line.strip()]) == 1
    import psycopg

    other = pg_demo.replace("/butler_t_", "/butler_x_", 1)  # a database that is not a hotel
    name = other.split("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(pg_demo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (body text)")
        foreign = tmp_path / "foreign.dump"
        dumped = subprocess.run([str(Path(_pg_restore_path()).with_name("pg_dump")), "-Fc", "-f", str(foreign),
                                 "--dbname", other], capture_output=True, text=True)
        assert dumped.returncode == 0, dumped.stderr
    finally:
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    refused = run(pg_demo, "restore", str(foreign), *ADMIN)
    assert refused.exit_code == 4 and "is not a butler database (no events table)" in refused.output

    with psycopg.connect(pg_demo, autocommit=True) as conn:  # a backup from a newer butler-tui
        conn.execute("INSERT INTO _butler_migrations VALUES ('butler', '9999_from_the_future', '2030-01-01')")
    newer = tmp_path / "newer.dump"  # (`butler backup` refuses to open it: pg_dump itself)
    dumped = subprocess.run([str(Path(_pg_restore_path()).with_name("pg_dump")), "-Fc", "-f", str(newer),
                             "--dbname", pg_demo], capture_output=True, text=True)
    assert dumped.returncode == 0, dumped.stderr
    with psycopg.connect(pg_demo, autocommit=True) as conn:
        conn.execute("DELETE FROM _butler_migrations WHERE name = '9999_from_the_future'")
    refused = run(pg_demo, "restore", str(newer), *ADMIN)
    assert refused.exit_code == 3 and "newer than this butler-tui" in refused.output

    refused = run(pg_demo, "restore", str(pg_backup), "--by", "1002", "--by-pin", "1234")
    assert refused.exit_code == 5 and "may not restore the database" in refused.output

    assert "kept in place" in _server_bodies(pg_demo)
    assert not _aside(tmp_path) and not _aside(pg_backup.parent)


def _pg_restore_path() -> str:
    from butler_tui.store.maintenance import pg_restore_program

    program = pg_restore_program()
    assert program is not None
    return program


def test_a_failing_pg_restore_changes_nothing_and_says_why(pg_demo: str, pg_backup: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    from butler_tui.store import maintenance as store_maintenance

    send_one(pg_demo, "kept in place")
    real = _pg_restore_path()
    fake = tmp_path / "pg_restore"  # the restore itself fails on the server, after the checks passed
    fake.write_text(f'#!/bin/sh\ncase "$*" in *--clean*) exec {real} "$@" --role=no_such_role_here ;; esac\n'
                    f'exec {real} "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setattr(store_maintenance, "pg_restore_program", lambda: str(fake))
    failed = run(pg_demo, "restore", str(pg_backup), *ADMIN)
    assert failed.exit_code == 4, failed.output
    assert "nothing was changed" in failed.output and "no_such_role_here" in failed.output
    assert "Traceback" not in failed.output
    assert "kept in place" in _server_bodies(pg_demo)
    assert not _aside(pg_backup.parent)  # the dump of a database left as it was is not kept


def test_server_restore_is_refused_while_a_station_follows_and_force_replaces_its_history(pg_demo: str,
                                                                                       pg_backup: Path):
    from butler_tui.store import feed

    send_one(pg_demo, "gone after the restore")
    stop, started = threading.Event(), threading.Event()
    told: list[str] = []
    delivered: list[str] = []

    def station_feed() -> None:
        feed.follow(pg_demo, lambda events: delivered.extend(e.action for e in events), interval=0.05, stop=stop,
                    on_file_change=told.append, started=started)

    follower = threading.Thread(target=station_feed, daemon=True)
    follower.start()
    try:
        assert started.wait(timeout=30)  # a station's feed follows the database
        refused = run(pg_demo, "restore", str(pg_backup), *ADMIN)
        assert refused.exit_code == 4
        assert "1 station(s) or command(s) have the database open: close them first" in refused.output
        assert "--force" in refused.output
        assert "gone after the restore" in _server_bodies(pg_demo)
        assert not _aside(pg_backup.parent)

        done = run(pg_demo, "restore", "--force", str(pg_backup), *ADMIN)
        assert done.exit_code == 0, done.output
        assert "1 station(s) stopped" in done.output
        follower.join(timeout=30)  # the feed sees another history and tells its station, which stops
        assert not follower.is_alive()
        assert told == ["replaced"]
    finally:
        stop.set()
        follower.join(timeout=30)
    assert "gone after the restore" not in _server_bodies(pg_demo)
    assert _server_last_event(pg_demo)[3]["stations_stopped"] == 1
    assert run(pg_demo, "check").exit_code == 0

    # the feed's own check: the event it saw last is gone or different after a restore
    changes = feed.ChangeFeed(pg_demo)
    try:
        assert changes.history_intact()  # the newest event, as it is now (as follow() starts)
        again = pg_backup.parent.parent / "again"  # another directory for its aside dump (named to the second)
        again.mkdir()
        shutil.copy(pg_backup, again / "before.dump")
        assert run(pg_demo, "restore", "--force", str(again / "before.dump"), *ADMIN).exit_code == 0
        with pytest.raises(feed.HistoryReplaced):
            changes.poll()
    finally:
        changes.close()


def test_a_server_backup_changed_around_the_program_is_refused_before_it_is_in(pg_demo: str, pg_backup: Path,
                                                                              tmp_path: Path):
    """A dump of a database whose audit trail was edited by its owner (the trigger disabled, a row rewritten):
    its chain is walked from the dump's data before anything is restored, so the forged history is never live,
    not even for a moment (the events table is the same table: nothing was dropped and made again)."""
    import psycopg

    from butler_tui.store.maintenance import pg_dump_program

    forged_db = pg_demo.replace("/butler_t_", "/butler_f_", 1)
    name = forged_db.split("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(pg_demo, autocommit=True) as conn:
        template = pg_demo.split("?")[0].rsplit("/", 1)[1]
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    forged = tmp_path / "forged.dump"
    try:
        with psycopg.connect(forged_db, autocommit=True) as conn:
            victim = conn.execute("SELECT min(id) FROM events").fetchone()[0]  # type: ignore[index]
            conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
            conn.execute("UPDATE events SET actor = '0001' WHERE id = %s", (victim,))
            conn.execute("ALTER TABLE events ENABLE TRIGGER events_no_update")
        dumped = subprocess.run([str(pg_dump_program()), "-Fc", "-f", str(forged), "--dbname", forged_db],
                                capture_output=True, text=True)
        assert dumped.returncode == 0, dumped.stderr
    finally:
        with psycopg.connect(pg_demo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    send_one(pg_demo, "kept in place")
    with psycopg.connect(pg_demo, autocommit=True) as conn:
        table = conn.execute("SELECT 'events'::regclass::oid").fetchone()
    refused = run(pg_demo, "restore", str(forged), *ADMIN)
    assert refused.exit_code == 4, refused.output
    assert f"event chain breaks at event {victim}" in refused.output and "Traceback" not in refused.output
    assert "kept in place" in _server_bodies(pg_demo)
    assert not _aside(tmp_path)
    with psycopg.connect(pg_demo, autocommit=True) as conn:
        assert conn.execute("SELECT 'events'::regclass::oid").fetchone() == table
    assert run(pg_demo, "check").exit_code == 0


def test_a_server_backup_from_before_an_archive_restores_without_its_rows_twice(pg_demo: str, tmp_path: Path):
    """The archive made after the backup neither blocks the restore (its tables are tied to nothing of the
    hotel's) nor stays beside the restored rows, where reports would count them twice."""
    from butler_tui import clock
    from butler_tui.services import archive

    send_one(pg_demo, "an old message, acknowledged by nobody")
    backup = tmp_path / "before-archive.dump"
    assert run(pg_demo, "backup", str(backup)).exit_code == 0
    store = Store(pg_demo)
    try:
        archive.archive(store, clock.today().isoformat(), staff_no="0009")
        assert store.scalar("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'report_archive'")
    finally:
        store.close()

    done = run(pg_demo, "restore", str(backup), *ADMIN)
    assert done.exit_code == 0, done.output
    store = Store(pg_demo)
    try:
        assert not store.scalar("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'report_archive'")
    finally:
        store.close()
    assert run(pg_demo, "check").exit_code == 0
