"""Tamper evidence (issue 18): every event carries a hash chained to the one before; `butler check` walks
the chain and compares every table, index and trigger with this version's schema, and says exactly what
differs — also after `butler archive` has moved old events out, and when another process did the tampering."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.services import messaging, tasks
from butler_tui.store import Store

NO_UPDATE = ("CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
             "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END")


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _edit_event(db: Path, event_id: int, after: str) -> None:
    """What a tamperer does: lift the append-only trigger, change the row, put the trigger back."""
    _sql(db, "DROP TRIGGER events_no_update", f"UPDATE events SET after = '{after}' WHERE id = {event_id}", NO_UPDATE)


def test_the_chain_and_the_schema_verify_on_the_demo(demo_db: Path):
    result = run(demo_db, "check")
    assert result.exit_code == 0, result.output
    assert "event chain:    ok (" in result.output
    assert "schema objects: ok" in result.output
    conn = sqlite3.connect(demo_db)
    assert conn.execute("SELECT count(*) FROM events WHERE hash IS NULL").fetchone()[0] == 0
    conn.close()


def test_an_event_edited_around_the_program_is_found_by_its_id(demo_store: Store, demo_db: Path):
    task_id = tasks.create(demo_store, type="guest_request", name="Extra pillows", room="1208", staff_no="1002",
                           station="lobby")
    messaging.send(demo_store, from_station="lobby", from_staff="1002", body="after the edit", to="cs")
    edited = demo_store.scalar("SELECT id FROM events WHERE entity = 'tasks' AND entity_id = ?", (str(task_id),))
    demo_store.close()
    _edit_event(demo_db, edited, '{"name": "Nothing asked"}')
    result = run(demo_db, "check")
    assert result.exit_code == 1
    assert f"event chain:    BROKEN at event {edited}" in result.output
    assert f"event chain broken at event {edited}" in result.stderr
    assert "schema objects: ok" in result.output  # the trigger was put back as it was


def test_an_event_removed_or_slipped_in_breaks_the_chain(demo_db: Path):
    conn = sqlite3.connect(demo_db, isolation_level=None)
    first, second = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id LIMIT 2")]
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute(f"DELETE FROM events WHERE id = {first}")
    conn.close()
    result = run(demo_db, "check")
    assert result.exit_code == 1
    assert f"BROKEN at event {second}" in result.output
    assert "missing trigger events_no_delete" in result.output


def test_a_dropped_trigger_an_extra_index_and_a_changed_table_are_named(demo_db: Path):
    _sql(demo_db, "DROP TRIGGER events_no_update", "CREATE INDEX staff_by_pin ON staff(pin_hash)",
         "ALTER TABLE guests ADD COLUMN passport TEXT", "DROP INDEX events_entity")
    result = run(demo_db, "check")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("schema objects:"))
    assert "missing trigger events_no_update" in line
    assert "missing index events_entity" in line
    assert "extra index staff_by_pin" in line
    assert "changed table guests: extra column passport" in line
    assert "event chain:    ok" in result.output  # no event was touched


def test_a_second_process_that_tampers_is_caught_by_butler_check(demo_db: Path):
    script = ("import sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('DROP TRIGGER events_no_update')\n"
              "c.execute(\"UPDATE events SET actor = '0009' WHERE id = (SELECT max(id) FROM events)\")\n")
    subprocess.run([sys.executable, "-c", script, str(demo_db)], check=True, timeout=60)
    proc = subprocess.run([sys.executable, "-m", "butler_tui", "--db", str(demo_db), "check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "BROKEN at event" in proc.stdout and "missing trigger events_no_update" in proc.stdout
    assert "tamper check failed" in proc.stderr and "Traceback" not in proc.stderr


def test_the_chain_still_verifies_after_butler_archive(demo_address: Path | str):
    store = Store(demo_address)
    start = clock.now() - timedelta(days=10)
    clock.freeze(start)
    try:
        made = []
        for n in range(6):  # tasks closed (they move) between events that stay (messages not acknowledged)
            made.append(tasks.create(store, type="guest_request", name=f"Pillows {n}", room="1208", staff_no="1002",
                                     station="lobby"))
            messaging.send(store, from_station="lobby", from_staff="1002", body=f"stays {n}", to="cs")
            tasks.transition(store, made[-1], "cancel", staff_no="1002", station="lobby", reason="guest left")
        clock.freeze(start + timedelta(days=5))
        store.close()
        before = (start + timedelta(days=2)).date().isoformat()
        moved = run(demo_address, "archive", "--before", before, "--by", "0009", "--by-pin", "1234")
        assert moved.exit_code == 0, moved.output
        store = Store(demo_address)
        marks = ",".join("?" for _ in made)
        assert store.scalar(f"SELECT count(*) FROM tasks WHERE id IN ({marks})", made) == 0
        assert store.scalar("SELECT count(*) FROM event_chain_anchors") >= 6  # one per gap
        store.close()
        result = run(demo_address, "check")
        assert result.exit_code == 0, result.output
        assert "event chain:    ok" in result.output and "schema objects: ok" in result.output
        # New events chain on after the archive, and an edit is still found.
        store = Store(demo_address)
        messaging.send(store, from_station="lobby", from_staff="1002", body="after the archive", to="cs")
        last = store.scalar("SELECT max(id) FROM events")
        store.close()
        assert run(demo_address, "check").exit_code == 0
        if isinstance(demo_address, str):  # the owner lifts the trigger (the stations' role could not)
            store = Store(demo_address)
            conn = store.db.conn
            conn.execute_pg("ALTER TABLE events DISABLE TRIGGER events_no_update")
            conn.execute_pg(f"UPDATE events SET after = '{{}}' WHERE id = {last}")
            conn.execute_pg("ALTER TABLE events ENABLE TRIGGER events_no_update")
            store.close()
        else:
            _edit_event(demo_address, last, "{}")
        assert f"BROKEN at event {last}" in run(demo_address, "check").output
    finally:
        clock.freeze(None)


def test_chain_anchors_are_written_only_by_an_archive_run(demo_db: Path):
    conn = sqlite3.connect(demo_db, isolation_level=None)
    try:
        for statement in ("INSERT INTO event_chain_anchors (event_id, prev_hash) VALUES (5, x'00')",
                          "INSERT INTO events (at, entity, action) VALUES ('2026', 'forged', 'x')"):
            try:
                conn.execute(statement)
            except sqlite3.IntegrityError as exc:
                assert "archive run" in str(exc) or "needs its hash" in str(exc)
            else:
                raise AssertionError(f"accepted: {statement}")
    finally:
        conn.close()
