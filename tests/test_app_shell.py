"""The station app starts, shows figures from the database, and stays live."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import Digits

from butler_tui.app import ButlerApp
from butler_tui.ui.help import HelpScreen
from butler_tui.ui.station_bar import StationBar

from .conftest import await_until


def _value(app: ButlerApp, field: str) -> str:
    return app.screen.query_one(f"#value-{field}", Digits).value


async def test_shell_shows_station_staff_shift_and_counts(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: _value(app, "open_tasks") != "…")
        assert _value(app, "open_tasks") == "7"
        assert _value(app, "unacked_messages") == "2"
        assert _value(app, "arrivals_pending") == "26"
        bar = app.screen.query_one(StationBar)
        await await_until(pilot, lambda: "胡亚茹" in str(bar.content) and "2 unacked" in str(bar.content))
        text = str(bar.content)
        assert "Floors 7–10" in text and "shift" in text


async def test_help_lists_the_keys_and_closes(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.rows)
        assert keys["ctrl+q"] == "Quit" and keys["?"] == "Help" and keys["ctrl+p"].startswith("Command palette")
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_opens(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p")
        await await_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")


async def test_a_change_from_another_process_appears_without_a_key_press(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: _value(app, "open_tasks") == "7")
        script = (
            "from butler_tui.store import Store\n"
            "from butler_tui import clock\n"
            f"s = Store({str(demo_db)!r})\n"
            "with s.write('9001', 'eng') as tx:\n"
            "    now = clock.now_iso()\n"
            "    i = tx.insert('tasks', {'type': 'repair', 'name': 'Leaking tap', 'priority': 2,"
            " 'created_at': now, 'updated_at': now})\n"
            "    tx.event('tasks', i, 'create')\n"
        )
        subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
        await await_until(pilot, lambda: _value(app, "open_tasks") == "8")


async def test_a_failed_database_call_is_reported_and_the_app_keeps_running(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        def boom(store):
            raise RuntimeError("disk on fire")

        app.run_db(boom)
        await await_until(pilot, lambda: any("disk on fire" in str(n.message) for n in app._notifications))
        assert app.is_running


async def test_unknown_station_is_shown_not_crashed(demo_db: Path):
    app = ButlerApp(demo_db, "spa", None)
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: any("unknown station" in str(n.message) for n in app._notifications))
        assert app.is_running
