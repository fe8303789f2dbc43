"""SLA / escalation sweep over many open tasks, and the task board refresh.

    python bench/sweep.py [--tasks 10000] [--board 2000]

Sweep cases, each on a fresh copy of the demo hotel with N open tasks added:
  idle      nothing has come due: one indexed read, no write lock (what stations do every 5 s)
  10% due   a tenth of the tasks cross a ladder step now
  all due   every task crosses a step at once (worst case: one escalation + one channel message each)
Board: the station's data read (rooms + open tasks) and a full refresh of the task table in the
real app (headless), with 2,000 open tasks.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path


def populate(path: Path, count: int) -> None:
    from butler_tui import clock
    from butler_tui.services import escalation
    from butler_tui.store import Store

    store = Store(path)
    ladder = store.scalar("SELECT ladder FROM task_types WHERE code = 'guest_request'")
    rooms = [r["number"] for r in store.rows("SELECT number FROM rooms")]
    now = clock.now()
    stamp = clock.iso(now)
    with store.write("bench", "lobby") as tx:
        for i in range(count):
            row = {"type": "guest_request", "name": f"bench request {i}", "room_number": rooms[i % len(rooms)],
                   "priority": 3, "status": "new", "station_code": "lobby", "owner_no": "1002", "owner_team": "LOBBY",
                   "created_at": stamp, "updated_at": stamp, "clock_started_at": stamp, "last_progress_at": stamp,
                   "due_at": clock.iso(now + timedelta(minutes=10)), "ladder_id": escalation.ladder_ref(tx, ladder)}
            row["next_check_at"] = escalation.next_check_iso({**row, "ladder": ladder}, now)
            tx.insert("tasks", row)
        tx.event("bench", None, "populate", after={"tasks": count})
    store.close()


def time_sweep(template: Path, tmp: Path, label: str, shift_minutes: float, make_due: float, runs: int) -> str:
    from butler_tui import clock
    from butler_tui.services.escalation import sweep
    from butler_tui.store import Store
    from butler_tui.store.chain import append

    timings, report = [], None
    for run in range(runs):
        path = tmp / f"{label}-{run}.db"
        shutil.copy(template, path)
        store = Store(path)
        if make_due < 1:
            # Push most tasks' next check into the future so that only a fraction comes due.
            store.db.conn.execute("BEGIN IMMEDIATE")
            store.db.conn.execute(
                "UPDATE tasks SET next_check_at = ? WHERE id % ? != 0 AND type = 'guest_request'",
                (clock.iso(clock.now() + timedelta(days=1)), round(1 / make_due)),
            )
            append(store.db.conn, clock.now_iso(), None, None, "bench", None, "spread", None, None)
            store.db.conn.execute("COMMIT")
        clock.freeze(clock.now() + timedelta(minutes=shift_minutes))
        if label.startswith("idle"):
            sweep(store, station="lobby")  # settle what the demo hotel has due; then time a quiet sweep
        t0 = time.perf_counter()
        report = sweep(store, station="lobby")
        timings.append((time.perf_counter() - t0) * 1000)
        clock.freeze(None)
        store.close()
    assert report is not None
    return (f"| {label} | {report.examined:,} | {report.escalated:,} | {statistics.median(timings):.1f} |"
            f" {max(timings):.1f} |")


async def board_refresh(path: Path, runs: int) -> tuple[float, float, int]:
    from butler_tui.app import ButlerApp
    from butler_tui.ui.table import KeyedTable
    from butler_tui.ui.tasks import RoomsScreen, load_board

    app = ButlerApp(path, "lobby", "1002")
    reads, shows = [], []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        while not (isinstance(app.screen, RoomsScreen) and app.screen.data is not None):
            await pilot.pause(0.05)
        screen = app.screen
        screen.action_toggle_scope()  # all stations' tasks
        for _ in range(runs):
            t0 = time.perf_counter()
            data = load_board(app.store, "lobby", True)  # in a thread worker in the app
            reads.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            screen.query_one(KeyedTable).show({}, rebuild=True)
            screen._show(data)  # on the UI thread
            shows.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()
        rows = screen.query_one(KeyedTable).row_count
        # A live refresh: one task changed at another station; only its cells are updated.
        from butler_tui.services import tasks as task_service

        incremental = []
        target = data.tasks[len(data.tasks) // 2].id
        for i in range(runs):
            task_service.update(app.store, target, staff_no="1002", station="lobby", name=f"changed {i}")
            data = load_board(app.store, "lobby", True)
            t0 = time.perf_counter()
            screen._show(data)
            incremental.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()
    return statistics.median(reads), statistics.median(shows), statistics.median(incremental), rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--board", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from butler_tui.services.demo import load_demo
    from butler_tui.store import Store

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        demo = tmp / "demo.db"
        demo_store = Store(demo)
        load_demo(demo_store)
        demo_store.close()  # the last connection to close checkpoints the WAL into the file we copy
        big = tmp / "big.db"
        shutil.copy(demo, big)
        populate(big, args.tasks)
        print(f"sweep: {args.tasks:,} open tasks (+7 demo tasks), median of {args.runs} runs")
        print("| case | tasks examined | escalations fired | median ms | max ms |")
        print("|---|---:|---:|---:|---:|")
        print(time_sweep(big, tmp, "idle (nothing due)", 1, 1, args.runs))
        print(time_sweep(big, tmp, "10% due", 6, 0.1, args.runs))
        print(time_sweep(big, tmp, "all due at once (batches of 500)", 6, 1, args.runs))
        board = tmp / "board.db"
        shutil.copy(demo, board)
        populate(board, args.board)
        read_ms, show_ms, live_ms, rows = asyncio.run(board_refresh(board, args.runs))
        print(f"\nboard with {rows:,} open tasks (median of {args.runs}):")
        print("| step | where | median ms |")
        print("|---|---|---:|")
        print(f"| read rooms + open tasks, build cells | thread worker | {read_ms:.1f} |")
        print(f"| table built from scratch (first open) | UI thread | {show_ms:.1f} |")
        print(f"| live refresh after one task changed (diff, one row updated) | UI thread | {live_ms:.1f} |")


if __name__ == "__main__":
    main()
