"""What the multi-process tests run in their child processes, and how those are started.

A child imports the module its target is defined in. A test module pulls in pytest, click, Textual and
the app (about a second a child on this machine, twenty children at once); this module imports only
what a station's writes need, as a real station process would."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime
from multiprocessing.context import BaseContext
from pathlib import Path

from butler_tui.store import Store

STATIONS = ["lobby", "fo", "floors-low", "floors-mid", "floors-high", "fnb", "conf", "cs", "security", "acct", "eng"]
STAFF = ["1002", "8003", "2002", "2003", "2004", "4002", "3002", "5002", "7002", "6001", "9001"]


def processes() -> BaseContext:
    """Children forked from a forkserver that has imported this module once, instead of twenty
    interpreters importing it each. The server opens no database and runs no thread, so every child
    starts clean and opens its own connections, as a station does (the default start method from
    Python 3.14 on Linux)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def open_store(path: str, barrier, results) -> None:
    """Open (and so migrate) the file at the same moment as the others."""
    try:
        barrier.wait(timeout=30)
        Store(path).close()
        results.put("ok")
    except Exception as exc:  # pragma: no cover - reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")


def write(path: str, n: int, rounds: int, barrier, out) -> None:
    """One station process: messages, acks and task updates as fast as it can."""
    from butler_tui.services import messaging, tasks

    errors: list[str] = []
    done = 0
    station, staff = STATIONS[n % len(STATIONS)], STAFF[n % len(STAFF)]
    try:
        store = Store(path)
        barrier.wait(timeout=60)
        for i in range(rounds):
            try:
                mid = messaging.send(store, from_station=station, from_staff=staff, body=f"w{n} m{i}", to="all")
                task_id = tasks.create(store, type="guest_request", name=f"w{n} t{i}", room="908", staff_no=staff,
                                       station=station)
                tasks.transition(store, task_id, "ack", staff_no=staff, station=station)
                tasks.transition(store, task_id, "start", staff_no=staff, station=station)
                other = STATIONS[(n + 1) % len(STATIONS)]
                messaging.ack(store, mid, station=other if other != station else "lobby", staff_no=None)
                done += 1
            except Exception as exc:  # any error here is a failure of the test
                errors.append(f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    out.put((n, done, errors))


def sweep(path: str, moment: datetime, barrier, out) -> None:
    """One station's escalation sweep at ``moment`` (the parent's frozen clock), started with the others."""
    from butler_tui import clock
    from butler_tui.services.escalation import sweep as run

    clock.freeze(moment)
    store = Store(path)
    barrier.wait(timeout=30)
    report = run(store, station="floors-mid")
    out.put((report.escalated, report.repeated))


def station(path: str, code: str, staff: str, inbox, outbox) -> None:
    """A station process for a scripted shift: it does what the test asks, one command at a time, and
    answers (an error is answered as its text): ``("raise", fields)``, ``("notices", task_id)`` — the
    task's notices waiting for this station —, ``("ack", message_id)``, ``("step", task_id, action,
    extra)`` (``extra`` may name another ``staff_no``), ``("stop",)``."""
    from butler_tui.services import messaging, tasks

    store = Store(path)
    try:
        while True:
            command, *args = inbox.get(timeout=120)
            if command == "stop":
                return
            try:
                if command == "raise":
                    raised = tasks.raise_task(store, staff_no=staff, station=code, **args[0])
                    outbox.put((raised.id, raised.doing_team, [(n.station, n.message_id) for n in raised.notified]))
                elif command == "notices":
                    outbox.put([(m.id, m.task_id, m.priority) for m in messaging.unacked_for(store, code)
                                if m.task_id == args[0]])
                elif command == "ack":
                    outbox.put(messaging.ack(store, args[0], station=code, staff_no=staff).acked_at)
                elif command == "step":
                    task_id, action, extra = args
                    extra = {"staff_no": staff, **extra}
                    outbox.put(tasks.transition(store, task_id, action, station=code, **extra).status)
                else:
                    outbox.put(f"ValueError: unknown command {command!r}")
            except Exception as exc:  # answered to the test, which fails on it
                outbox.put(f"{type(exc).__name__}: {exc}")
    finally:
        store.close()


def send_one(path: str | Path, body: str) -> None:
    """One message from fo to lobby, as another station sends it (in a child process, or in the test's)."""
    store = Store(path)
    try:
        send_on(store, body)
    finally:
        store.close()


def send_on(store: Store, body: str) -> None:
    """:func:`send_one` on a store the caller opened (e.g. as another database role)."""
    from butler_tui.services import messaging

    messaging.send(store, from_station="fo", to="lobby", body=body)


def sweep_raising(path: str, moment: datetime, barrier, out) -> None:
    """One station's sweep at ``moment``, started with the others: how many scheduled tasks it raised."""
    from butler_tui import clock
    from butler_tui.services.escalation import sweep as run

    clock.freeze(moment)
    store = Store(path)
    barrier.wait(timeout=30)
    out.put(run(store, station="floors-mid").raised)
    store.close()


def sweep_daily(path: str, moment: datetime, barrier, out) -> None:
    """One station's sweep at ``moment``, started with the others: what it raised of the daily rounds."""
    from butler_tui import clock
    from butler_tui.services.escalation import sweep as run

    clock.freeze(moment)
    store = Store(path)
    barrier.wait(timeout=30)
    report = run(store, station="floors-mid")
    out.put((report.dnd_checks, report.dnd_escalated, report.no_shows))
    store.close()


def open_station(path: str, ready, out) -> None:
    """A station's process, as far as the file goes: the store open, the change feed following it. When
    the file is moved, deleted or replaced it stops as a station does — the store refuses, lets go —
    answers what happened, and exits."""
    import threading

    from butler_tui.store import feed

    store = Store(path)
    store.scalar("SELECT count(*) FROM events")
    stop = threading.Event()

    def stopped(reason: str) -> None:
        store.stop(reason)
        store.close()
        out.put(reason)
        stop.set()

    ready.set()
    feed.follow(path, lambda events: None, interval=0.05, stop=stop, identity=store.identity,
                on_file_change=stopped)


def send_until(path: str, started, stop, out) -> None:
    """A station writing in a loop while the parent imports: messages until ``stop`` is set; puts
    (sends, failures, longest wait in seconds) on ``out``."""
    import time

    from butler_tui.services import messaging

    store = Store(path)
    sends = failures = 0
    longest = 0.0
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            messaging.send(store, from_station="lobby", body=f"while importing {sends}", to=["fo"])
            sends += 1
        except Exception:  # counted: the parent asserts there is none
            failures += 1
        longest = max(longest, time.perf_counter() - t0)
        if sends == 1:
            started.set()
    store.close()
    out.put((sends, failures, longest))
