"""Every screen on the demo hotel at 120×36, and again at 80×24 (``screens/80x24/``: the smallest terminal the
station supports), with a fixed clock: the SVGs in ``screens/``
(``butler screenshots``) and the snapshot tests drive the app through the same scenarios.

Each language is captured by a process of its own (the capture moves the process's time zone and
clock): ``python -m butler_tui.screenshots LANG OUT [NAME …]``; :func:`capture_languages` runs one for
English (``OUT``) and one for 简体中文 (``OUT/zh``)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

    from butler_tui.app import ButlerApp
    from butler_tui.store import Store

SIZE = (120, 36)
SMALL = (80, 24)
TZ = "Asia/Shanghai"
ADMIN = "0009"  # the demo hotel's system administrator sets the time zone
FROZEN = (2026, 11, 24, 10, 30)  # a Tuesday morning, early shift, in the hotel's time zone


def use_hotel_time() -> None:
    """Fix the hotel's time zone and clock so every screenshot is the same on every machine, whatever
    the host's own zone: the pictures show the hotel's wall clock (its ``timezone`` setting)."""
    clock.use_zone(TZ)
    clock.freeze(datetime(*FROZEN))


def prepare(path: Path) -> None:
    """The demo hotel, plus a few things that make the screens worth looking at."""
    from butler_tui.services import escalation, handover, messaging, scheduling, settings, tasks
    from butler_tui.services.demo import load_demo
    from butler_tui.store import Store

    use_hotel_time()
    store = Store(path)
    load_demo(store)
    settings.set_setting(store, "timezone", TZ, by=ADMIN)
    messaging.send(store, from_station="floors-high", from_staff="2001", to="lobby,fo", priority="urgent",
                   room="1208", body="Guest 1208 asks for a late check-out and an airport car at 15:00")
    handover.add_entry(store, "lobby", "VIP 王先生 arriving 14:00 — welcome sign at the main door", staff_no="1001",
                       high_priority=True)
    task_id = tasks.create(store, type="complaint", room="1422", name="Noise from the room next door",
                           staff_no="5003", station="cs")
    tasks.escalate_now(store, task_id, "guest asks for the duty manager", staff_no="5003", station="cs")
    scheduling.add_routine(store, title="VIP turndown", type="turndown", station="floors-mid", at="18:00", rooms="vip",
                           staff_no="2001")
    scheduling.add_routine(store, title="Minibar check", type="minibar", station="floors-mid", at="15:00",
                           every="mon,wed,fri", staff_no="2001")
    scheduling.schedule(store, type="wake_up_call", name="Wake-up call 0630", room="807", staff_no="1002",
                        station="lobby", at=clock.local_at(clock.today() + timedelta(days=1), "06:30"))
    # Whatever the ladders have due at the frozen moment fires now, so that a station's own sweep
    # during a capture finds nothing to do and the picture does not depend on how long it took.
    escalation.sweep(store)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


Drive = Callable[["ButlerApp", "Pilot[None]"], Awaitable[None]]


async def until(pilot: Pilot[None], condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screen did not settle")
        await pilot.pause(0.05)


def showing(app: App[Any], screen: str | type) -> bool:
    """The app shows ``screen`` (a screen class, or its name) with its widgets composed and mounted.

    ``app.screen`` changes as soon as a screen is pushed, a moment before its compose has run: whatever
    reads the screen's widgets must wait for this, not just for the type."""
    shown = isinstance(app.screen, screen) if isinstance(screen, type) else type(app.screen).__name__ == screen
    return shown and app.screen.is_mounted


async def settle(app: ButlerApp, pilot: Pilot[None]) -> None:
    """Wait until the first read has arrived, then let the queued work finish."""
    await until(pilot, lambda: app.state is not None)
    await pilot.pause(0.3)
    # Every database read has come back (the change feed runs for as long as the app does).
    await until(pilot, lambda: not [w for w in app.workers if w.group != "feed" and not w.is_finished])
    await pilot.pause(0.1)
    app.clear_notifications()
    from textual.widgets import Input

    for box in app.screen.query(Input):
        box.cursor_blink = False  # a blinking cursor would make the picture depend on the moment
    await pilot.pause(0.05)


async def _keys(app: ButlerApp, pilot: Pilot[None], *keys: str, screen: str | None = None) -> None:
    await settle(app, pilot)
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.05)
    if screen:
        await until(pilot, lambda: showing(app, screen))
    await settle(app, pilot)


@dataclass(frozen=True)
class Scenario:
    name: str
    station: str
    staff: str | None
    drive: Drive
    size: tuple[int, int] = SIZE


def _emergency(store: Store) -> None:
    from butler_tui.services import messaging

    messaging.send(store, from_station="floors-mid", from_staff="2003", to="security", priority="emergency",
                   room="908", body="Smoke in the 9F east corridor — guard and duty manager at once")


