"""The PostgreSQL backend as a whole: a SQLite hotel copied over (``butler migrate-to``), the command line on a
server address, the tamper evidence the server enforces, and many writers at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui.cli import cli
from butler_tui.services import handover, messaging, tasks
from butler_tui.store import Store

from .conftest import signed_env

ROOT = Path(__file__).resolve().parents[1]


def run(db: str | Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(Path(db), args) if isinstance(db, Path)
                              else {})


def _hotel_rows(store: Store) -> dict[str, list[tuple]]:
    tables = ["events", "tasks", "messages", "acks", "stays", "guests", "staff", "rooms", "guest_search"]
    return {t: [tuple(r.values()) for r in store.rows(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}


def test_migrate_to_copies_every_row_and_event_and_the_chain_holds(demo_store: Store, demo_db: Path, pg_empty: str):
    # demo_store is the SQLite hotel here (a test that uses demo_db runs on SQLite only)
    task_id = tasks.create(demo_store, type="guest_request", name="Extra pillows", room="1208", staff_no="1002",
                           station="lobby")
    messaging.send(demo_store, from_station="lobby", from_staff="1002", body="towels to 1208", to="cs")
    before = _hotel_rows(demo_store)
    demo_store.close()

    result = run(demo_db, "migrate-to", pg_empty, "--json")
    assert result.exit_code == 0, result.output
    server = Store(pg_empty)
    after = _hotel_rows(server)
    for table, rows in before.items():
        assert after[table][:len(rows)] == rows, table  # every row as it was, ids and hashes included
    assert len(after["events"]) == len(before["events"]) + 1  # and the copy's own record
    assert server.row("SELECT action FROM events ORDER BY id DESC LIMIT 1") == {"action": "migrated_to_postgresql"}

    # the stations go on there: new ids follow the copied ones, the chain holds, `butler check` says so
    again = tasks.create(server, type="guest_request", name="Ice bucket", room="1208", staff_no="1002",
                         station="lobby")
    assert again > task_id
    server.close()
    checked = run(pg_empty, "check")
    assert checked.exit_code == 0, checked.output
    assert "event chain:    ok" in checked.output and "schema objects: ok" in checked.output

    refused = run(demo_db, "migrate-to", pg_empty)  # never into a database that holds something
    assert refused.exit_code != 0 and "is not empty" in refused.output


def test_migrate_to_copies_kept_report_days_packed_or_as_json_text(demo_store: Store, demo_db: Path, pg_empty: str):
    """A file's report_days holds packed rows and JSON text kept before packing (services/reports.py); on the
    server the column is BYTEA: the text arrives as its UTF-8 bytes, backslashes and all."""
    from butler_tui.store import pack_fast, unpack

    old = [["lobby", 2, "60,120", 0.0], ["Zo\u00eb \\ \"bar\"", 1, None, 1.0]]
    demo_store.db.conn.executemany("INSERT INTO report_days (day, part, stamp, data) VALUES (?, ?, ?, ?)",
                                   [("2026-03-10", "messages", "s", json.dumps(old)),
                                    ("2026-03-11", "messages", "s", pack_fast(old))])
    demo_store.close()
    result = run(demo_db, "migrate-to", pg_empty, "--json")
    assert result.exit_code == 0, result.output
    server = Store(pg_empty)
    kept = server.rows("SELECT day, data FROM report_days ORDER BY day")
    assert [(r["day"], unpack(bytes(r["data"]))) for r in kept] == [("2026-03-10", old), ("2026-03-11", old)]
    server.close()


def test_the_command_line_takes_a_server_address(pg_empty: str):
    assert run(pg_empty, "init").exit_code == 0
    demo = run(pg_empty, "demo", "--no-tui")
    assert demo.exit_code == 0, demo.output
    assert "loaded demo hotel" in demo.output
    checked = run(pg_empty, "check")
    assert checked.exit_code == 0 and "event chain:    ok" in checked.output
    assert "database:       postgresql://postgres@/" in checked.output  # the address as given (not a path's postgresql:/)


def test_an_event_changed_around_the_program_is_found(pg_empty: str):
    store = Store(pg_empty)
    with store.write("1002", "lobby") as tx:
        tx.event("hotel", "1", "note", after={"text": "as written"})
    edited = store.scalar("SELECT max(id) FROM events")
    conn = store.db.conn
    # only the owner (here the superuser) can lift the trigger; the stations' role cannot (README)
    conn.execute_pg("ALTER TABLE events DISABLE TRIGGER events_no_update")
    conn.execute_pg("UPDATE events SET after = '{\"text\": \"forged\"}' WHERE id = %s", (edited,))
    conn.execute_pg("ALTER TABLE events ENABLE TRIGGER events_no_update")
    store.close()
    result = run(pg_empty, "check")
    assert result.exit_code == 1
    assert f"event chain:    BROKEN at event {edited}" in result.output


WRITER = """
import sys
from butler_tui.store import Store
store = Store(sys.argv[1])
for i in range(int(sys.argv[2])):
    with store.write(sys.argv[3], "lobby") as tx:
        last = tx.db.conn.execute("SELECT coalesce(max(CAST(entity_id AS INTEGER)), 0) FROM events"
                                  " WHERE entity = 'counter'").fetchone()[0]
        tx.event("counter", str(last + 1), "count")
