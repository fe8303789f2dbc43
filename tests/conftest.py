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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

# The tests read English labels, whatever the machine's locale (a zh test sets its own).
os.environ["BUTLER_LANG"] = "en"

from butler_tui import context
from butler_tui.screenshots import showing as on_screen  # noqa: F401  (screen composed, not only pushed)
from butler_tui.services.demo import load_demo
from butler_tui.store import Store
from butler_tui.store.instants import CHECK_ENV


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its example database (failing examples are replayed first) and its caches under
    pytest's cache (``.pytest_cache/``), not in a ``.hypothesis/`` of the working tree; without the cache
    plugin (``-p no:cacheprovider``), in the temporary directory.

    Every SQLite connection of the suite, and of the processes it starts, refuses an instant bound as plain
    text (store/instants.py ``CheckedConnection``)."""
    os.environ[CHECK_ENV] = "1"
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


@contextmanager
def host_zone(name: str) -> Iterator[None]:
    """The host's own time zone (``TZ``) set to ``name`` for the block, then put back: hotel time must
    not depend on it."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def host_utc() -> Iterator[None]:
    with host_zone("UTC"):
        yield


@pytest.fixture
def host_new_york() -> Iterator[None]:
    with host_zone("America/New_York"):
        yield


@pytest.fixture(autouse=True)
def _own_context():
    """Each test acts under a context of its own (English, the real clock, the default shifts): a test
    that switches to Chinese (``--lang zh`` through CliRunner) or freezes the clock leaves nothing behind."""
    token = context.enter(context.Context(language="en"))
    yield
    context.leave(token)