async def _drive_emergency(app: ButlerApp, pilot: Pilot[None]) -> None:
    # The call comes in once the station has settled: a footer under a modal keeps the keys of
    # the moment the modal came up, so that moment has to be the same every time.
    await settle(app, pilot)
    _emergency(app.store)
    await until(pilot, lambda: showing(app, "EmergencyScreen"))
    await settle(app, pilot)


async def _drive_stay(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _keys(app, pilot, "r", screen="ArrivalsScreen")
    await pilot.press("down", "down")
    await pilot.press("enter")
    await until(pilot, lambda: showing(app, "StayScreen"))
    await settle(app, pilot)


async def _drive_profile(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _keys(app, pilot, "g", screen="GuestLookupScreen")
    for key in "lxl":
        await pilot.press(key)
    await until(pilot, lambda: getattr(app.screen, "answered", None) == "lxl")  # the lookup has answered "lxl"
    await pilot.press("enter")
    await until(pilot, lambda: showing(app, "GuestProfileScreen"))
    await settle(app, pilot)


async def _drive_lookup(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _keys(app, pilot, "g", screen="GuestLookupScreen")
    for key in "li":
        await pilot.press(key)
    await settle(app, pilot)


async def _drive_thread(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _keys(app, pilot, "l", screen="MessagesScreen")
    await pilot.press("enter")
    await until(pilot, lambda: showing(app, "ThreadScreen"))
    await settle(app, pilot)


async def _drive_sign_in(app: ButlerApp, pilot: Pilot[None]) -> None:
    await settle(app, pilot)
    await pilot.press("ctrl+u")  # switch user: the sign-in screen over a settled station
    await until(pilot, lambda: showing(app, "SignInScreen") and app.station is not None
                and getattr(app.screen, "station_label", None) == app.station.label)
    await settle(app, pilot)


def _found_items(store: Store) -> None:
    from butler_tui.services import found

    rooms = [r["room_number"] for r in store.rows(
        "SELECT room_number FROM stays WHERE status = 'in_house' AND room_number >= '1100' ORDER BY room_number")]
    umbrella = found.add_item(store, "Black umbrella 黑色雨伞", rooms[0], by="2002", station="floors-high")
    found.store_item(store, umbrella, "Housekeeping office 客房中心", by="2002", station="floors-high")
    found.add_item(store, "iPhone, blue case 蓝色手机", "Lobby bar 大堂吧", by="1002", station="lobby")
    watch = found.add_item(store, "Gold watch 金表", rooms[1], by="2004", station="floors-high")
    found.return_item(store, watch, "王先生", "身份证 110101199001011234", by="1001", station="lobby")


async def _drive_found(app: ButlerApp, pilot: Pilot[None]) -> None:
    await settle(app, pilot)
    _found_items(app.store)
    await _keys(app, pilot, "f", screen="FoundScreen")
    await pilot.press("o")  # every item, returned ones too
    await until(pilot, lambda: not getattr(app.screen, "open_only", True) and len(getattr(app.screen, "items", ())) == 3)
    await settle(app, pilot)


async def _drive_guest_edit(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _drive_profile(app, pilot)
    await _keys(app, pilot, "c", screen="FormScreen")


async def _drive_stay_edit(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _drive_stay(app, pilot)
    await _keys(app, pilot, "p", screen="FormScreen")


async def _drive_import(app: ButlerApp, pilot: Pilot[None]) -> None:
    await _keys(app, pilot, "U", screen="ImportScreen")
    for key in "sample":
        await pilot.press(key)
    await pilot.press("ctrl+t")
    await until(pilot, lambda: getattr(app.screen, "checked", None) is not None)  # the dry run has answered
    await settle(app, pilot)


def _plain(*keys: str, screen: str | None = None) -> Drive:
    async def drive(app: ButlerApp, pilot: Pilot[None]) -> None:
        await _keys(app, pilot, *keys, screen=screen)

    return drive


SCENARIOS = [
    Scenario("home", "lobby", "1002", _plain()),
    Scenario("sign-in", "lobby", "1002", _drive_sign_in),
    Scenario("help", "lobby", "1002", _plain("question_mark", screen="HelpScreen")),
    Scenario("messages", "lobby", "1002", _plain("l", screen="MessagesScreen")),
    Scenario("message-thread", "lobby", "1002", _drive_thread),
    Scenario("compose", "floors-mid", "2003", _plain("m", screen="ComposeScreen")),
    Scenario("emergency", "security", "7002", _drive_emergency),
    Scenario("arrivals", "lobby", "1002", _plain("r", screen="ArrivalsScreen")),
    Scenario("departures", "lobby", "1002", _plain("r", "2", screen="ArrivalsScreen")),
    Scenario("follow-up-calls", "cs", "5002", _plain("r", "3", screen="ArrivalsScreen")),
    Scenario("stay", "lobby", "1002", _drive_stay),
    Scenario("rooms-and-tasks", "floors-mid", "2003", _plain("t", screen="RoomsScreen")),
    Scenario("room-board", "floors-mid", "2003", _plain("t", "F", screen="RoomBoardScreen")),
    Scenario("scheduled-tasks", "floors-mid", "2003", _plain("t", "4", screen="RoomsScreen")),
    Scenario("routines", "floors-mid", "2001", _plain("t", "P", screen="RoutinesScreen")),
    Scenario("escalation-queue", "cs", "0003", _plain("e", screen="EscalationScreen")),
    Scenario("guest-lookup", "lobby", "1002", _drive_lookup),
    Scenario("guest-profile", "fnb", "4001", _drive_profile),
    Scenario("handover", "lobby", "1001", _plain("b", screen="HandoverScreen")),
    Scenario("lost-and-found", "floors-high", "2001", _drive_found),
    Scenario("task-detail", "floors-mid", "2003", _plain("t", "enter", screen="TaskDetailScreen")),
    Scenario("reports", "cs", "0003", _plain("R", screen="ReportsScreen")),
    Scenario("pms-import", "lobby", "1001", _drive_import),
    Scenario("guest-edit", "fnb", "4001", _drive_guest_edit),
    Scenario("stay-edit", "lobby", "1002", _drive_stay_edit),
    # The smallest terminal the station supports: a form fits it, its fields scroll, its save hint shows.
    Scenario("new-task-80x24", "floors-mid", "2003", _plain("t", "n", screen="FormScreen"), size=SMALL),
]
# ...and every other screen and modal at that size too, in screens/80x24/: nothing cut off at the right, the
# floor grid in aligned blocks, esc back first in the footer.
SCENARIOS += [replace(s, name=f"80x24/{s.name}", size=SMALL) for s in SCENARIOS if s.size != SMALL]


def scenario_db(template: Path, scenario: Scenario, work: Path) -> Path:
    path = work / f"{scenario.name.replace('/', '-')}.db"
    shutil.copy(template, path)
    return path


def make_app(db: Path, scenario: Scenario) -> ButlerApp:
    from butler_tui.app import ButlerApp

    return ButlerApp(db, scenario.station, scenario.staff, ask_pin=scenario.staff is None)


async def screenshot(db: Path, scenario: Scenario) -> str:
    """The scenario's screen as SVG text: what ``butler screenshots`` writes and the snapshot tests compare."""
    app = make_app(db, scenario)
    async with app.run_test(size=scenario.size) as pilot:
        await scenario.drive(app, pilot)
        return app.export_screenshot()


async def _capture(db: Path, scenario: Scenario, out: Path) -> Path:
    path = out / f"{scenario.name}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(await screenshot(db, scenario), encoding="utf-8")
    return path


def capture_all(out: Path, work: Path, names: list[str] | None = None) -> list[Path]:
    """The scenarios (all, or those named) in this process's language, as SVGs in ``out``."""
    template = work / "template.db"
    prepare(template)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in SCENARIOS:
        if names and scenario.name not in names:
            continue
        written.append(asyncio.run(_capture(scenario_db(template, scenario, work), scenario, out)))
    return written


LANGUAGE_DIRS = {"en": ".", "zh": "zh"}


def capture_language(lang: str, out: Path, names: list[str] | None = None) -> list[Path]:
    """The scenarios in ``lang``, captured by a station process of that language."""
    done = subprocess.run([sys.executable, "-m", "butler_tui.screenshots", lang, str(out), *(names or [])],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise ButlerError(tr("the {lang} screenshots failed: {error}", lang=lang,
                             error=(done.stderr.strip().splitlines() or ["?"])[-1]))
    return [Path(line) for line in done.stdout.splitlines() if line]


def capture_languages(out: Path) -> list[Path]:
    """Every screen in English into ``out`` and in 简体中文 into ``out/zh``."""
    return [path for lang, sub in LANGUAGE_DIRS.items() for path in capture_language(lang, out / sub)]


def _main(argv: list[str]) -> None:
    import tempfile

    from butler_tui.i18n import set_language

    set_language(argv[0])  # the stations made here speak it
    unknown = set(argv[2:]) - {s.name for s in SCENARIOS}
    if unknown:
        sys.exit("unknown scenario(s): " + ", ".join(sorted(unknown)))
    with tempfile.TemporaryDirectory() as work:
        for path in capture_all(Path(argv[1]), Path(work), argv[2:]):
            print(path)


if __name__ == "__main__":
    _main(sys.argv[1:])
