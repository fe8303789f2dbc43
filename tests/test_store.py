"""The store: migrations, concurrency, schema version, events."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from butler_tui import clock
from butler_tui.errors import SchemaTooNew, StoreUnavailable
from butler_tui.store import SCHEMA_VERSION, Store, schema
from butler_tui.store.schema import MIGRATIONS

from . import workers

TABLES = {"settings", "teams", "stations", "staff", "rooms", "guests", "guest_notes", "stays", "tasks",
          "messages", "acks", "handovers", "events"}


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_fresh_file_gets_schema_wal_and_private_mode(db_path: Path):
    store = Store(db_path)
    assert _tables(db_path) >= TABLES
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert store.scalar("PRAGMA busy_timeout") >= 5000
    assert store.scalar("PRAGMA foreign_keys") == 1
    migrate_events = store.rows("SELECT * FROM events WHERE entity = 'schema'")
    assert len(migrate_events) == 1 and migrate_events[0]["action"] == "migrate"
    store.close()


def test_existing_file_is_migrated_and_keeps_its_data(db_path: Path):
    names = MIGRATIONS.names
    conn = sqlite3.connect(db_path, isolation_level=None)
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    # Build the oldest schema this code knows, with data in it, as an earlier release would have left it.
    MIGRATIONS.migration_set().apply(db, stop_before=names[1] if len(names) > 1 else None)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO teams (code, name) VALUES ('LOBBY', 'Lobby')")
    conn.close()

    store = Store(db_path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert store.rows("SELECT code, name FROM teams") == [{"code": "LOBBY", "name": "Lobby"}]
    applied = schema.applied(store.db)
    assert applied == names
    store.close()
    # Opening again applies nothing and writes no migrate event.
    again = Store(db_path)
    assert again.scalar("SELECT count(*) FROM events WHERE entity='schema'") <= 1
    again.close()


def test_ten_processes_migrating_at_once_all_succeed(db_path: Path):
    ctx = workers.processes()
    barrier = ctx.Barrier(10)
    results = ctx.Queue()
    procs = [ctx.Process(target=workers.open_store, args=(str(db_path), barrier, results)) for _ in range(10)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["ok"] * 10
    store = Store(db_path)
    assert store.scalar("SELECT count(*) FROM events WHERE entity='schema' AND action='migrate'") == 1
    assert store.scalar("SELECT count(*) FROM _sqlite_migrations") == SCHEMA_VERSION
    store.close()


def test_newer_schema_is_refused(db_path: Path):
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer than this butler-tui understands"):
        Store(db_path)


def test_unknown_applied_migration_is_refused(db_path: Path):
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('butler', '9999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(db_path)


def test_not_a_database_is_a_clear_error(tmp_path: Path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreUnavailable, match="not a butler database"):
        Store(bogus)


def test_a_change_and_its_event_commit_together(store: Store):
    with store.write(actor="1002", station="lobby") as tx:
        tx.insert("teams", {"code": "LOBBY", "name": "Lobby"})
        tx.event("teams", "LOBBY", "create", after={"name": "Lobby"})
    event = store.row("SELECT * FROM events WHERE entity='teams'")
    assert event["actor"] == "1002" and event["station"] == "lobby" and event["action"] == "create"
    assert event["after"] == '{"name": "Lobby"}'
    assert event["at"].endswith("Z")


def test_a_failed_change_leaves_neither_row_nor_event(store: Store):
    before = store.scalar("SELECT count(*) FROM events")
    with pytest.raises(sqlite3.IntegrityError), store.write(actor="1002", station="lobby") as tx:
        tx.insert("teams", {"code": "LOBBY", "name": "Lobby"})
        tx.event("teams", "LOBBY", "create")
        tx.insert("stations", {"code": "lobby", "name": "Lobby", "team_code": "NOPE"})  # FK fails
    assert store.scalar("SELECT count(*) FROM teams") == 0
    assert store.scalar("SELECT count(*) FROM events") == before


def test_a_write_without_an_event_is_refused(store: Store):
    with pytest.raises(RuntimeError, match="at least one event"), store.write() as tx:
        tx.insert("teams", {"code": "LOBBY", "name": "Lobby"})
    assert store.scalar("SELECT count(*) FROM teams") == 0


def test_events_cannot_be_edited_or_deleted(store: Store):
    with store.write("x", "lobby") as tx:
        tx.event("hotel", "1", "note")
    conn = store.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET action = 'forged'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    assert store.scalar("SELECT count(*) FROM events WHERE action='forged'") == 0


def test_event_ids_are_never_reused(store: Store):
    # AUTOINCREMENT (PostgreSQL: a sequence): even if the top row could be removed, its id is not handed out again.
    seq = store.scalar("SELECT seq FROM sqlite_sequence WHERE name='events'" if store.dialect == "sqlite"
                       else "SELECT last_value FROM events_id_seq")
    with store.write("x", "lobby") as tx:
        new_id = tx.event("hotel", "1", "note")
    assert new_id == seq + 1


def test_connections_are_per_thread(store: Store):
    import threading

    seen = []

    def worker():
        seen.append(id(store.db))
        store.scalar("SELECT 1")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen and seen[0] != id(store.db)


def test_clock_format_is_fixed_width_utc():
    from datetime import datetime

    stamp = clock.iso(datetime(2026, 11, 24, 8, 30, 5, 123456, tzinfo=UTC))
    assert stamp == "2026-11-24T08:30:05.123Z"
    assert clock.parse(stamp).tzinfo is not None


def test_tasks_from_before_ladders_by_reference_keep_their_ladder_and_escalate(db_path: Path):
    import sqlite_utils

    from butler_tui.models import Ladder
    from butler_tui.services import escalation, tasks
    from butler_tui.services.task_types import get_type

    names = MIGRATIONS.names
    conn = sqlite3.connect(db_path, isolation_level=None)
    MIGRATIONS.migration_set().apply(sqlite_utils.Database(conn), stop_before="0012_ladders_by_reference")
    conn.execute(f"PRAGMA user_version = {names.index('0012_ladders_by_reference')}")
    # Two tasks of an earlier release, each carrying its own copy of the same ladder (not the type's).
    ladder = Ladder(steps=[{"level": 1, "when": "unacknowledged", "after_minutes": 1, "notify": "supervisor"}],
                    no_progress_minutes=None).model_dump_json()
    created = clock.iso(clock.now())
    conn.execute("INSERT INTO teams (code, name) VALUES ('LOBBY', 'Lobby')")
    conn.execute("INSERT INTO stations (code, name, team_code) VALUES ('lobby', 'Lobby', 'LOBBY')")
    for name in ("towels", "pillows"):
        conn.execute("INSERT INTO tasks (type, name, priority, status, station_code, owner_team, created_at, updated_at,"
                     " clock_started_at, next_check_at, ladder) VALUES ('guest_request', ?, 3, 'new', 'lobby', 'LOBBY',"
                     " ?, ?, ?, ?, ?)", (name, created, created, created, created, ladder))
    # And one an earlier sweep had not looked at yet: the next sweep snapshots its type's ladder.
    conn.execute("INSERT INTO tasks (type, name, priority, status, station_code, owner_team, created_at, updated_at,"
                 " clock_started_at, next_check_at) VALUES ('guest_request', 'iron', 3, 'new', 'lobby', 'LOBBY',"
                 " ?, ?, ?, ?)", (created, created, created, created))
    conn.close()

    store = Store(db_path)
    assert schema.applied(store.db) == names
    assert store.scalar("SELECT count(*) FROM ladders") == 1  # one row for the ladder both tasks share
    towels = store.scalar("SELECT id FROM tasks WHERE name = 'towels'")
    assert tasks.get_task(store, towels).clock.ladder == Ladder.model_validate_json(ladder)
    report = escalation.sweep(store, now=clock.now() + timedelta(minutes=2))
    assert report.escalated == 2
    assert tasks.get_task(store, towels).escalation_level == 1
    iron = store.scalar("SELECT id FROM tasks WHERE name = 'iron'")
    assert tasks.get_task(store, iron).clock.ladder == get_type(store, "guest_request").ladder
    assert store.scalar("SELECT count(*) FROM ladders") == 2
    store.close()


def test_checklists_from_before_names_by_reference_keep_their_names(db_path: Path):
    import sqlite_utils

    from butler_tui.defaults import build_items
    from butler_tui.services import checklists

    names = MIGRATIONS.names
    conn = sqlite3.connect(db_path, isolation_level=None)
    MIGRATIONS.migration_set().apply(sqlite_utils.Database(conn), stop_before="0013_checklist_names_by_reference")
    conn.execute(f"PRAGMA user_version = {names.index('0013_checklist_names_by_reference')}")
    now = clock.iso(clock.now())
    conn.execute("INSERT INTO guests (id, name, created_at, updated_at) VALUES (1, '王芳', ?, ?)", (now, now))
    conn.execute("INSERT INTO stays (id, reservation_no, guest_id, arrival_date, departure_date, created_at, updated_at)"
                 " VALUES (1, 'R1', 1, '2026-11-30', '2026-12-02', ?, ?)", (now, now))
    # An earlier release stored each item with its names, and a step this release's template no longer has.
    stored = [*build_items({"id": 1}, 0),
              {"stay_id": 1, "stage": "follow_up", "code": "postcard_sent", "name": "Postcard sent",
               "name_zh": "寄明信片", "mandatory": 0, "position": 99}]
    for item in stored:
        conn.execute(f"INSERT INTO checklist_items ({', '.join(item)}) VALUES ({', '.join('?' for _ in item)})",
                     list(item.values()))
    conn.close()

    store = Store(db_path)
    assert schema.applied(store.db) == names
    assert "name" not in {r["name"] for r in store.rows("PRAGMA table_info(checklist_items)")}
    got = checklists.items(store, 1)
    assert [(i.code, i.name, i.name_zh) for i in got] == [(i["code"], i["name"], i["name_zh"]) for i in stored]
    store.close()
