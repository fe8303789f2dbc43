"""Nothing is lost: many writers at once, a writer killed mid-transaction, a full or read-only
database, a newer schema. (The long soak is bench/faults.py.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui.app import ButlerApp
from butler_tui.cli import cli
from butler_tui.errors import StoreUnavailable
from butler_tui.services import messaging
from butler_tui.store import Store, database

from . import workers
from .conftest import await_until, on_screen, signed_env

WRITERS, ROUNDS = 20, 8


def test_twenty_processes_writing_at_once_lose_nothing(demo_db: Path):
    store = Store(demo_db)
    messages_before = store.scalar("SELECT count(*) FROM messages")
    events_before = store.scalar("SELECT count(*) FROM events")
    store.close()
    ctx = workers.processes()
    barrier, out = ctx.Barrier(WRITERS), ctx.Queue()
    procs = [ctx.Process(target=workers.write, args=(str(demo_db), n, ROUNDS, barrier, out)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [e for _, _, errs in results for e in errs]
    assert errors == []  # no "database is locked", nothing else either
    assert sum(done for _, done, _ in results) == WRITERS * ROUNDS
    store = Store(demo_db)
    # a round says one message and raises one task, whose notice is a message too
    assert store.scalar("SELECT count(*) FROM messages") - messages_before == WRITERS * ROUNDS * 2
    assert store.scalar("SELECT count(*) FROM messages WHERE task_id IN (SELECT id FROM tasks WHERE name LIKE 'w% t%')"
                        ) == WRITERS * ROUNDS
    assert store.scalar("SELECT count(*) FROM tasks WHERE name LIKE 'w% t%' AND status = 'in_progress'") == \
        WRITERS * ROUNDS
    # every change wrote its event: send, create, the task's notice, ack, start, ack per round
    assert store.scalar("SELECT count(*) FROM events") - events_before == WRITERS * ROUNDS * 6
    assert store.scalar("PRAGMA integrity_check") == "ok"
    store.close()


KILLED_WRITER = """
import sys, time
from butler_tui.store import Store
from butler_tui import clock
store = Store(sys.argv[1])
with store.write("2003", "floors-mid") as tx:
    now = clock.now_iso()
    for i in range(200):
        tid = tx.insert("tasks", {"type": "repair", "name": f"half-written {i}", "priority": 3,
                                  "created_at": now, "updated_at": now})
        tx.event("tasks", tid, "create")
    print("inside", flush=True)
    time.sleep(600)
"""


def test_a_writer_killed_mid_transaction_leaves_no_trace(demo_db: Path):
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(demo_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    store = Store(demo_db)
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.scalar("SELECT count(*) FROM tasks WHERE name LIKE 'half-written%'") == 0
    assert store.scalar("SELECT count(*) FROM events WHERE entity = 'tasks' AND action = 'create'"
                        " AND actor = '2003' AND station = 'floors-mid'") == 0
    # The lock died with the process: the next writer goes straight through.
    t0 = time.monotonic()
    messaging.send(store, from_station="lobby", body="after the crash", to="fo")
    assert time.monotonic() - t0 < 2
    store.close()


def _faulty(pragma: str):
    original = database._open_connection

    def open_with_fault(path):
        db = original(path)
        db.conn.execute(pragma)
        return db

    return open_with_fault


@pytest.mark.parametrize(("fault", "message"), [("read-only", "is read-only"), ("full", "disk full")])
def test_full_or_read_only_database_is_one_clear_error_and_nothing_changes(demo_db: Path, monkeypatch, fault,
                                                                           message, tmp_path: Path):
    env = signed_env(demo_db, ["import"])  # signed in before the fault, before counting
    store = Store(demo_db)
    before = store.scalar("SELECT count(*) FROM stays"), store.scalar("SELECT count(*) FROM events")
    store.close()
    # A big import needs new pages, so a full disk shows; a read-only file refuses any write.
    rows = "\n".join(f"P{800000 + i},客人{i},2026-11-25,2026-11-27" for i in range(2000))
    csv = tmp_path / "big.csv"
    csv.write_text("reservation_no,guest_name,arrival_date,departure_date\n" + rows + "\n", encoding="utf-8")
    if fault == "read-only":
        pragma = "PRAGMA query_only = 1"  # SQLITE_READONLY, as from a read-only file or mount
    else:
        pages = sqlite3.connect(demo_db).execute("PRAGMA page_count").fetchone()[0]
        pragma = f"PRAGMA max_page_count = {pages}"  # SQLITE_FULL, as from a full disk
    monkeypatch.setattr(database, "_open_connection", _faulty(pragma))
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "import", "arrivals", str(csv)], env=env)
    assert result.exit_code == 4, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output
    monkeypatch.undo()
    store = Store(demo_db)
    assert (store.scalar("SELECT count(*) FROM stays"), store.scalar("SELECT count(*) FROM events")) == before
    assert store.scalar("PRAGMA integrity_check") == "ok"
    store.close()


async def test_the_app_keeps_showing_data_when_writes_fail(demo_db: Path, monkeypatch):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        from butler_tui.ui.messages import MessagesScreen

        await await_until(pilot, lambda: on_screen(app, MessagesScreen) and app.screen.messages)
        shown = len(app.screen.messages)
        monkeypatch.setattr(database, "_open_connection", _faulty("PRAGMA query_only = 1"))
        app.store.close()  # every thread opens its connection again, now read-only
        app.send_message_from_station(body="this cannot be saved", to="fo", priority="routine", room=None,
                                      parent_id=None, then=lambda _: None,
                                      on_error=lambda e: app.notify(str(e), markup=False))
        await await_until(pilot, lambda: any("read-only" in str(n.message) for n in app._notifications))
        app.screen.refresh_data()
        await await_until(pilot, lambda: all(w.is_finished for w in app.workers if w.group == "messages-list"))
        assert app.is_running and len(app.screen.messages) == shown  # reads still work, the board stays
        assert app.store.scalar("SELECT count(*) FROM messages WHERE body = 'this cannot be saved'") == 0


def test_store_unavailable_is_the_error_type(demo_db: Path, monkeypatch):
    monkeypatch.setattr(database, "_open_connection", _faulty("PRAGMA query_only = 1"))
    store = Store(demo_db)
    with pytest.raises(StoreUnavailable, match="read-only"):
        messaging.send(store, from_station="lobby", body="x", to="fo")
    store.close()
