"""A year of history in less room (issue 15): 0018 compacts what a file holds without changing what any
reader shows, and ``butler archive --before DATE`` moves closed history to an archive file that task
lookups still read, while the events stay append-only for everyone else."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.services import checklists, guests, handover, messaging, reports, stays, tasks
from butler_tui.services.demo import load_demo
from butler_tui.store import Store, expand_rows, instants, schema
from butler_tui.store.archive import ARCHIVE_FORMAT, TABLES
from butler_tui.store.feed import ChangeFeed, HistoryReplaced
from butler_tui.store.schema import MIGRATIONS
from tests.old_files import archive_as_before_0030, as_before_0030

from .conftest import signed_env

BENCH = Path(__file__).resolve().parent.parent / "bench" / "history.py"
ADMIN = ["--by", "0009", "--by-pin", "1234"]


def run(db: Path | str, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args))


_OLD_ITEMS = ("SELECT c.id, c.stage, c.code, c.mandatory, c.done_at, c.done_by, c.done_station, c.note,"
              " coalesce(t.name, c.code) AS name, s.name AS done_by_name FROM checklist_items c"
              " LEFT JOIN checklist_template t ON t.code = c.code LEFT JOIN staff s ON s.staff_no = c.done_by"
              " WHERE c.stay_id = ? ORDER BY c.position")
_OLD_PROGRESS = ("SELECT stage, count(*) AS total, count(done_at) AS done, sum(mandatory AND done_at IS NULL) AS open"
                 " FROM checklist_items WHERE stay_id = ? GROUP BY stage")
_OLD_STAGES = "SELECT stage, completed_at, completed_by FROM stay_stages WHERE stay_id = ? ORDER BY stage"
_OLD_FOLLOW_UP = "SELECT done_at FROM checklist_items WHERE stay_id = ? AND code = 'follow_up_call'"
_HISTORY = ("SELECT e.action, e.actor, e.after, s.name AS actor_name FROM events e LEFT JOIN staff s"
            " ON s.staff_no = e.actor WHERE e.entity = 'tasks' AND e.entity_id = ? ORDER BY e.id")


def _as_before_0018(db: Path) -> None:
    """Turn a file of this release into what the release before 0018 stored: instants as text, whole JSON in every event,
    one row per checklist item with its (stay, code) index, search keys and stage completions with rowids."""
    from butler_tui.store import unpack_checklist

    conn = sqlite3.connect(db, isolation_level=None)
    for (stay_id,) in conn.execute("SELECT stay_id FROM checklists_packed").fetchall():
        unpack_checklist(conn, stay_id)
    as_before_0030(db)  # (instants as text, as then)
    conn.execute("DROP TRIGGER events_no_update")
    rows = [dict(zip(("id", "entity", "action", "entity_id", "after"), r, strict=True)) for r in conn.execute(
        "SELECT id, entity, action, entity_id, after FROM events")]
    conn.executemany("UPDATE events SET after = ? WHERE id = ?", [(r["after"], r["id"]) for r in expand_rows(conn, rows)])
    conn.executescript("""
        DROP TRIGGER events_hashed; DROP TABLE event_chain_anchors; ALTER TABLE events DROP COLUMN hash;
        DELETE FROM _sqlite_migrations WHERE name = '0021_event_chain';
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
        DROP TRIGGER events_no_delete;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
        DROP TABLE checklists_packed; DROP TABLE archive_runs; DROP TRIGGER tasks_origin; DROP TABLE task_origins;
        CREATE TABLE old_items (id INTEGER PRIMARY KEY, stay_id INTEGER NOT NULL REFERENCES stays(id),
            stage TEXT NOT NULL, code TEXT NOT NULL, mandatory INTEGER NOT NULL, position INTEGER NOT NULL,
            done_at TEXT, done_by TEXT, done_station TEXT, note TEXT, UNIQUE (stay_id, code));
        INSERT INTO old_items SELECT id, stay_id, stage, code, mandatory, position, done_at, done_by, done_station, note
            FROM checklist_items;
        DROP TABLE checklist_items; ALTER TABLE old_items RENAME TO checklist_items;
        CREATE INDEX checklist_follow_up_open ON checklist_items(stay_id) WHERE code = 'follow_up_call' AND done_at IS NULL;
        CREATE TABLE old_keys (key TEXT NOT NULL, kind TEXT NOT NULL, guest_id INTEGER NOT NULL);
        INSERT INTO old_keys SELECT key, kind, guest_id FROM guest_search;
        DROP TABLE guest_search; ALTER TABLE old_keys RENAME TO guest_search;
        CREATE INDEX guest_search_key ON guest_search(key); CREATE INDEX guest_search_guest ON guest_search(guest_id);
        DROP INDEX tasks_lost_found; CREATE INDEX tasks_type_created ON tasks(type, created_at);
        CREATE TABLE old_stages (stay_id INTEGER NOT NULL, stage TEXT NOT NULL, completed_at TEXT NOT NULL,
            completed_by TEXT, completed_station TEXT, PRIMARY KEY (stay_id, stage));
        INSERT INTO old_stages SELECT * FROM stay_stages;
        DROP TABLE stay_stages; ALTER TABLE old_stages RENAME TO stay_stages;
        UPDATE tasks SET clock_started_at = created_at WHERE clock_started_at IS NULL;
        DELETE FROM permissions WHERE action = 'archive_history';
        DELETE FROM _sqlite_migrations WHERE name = '0018_compact_history';
    """)
    conn.execute(f"PRAGMA user_version = {MIGRATIONS.names.index('0018_compact_history')}")
    conn.close()


def test_a_file_from_before_0018_migrates_and_every_reader_shows_the_same(db_path: Path):
    store = Store(db_path)
    load_demo(store)
    task_id = tasks.create(store, type="guest_request", name="Extra pillows", room="1208", staff_no="1002",
                           station="lobby")
    tasks.update(store, task_id, name="Three pillows", priority=1, staff_no="1002", station="lobby")
    mid = messaging.send(store, from_station="lobby", from_staff="1002", body="VIP at the door", room="1208")
    messaging.ack(store, mid, station="cs", staff_no="5002")
    called = stays.follow_up_queue(store)[0].id
    checklists.tick(store, called, "follow_up_call", staff_no="5002", station="cs", note="all well")
    assert store.scalar("SELECT count(*) FROM checklists_packed WHERE stay_id = ?", (called,)) == 1
    store.close()
    _as_before_0018(db_path)

    conn = sqlite3.connect(db_path)
    task_ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
    stay_ids = [r[0] for r in conn.execute("SELECT id FROM stays ORDER BY id")]
    assert conn.execute("SELECT count(*) FROM events WHERE after IS NULL AND action = 'send'").fetchone()[0] == 0
    before = {
        "history": {t: conn.execute(_HISTORY, (str(t),)).fetchall() for t in task_ids},
        "items": {s: conn.execute(_OLD_ITEMS, (s,)).fetchall() for s in stay_ids},
        "progress": {s: sorted(conn.execute(_OLD_PROGRESS, (s,)).fetchall()) for s in stay_ids},
        "stages": {s: conn.execute(_OLD_STAGES, (s,)).fetchall() for s in stay_ids},
        "follow_up": {s: (conn.execute(_OLD_FOLLOW_UP, (s,)).fetchone() or (None,))[0] for s in stay_ids},
        "events": conn.execute("SELECT id, after FROM events ORDER BY id").fetchall(),
        "clock": dict(conn.execute("SELECT id, clock_started_at FROM tasks").fetchall()),
        "find": None,
    }
    conn.close()
    old = Store(db_path, migrate=False)
    before["find"] = [h.id for h in guests.find(old, "138")]
    old.close()

    store = Store(db_path)
    assert sorted(schema.applied(store.db)) == sorted(MIGRATIONS.names)  # (0019 was never taken away)
    progress = checklists.progress(store, stay_ids)
    after = {
        "history": {t: [(e["action"], e["actor"], e["after"], e["actor_name"]) for e in tasks.history(store, t)]
                    for t in task_ids},
        "items": {s: [(i.id, i.stage, i.code, int(i.mandatory), i.done_at, i.done_by, i.done_station, i.note, i.name,
                       i.done_by_name) for i in checklists.items(store, s)] for s in stay_ids},
        "progress": {s: sorted((p.stage, p.total, p.done, p.open_mandatory) for p in progress.get(s, {}).values())
                     for s in stay_ids},
        "stages": {s: [(p.stage, p.completed_at, p.completed_by) for p in sorted(progress.get(s, {}).values(),
                                                                                 key=lambda p: p.stage)
                       if p.completed_at] for s in stay_ids},
        "follow_up": {s: stays.get_stay(store, s).follow_up_done_at for s in stay_ids},
        "events": [(e["id"], e["after"]) for e in expand_rows(store.db.conn, store.rows(
            "SELECT id, entity, action, entity_id, after FROM events WHERE id <= ? ORDER BY id",
            (before["events"][-1][0],)))],
        "find": [h.id for h in guests.find(store, "138")],
        "clock": {t: tasks.get_task(store, t).clock.clock_started_at for t in task_ids},
    }
    for key, value in after.items():
        assert value == before[key], key
    # … from less: the events refer to their rows, closed stays' checklists are packed, no (stay, code) index.
    assert store.scalar("SELECT count(*) FROM events WHERE entity = 'messages' AND action = 'send'"
                        " AND after IS NULL") > 0
    assert store.scalar("SELECT count(*) FROM events WHERE entity = 'tasks' AND action = 'create'"
                        " AND after LIKE '%\"@\"%' AND after NOT LIKE '%owner_team%'") > 0
    assert store.scalar("SELECT count(*) FROM checklists_packed WHERE stay_id = ?", (called,)) == 1
    indexes = {r["name"] for r in store.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not indexes & {"sqlite_autoindex_checklist_items_1", "guest_search_key", "guest_search_guest",
                          "tasks_type_created"}
    created = json.loads(tasks.history(store, task_id)[0]["after"])
    # As created (renamed and re-prioritised since): the values that change are kept in the event.
    assert (created["name"], created["owner"], created["owner_team"]) == ("Extra pillows", "1002", "LOBBY")
    assert created["priority"] != 1 and tasks.get_task(store, task_id).priority == 1
    # A packed checklist is unpacked to be changed, and packed again.
    checklists.tick(store, called, "follow_up_call", staff_no="5002", station="cs", note="all well, thanked")
    assert [i.note for i in checklists.items(store, called) if i.code == "follow_up_call"] == ["all well, thanked"]
    assert store.scalar("SELECT count(*) FROM checklist_items WHERE stay_id = ?", (called,)) == 0
    store.close()


def test_new_rows_are_written_compact_and_read_back_whole(demo_store: Store):
    task_id = tasks.create(demo_store, type="guest_request", name="Iron", room="1208", staff_no="1002",
                           station="lobby")
    stored = demo_store.scalar("SELECT after FROM events WHERE entity = 'tasks' AND entity_id = ?", (str(task_id),))
    assert stored is None  # the task row says it all
    created = tasks.history(demo_store, task_id)[0]["after"]
    after = json.loads(created)
    assert after["owner_team"] == "LOBBY" and after["type"] == "guest_request" and after["name"] == "Iron"
    # Changed since, by hand and by the ladder: the create event still shows the task as it was created.
    tasks.update(demo_store, task_id, name="Iron two shirts", room_number="1209", priority=1, staff_no="1002",
                 station="lobby")
    tasks.hand_on(demo_store, task_id, "ROOMS", staff_no="1002", station="lobby")
    assert tasks.get_task(demo_store, task_id).name == "Iron two shirts"
    assert tasks.history(demo_store, task_id)[0]["after"] == created


@pytest.fixture(scope="module")
def _history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.db"
    proc = subprocess.run([sys.executable, str(BENCH), "--days", "5", "--out", str(path), "--runs", "1",
                           "--keep-days", "3", "--first-show-runs", "0", "--stations", ""],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "after `butler archive --before" in proc.stdout
    return path


@pytest.fixture
def history_db(_history: Path, tmp_path: Path) -> Path:
    path = tmp_path / "hotel.db"
    path.write_bytes(_history.read_bytes())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def history_address(request: pytest.FixtureRequest, history_db: Path) -> Path | str:
    """The generated history: the file, or a PostgreSQL database it was copied into (``butler migrate-to``)."""
    if request.param == "sqlite":
        return history_db
    from butler_tui.store.maintenance import migrate_to

    url: str = request.getfixturevalue("pg_empty")
    store = Store(history_db)
    try:
        migrate_to(store, url)
    finally:
        store.close()
    return url


def _size(address: Path | str) -> int:
    if isinstance(address, Path):
        return address.stat().st_size
    store = Store(address)
    try:
        return int(store.db.conn.execute_pg("SELECT pg_database_size(current_database())").fetchone()[0])
    finally:
        store.close()


def test_archive_moves_closed_history_and_lookups_still_read_it(history_address: Path | str, tmp_path: Path):
    history_db = history_address
    on_server = isinstance(history_db, str)
    store = Store(history_db)
    built = json.loads(store.scalar("SELECT value FROM settings WHERE name = 'bench_history'"))
    clock.freeze(clock.parse(built["now"]))
    before_day = (clock.today() - timedelta(days=2)).isoformat()
    old = store.row("SELECT id FROM tasks WHERE status = 'closed' AND type != 'lost_found' ORDER BY id")
    assert old is not None
    day = clock.today() - timedelta(days=3)
    report = handover.build_report(store, "lobby", "early", day)
    assert report["figures"]["requests"] > 0  # the shift's own figures, from history that is archived below
    month = reports.figures(store, *reports.days_window(day - timedelta(days=2), clock.today())).to_json()
    assert month["total"]["requests"] > 0 and month["messages"]
    guest = store.scalar("SELECT guest_id FROM stays WHERE status = 'departed' ORDER BY id")
    cut = clock.iso(clock.local_at(clock.today() - timedelta(days=2), "00:00"))
    waiting = [r["id"] for r in store.rows("SELECT id FROM tasks WHERE status = 'done' AND updated_at < ?"
                                           " ORDER BY id", (cut,))]
    assert waiting  # done days ago and never verified
    store.close()
    shown = run(history_db, "task", "show", str(old["id"]))
    guest_shown = run(history_db, "guest", "show", str(guest))
    assert shown.exit_code == 0 and guest_shown.exit_code == 0
    size = _size(history_db)
    store = Store(history_db)
    seen = {bytes(r["hash"]): (r["id"], r["at"]) for r in store.rows("SELECT id, at, hash FROM events")}
    store.close()

    moved = run(history_db, "archive", "--before", before_day, *ADMIN, "--json")
    assert moved.exit_code == 0, moved.output
    result = json.loads(moved.output)
    assert all(result["moved"][t] > 0 for t in ("tasks", "messages", "acks", "events", "checklists_packed"))
    if on_server:  # the schema report_archive of the same database; VACUUM frees the space for reuse only
        assert result["archive"] == "report_archive" and result["size_before"] > 0 and result["size_after"] > 0
        # A backup made now holds the chain with its gaps bridged: a restore's walk of the dump's data holds.
        from butler_tui.store.maintenance import dump_chain_break

        dumped = tmp_path / "after-archive.dump"
        assert run(history_db, "backup", str(dumped)).exit_code == 0
        assert dump_chain_break(dumped) is None
    else:
        archive = history_db.with_name("hotel.archive.sqlite")
        assert result["archive"] == str(archive) and archive.exists()
        assert result["size_after"] < result["size_before"] and _size(history_db) < size

    store = Store(history_db)
    # A station whose last event seen was moved to the archive goes on (the chain's anchor says so); one whose
    # last event is gone without an anchor naming it holds another history.
    anchor = store.row("SELECT event_id, prev_hash FROM event_chain_anchors ORDER BY event_id DESC LIMIT 1")
    assert anchor is not None
    last_id, last_at = seen[bytes(anchor["prev_hash"])]
    assert store.scalar("SELECT count(*) FROM events WHERE id = ?", (last_id,)) == 0
    feed = ChangeFeed(history_db, start_at=last_id)
    feed._last_mark = (last_at, bytes(anchor["prev_hash"]))
    assert any(e.entity == "archive" and e.action == "archive" for e in feed.poll())
    feed.close()
    other_id, other_at = next(v for h, v in seen.items() if v[0] < last_id and h != bytes(anchor["prev_hash"])
                              and not store.scalar("SELECT count(*) FROM events WHERE id = ?", (v[0],)))
    feed = ChangeFeed(history_db, start_at=other_id)
    feed._last_mark = (other_at, b"not this one")
    with pytest.raises(HistoryReplaced):
        feed.poll()
    feed.close()
    assert store.scalar("SELECT count(*) FROM tasks WHERE id = ?", (old["id"],)) == 0
    # A task done and not verified is work its owner's station still has to do: it stays, however old.
    assert [r["id"] for r in store.rows("SELECT id FROM tasks WHERE status = 'done' AND updated_at < ? ORDER BY id",
                                        (cut,))] == waiting
    assert store.scalar("SELECT count(*) FROM messages m WHERE created_at < ? AND NOT EXISTS"
                        " (SELECT 1 FROM acks a WHERE a.message_id = m.id AND a.acked_at IS NULL)"
                        " AND task_id IS NULL AND parent_id IS NULL AND NOT EXISTS"
                        " (SELECT 1 FROM messages c WHERE c.parent_id = m.id)"
                        " AND NOT EXISTS (SELECT 1 FROM vip_notices v WHERE v.message_id = m.id)",
                        (clock.instant(result["cut"]),)) == 0
    event = store.row("SELECT after FROM events WHERE entity = 'archive' AND action = 'archive'")
    assert event is not None and json.loads(event["after"])["moved"] == result["moved"]
    # What was looked up before is shown the same from the archive.
    assert handover.build_report(store, "lobby", "early", day) == report
    # … and so are the figures: reports read the archive too.
    assert reports.figures(store, *reports.days_window(day - timedelta(days=2), clock.today())).to_json() == month
    store.close()
    assert run(history_db, "task", "show", str(old["id"])).output == shown.output
    assert run(history_db, "guest", "show", str(guest)).output == guest_shown.output
    checked = run(history_db, "check", "--full")
    assert checked.exit_code == 0, checked.output
    assert "integrity:      ok" in checked.output and "event chain:    ok" in checked.output  # anchored over the gaps

    # The events stay append-only for anyone else.
    if on_server:
        store = Store(history_db)
        for statement in ("DELETE FROM events WHERE id = (SELECT min(id) FROM events)",
                          "UPDATE events SET action = 'forged' WHERE id = (SELECT min(id) FROM events)"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                store.db.conn.execute(statement)
        store.close()
    else:
        conn = sqlite3.connect(history_db)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events WHERE id = (SELECT min(id) FROM events)")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET action = 'forged' WHERE id = (SELECT min(id) FROM events)")
        conn.close()

    # Twice: nothing more to move.
    again = run(history_db, "archive", "--before", before_day, *ADMIN, "--json")
    assert again.exit_code == 0, again.output
    assert set(json.loads(again.output)["moved"].values()) == {0}


def test_a_file_and_its_archive_from_before_0030_are_brought_up_to_date_and_read_the_same(history_db: Path):
    store = Store(history_db)
    clock.freeze(clock.parse(json.loads(store.scalar("SELECT value FROM settings WHERE name = 'bench_history'"))["now"]))
    store.close()
    day = clock.today() - timedelta(days=3)
    assert run(history_db, "archive", "--before", (clock.today() - timedelta(days=2)).isoformat(), *ADMIN).exit_code == 0
    archive = history_db.with_name("hotel.archive.sqlite")
    task_id = sqlite3.connect(archive).execute("SELECT min(id) FROM tasks").fetchone()[0]
    store = Store(history_db)
    report = handover.build_report(store, "lobby", "early", day)
    month = reports.figures(store, *reports.days_window(day - timedelta(days=2), clock.today())).to_json()
    store.close()
    shown = run(history_db, "task", "show", str(task_id))
    assert shown.exit_code == 0

    as_before_0030(history_db)
    archive_as_before_0030(archive)
    raw = sqlite3.connect(archive)
    assert raw.execute("SELECT typeof(created_at) FROM tasks LIMIT 1").fetchone()[0] == "text"
    raw.close()
    # A copy tried with this release first (the original still at work, with the older one): the original's
    # archive is not rewritten from the copy; the copy's read of it is refused, saying why.
    copy = history_db.parent / "tryout" / "hotel.db"
    copy.parent.mkdir()
    copy.write_bytes(history_db.read_bytes())
    size = archive.stat().st_size
    refused = run(copy, "task", "show", str(task_id))
    assert refused.exit_code != 0 and "Traceback" not in refused.output, refused.output
    assert str(history_db.resolve()) in refused.output and "butler init" in refused.output
    assert archive.stat().st_size == size
    raw = sqlite3.connect(archive)
    assert raw.execute("SELECT typeof(created_at), (SELECT user_version FROM pragma_user_version) FROM tasks"
                       " LIMIT 1").fetchone() == ("text", 0)
    raw.close()

    assert run(history_db, "task", "show", str(task_id)).output == shown.output  # migrated, the archive brought up
    raw = sqlite3.connect(archive)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == ARCHIVE_FORMAT
    for table in TABLES:
        for column in instants.instant_columns(table):
            assert raw.execute(f"SELECT count(*) FROM {table} WHERE typeof({column}) = 'text'").fetchone()[0] == 0
    raw.close()
    store = Store(history_db)
    assert handover.build_report(store, "lobby", "early", day) == report
    assert reports.figures(store, *reports.days_window(day - timedelta(days=2), clock.today())).to_json() == month
    store.close()


def test_a_copy_of_the_file_does_not_archive_into_the_original_s_archive(history_db: Path, tmp_path: Path):
    """A copy of an archived hotel (a backup, a test copy) remembers the original's archive file: its next run
    is refused there, naming both databases — its rows would be counted twice in the original's reports —
    and goes on with ``--to`` its own archive; the original's archive is left as it was."""
    store = Store(history_db)
    built = json.loads(store.scalar("SELECT value FROM settings WHERE name = 'bench_history'"))
    store.close()
    clock.freeze(clock.parse(built["now"]))
    try:
        assert run(history_db, "archive", "--before", (clock.today() - timedelta(days=3)).isoformat(),
                   *ADMIN).exit_code == 0
        original_archive = history_db.with_name("hotel.archive.sqlite")
        size = original_archive.stat().st_size
        copy_dir = tmp_path / "copy"
        copy_dir.mkdir()
        copy = copy_dir / "hotel.db"
        copy.write_bytes(history_db.read_bytes())
        later = (clock.today() - timedelta(days=1)).isoformat()
        refused = run(copy, "archive", "--before", later, *ADMIN)
        assert refused.exit_code == 2, refused.output
        assert str(history_db.resolve()) in refused.output and str(copy.resolve()) in refused.output
        assert "--to" in refused.output and "Traceback" not in refused.output
        assert original_archive.stat().st_size == size
        own = copy_dir / "copy.archive.sqlite"
        moved = run(copy, "archive", "--before", later, "--to", str(own), *ADMIN, "--json")
        assert moved.exit_code == 0, moved.output
        assert json.loads(moved.output)["archive"] == str(own) and sum(json.loads(moved.output)["moved"].values())
        assert original_archive.stat().st_size == size
        # the original goes on with its own, as before
        assert run(history_db, "archive", "--before", later, *ADMIN).exit_code == 0
    finally:
        clock.freeze(None)


