from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# The tests read English labels, whatever the machine's locale (a zh test sets its own).
os.environ["BUTLER_LANG"] = "en"

from butler_tui import context
from butler_tui.screenshots import showing as on_screen  # noqa: F401  (screen composed, not only pushed)
from butler_tui.services.demo import load_demo
from butler_tui.store import Store


@pytest.fixture(autouse=True)
def _own_context():
    """Each test acts under a context of its own (English, the real clock, the default shifts): a test
    that switches to Chinese (``--lang zh`` through CliRunner) or freezes the clock leaves nothing behind."""
    token = context.enter(context.Context(language="en"))
    yield
    context.leave(token)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "butler.db"


@pytest.fixture
def store(db_path: Path):
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "template.db"
    s = Store(path)
    load_demo(s)
    s.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def demo_db(_demo_template: Path, db_path: Path) -> Path:
    """A fresh copy of the demo hotel (loaded once per test session)."""
    shutil.copy(_demo_template, db_path)
    return db_path


@pytest.fixture
def demo_store(demo_db: Path):
    s = Store(demo_db)
    yield s
    s.close()


def wait_until(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> object:
    """Poll ``condition`` until it is truthy or the deadline passes (no sleeps as synchronisation)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


async def await_until(pilot, condition: Callable[[], object], timeout: float = 5.0) -> object:
    """Like :func:`wait_until` inside a running app: lets the app process messages while polling."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)
        await asyncio.sleep(0)
