"""Station start-up and memory: a real `butler` process in a pseudo-terminal (120×36) on the demo hotel.

    python bench/startup.py [--runs 5]

First paint = from spawning the process until the terminal has received the station bar (the
station's name). RSS is read from /proc after start, and again after opening every board.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def read_until(fd: int, needle: bytes, timeout: float) -> tuple[bool, bytes]:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if needle in seen:
                return True, seen
    return False, seen


def drain(fd: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def one_run(db: Path, tour: bool) -> tuple[float, float, float]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "butler_tui", "--db", str(db), "demo", "--station", "lobby",
                                  "--staff", "1002"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    t0 = time.perf_counter()
    ok, _ = read_until(fd, b"Lobby / GRO desk", 30)
    first_paint = time.perf_counter() - t0 if ok else float("nan")
    drain(fd, 2.0)
    rss_start = rss_mb(pid)
    rss_tour = rss_start
    if tour:
        for key in [b"l", b"h", b"r", b"h", b"t", b"h", b"e", b"h", b"g", b"l", b"x", b"l", b"\r", b"\x1b",
                    b"b", b"h"]:
            os.write(fd, key)
            drain(fd, 0.4)
        drain(fd, 1.0)
        rss_tour = rss_mb(pid)
    os.write(fd, b"\x11")  # ctrl+q
    drain(fd, 1.0)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    return first_paint, rss_start, rss_tour


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        os.system(f"{sys.executable} -m butler_tui --db {db} demo --no-tui > /dev/null")
        one_run(db, tour=False)  # warm the page cache and Python's bytecode cache once
        results = [one_run(db, tour=(i == args.runs - 1)) for i in range(args.runs)]
    paints = [r[0] * 1000 for r in results]
    print(f"station start-up on the demo hotel, real process in a 120×36 pty, {args.runs} runs:")
    print("| first paint p50 ms | first paint max ms | RSS after start MB | RSS after visiting every board MB |")
    print("|---:|---:|---:|---:|")
    print(f"| {statistics.median(paints):.0f} | {max(paints):.0f} | {statistics.median(r[1] for r in results):.1f} |"
          f" {results[-1][2]:.1f} |")


if __name__ == "__main__":
    main()