def test_archive_refuses_a_bad_date_and_those_without_the_right(history_db: Path):
    bad = run(history_db, "archive", "--before", "30/11/2026", *ADMIN)
    assert bad.exit_code != 0 and "not a date: use YYYY-MM-DD" in bad.output
    future = run(history_db, "archive", "--before", (clock.today() + timedelta(days=3)).isoformat(), *ADMIN)
    assert future.exit_code != 0 and "in the future" in future.output
    butler = run(history_db, "archive", "--before", "2026-01-01", "--by", "1002", "--by-pin", "1234")
    assert butler.exit_code != 0 and "may not move closed history" in butler.output
    assert not history_db.with_name("hotel.archive.sqlite").exists()


def test_vacuum_shrinks_the_file(demo_address: Path | str):
    done = run(demo_address, "vacuum")
    assert done.exit_code == 0 and "bytes" in done.output, done.output


def test_a_packed_checklist_gives_back_exactly_what_went_in():
    from butler_tui.store.history import _decode, pack_checklist
    from butler_tui.store.packing import unpack

    items = [[41, "arrival", "checked_in", 1, 10, "2026-11-30T10:00:00.123Z", "1002", "lobby", None],
             [42, "arrival", "escorted", 0, 12, None, None, None, None],
             [44, "follow_up", "postcard_sent", 0, 99, "2026-12-01T09:15:59.999Z", "5002", "cs", "寄出 sent"]]
    stages = [["arrival", "2026-11-30T10:05:00.000Z", "1002", "lobby"]]
    compact = pack_checklist(items, stages)
    assert compact.startswith(b"z2:") and _decode(compact) == {"items": items, "stages": stages}
    # An instant not in the store's own format is kept as it is (the plain packing).
    odd = [[*items[0][:5], "2026-11-30T10:00:00Z", *items[0][6:]]]
    assert unpack(pack_checklist(odd, [])) == {"items": odd, "stages": []}


