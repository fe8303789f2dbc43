"""Each ``butler`` invocation stands alone: its own language and shifts, and its database closed when it ends."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import context, i18n
from butler_tui.cli import cli
from butler_tui.store import Store

from .conftest import signed_env


def _invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args))


def test_an_invocation_leaves_the_callers_language_and_shifts_alone(demo_db: Path):
    store = Store(demo_db)
    with store.write() as tx:
        tx.execute("INSERT INTO settings (name, value) VALUES ('shifts', ?)",
                   (json.dumps([{"name": "day", "start": "00:00", "end": "24:00"}]),))
        tx.event("settings", "shifts", "set")
    store.close()

    zh = _invoke(demo_db, "--lang", "zh", "handover", "--station", "lobby", "--format", "json")
    assert zh.exit_code == 0, zh.output
    assert json.loads(zh.output)["shift"] == "day"  # the hotel's shifts, read by the command
    assert i18n.language() == "en" and context.current().shifts is None  # ...and not into the caller's context

    en = _invoke(demo_db, "handover", "--station", "lobby")
    assert en.exit_code == 0 and en.output.startswith("# Handover 交班本 — ")


def _open_files(db: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(db)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_every_invocation_closes_the_database(demo_db: Path):
    """Whether the command succeeds, is refused, finds nothing or fails on bad input."""
    invocations = [
        ("task", "list"),
        ("task", "show", "999999"),
        ("task", "add", "--type", "repair", "--station", "lobby", "--staff", "1002", "--room", "908", "tap"),
        ("task", "verify", "1", "--station", "lobby", "--staff", "1002"),
        ("staff", "add", "7777", "Test", "--by", "1002", "--by-pin", "0000"),
        ("guest", "find", "zzzzzz"),
        ("send", "--from", "lobby", "--room", "12a", "hi"),
        ("messages", "--station", "nowhere"),
        ("handover", "--date", "2026-13-01"),
        ("staff", "list"),
        ("permissions",),
        ("check",),
    ]
    codes = set()
    for args in invocations:
        result = _invoke(demo_db, *args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        codes.add(result.exit_code)
        assert _open_files(demo_db) == [], args
    assert codes >= {0, 1, 2, 5}
