"""Text that another tool wrote straight into the file reaches no terminal as control characters: the
command line, the handover Markdown and the station show placeholders; the lock screen hides every board."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from butler_tui.app import ButlerApp
from butler_tui.cli import cli
from butler_tui.services import messaging, tasks
from butler_tui.store import Store
from butler_tui.text import shown
from butler_tui.ui.messages import MessagesScreen, ThreadScreen
from butler_tui.ui.shown import ShownFilter
from butler_tui.ui.sign_in import SignInScreen
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import RoomsScreen
from tests.conftest import signed_env

from .conftest import await_until, on_screen

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\u202eevil\x9b31m\x7f"
"""Clears the screen, retitles the terminal, reverses the text, an 8-bit CSI and a DEL."""
RAW = ("\x1b", "\x07", "\u202e", "\x9b", "\x7f")


def _leaks(text: str) -> list[str]:
    return [c for c in RAW if c in text]


def test_shown_puts_one_visible_placeholder_for_each_control_character():
    assert shown(HOSTILE) == "␛[2J␛]0;pwned␇�evil�31m␡"
    assert shown("a\tb\nc\r") == "a␉b␊c␍"
    assert shown("a\tb\nc\r", multiline=True) == "a\tb\nc␍"
    clean = "李晓莉 Mr. Smith 👨‍👩‍👧 ★VIP2"
    assert shown(clean) is clean  # CJK, emoji joiners and symbols untouched, and no copy made
    assert shown("\udcff") == "�"  # a lone surrogate (invalid UTF-8 in argv) cannot be printed


def test_the_stations_line_filter_leaves_nothing_a_terminal_would_obey(demo_db: Path):
    """The app's last line of defence: whatever a screen forgot, a rendered line carries placeholders."""
    app = ButlerApp(demo_db, "lobby", "1002")
    app.store.close()
    assert any(isinstance(f, ShownFilter) for f in app.get_line_filters())
    bold = Style(bold=True)
    clean = [Segment("ok"), Segment(" fine", bold)]
    assert ShownFilter().apply(clean, Color(0, 0, 0)) is clean
    out = ShownFilter().apply([Segment("ok"), Segment(f"a{HOSTILE}", bold)], Color(0, 0, 0))
    assert [s.text for s in out] == ["ok", f"a{shown(HOSTILE)}"] and out[1].style == bold


def _hostile_rows(db: Path) -> dict[str, int]:
    """A task, a message and a guest, then rewritten with raw sqlite3 as another tool would."""
    store = Store(db)
    try:
        task_id = tasks.create(store, type="amenity_delivery", room="908", name="Water", staff_no="2003",
                               station="floors-mid")
        message_id = messaging.send(store, from_station="lobby", body="hello", from_staff="1002")
        guest_id = store.scalar("SELECT id FROM guests ORDER BY id LIMIT 1")
    finally:
        store.close()
    raw = sqlite3.connect(db)
    with raw:
        raw.execute("UPDATE tasks SET name = ?, details = ? WHERE id = ?", (f"Water{HOSTILE}", HOSTILE, task_id))
        raw.execute("UPDATE messages SET body = ? WHERE id = ?", (f"hello{HOSTILE}", message_id))
        raw.execute("UPDATE guests SET name = ?, company = ? WHERE id = ?", (f"Guest{HOSTILE}", HOSTILE, guest_id))
    raw.close()
    return {"task": task_id, "message": message_id, "guest": guest_id}


@pytest.mark.parametrize("args", [
    ["messages"], ["messages", "--json"],
    ["task", "list"], ["task", "list", "--json"], ["task", "show", "{task}"], ["task", "show", "{task}", "--json"],
    ["guest", "show", "{guest}"], ["guest", "show", "{guest}", "--json"], ["guest", "find", "Guest"],
    ["handover"], ["handover", "--station", "floors-mid"], ["handover", "--format", "json"],
])
def test_the_command_line_shows_placeholders(demo_db: Path, args: list[str]):
    ids = _hostile_rows(demo_db)
    argv = ["--db", str(demo_db), *(a.format(**ids) for a in args)]
    result = CliRunner().invoke(cli, argv, env=signed_env(demo_db, argv[2:]))
    assert result.exit_code == 0, result.output
    assert not _leaks(result.output), result.output
    if "--json" in args or "json" in args:
        assert "\\u001b]0;pwned" in result.output and json.loads(result.output)
    else:
        assert "␛" in result.output and "pwned␇�evil" in result.output


