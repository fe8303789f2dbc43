"""Cross-station propagation: how long from a sender's commit until every station's change feed
delivers the message, and whether any is lost.

N station processes each run the same feed loop an open station runs (``store.feed.follow``); one
more process sends M messages to all stations through ``messaging.send``. Latency is measured per
(station, message) from the instant the sender's transaction committed to the instant the station's
loop handed the event over (CLOCK_MONOTONIC is system-wide on Linux). Before sending, the stations
idle for a while and their CPU use is measured.

    python bench/propagation.py [--stations 10] [--messages 200] [--rate 20] [--idle 5]
                                [--postgresql postgresql://postgres@/postgres?host=/tmp/pgsock]

With ``--postgresql`` (an address whose role may create databases) the same runs again on a throwaway database
on that server, and the two are printed side by side: the feed wakes on LISTEN/NOTIFY there (the whole-app
idle measurement is the SQLite one only).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def station(path: str, code: str, interval: float, ready, go_idle, stop_idle, stop, results) -> None:
    from butler_tui.store.feed import follow

    if path.startswith("postgresql://"):  # the driver and the translator load before the idle measurement
        import butler_tui.store.pg  # noqa: F401
    received: dict[int, float] = {}
    halt = threading.Event()

    def deliver(events) -> None:
        now = time.monotonic()
        for e in events:
            if e.entity == "messages" and e.action == "send" and code in (e.after or {}).get("to", []):
                received.setdefault(int(e.entity_id), now)

    started = threading.Event()
    thread = threading.Thread(target=follow, args=(path, deliver),
                              kwargs={"interval": interval, "stop": halt, "started": started})
    thread.start()
    started.wait()  # connected and warm, as an open station's feed is, before the idle measurement
    ready.wait()
    go_idle.wait()
    t0, c0 = time.monotonic(), sum(os.times()[:2])
    stop_idle.wait()
    t1, c1 = time.monotonic(), sum(os.times()[:2])
    stop.wait()
    halt.set()
    thread.join()
    results.put((code, received, (c1 - c0) / (t1 - t0)))


def sender(path: str, count: int, rate: float, out) -> None:
    from butler_tui.services import messaging
    from butler_tui.store import Store

    store = Store(path)
    committed: dict[int, float] = {}
    gap = 1.0 / rate
    for i in range(count):
        mid = messaging.send(store, from_station="sender", body=f"bench message {i}", to="all")
        committed[mid] = time.monotonic()  # send() returns after COMMIT
        time.sleep(gap)
    out.put(committed)


def app_idle_cpu(path: str, seconds: float, out) -> None:
    """CPU share of a whole station app (Textual, headless) sitting idle on the demo hotel."""
    import asyncio

    from butler_tui.app import ButlerApp

    async def run() -> float:
        app = ButlerApp(path, "lobby", "1002")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(1.0)  # settle: first paint, first reads
            t0, c0 = time.monotonic(), sum(os.times()[:2])
            await asyncio.sleep(seconds)
            t1, c1 = time.monotonic(), sum(os.times()[:2])
        return (c1 - c0) / (t1 - t0)

    out.put(asyncio.run(run()))


@contextlib.contextmanager
def server_database(admin: str | None) -> Iterator[str | None]:
    """A fresh database on the server of ``admin`` for the run (dropped after), or ``None`` for SQLite."""
    if admin is None:
        yield None
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"butler_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(admin)._replace(path="/" + name))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(path: Path | str, stations: int) -> list[str]:
    from butler_tui.store import Store

    store = Store(path)
    codes = [f"st-{i:02d}" for i in range(stations)]
    with store.write("bench", None) as tx:
        tx.insert("teams", {"code": "BENCH", "name": "Bench"})
        for code in ["sender", *codes]:
            tx.insert("stations", {"code": code, "name": code, "team_code": "BENCH"})
        tx.event("bench", None, "prepare")
    store.close()
    return codes


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    from butler_tui.app import POLL_INTERVAL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second")
    parser.add_argument("--interval", type=float, default=POLL_INTERVAL, help="station poll interval (s)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU measurement")
    parser.add_argument("--postgresql", metavar="URL", default=None,
                        help="run on a throwaway database of this PostgreSQL server instead of a SQLite file")
    args = parser.parse_args()

    rows = []
    app_cpu = None
    for admin in [None] + ([args.postgresql] if args.postgresql else []):
        outcomes, committed, idle_app = run(admin, args)
        app_cpu = idle_app if idle_app is not None else app_cpu
        latencies: list[float] = []
        lost = 0
        cpu = []
        for _code, received, cpu_share in outcomes:
            cpu.append(cpu_share * 100)
            for mid, t_commit in committed.items():
                if mid in received:
                    latencies.append((received[mid] - t_commit) * 1000)
                else:
                    lost += 1
        rows.append(("PostgreSQL" if admin else "SQLite", latencies, lost, cpu))

    print(f"propagation: {args.stations} stations, {args.messages} messages at {args.rate:g}/s, "
          f"poll interval {args.interval * 1000:g} ms, {os.cpu_count()} CPUs")
    print("| backend | stations | messages | deliveries | p50 ms | p95 ms | p99 ms | max ms | lost "
          "| idle CPU per station (mean / max) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for backend, latencies, lost, cpu in rows:
        print(
            f"| {backend} | {args.stations} | {args.messages} | {len(latencies)} | {statistics.median(latencies):.1f} | "
            f"{percentile(latencies, 95):.1f} | {percentile(latencies, 99):.1f} | {max(latencies):.1f} | {lost} | "
            f"{statistics.mean(cpu):.2f} % / {max(cpu):.2f} % of a core |"
        )
    if app_cpu is not None:
        print(f"whole station app (Textual, headless, demo hotel) idle: {app_cpu:.2f} % of a core")


def run(admin: str | None, args: argparse.Namespace) -> tuple[list, dict[int, float], float | None]:
    """One backend: the stations' outcomes, the sender's commit instants, and (SQLite) a whole app's idle CPU."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp, server_database(admin) as url:
        path: Path | str = url or Path(tmp) / "bench.db"
        codes = prepare(path, args.stations)
        ready = ctx.Barrier(args.stations + 1)
        go_idle, stop_idle, stop = ctx.Event(), ctx.Event(), ctx.Event()
        results, sent_q = ctx.Queue(), ctx.Queue()
        procs = [
            ctx.Process(target=station, args=(str(path), code, args.interval, ready, go_idle, stop_idle, stop, results))
            for code in codes
        ]
        for p in procs:
            p.start()
        ready.wait()
        go_idle.set()
        time.sleep(args.idle)
        stop_idle.set()
        send_proc = ctx.Process(target=sender, args=(str(path), args.messages, args.rate, sent_q))
        send_proc.start()
        committed: dict[int, float] = sent_q.get(timeout=600)
        send_proc.join()
        time.sleep(max(1.0, 10 * args.interval))  # let the last poll land
        stop.set()
        outcomes = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join()
        app_cpu = None
        if url is None:
            from butler_tui.services import dnd_audit
            from butler_tui.services.demo import load_demo
            from butler_tui.store import Store

            demo = Path(tmp) / "demo.db"
            demo_store = Store(demo)
            load_demo(demo_store)
            # the day's DND checks and night audit, as the hotel's sweeper ran them at their hour: a fresh demo
            # after the audit hour would otherwise run them (and keep a year of report days) in the idle window
            dnd_audit.run_daily(demo_store)
            demo_store.close()
            app_q = ctx.Queue()
            app_proc = ctx.Process(target=app_idle_cpu, args=(str(demo), args.idle, app_q))
            app_proc.start()
            app_cpu = app_q.get(timeout=120) * 100
            app_proc.join()
    return outcomes, committed, app_cpu


if __name__ == "__main__":
    main()