store.close()
"""


def test_a_writer_storm_serialises_like_sqlite(pg_empty: str):
    Store(pg_empty).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, pg_empty, "25", f"w{n}"],
                                env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BUTLER_LANG": "en"})
               for n in range(6)]
    assert [w.wait(120) for w in writers] == [0] * 6
    store = Store(pg_empty)
    counted = [int(r["entity_id"]) for r in store.rows("SELECT entity_id FROM events WHERE entity = 'counter'"
                                                        " ORDER BY id")]
    assert counted == list(range(1, 151))  # each read-then-write saw the one before it: no lost update
    store.close()
    assert "event chain:    ok" in run(pg_empty, "check").output


def test_the_stations_role_writes_as_the_program_does_but_cannot_change_events(pg_empty: str):
    import psycopg
    import pytest

    from butler_tui.services import demo

    with psycopg.connect(pg_empty, autocommit=True) as conn:  # README: the lines an admin runs, before init
        conn.execute("DO $$ BEGIN CREATE ROLE butler_station LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    owner = Store(pg_empty)  # `butler init` as the migration owner (here the server's superuser): schema, grants
    demo.load_demo(owner)
    owner.close()

    station = Store(pg_empty.replace("postgresql://postgres@", "postgresql://butler_station@", 1))
    mid = messaging.send(station, from_station="lobby", from_staff="1002", body="towels to 1208", to="cs")
    assert station.scalar("SELECT count(*) FROM messages WHERE id = ?", (mid,)) == 1
    conn = station.db.conn
    for forbidden in ("UPDATE events SET action = 'forged'", "DELETE FROM events",
                      "ALTER TABLE events DISABLE TRIGGER events_no_update", "DROP TRIGGER events_no_update ON events",
                      "DELETE FROM _butler_migrations"):
        with pytest.raises(sqlite3.Error, match=r"permission denied|must be owner"):
            conn.execute_pg(forbidden)
    assert station.scalar("SELECT count(*) FROM events WHERE action = 'forged'") == 0
    station.close()


def _listing(dump: Path) -> str:
    from butler_tui.store.maintenance import pg_dump_program

    program = pg_dump_program()
    assert program is not None
    listed = subprocess.run([str(Path(program).with_name("pg_restore")), "--list", str(dump)],
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


def test_backup_on_a_server_is_a_pg_dump_that_pg_restore_reads_and_rotates(pg_empty: str, tmp_path: Path):
    assert run(pg_empty, "init").exit_code == 0
    assert run(pg_empty, "demo", "--no-tui").exit_code == 0
    dest = tmp_path / "hotel.dump"
    done = run(pg_empty, "backup", str(dest))
    assert done.exit_code == 0, done.output
    assert f"to {dest}" in done.output
    assert " TABLE public events " in _listing(dest)
    assert not list(tmp_path.glob("*.partial"))

    rotated = tmp_path / "rotated"
    rotated.mkdir()
    (rotated / "notes.txt").write_text("not a backup")
    name = pg_empty.split("?")[0].rsplit("/", 1)[1]  # the database's name names the dated dumps
    for stamp in ("20250101-000000", "20250102-000000"):
        (rotated / f"{name}-{stamp}.dump").write_bytes(b"old")
    kept = run(pg_empty, "backup", str(rotated), "--keep", "2")
    assert kept.exit_code == 0, kept.output
    assert "deleted the old backup" in kept.output
    files = sorted(p.name for p in rotated.iterdir())
    assert len(files) == 3 and "notes.txt" in files and f"{name}-20250102-000000.dump" in files
    newest = max(p for p in rotated.iterdir() if p.suffix == ".dump")
    assert " TABLE public events " in _listing(newest)


def test_a_failing_pg_dump_is_one_message_and_no_file(pg_empty: str, tmp_path: Path, monkeypatch):
    from butler_tui.store import maintenance

    assert run(pg_empty, "init").exit_code == 0
    dest = tmp_path / "hotel.dump"
    # the store opens, then pg_dump cannot reach the database (a database of that name is not there)
    real = maintenance.pg_dump_program()
    fake = tmp_path / "pg_dump"
    fake.write_text(f"#!/bin/sh\nexec {real} \"$@\" --dbname=postgresql:///no_such_database_here?host=/nonexistent\n")
    fake.chmod(0o755)
    monkeypatch.setattr(maintenance, "pg_dump_program", lambda: str(fake))
    failed = run(pg_empty, "backup", str(dest))
    assert failed.exit_code != 0
    assert isinstance(failed.exception, SystemExit) and "Traceback" not in failed.output
    assert "backup to" in failed.output and "connection to server" in failed.output  # pg_dump's own reason
    assert len([line for line in failed.output.splitlines() if line.strip()]) == 1
    assert not list(tmp_path.glob("hotel.dump*"))

    monkeypatch.setattr(maintenance, "pg_dump_program", lambda: None)
    missing = run(pg_empty, "backup", str(dest))
    assert missing.exit_code != 0 and isinstance(missing.exception, SystemExit)
    assert "pg_dump not found" in missing.output
    assert not list(tmp_path.glob("hotel.dump*"))


# -- a server database in use meets a newer program ------------------------------------------------------

def _back_to_before(address: str, migration: str, drop: list[str]) -> None:
    """Make the database look as an older program left it: ``migration`` not applied, its objects gone."""
    import psycopg

    with psycopg.connect(address, autocommit=True) as conn:
        for sql in drop:
            conn.execute(sql)
        conn.execute("DELETE FROM _butler_migrations WHERE name = %s", (migration,))


def test_a_pending_migration_is_applied_to_a_server_in_use_and_recorded(pg_empty: str):
    assert run(pg_empty, "demo", "--no-tui").exit_code == 0
    _back_to_before(pg_empty, "0027_import_runs", ["DROP TABLE import_runs"])
    behind = run(pg_empty, "check")
    from butler_tui.store.schema import SCHEMA_VERSION

    assert f"schema version {SCHEMA_VERSION - 1} is behind {SCHEMA_VERSION}" in behind.output, behind.output
    assert run(pg_empty, "init").exit_code == 0  # as a station starting does (Store migrates)
    checked = run(pg_empty, "check")
    assert checked.exit_code == 0 and "schema objects: ok" in checked.output, checked.output
    server = Store(pg_empty)
    assert server.row("SELECT count(*) AS n FROM import_runs") == {"n": 0}
    last = server.row("SELECT entity, action, after FROM events WHERE entity = 'schema' ORDER BY id DESC LIMIT 1")
    assert last["action"] == "migrate" and "0027_import_runs" in last["after"]
    assert server.row("SELECT count(*) AS n FROM guests")["n"] > 0  # the hotel's rows are all still there
    server.close()


def test_a_migration_that_changes_rows_replays_them_on_the_server(pg_empty: str, monkeypatch):
    """A (test-only) migration adds a column filled from old rows: on a file its SQLite step does it, on a server
    in use its SERVER_STEPS entry does, in the migrating transaction."""
    from butler_tui.store import schema

    assert run(pg_empty, "demo", "--no-tui").exit_code == 0

    def sqlite_step(db):
        db.conn.execute("ALTER TABLE guests ADD COLUMN name_upper TEXT")
        db.conn.execute("UPDATE guests SET name_upper = upper(name)")

    def server_step(conn):
        conn.execute("UPDATE guests SET name_upper = upper(name)")

    steps = [*schema.MIGRATIONS.steps, ("9999_test_name_upper", sqlite_step)]
    monkeypatch.setattr(schema.MIGRATIONS, "steps", steps)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(steps))
    monkeypatch.setattr(schema, "KNOWN", {name for name, _ in steps})
    monkeypatch.setattr(schema, "SERVER_STEPS", {**schema.SERVER_STEPS, "9999_test_name_upper": server_step})

    server = Store(pg_empty)
    assert server.row("SELECT count(*) AS n FROM guests WHERE name_upper IS NULL OR name_upper != upper(name)") \
        == {"n": 0}
    assert "9999_test_name_upper" in schema.applied(server.db)
    server.close()


def test_a_migration_that_cannot_be_made_on_a_server_changes_nothing(pg_empty: str, monkeypatch):
    from butler_tui.errors import StoreUnavailable
    from butler_tui.store import schema

    assert run(pg_empty, "demo", "--no-tui").exit_code == 0

    def sqlite_step(db):
        db.conn.execute("ALTER TABLE guests ADD COLUMN name_upper TEXT")

    steps = [*schema.MIGRATIONS.steps, ("9999_test_unlisted", sqlite_step)]
    monkeypatch.setattr(schema.MIGRATIONS, "steps", steps)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(steps))
    monkeypatch.setattr(schema, "KNOWN", {name for name, _ in steps})
    with pytest.raises(StoreUnavailable, match="9999_test_unlisted cannot be applied on PostgreSQL"):
        Store(pg_empty)
    monkeypatch.undo()
    server = Store(pg_empty)  # the program as it is opens it as before: nothing was changed
    assert "name_upper" not in server.row("SELECT * FROM guests LIMIT 1")
    server.close()


def test_every_migration_since_postgresql_says_how_it_runs_on_a_server():
    from butler_tui.store import schema

    names = schema.MIGRATIONS.names
    later = names[names.index(schema.SERVER_SINCE) + 1:]
    assert [name for name in later if name not in schema.SERVER_STEPS] == []
    assert set(schema.SERVER_STEPS) <= set(later)


def test_a_handover_signed_where_the_report_column_was_text_reads_back_whole(demo_address: str | Path):
    """A signed report is packed bytes; a server database made when its column was TEXT kept their text form
    (``\\x78…``), and the handover screen failed on it. The next schema build turns the column into BYTEA and
    the reports into the bytes they were."""
    import pytest

    from butler_tui.store import pg

    if isinstance(demo_address, Path):
        pytest.skip("a PostgreSQL column's type")
    store = Store(demo_address)
    conn = store.db.conn
    conn.execute_pg("ALTER TABLE handovers ALTER COLUMN report TYPE TEXT")  # as databases were made before
    handover_id = handover.sign_out(store, "lobby", staff_no="1001")
    assert store.scalar("SELECT report FROM handovers WHERE id = ?", (handover_id,)).startswith("\\x78313a")
    conn.execute("BEGIN")
    pg.build_schema(conn)
    conn.execute("COMMIT")
    record = handover.pending(store, "lobby")
    assert record is not None and record.id == handover_id and record.report["station"] == "lobby"
    signed = json.loads(store.scalar("SELECT after FROM events WHERE entity = 'handovers' AND action = 'sign_out'"
                                     " AND entity_id = ?", (handover_id,)))
    assert len(record.report["open_tasks"]) == signed["open_tasks"] and record.report["shift"] == signed["shift"]
    handover.sign_in(store, handover_id, staff_no="1002", station="lobby")  # the incoming shift signs, as ever
    assert handover.latest(store, "lobby").signed_in_by == "1002"
    store.close()


def test_a_station_stopped_by_a_restore_names_the_server_without_its_password(pg_empty: str):
    address = pg_empty.replace("postgresql://postgres@", "postgresql://postgres:s3cret@", 1)  # trust: any password
    for args, said in ((["init"], "created postgresql://postgres:***@/"), (["init"], "migrated postgresql://postgres:***@/"),
                       (["demo", "--no-tui"], "loaded demo hotel into postgresql://postgres:***@/")):
        told = run(address, *args)
        assert told.exit_code == 0 and said in told.output and "s3cret" not in told.output, told.output
    store = Store(address)
    stopped = store.stop("replaced")
    text = str(stopped)
    assert "s3cret" not in text and "postgresql://postgres:***@/" in text and "restored" in text
    with pytest.raises(type(stopped)):
        store.db  # noqa: B018 - every read and write is refused from then on
    store.close()
