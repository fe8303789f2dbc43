"""Write throughput: how many changes a second one database takes from many stations at once, and how
long each waits — on a SQLite file and, given a server, on PostgreSQL, side by side.

W writer processes each loop for ``--seconds``: a message from their station to another station
(``messaging.send``: the message, its recipient row, its event), then that station's acknowledgement
(``messaging.ack``: the ack, the message's state, its event). Each call is one write transaction, timed
from the call to its return (the wait for the write lock included). Counted: writes a second in all,
per-write latency p50/p99/max, and errors (a write that raised: "database is locked" and the like).

    python bench/writes.py [--writers 1,4,8] [--seconds 5]
                           [--postgresql postgresql://postgres@/postgres?host=/tmp/pgsock]

SQLite: WAL, ``synchronous=FULL`` (a commit survives power loss), the temp directory's disk. PostgreSQL: a
throwaway database on that server (dropped after); its ``fsync`` and ``synchronous_commit`` settings are
printed with the table, since they decide what a commit costs there.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from pathlib import Path

from propagation import percentile, server_database


def writer(path: str, me: str, other: str, ready, go, seconds: float, out) -> None:
    from butler_tui.services import messaging
    from butler_tui.store import Store

    store = Store(path)
    messaging.ack(store, messaging.send(store, from_station=me, body="warm", to=other), station=other)
    waits: list[float] = []
    errors: dict[str, int] = {}
    ready.wait()
    go.wait()
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        for step in ("send", "ack"):
            t0 = time.monotonic()
            try:
                if step == "send":
                    mid = messaging.send(store, from_station=me, body=f"bench {me} {i}", to=other)
                else:
                    messaging.ack(store, mid, station=other)
            except Exception as exc:  # counted, not fatal: the point is how many there are
                errors[f"{type(exc).__name__}: {exc}"[:80]] = errors.get(f"{type(exc).__name__}: {exc}"[:80], 0) + 1
                break
            waits.append(time.monotonic() - t0)
    store.close()
    out.put((waits, errors))


def prepare(path: Path | str, writers: int) -> list[tuple[str, str]]:
    from butler_tui.store import Store

    store = Store(path)
    pairs = [(f"w-{i:02d}", f"r-{i:02d}") for i in range(writers)]
    with store.write("bench", None) as tx:
        tx.insert("teams", {"code": "BENCH", "name": "Bench"})
        for pair in pairs:
            for code in pair:
                tx.insert("stations", {"code": code, "name": code, "team_code": "BENCH"})
        tx.event("bench", None, "prepare")
    store.close()
    return pairs


def server_settings(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        fsync = conn.execute("SHOW fsync").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return f"PostgreSQL {version}, fsync={fsync}, synchronous_commit={sync}"


def run(path: Path | str, writers: int, seconds: float) -> tuple[list[float], dict[str, int]]:
    ctx = mp.get_context("spawn")
    pairs = prepare(path, writers)
    ready, go, out = ctx.Barrier(writers + 1), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(str(path), me, other, ready, go, seconds, out)) for me, other in pairs]
    for p in procs:
        p.start()
    ready.wait()
    go.set()
    waits: list[float] = []
    errors: dict[str, int] = {}
    for _ in procs:
        w, e = out.get(timeout=seconds + 120)
        waits += w
        for k, v in e.items():
            errors[k] = errors.get(k, 0) + v
    for p in procs:
        p.join()
    return waits, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="1,4,8", help="comma-separated writer counts")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="also run on a throwaway database of this PostgreSQL server")
    args = parser.parse_args()
    counts = [int(n) for n in args.writers.split(",")]

    rows = []
    notes = []
    backends = ["SQLite"] + (["PostgreSQL"] if args.postgresql else [])
    for backend in backends:
        for n in counts:
            with tempfile.TemporaryDirectory() as tmp:
                if backend == "SQLite":
                    waits, errors = run(Path(tmp) / "bench.db", n, args.seconds)
                else:
                    with server_database(args.postgresql) as url:
                        assert url is not None
                        if not notes:
                            notes.append(server_settings(url))
                        waits, errors = run(url, n, args.seconds)
            ms = [w * 1000 for w in waits]
            rows.append((backend, n, len(waits) / args.seconds, statistics.median(ms), percentile(ms, 99), max(ms),
                         sum(errors.values()), errors))

    print(f"write throughput: {args.seconds:g} s per run, {os.cpu_count()} CPUs, load average before "
          f"{os.getloadavg()[0]:.2f}" + (f"; {notes[0]}" if notes else ""))
    print("| backend | writers | writes/s | p50 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend, n, rate, p50, p99, top, errs, _ in rows:
        print(f"| {backend} | {n} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {top:.1f} | {errs} |")
    for backend, n, *_, errors in rows:
        for text, count in errors.items():
            print(f"{backend}, {n} writers: {count} × {text}")


if __name__ == "__main__":
    main()
