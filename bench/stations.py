"""Many stations on one database: real station apps (Textual, headless) sharing one file — how long a
sign-in takes when they all sign in at once, how long from a sender's commit until each station shows
the message, and how much CPU they burn idle and busy.

    python bench/stations.py [--stations 10,30,60] [--db PATH | --history PATH] [--messages 20]
                             [--rate 1] [--idle 10] [--settle 5] [--sender fo]

The file: by default a fresh demo hotel (``load_demo``) per run; ``--db`` any butler file, or
``--history`` the year-old file ``python bench/history.py --out PATH --reuse`` builds. A given file is
never written: it is copied once into the temp dir and opened with ``Store`` (which migrates it, timed),
and each run works on its own copy of that; copies are deleted at the end.

Per N in ``--stations``:

1. Sign-in storm: N processes open the store, meet at a barrier, and call ``auth.sign_in`` at the
   same moment with the demo's staff numbers and PIN (staff reused when N is larger). Counted:
   signed in, errors (their distinct texts), time to sign in p50/p99/max.
2. Stations: N processes each run ``ButlerApp(db, station, staff_no)`` under ``run_test`` (size
   120×36), cycling through the hotel's stations except the sender's (a message to all never goes
   back to its sender). The app's ``_show_state`` (the one place the bar, the banner and the screens
   get a new read) is wrapped to record when each message id first appears in ``state.unacked``.
   The keep-alive loop sleeps (``asyncio.sleep(0.1)``) rather than ``pilot.pause``, whose wait for
   every widget to drain its queue would add CPU a real station does not spend. Once every station
   has shown its first state, ``--settle`` s pass, then the idle window (``--idle`` s, nothing sent)
   and the busy window (the parent sends ``--messages`` to all from ``--sender`` at ``--rate`` /s,
   until every station showed every message or 30 s after the last) are measured from
   /proc/PID/stat (utime + stime of each station process, all its threads). Latency is commit →
   shown per (station, message); CLOCK_MONOTONIC is system-wide on Linux. Each station's stderr is
   kept, and so are the error notifications the app raised (a failed database call); both are
   printed after the tables.

Other processes on the machine share the CPU: the load average before each run is printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import queue
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")
TAIL_AFTER_LAST = 2.0  # seconds the busy window runs on after the last commit (the reads it caused)
SHOW_DEADLINE = 30.0  # seconds after the last commit a station may still show a message


# -- child processes ---------------------------------------------------------------------------------------


def _own_stderr(err_path: str) -> None:
    """Everything the child writes (tracebacks, warnings) goes to its own file."""
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.dup2(fd, 1)
    os.close(fd)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115


def signer(path: str, staff_no: str, pin: str, station: str, barrier: Any, out: Any, err_path: str) -> None:
    _own_stderr(err_path)
    try:
        from butler_tui.services import auth
        from butler_tui.store import Store

        store = Store(path, create=False)
        store.scalar("SELECT 1")  # the connection is open, as at a station's sign-in screen
        barrier.wait(timeout=600)
        start = time.monotonic()
        t0 = time.perf_counter()
        try:
            auth.sign_in(store, staff_no, pin, station=station)
            error = None
        except Exception as exc:  # every failure is counted and its text shown
            error = f"{type(exc).__name__}: {exc}"
        out.put((staff_no, start, time.perf_counter() - t0, error))
    except BaseException as exc:
        traceback.print_exc()
        out.put((staff_no, 0.0, 0.0, f"{type(exc).__name__} before sign-in: {exc}"))


def station(index: int, path: str, code: str, staff_no: str, stop: Any, events: Any, results: Any,
            err_path: str) -> None:
    _own_stderr(err_path)
    outcome: dict[str, Any] = {"shown": {}, "errors": [], "reads": 0, "crash": None}
    try:
        asyncio.run(_run_station(index, path, code, staff_no, stop, events, outcome))
    except BaseException as exc:
        traceback.print_exc()
        outcome["crash"] = f"{type(exc).__name__}: {exc}"
    results.put((index, code, outcome))


async def _run_station(index: int, path: str, code: str, staff_no: str, stop: Any, events: Any,
                       outcome: dict[str, Any]) -> None:
    from butler_tui.app import ButlerApp
    from butler_tui.services.overview import StationState

    app = ButlerApp(path, code, staff_no)
    show_state = app._show_state
    notify = app.notify
    baseline: set[int] | None = None
    shown: dict[int, float] = outcome["shown"]

    def hooked_show(state: StationState) -> None:
        nonlocal baseline
        now = time.monotonic()
        ids = {m.id for m in state.unacked}
        outcome["reads"] += 1
        if baseline is None:
            baseline = ids
            events.put(("ready", index, now))
        else:
            for mid in ids - baseline - shown.keys():
                shown[mid] = now
                events.put(("shown", index, mid, now))
        show_state(state)

    def hooked_notify(message: str, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("severity") == "error":
            outcome["errors"].append(f"{kwargs.get('title', '')}: {message}")
        notify(message, *args, **kwargs)

    app._show_state = hooked_show  # type: ignore[method-assign]
    app.notify = hooked_notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)):
        while not stop.is_set():
            await asyncio.sleep(0.1)
    if app._exception is not None:
        raise app._exception


# -- the parent --------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores; idle and iowait left out)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


@dataclass
class Snapshot:
    at: float
    stations: float  # CPU seconds of the station processes
    own: float  # this process (the sender)
    machine: float

    @staticmethod
    def take(pids: list[int]) -> Snapshot:
        return Snapshot(time.monotonic(), sum(cpu_seconds(pid) for pid in pids), sum(os.times()[:2]),
                        machine_busy_seconds())


def shares(a: Snapshot, b: Snapshot) -> tuple[float, float]:
    """(stations, everything else on the machine) between two snapshots, in % of one core."""
    span = b.at - a.at
    stations = (b.stations - a.stations) / span * 100
    others = (b.machine - a.machine - (b.stations - a.stations) - (b.own - a.own)) / span * 100
    return stations, max(0.0, others)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def stop_all(procs: list[Any], timeout: float = 20.0) -> int:
    """Join, then terminate, then kill whatever is left; returns how many had to be killed."""
    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.1, deadline - time.monotonic()))
    killed = 0
    for p in procs:
        if p.is_alive():
            killed += 1
            p.terminate()
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
    return killed


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file so that a plain copy of the file is the whole database."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@dataclass
class SignIns:
    ok: int = 0
    times_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    spread_ms: float = 0.0  # between the first and the last process leaving the barrier
    storm_ms: float = 0.0  # from the first leaving the barrier to the last signed in


def sign_in_storm(ctx: Any, path: Path, n: int, staff: list[str], pin: str, codes: list[str], tmp: Path,
                  stderr_files: list[tuple[str, Path]]) -> SignIns:
    barrier = ctx.Barrier(n)
    out = ctx.Queue()
    procs = []
    for i in range(n):
        err = tmp / f"signin-{n}-{i:02d}.err"
        stderr_files.append((f"sign-in {n}/{i}", err))
        procs.append(ctx.Process(target=signer, args=(str(path), staff[i % len(staff)], pin, codes[i % len(codes)],
                                                       barrier, out, str(err))))
    for p in procs:
        p.start()
    result = SignIns()
    starts, ends = [], []
    deadline = time.monotonic() + 600
    for _ in procs:
        try:
            _staff_no, start, seconds, error = out.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            result.errors["no answer within the deadline"] = result.errors.get("no answer within the deadline", 0) + 1
            continue
        if error:
            result.errors[error] = result.errors.get(error, 0) + 1
        else:
            result.ok += 1
            result.times_ms.append(seconds * 1000)
            starts.append(start)
            ends.append(start + seconds)
    stop_all(procs)
    if starts:
        result.spread_ms = (max(starts) - min(starts)) * 1000
        result.storm_ms = (max(ends) - min(starts)) * 1000
    return result


@dataclass
class Stations:
    startup_s: float = 0.0
    ready: int = 0
    idle_cpu: float = 0.0  # % of one core, all stations together
    busy_cpu: float = 0.0
    idle_others: float = 0.0  # % of one core used meanwhile by everything else on the machine
    busy_others: float = 0.0
    busy_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    missed: int = 0
    never_showed: list[str] = field(default_factory=list)  # stations that showed none of the messages
    app_errors: dict[str, int] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    killed: int = 0


def run_stations(ctx: Any, path: Path, n: int, codes: list[str], staff: list[str], args: argparse.Namespace, tmp: Path,
                 stderr_files: list[tuple[str, Path]]) -> Stations:
    from butler_tui.services import messaging
    from butler_tui.store import Store

    out = Stations()
    stop, events, results = ctx.Event(), ctx.Queue(), ctx.Queue()
    procs = []
    for i in range(n):
        err = tmp / f"station-{n}-{i:02d}.err"
        stderr_files.append((f"station {n}/{i} ({codes[i % len(codes)]})", err))
        procs.append(ctx.Process(target=station, args=(i, str(path), codes[i % len(codes)], staff[i % len(staff)],
                                                       stop, events, results, str(err))))
    shown: dict[tuple[int, int], float] = {}

    def take(timeout: float) -> tuple[Any, ...] | None:
        try:
            item: tuple[Any, ...] = events.get(timeout=max(0.01, timeout))
        except queue.Empty:
            return None
        if item[0] == "shown":
            shown[(item[1], item[2])] = item[3]
        return item

    try:
        t0 = time.monotonic()
        for p in procs:
            p.start()
        ready: set[int] = set()
        deadline = t0 + args.start_deadline
        while len(ready) < n and time.monotonic() < deadline:
            if any(p.exitcode is not None for p in procs):
                break  # a station died before it showed anything: its stderr says why
            item = take(1.0)
            if item and item[0] == "ready":
                ready.add(item[1])
        out.ready = len(ready)
        out.startup_s = time.monotonic() - t0
        print(f"  {len(ready)}/{n} stations showed their first state in {out.startup_s:.1f} s", file=sys.stderr)
        pids = [p.pid for p in procs if p.pid]

        end = time.monotonic() + args.settle
        while time.monotonic() < end:
            take(end - time.monotonic())
        before = Snapshot.take(pids)
        end = before.at + args.idle
        while time.monotonic() < end:
            take(end - time.monotonic())
        out.idle_cpu, out.idle_others = shares(before, Snapshot.take(pids))

        store = Store(path, create=False)
        committed: dict[int, float] = {}
        gap = 1.0 / args.rate
        before = Snapshot.take(pids)
        w0 = before.at
        for i in range(args.messages):
            due = w0 + i * gap
            while time.monotonic() < due:
                take(due - time.monotonic())
            mid = messaging.send(store, from_station=args.sender, to="all", body=f"bench message {i}")
            committed[mid] = time.monotonic()  # send() returns after COMMIT
        store.close()
        last = max(committed.values())
        expected = {(i, mid) for i in ready for mid in committed}
        while time.monotonic() < last + TAIL_AFTER_LAST:
            take(last + TAIL_AFTER_LAST - time.monotonic())
        while not expected <= shown.keys() and time.monotonic() < last + SHOW_DEADLINE:
            take(0.2)
        after = Snapshot.take(pids)
        out.busy_cpu, out.busy_others = shares(before, after)
        out.busy_s = after.at - before.at
        for i, mid in sorted(expected):
            if (i, mid) in shown:
                out.latencies_ms.append((shown[(i, mid)] - committed[mid]) * 1000)
            else:
                out.missed += 1
        out.missed += (n - len(ready)) * len(committed)
        for i in sorted(ready):
            if not any((i, mid) in shown for mid in committed):
                out.never_showed.append(f"{i} ({codes[i % len(codes)]})")
    finally:
        stop.set()
        collected = 0
        deadline = time.monotonic() + 60
        while collected < n and time.monotonic() < deadline:
            if all(p.exitcode is not None for p in procs) and results.empty():
                break
            try:
                index, code, outcome = results.get(timeout=1.0)
            except queue.Empty:
                continue
            collected += 1
            for text in outcome["errors"]:
                out.app_errors[text] = out.app_errors.get(text, 0) + 1
            if outcome["crash"]:
                out.crashes.append(f"{index} ({code}): {outcome['crash']}")
        while True:  # drain, so that the queue's feeder threads let the children exit
            try:
                events.get_nowait()
            except queue.Empty:
                break
        out.killed = stop_all(procs)
    return out


def prepare(source: Path | None, master: Path) -> float:
    """The file every run copies: the given one, migrated by ``Store``, or a fresh demo hotel."""
    from butler_tui.services.demo import load_demo
    from butler_tui.store import Store

    t0 = time.monotonic()
    if source is None:
        store = Store(master)
        load_demo(store)
        store.close()
    else:
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{master}{suffix}")
        Store(master).close()
    checkpoint(master)
    return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", default="10,30,60", help="comma-separated numbers of stations")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--db", type=Path, default=None, help="a butler database to copy (default: a fresh demo)")
    given.add_argument("--history", type=Path, default=None, help="the year-old file bench/history.py builds")
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after the last station is up")
    parser.add_argument("--sender", default="fo", help="the station that sends the messages")
    parser.add_argument("--start-deadline", type=float, default=600.0, help="seconds for all stations to start")
    args = parser.parse_args()
    counts = [int(x) for x in args.stations.split(",") if x.strip()]
    source = args.history or args.db
    label = "year-old" if args.history else (source.name if source else "fresh demo")

    from butler_tui.services.demo import DEMO_PIN

    ctx = mp.get_context("spawn")
    tmp = Path(tempfile.mkdtemp(prefix="bench-stations-", dir="/tmp"))
    stderr_files: list[tuple[str, Path]] = []
    rows: list[tuple[int, tuple[float, float, float], SignIns, Stations]] = []
    try:
        master = tmp / "master.db"
        opened = prepare(source, master)
        conn = sqlite3.connect(f"file:{master}?mode=ro", uri=True)
        codes = [r[0] for r in conn.execute("SELECT code FROM stations WHERE active AND code != ? ORDER BY code",
                                            (args.sender,))]
        staff = [r[0] for r in conn.execute("SELECT staff_no FROM staff WHERE active AND pin_hash IS NOT NULL"
                                            " ORDER BY staff_no")]
        conn.close()
        size_mb = master.stat().st_size / 1e6
        print(f"{label}: {size_mb:,.0f} MB, prepared (opened with Store{', migrated' if source else ''}) in "
              f"{opened:.1f} s; {len(codes)} stations besides {args.sender!r}, {len(staff)} staff with a PIN",
              file=sys.stderr)
        for n in counts:
            run = tmp / f"run-{n}.db"
            shutil.copy(master, run)
            load = os.getloadavg()
            print(f"N = {n}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; sign-in storm", file=sys.stderr)
            signs = sign_in_storm(ctx, run, n, staff, DEMO_PIN, codes, tmp, stderr_files)
            print(f"  {signs.ok}/{n} signed in; stations starting", file=sys.stderr)
            st = run_stations(ctx, run, n, codes, staff, args, tmp, stderr_files)
            rows.append((n, load, signs, st))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{run}{suffix}").unlink(missing_ok=True)

        print(f"stations on one file: {label} ({size_mb:,.0f} MB), {os.cpu_count()} CPUs shared with other work; "
              f"{args.messages} messages to all from {args.sender!r} at {args.rate:g}/s")
        print("\nsign-in storm (all at one barrier; each sign-in timed from its own process leaving the barrier,"
              " which on a busy machine is not the same instant: the spread; all done = first out to last signed in)")
        print("|  N | load 1/5 min | signed in | errors | p50 ms | p99 ms | max ms | barrier spread ms | all done ms |")
        print("|---:|-------------:|----------:|-------:|-------:|-------:|-------:|------------------:|------------:|")
        for n, load, s, _ in rows:
            errors = sum(s.errors.values())
            figures = (f"{statistics.median(s.times_ms):6.0f} | {percentile(s.times_ms, 99):6.0f} | "
                       f"{max(s.times_ms):6.0f}") if s.times_ms else "     – |      – |      –"
            print(f"| {n:2d} | {load[0]:5.2f} {load[1]:5.2f} | {s.ok:9d} | {errors:6d} | {figures} | "
                  f"{s.spread_ms:17.0f} | {s.storm_ms:11.0f} |")
        print("\nstations running (commit → shown, ms; CPU in % of one core: all N stations together, and everything"
              " else on the machine meanwhile; CPU per delivery = busy minus idle CPU over the busy window, per"
              " (station, message) shown)")
        print("|  N | up | start-up s | idle CPU % | per station | others % | busy CPU % | others % | busy s |"
              " CPU ms / delivery | pairs | p50 ms | p99 ms | max ms | missed | killed |")
        print("|---:|---:|-----------:|-----------:|------------:|---------:|-----------:|---------:|-------:|"
              "------------------:|------:|-------:|-------:|-------:|-------:|-------:|")
        for n, _, _, st in rows:
            lat = st.latencies_ms
            figures = (f"{statistics.median(lat):6.0f} | {percentile(lat, 99):6.0f} | {max(lat):6.0f}"
                       if lat else "     – |      – |      –")
            per_delivery = (st.busy_cpu - st.idle_cpu) * st.busy_s * 10 / len(lat) if lat else 0.0
            print(f"| {n:2d} | {st.ready:2d} | {st.startup_s:10.1f} | {st.idle_cpu:10.1f} | {st.idle_cpu / n:11.2f} | "
                  f"{st.idle_others:8.1f} | {st.busy_cpu:10.1f} | {st.busy_others:8.1f} | {st.busy_s:6.1f} | "
                  f"{per_delivery:17.1f} | {len(lat):5d} | {figures} | {st.missed:6d} | {st.killed:6d} |")

        for n, _, s, st in rows:
            for text, count in s.errors.items():
                print(f"N={n} sign-in error ×{count}: {text}")
            for text, count in st.app_errors.items():
                print(f"N={n} station error notice ×{count}: {text}")
            for text in st.crashes:
                print(f"N={n} station crashed: {text}")
            if st.never_showed:
                print(f"N={n} stations that showed none of the messages: {', '.join(st.never_showed)}")
        noisy = [(name, p.read_text(errors="replace")) for name, p in stderr_files if p.exists() and p.stat().st_size]
        if noisy:
            print(f"\nstderr of {len(noisy)} child processes (last 20 lines each):")
            for name, text in noisy:
                print(f"--- {name}")
                print("\n".join(text.splitlines()[-20:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