def test_json_keeps_the_value_and_escapes_what_a_terminal_would_obey(demo_db: Path):
    ids = _hostile_rows(demo_db)
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "task", "show", str(ids["task"]), "--json"],
                                env=signed_env(demo_db, ["task", "show"]))
    assert not _leaks(result.output)
    assert "\\u001b" in result.output and "\\u202e" in result.output and "\\u009b" in result.output
    assert json.loads(result.output)["name"] == f"Water{HOSTILE}"  # the value, exactly


async def test_the_station_shows_placeholders_in_the_log_and_on_the_task_board(demo_db: Path):
    ids = _hostile_rows(demo_db)
    app = ButlerApp(demo_db, "floors-mid", "2003")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("l")
        log = await await_until(pilot, lambda: on_screen(app, MessagesScreen) and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(ids["message"]) in [str(k.value) for k in log.rows])
        body = log.get_cell(str(ids["message"]), "body").plain
        assert "␛[2J␛]0;pwned" in body and "�evil" in body and not _leaks(body)
        assert not _leaks(_screen_text(app))
        log.move_cursor(row=log.get_row_index(str(ids["message"])))
        await pilot.press("t")  # the thread: the body in a panel, not a table — the line filter's part
        await await_until(pilot, lambda: on_screen(app, ThreadScreen) and "pwned" in _screen_text(app))
        assert "␛[2J␛]0;pwned" in _screen_text(app) and not _leaks(_screen_text(app))
        await pilot.press("escape")
        await await_until(pilot, lambda: on_screen(app, MessagesScreen))
        await pilot.press("escape", "t")
        board = await await_until(pilot, lambda: on_screen(app, RoomsScreen) and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: str(ids["task"]) in [str(k.value) for k in board.rows])
        cells = " ".join(c.plain for c in board.get_row(str(ids["task"])))
        assert "Water␛[2J" in cells and not _leaks(cells)
        assert not _leaks(_screen_text(app))


def _screen_text(app: ButlerApp) -> str:
    """What the terminal would be sent for the whole screen, as text."""
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


async def test_the_lock_screen_hides_every_board(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        log = await await_until(pilot, lambda: on_screen(app, MessagesScreen) and app.screen.query_one(KeyedTable))
        await await_until(pilot, lambda: log.row_count > 0)
        visible = {log.get_cell(key, "body").plain[:20] for key in log.rows}  # what was said on the channel
        assert any(v in _screen_text(app) for v in visible)  # readable before the lock
        await pilot.press("ctrl+o")
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.staff_no is None)
        await pilot.pause()
        text = _screen_text(app)
        assert "Sign in" in text
        assert not [v for v in visible if v in text]
        svg = app.export_screenshot()
        assert not [v for v in visible if v in svg]


async def test_a_message_arriving_behind_the_lock_does_not_show_its_text(demo_db: Path):
    """The lock hides every board; an urgent message still rings and pops up, but says only that one is
    waiting — its words are for whoever signs in."""
    from butler_tui.services import messaging

    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press("ctrl+o")
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.staff_no is None)
        store = Store(demo_db)
        try:
            messaging.send(store, from_station="fo", to="lobby", priority="urgent", body="Guest 1208 wants the safe opened")
        finally:
            store.close()
        await await_until(pilot, lambda: any("urgent" in str(n.title).lower() for n in app._notifications))
        said = [str(n.message) for n in app._notifications]
        assert "Sign in to read it" in said
        assert not [s for s in said if "safe opened" in s]
        waiting = app.state.unacked[0] if app.state and app.state.unacked else None
        assert waiting is not None and app._alert_text(waiting, several=True) == "Sign in to read them"  # a burst
        await pilot.pause()
        assert "safe opened" not in _screen_text(app)
        await pilot.press(*"1002", "enter", *"1234", "enter")  # signed in: the banner says it, the toast goes
        await await_until(pilot, lambda: app.staff_no == "1002")
        assert not [n for n in app._notifications if "Sign in to read it" in str(n.message)]
