"""The PMS import at scale (issue 19): a 50,000-row arrivals file imported into the demo hotel while a
second process, a station, writes in a loop (it sends messages) — the import writes in short transactions
(all or nothing across them: services/pms_import.py), the station never fails and waits at most about a second.

    python bench/import.py [--rows 50000] [--keep DIR]

Printed: rows/s of the whole import (read, check, prepare, write), the write phase, its transactions and
the longest time one of them held the lock, the load average, and the concurrent writer's sends,
failures, median and longest wait for one send.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLUMNS = ["reservation_no", "guest_name", "salutation", "member_no", "mobile", "vip_level", "arrival_date", "eta",
           "departure_date", "room_type", "room_number", "party_size", "car_plate", "booked_by", "remarks"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def build(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(rows):
            name = SURNAMES[i % 20] + GIVEN[(i // 20) % 24] + GIVEN[(i // 480) % 24]
            day = 1 + i % 28
            writer.writerow([f"B{i:08d}", name, "先生" if i % 2 else "女士", f"M{i:07d}" if i % 3 == 0 else "",
                             f"139{i:08d}", str(i % 6), f"2027-02-{day:02d}", "15:30", f"2027-03-{day:02d}",
                             "Deluxe King", "", "2", "", "8002", "bench row"])


def writer_loop(db: str, stop: str) -> None:
    """The concurrent station: send a message again and again until ``stop`` exists; print the waits."""
    from butler_tui.services import messaging
    from butler_tui.store import Store

    store = Store(db)
    waits: list[float] = []
    failures = 0
    while not Path(stop).exists():
        t0 = time.perf_counter()
        try:
            messaging.send(store, from_station="lobby", body=f"bench message {len(waits)}", to=["fo"])
        except Exception as exc:  # the bench counts a failure instead of dying
            failures += 1
            print(repr(exc), file=sys.stderr)
        waits.append(time.perf_counter() - t0)
    store.close()
    print(json.dumps({"sends": len(waits), "failures": failures, "max": max(waits or [0]),
                      "median": statistics.median(waits or [0])}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep the files")
    parser.add_argument("--writer", nargs=2, metavar=("DB", "STOP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer_loop(*args.writer)
        return
    from butler_tui.services.demo import load_demo
    from butler_tui.services.pms_import import import_arrivals
    from butler_tui.store import Store

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = args.keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        db, data, stop = tmp / "hotel.db", tmp / "arrivals.csv", tmp / "stop"
        for leftover in (db, stop):
            leftover.unlink(missing_ok=True)
        store = Store(db)
        load_demo(store)
        build(data, args.rows)
        writer = subprocess.Popen([sys.executable, __file__, "--writer", str(db), str(stop)], stdout=subprocess.PIPE,
                                  text=True)
        time.sleep(1.0)  # let the writer get going (a bench, not a test: no synchronisation needed)
        t0 = time.perf_counter()
        report = import_arrivals(store, data, staff_no="8002")
        elapsed = time.perf_counter() - t0
        time.sleep(0.5)
        stop.touch()
        out, _ = writer.communicate(timeout=60)
        seen = json.loads(out.strip().splitlines()[-1])
        stays = store.scalar("SELECT count(*) FROM stays WHERE reservation_no LIKE 'B%'")
        store.close()
    print(f"import of {args.rows:,} rows: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s;"
          f" {report.created:,} stays, {report.guests_created:,} guests created ({stays:,} in the file)")
    print(f"write phase {report.write_seconds:.2f} s in {report.transactions} transactions: lock held"
          f" {report.lock_seconds:.2f} s in all, longest {report.longest_lock * 1000:.0f} ms; waited for it"
          f" {report.waited:.2f} s"
          f" (load average {os.getloadavg()[0]:.1f})")
    print(f"concurrent writer: {seen['sends']:,} sends, {seen['failures']} failed, median {seen['median'] * 1000:.1f} ms,"
          f" longest wait {seen['max'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