@pytest.fixture(autouse=True)
def _own_sessions(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """``butler login`` keeps its session (and the log) in a state directory of the test's own (never the
    user's), the user's config file is one of the test's own (none), and no
    ``BUTLER_TOKEN`` of the shell running the suite reaches a command."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))  # no user's config.toml
    monkeypatch.delenv("BUTLER_TOKEN", raising=False)


def _option(args: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


SUITE_SERVICE = "suite"
#: The commands that act as a signed-in person (README, "Trust model").
GATED = {"send", "ack", "task", "guest", "log", "import", "stay", "sweep", "handover", "found", "report"}
PEOPLE_ONLY = {"guest", "ack", "log", "stay", "handover", "found"}
TASK_READS = {"scheduled", "types", "ladder"}
#: Commands whose ``--by`` is no staff no. to prove (``report --by team`` groups the figures).
BY_GROUPS = {"report"}


def signed_env(db: Path | str, args: Sequence[str]) -> dict[str, str]:
    """The ``BUTLER_TOKEN`` a command of the suite runs under, as after ``butler login``: a session of its
    ``--staff`` at its ``--station`` (``--from``) — opened as the login does after the PIN; without
    ``--staff``, a service account that may import, sweep and send (what those commands did without a
    person before sessions). Nothing when the command proves someone itself (``--by``/``--by-pin``), when
    the file is not there yet, or when the staff no. is not one of the hotel's (the command then refuses)."""
    from butler_tui.errors import NotFound
    from butler_tui.services import sessions

    args = list(args)
    for option in ("--lang", "--db"):  # the group's options and their values are not the command
        while option in args[:-1]:
            at = args.index(option)
            del args[at:at + 2]
    words = [a for a in args if not a.startswith("-")]
    gated = bool(words) and words[0] in GATED and not (words[0] == "task" and words[1:2] and words[1] in TASK_READS)
    on_server = isinstance(db, str) and db.startswith("postgresql://")
    proves = "--by-pin" in args or ("--by" in args and not (words and words[0] in BY_GROUPS))
    if not gated or not (on_server or Path(db).exists()) or proves:
        return {}
    staff = _option(args, "--staff")
    station = _option(args, "--station") or _option(args, "--from")
    s = Store(db)
    try:
        if not staff and (words[0] in PEOPLE_ONLY or words[:2] in (["task", "list"], ["task", "show"])):  # a guest's file is for a person: the first of the staff
            staff = s.scalar("SELECT staff_no FROM staff WHERE active ORDER BY staff_no")
        if staff:
            code = (station.strip().lower() if station else None) or None
            if code and s.scalar("SELECT 1 FROM stations WHERE code = ?", (code,)) is None:
                code = None
            try:
                token, _session = sessions.open_for(s, staff.strip().upper(), code, hours=24)
            except (NotFound, UnicodeError):  # not one of the hotel's (a hostile value): the command refuses
                return {}
            return {"BUTLER_TOKEN": token}
        token = sessions._new_token()
        with s.write(actor="suite") as tx:
            if not tx.execute("SELECT 1 FROM service_accounts WHERE name = ?", (SUITE_SERVICE,)).fetchone():
                tx.insert("service_accounts", {"name": SUITE_SERVICE, "may": ",".join(sessions.SERVICE_RIGHTS),
                                               "created_at": "2026-01-01T00:00:00.000Z"})
            tx.insert("sessions", {"token_hash": sessions.token_hash(token), "service": SUITE_SERVICE,
                                   "created_at": "2026-01-01T00:00:00.000Z"})
            tx.event("service_accounts", SUITE_SERVICE, "token")
        return {"BUTLER_TOKEN": token}
    finally:
        s.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "butler.db"


PG_ENV = "BUTLER_TEST_PG"
"""The PostgreSQL server of the run, as an address its superuser connects to (``postgresql://postgres@/postgres?
host=/tmp/pgsock&port=54329``); ``.ci/run`` starts a throwaway cluster and sets it."""


def _pg_database(admin: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[tuple[str, str]]:
    """A database migrated once per test process, copied for each test (``CREATE DATABASE … TEMPLATE``)."""
    admin = os.environ.get(PG_ENV)
    if not admin:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs the store's tests on PostgreSQL too: {PG_ENV} is not set (.ci/run sets it)")
        pytest.skip(f"no PostgreSQL server for this run: set {PG_ENV}=postgresql://… (.ci/run starts one)")
    import psycopg

    name = f"butler_tpl_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    Store(_pg_database(admin, name)).close()
    yield admin, name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _pg_demo_template(_pg_template: tuple[str, str]) -> Iterator[tuple[str, str]]:
    """The demo hotel, loaded once per test process on PostgreSQL."""
    import psycopg

    admin, base = _pg_template
    name = base.replace("butler_tpl_", "butler_demo_")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
    s = Store(_pg_database(admin, name))
    load_demo(s)
    s.close()
    yield admin, name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_address(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """The test's database: a file, or a fresh PostgreSQL database (the same tests run on both)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("db_path")
        return
    _sqlite_only(request, "db_path")
    yield from _pg_copy(request, "_pg_template")


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_address(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """A fresh copy of the demo hotel: a file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("demo_db")
        return
    _sqlite_only(request, "demo_db")
    yield from _pg_copy(request, "_pg_demo_template")


@pytest.fixture
def pg_empty(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL database (no schema yet): where ``butler migrate-to`` copies a hotel."""
    import uuid

    import psycopg

    admin, _template = request.getfixturevalue("_pg_template")
    name = f"butler_e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _pg_database(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_only(request: pytest.FixtureRequest, file_fixture: str) -> None:
    """Skip the PostgreSQL parameter of a test that works on the SQLite file itself, or says it is SQLite's
    only (``@pytest.mark.sqlite_only(reason)``)."""
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None:
        pytest.skip(f"SQLite only: {marker.args[0] if marker.args else 'the test says so'}")
    if file_fixture in request.fixturenames:
        pytest.skip(f"the test reads or edits the SQLite file itself ({file_fixture})")


def _pg_copy(request: pytest.FixtureRequest, template_fixture: str) -> Iterator[str]:
    import uuid

    import psycopg

    admin, template = request.getfixturevalue(template_fixture)
    name = f"butler_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    yield _pg_database(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(db_address: str | Path):
    s = Store(db_address)
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
def demo_store(demo_address: str | Path):
    s = Store(demo_address)
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
