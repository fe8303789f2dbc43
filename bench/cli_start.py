"""How long a `butler` command takes from exec to exit, on the demo hotel (issue 15: ≤ 150 ms for the
commands that need no Textual).

    python bench/cli_start.py [--runs 7] [--db PATH]

Each command runs ``--runs`` times as its own process (the installed ``butler`` script beside this
interpreter); printed: the best and the median wall time, the best CPU time (user + system of the
child: less sensitive to other work on the machine than wall time), and which heavy libraries the
command imported (pydantic, textual) — read from ``-X importtime`` of one extra run. Bytecode is cached
as on an installed machine (``PYTHONDONTWRITEBYTECODE`` is dropped for the children).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAIN = "from butler_tui.cli import main; main()"  # python -c MAIN ARGS…: click reads sys.argv[1:]
COMMANDS = [
    ["--help"],
    ["task", "list"],
    ["task", "list", "--json"],
    ["task", "show", "1"],
    ["messages"],
    ["room", "list"],
    ["room", "show", "1208", "--json"],
    ["found", "list"],
    ["stay", "list"],
    ["settings", "get", "timezone"],
    ["guest", "show", "1"],
    ["handover"],
]


def butler() -> list[str]:
    script = Path(sys.executable).with_name("butler")
    return [str(script)] if script.exists() else [sys.executable, "-c", MAIN]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_imports(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", MAIN, *argv[len(butler()):]], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return ", ".join(lib for lib in ("pydantic", "textual", "rich") if lib in names) or "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="a butler file (default: a fresh demo hotel)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.db"
        env = {**os.environ, "BUTLER_DB": str(db), "BUTLER_LANG": "en"}
        # As installed: bytecode cached. (A shell with PYTHONDONTWRITEBYTECODE set — this sandbox has it —
        # recompiles every module on every start: ≈60 ms more per command.)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.db is None:
            subprocess.run([*butler(), "demo", "--no-tui"], env=env, stdout=subprocess.DEVNULL, check=True)
            # `guest show` needs a session (issue 18): the demo's 李晓莉, every demo PIN is 1234.
            env["BUTLER_TOKEN"] = subprocess.run([*butler(), "login", "--station", "lobby", "--staff", "1002", "--print"],
                                                 env=env, input="1234\n", capture_output=True, text=True,
                                                 check=True).stdout.strip()
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.runs} runs each\n")
        print("| command | best ms | median ms | best CPU ms | imports |")
        print("|---|---:|---:|---:|---|")
        for command in COMMANDS:
            argv = [*butler(), *command]
            run_once(argv, env)  # warm the page cache and the bytecode
            runs = [run_once(argv, env) for _ in range(args.runs)]
            walls = [w for w, _ in runs]
            cpus = [c for _, c in runs]
            print(f"| `butler {' '.join(command)}` | {min(walls) * 1000:.0f} | {statistics.median(walls) * 1000:.0f} |"
                  f" {min(cpus) * 1000:.0f} | {heavy_imports(argv, env)} |")


if __name__ == "__main__":
    main()
