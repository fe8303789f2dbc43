"""A command that only reads starts without pydantic or Textual (issue 15: CLI start ≤ 150 ms).

pydantic alone is ≈0.1 s of import; the models that validate input are imported where input is
validated. Timing is bench/cli_start.py's job; this guards the imports that decide it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import signed_env

PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(m for m in ("pydantic", "textual", "rich") if m in sys.modules)),
                              file=sys.stderr))
from butler_tui.cli import main
main()
"""

READS = [
    ["task", "list"], ["task", "list", "--json"], ["task", "show", "1"], ["messages"], ["room", "list"],
    ["room", "show", "1208", "--json"], ["found", "list"], ["stay", "list"], ["settings", "get", "timezone"],
    ["guest", "show", "1"], ["--help"],
]


@pytest.mark.parametrize("command", READS, ids=[" ".join(c) for c in READS])
def test_a_read_command_imports_neither_pydantic_nor_textual(demo_db: Path, command: list[str]):
    env = {**os.environ, **signed_env(demo_db, command)}  # guest show needs a session (issue 18)
    done = subprocess.run([sys.executable, "-c", PROBE, "--db", str(demo_db), *command], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
