"""The channel in the real app: two stations on one database (a file or a PostgreSQL server), another
process, the emergency modal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Input, Label

from butler_tui.app import ButlerApp
from butler_tui.services import messaging, tasks
from butler_tui.ui.alerts import EmergencyScreen, UnackedBanner
from butler_tui.ui.compose import ComposeScreen
from butler_tui.ui.messages import MessagesScreen

from .conftest import await_until, on_screen, signed_env


def _row_cells(app: ButlerApp, message_id: int) -> dict[str, str]:
    table = app.screen.query_one(DataTable)
    return {str(col.value): str(table.get_cell(str(message_id), col)) for col in table.columns}


def _has_row(app: ButlerApp, message_id: int) -> bool:
    return on_screen(app, MessagesScreen) and str(message_id) in [
        k.value for k in app.screen.query_one(DataTable).rows]


async def _compose_and_send(app: ButlerApp, pilot, *, to: str, body: str) -> None:
    await pilot.press("m")
    await await_until(pilot, lambda: on_screen(app, ComposeScreen))
    app.screen.query_one("#compose-to", Input).value = to
    app.screen.query_one("#compose-body", Input).focus()
    await pilot.press(*body)
    await pilot.press("enter")


async def test_send_at_a_appears_at_b_ack_at_b_shows_acked_at_a(demo_address: str | Path):
    a = ButlerApp(demo_address, "lobby", "1002")
    b = ButlerApp(demo_address, "floors-high", "2001")
    async with a.run_test(size=(120, 36)) as pa, b.run_test(size=(120, 36)) as pb:
        await pa.press("l")
        await pb.press("l")
        await await_until(pa, lambda: on_screen(a, MessagesScreen))
        await _compose_and_send(a, pa, to="floors-high,fo", body="Guest 1208 needs towels")
        await await_until(pa, lambda: on_screen(a, MessagesScreen))
        # (by its text: the stations' sweep may post an escalation notice at any moment)
        mid = a.store.scalar("SELECT max(id) FROM messages WHERE body = 'Guest 1208 needs towels'")
        # B sees it without a key press, marked as needing its acknowledgement.
        await await_until(pb, lambda: _has_row(b, mid))
        assert _row_cells(b, mid)["me"] == "● ACK NEEDED"
        assert _row_cells(b, mid)["body"] == "Guest 1208 needs towels"
        await await_until(pb, lambda: b.unacked >= 1)
        # A sees nobody has acknowledged yet.
        await await_until(pa, lambda: _has_row(a, mid))
        assert _row_cells(a, mid)["acks"].startswith("0/2")
        # B acknowledges the selected row.
        table = b.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(str(mid)))
        await pb.press("a")
        await await_until(pb, lambda: _row_cells(b, mid)["me"] == "✓ acked")
        # A sees 1 of 2 acknowledged, live.
        await await_until(pa, lambda: _row_cells(a, mid)["acks"].startswith("1/2"))
        view = messaging.get_message(a.store, mid)
        assert view.ack_of("floors-high").staff_no == "2001"


async def test_live_update_keeps_the_cursor_where_it_was(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        await await_until(pilot, lambda: on_screen(app, MessagesScreen) and app.screen.messages)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=0)
        first_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        new_id = messaging.send(app.store, from_station="fo", body="New call", to="lobby")
        await await_until(pilot, lambda: _has_row(app, new_id))
        assert table.cursor_row == 0
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == first_key


async def test_a_message_from_another_process_appears_in_a_running_app(demo_address: str | Path):
    app = ButlerApp(demo_address, "fnb", "4001")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        before = app.unacked
        args = ["send", "--from", "cs", "--to", "fnb", "--priority", "urgent", "Banquet hall B needs 20 more chairs"]
        proc = subprocess.run(
            [sys.executable, "-m", "butler_tui", "--db", str(demo_address), *args],
            capture_output=True, text=True, timeout=60, env={**os.environ, **signed_env(demo_address, args)},
        )
        assert proc.returncode == 0, proc.stderr
        await await_until(pilot, lambda: app.unacked == before + 1)
        banner = app.screen.query_one(UnackedBanner)
        await await_until(pilot, lambda: f"{before + 1} to acknowledge" in str(banner.content))
        assert banner.has_class("-visible")
        assert any("20 more chairs" in str(n.message) for n in app._notifications)


async def test_emergency_takes_over_until_explicitly_acknowledged(demo_db: Path):
    app = ButlerApp(demo_db, "security", "7002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        mid = messaging.send(app.store, from_station="floors-mid", body="Smoke in corridor 9F [b]now[/b]",
                             priority="emergency", to="security,lobby", room="908")
        await await_until(pilot, lambda: on_screen(app, EmergencyScreen))
        body = app.screen.query_one("#emergency-body")
        assert str(body.content) == "Smoke in corridor 9F [b]now[/b]"  # literal, not bold markup
        await pilot.press("escape")
        await pilot.press("h")
        assert isinstance(app.screen, EmergencyScreen)  # escape and other keys do not close it
        await pilot.press("a")
        await await_until(pilot, lambda: not isinstance(app.screen, EmergencyScreen))
        assert messaging.get_message(app.store, mid).ack_of("security").staff_no == "7002"


async def test_emergency_acknowledged_elsewhere_closes_the_modal(demo_db: Path):
    app = ButlerApp(demo_db, "security", "7002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        mid = messaging.send(app.store, from_station="lobby", body="Fight at the bar", priority="emergency",
                             to="security")
        await await_until(pilot, lambda: on_screen(app, EmergencyScreen))
        messaging.ack(app.store, mid, station="security", staff_no="7003")
        await await_until(pilot, lambda: not isinstance(app.screen, EmergencyScreen))


async def test_compose_shows_bad_input_inline_and_sends_nothing(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        before = app.store.scalar("SELECT count(*) FROM messages")
        await _compose_and_send(app, pilot, to="spa", body="hello")
        error = app.screen.query_one("#compose-error", Label)
        await await_until(pilot, lambda: "unknown station(s): spa" in str(error.content))
        app.screen.query_one("#compose-to", Input).value = "fo"
        app.screen.query_one("#compose-body", Input).value = "x" * 501
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "at most 500 characters" in str(error.content))
        assert isinstance(app.screen, ComposeScreen)
        assert app.store.scalar("SELECT count(*) FROM messages") == before
        await pilot.press("escape")
        assert not isinstance(app.screen, ComposeScreen)


async def test_typing_letters_in_the_compose_box_triggers_no_keys(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("m")
        await await_until(pilot, lambda: on_screen(app, ComposeScreen))
        await pilot.press(*"help me all")  # h = home, l = log, m = compose, a = ack elsewhere
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one("#compose-body", Input).value == "help me all"


async def test_quick_phrase_fills_the_room(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("m")
        await await_until(pilot, lambda: on_screen(app, ComposeScreen))
        from textual.widgets import Select

        app.screen.query_one("#compose-room", Input).value = "1208"
        app.screen.query_one("#compose-phrase", Select).value = "guest_request"
        body = app.screen.query_one("#compose-body", Input)
        await await_until(pilot, lambda: body.value.startswith("Guest 1208 requests {item}"))
        await pilot.press("enter")
        error = app.screen.query_one("#compose-error", Label)
        await await_until(pilot, lambda: "blanks" in str(error.content))


async def test_markup_and_escapes_show_literally_in_the_log(demo_db: Path):
    app = ButlerApp(demo_db, "fo", "8001")
    async with app.run_test(size=(120, 36)) as pilot:
        mid = messaging.send(app.store, from_station="lobby", body="[b]x[/b] [/] \x1b[31mred", to="fo")
        await pilot.press("l")
        await await_until(pilot, lambda: _has_row(app, mid))
        assert _row_cells(app, mid)["body"] == "[b]x[/b] [/] red"


async def test_unacked_urgent_message_rings_again_after_the_configured_minutes(demo_db: Path):
    app = ButlerApp(demo_db, "fnb", "4001")
    async with app.run_test(size=(120, 36)) as pilot:
        with app.store.write("admin", None) as tx:
            tx.execute("INSERT INTO settings (name, value) VALUES ('urgent_realert_minutes', '0.001')")
            tx.event("settings", "urgent_realert_minutes", "set", after="0.001")
        messaging.send(app.store, from_station="cs", body="Table 12 allergy: peanuts", priority="urgent", to="fnb")
        await await_until(pilot, lambda: app.state is not None and app.state.realert_minutes == 0.001
                          and any("peanuts" in m.body for m in app.state.unacked))

        def rang_again() -> bool:
            app._realert()  # what the station's 10-second timer calls
            return any(n.title == "Still not acknowledged" and "peanuts" in str(n.message)
                       for n in app._notifications)

        await await_until(pilot, rang_again)


async def test_station_keys_cannot_take_an_emergency_off_the_screen(demo_db: Path):
    """An emergency that arrives while a board is open stays up whatever navigation key is pressed."""
    app = ButlerApp(demo_db, "security", "7002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press("t")
        await await_until(pilot, lambda: type(app.screen).__name__ == "RoomsScreen")
        messaging.send(app.store, from_station="lobby", body="Fire alarm 3F", priority="emergency", to="security")
        await await_until(pilot, lambda: on_screen(app, EmergencyScreen))
        for key in ("h", "t", "r", "e", "b", "g", "m", "l", "ctrl+o", "ctrl+p", "question_mark"):
            await pilot.press(key)
            assert isinstance(app.screen, EmergencyScreen), key
        await pilot.press("a")
        await await_until(pilot, lambda: type(app.screen).__name__ == "RoomsScreen")


async def test_a_message_to_a_team_the_sender_belongs_to_asks_the_sender_too(demo_db: Path):
    """An escalation sent from the lobby to team:LOBBY waits for the lobby's ack: its row says so, like the banner."""
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        task_id = tasks.create(app.store, type="guest_request", name="Extra bed", room="1408", staff_no="1002",
                               station="lobby")
        tasks.escalate_now(app.store, task_id, "guest waiting", staff_no="1002", station="lobby")
        mid = app.store.scalar("SELECT max(id) FROM messages WHERE task_id = ?", (task_id,))
        assert messaging.get_message(app.store, mid).from_station == "lobby"
        await await_until(pilot, lambda: _has_row(app, mid))
        await await_until(pilot, lambda: _row_cells(app, mid)["me"] == "● ACK NEEDED")
        assert app.screen.query_one(DataTable).columns["body"].label.plain == "Message text"
