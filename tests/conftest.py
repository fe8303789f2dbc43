"""Shared fixtures, and the two tiers of the suite.

``pytest -m "not tui"`` is the fast tier: services, store, CLI, models. Every test that drives a Textual
app — ``run_test``/Pilot, a snapshot, a station process, ``butler serve``, a pty — carries the ``tui`` mark:

* an ``async def`` test is marked automatically (in this suite a coroutine test is a Pilot test);
* a synchronous test that starts a station in another process says so: ``@pytest.mark.tui`` (or
  ``pytestmark = pytest.mark.tui`` for a whole module);
* a test without the mark that runs an app in-process fails at once, naming the mark to add.

The default run is parallel (``-n auto`` in pyproject); the fast tier alone runs in this process, where
two workers would spend more starting up and collecting the whole suite than they save."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

# The tests read English labels, whatever the machine's locale (a zh test sets its own).
os.environ["BUTLER_LANG"] = "en"

from butler_tui import context
from butler_tui.screenshots import showing as on_screen  # noqa: F401  (screen composed, not only pushed)
from butler_tui.services.demo import load_demo
from butler_tui.store import Store


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its example database (failing examples are replayed first) and its caches under
    pytest's cache (``.pytest_cache/``), not in a ``.hypothesis/`` of the working tree; without the cache
    plugin (``-p no:cacheprovider``), in the temporary directory."""
    cache = getattr(config, "cache", None)
    set_hypothesis_home_dir(cache.mkdir("hypothesis") if cache is not None
                            else Path(tempfile.gettempdir()) / "butler-tui-hypothesis")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: no workers for ``-m "not tui"`` (about 10 s of work; xdist's start-up costs 5 s of CPU
    on two cores), else xdist decides (one worker per CPU)."""
    if re.fullmatch(r"\s*not\s+tui\s*", config.option.markexpr or ""):
        return 0
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            item.add_marker(pytest.mark.tui)


@pytest.fixture(autouse=True)
def _tui_needs_the_mark(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Outside the ``tui`` tier a Textual app must not run: the fast tier stays fast and complete."""
    if request.node.get_closest_marker("tui"):
        return
    from textual.app import App

    def refuse(*_args, **_kwargs):
        raise AssertionError(f"{request.node.nodeid} runs a Textual app: mark it @pytest.mark.tui")

    for name in ("run", "run_async", "run_test"):
        monkeypatch.setattr(App, name, refuse)


@pytest.fixture(autouse=True)
def _stations_sweep_only_when_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A station runs the sweep every few seconds on the real clock: after 12:00 that raises the demo's
    DND checks, after the audit hour it closes a day — in the middle of a test that counts a board, on
    a loaded machine. The sweep's rules are tested as themselves (services, ``butler sweep``, frozen
    clocks); a test about the station's own timer says so with ``@pytest.mark.station_sweeps``."""
    if request.node.get_closest_marker("station_sweeps"):
        return
    import butler_tui.app

    monkeypatch.setattr(butler_tui.app, "SWEEP_INTERVAL", 24 * 3600.0)


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