def test_on_a_server_only_the_owner_archives_and_the_stations_read_the_archive(history_db: Path, pg_empty: str,
                                                                                tmp_path: Path):
    import psycopg

    from butler_tui.store import pg
    from butler_tui.store.maintenance import migrate_to

    with psycopg.connect(pg_empty, autocommit=True) as conn:  # README: the lines an admin runs, before init
        conn.execute("DO $$ BEGIN CREATE ROLE butler_station LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    store = Store(history_db)
    built = json.loads(store.scalar("SELECT value FROM settings WHERE name = 'bench_history'"))
    migrate_to(store, pg_empty)
    store.close()
    with psycopg.connect(pg_empty, autocommit=True) as conn:
        for sql in pg.station_grants():
            conn.execute(sql)
    clock.freeze(clock.parse(built["now"]))
    before_day = (clock.today() - timedelta(days=2)).isoformat()
    station = pg_empty.replace("postgresql://postgres@", "postgresql://butler_station@", 1)
    owner = Store(pg_empty)
    old = owner.scalar("SELECT min(id) FROM tasks WHERE status = 'closed' AND type != 'lost_found'")
    owner.close()
    shown = run(station, "task", "show", str(old))
    assert shown.exit_code == 0, shown.output

    refused = run(station, "archive", "--before", before_day, *ADMIN)
    assert refused.exit_code == 4 and "Traceback" not in refused.output
    assert "run `butler archive` as the database owner role" in refused.output
    to_file = run(pg_empty, "archive", "--before", before_day, "--to", str(tmp_path / "a.sqlite"), *ADMIN)
    assert to_file.exit_code == 2 and "the archive is the schema report_archive of the same database" in to_file.output
    assert not (tmp_path / "a.sqlite").exists()

    moved = run(pg_empty, "archive", "--before", before_day, "--no-vacuum", *ADMIN, "--json")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output)["moved"]["tasks"] > 0
    # The stations read what moved (the archive's tables are granted to their role), and cannot change it.
    assert run(station, "task", "show", str(old)).output == shown.output
    reader = Store(station)
    with pytest.raises(sqlite3.Error, match="permission denied"):
        reader.db.conn.execute("DELETE FROM report_archive.tasks")
    reader.close()
    vacuumed = run(pg_empty, "vacuum")
    assert vacuumed.exit_code == 0 and "bytes" in vacuumed.output, vacuumed.output
    not_theirs = run(station, "vacuum")  # the stations' role owns no table: told so, not a vacuum of nothing
    assert not_theirs.exit_code == 4 and "run `butler vacuum` as the database owner role" in not_theirs.output
    checked = run(pg_empty, "check")
    assert checked.exit_code == 0 and "event chain:    ok" in checked.output, checked.output
