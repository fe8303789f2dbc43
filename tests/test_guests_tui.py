"""Guest lookup in the real app: two keystrokes, live results, the profile, notes, markup literal."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea

from butler_tui.app import ButlerApp
from butler_tui.services import guests
from butler_tui.ui.arrivals import ArrivalsScreen
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.guests import GuestLookupScreen, GuestProfileScreen
from butler_tui.ui.table import KeyedTable

from .conftest import await_until, on_screen


async def test_g_then_typing_finds_and_enter_opens_the_profile(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("g")
        await await_until(pilot, lambda: on_screen(app, GuestLookupScreen))
        await pilot.press("l", "x", "l")
        table = app.screen.query_one(KeyedTable)
        await await_until(pilot, lambda: table.row_count >= 1 and str(table.get_cell_at((0, 0))) == "李晓莉女士")
        await pilot.press("enter")
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen) and app.screen.profile)
        head = str(app.screen.query_one("#profile-head").content)
        assert "李晓莉女士" in head and "****" in head and "⚠" in head
        assert app.store.scalar("SELECT count(*) FROM events WHERE entity='guests' AND action='view'"
                                " AND actor='1002'") == 1


async def test_lookup_from_another_screen_and_arrow_keys(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen))
        await pilot.press("g")
        await await_until(pilot, lambda: on_screen(app, GuestLookupScreen))
        await pilot.press(*"li")
        table = app.screen.query_one(KeyedTable)
        await await_until(pilot, lambda: table.row_count > 2)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        assert app.screen.query_one(Input).value == "li"  # arrows moved the choice, not the text
        await pilot.press("escape")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen))
        assert app.store.scalar("SELECT count(*) FROM events WHERE action='lookup'") == 1


async def test_add_a_note_from_the_profile_markup_literal(demo_db: Path):
    app = ButlerApp(demo_db, "fnb", "4002")
    async with app.run_test(size=(120, 36)) as pilot:
        gid = guests.find(app.store, "lxl")[0].id
        app.open_guest(gid)
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen) and app.screen.profile)
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-kind", Input).value = "dietary"
        form.query_one("#field-text", TextArea).text = "[b]Peanuts[/b] — severe"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen))
        table = app.screen.query_one(KeyedTable)
        note_id = app.store.scalar("SELECT max(id) FROM guest_notes")
        await await_until(pilot, lambda: str(note_id) in [str(k.value) for k in table.rows])
        assert str(table.get_cell(str(note_id), "text")) == "[b]Peanuts[/b] — severe"
        assert str(table.get_cell(str(note_id), "kind")).startswith("⚠ Dietary")
        assert table.get_row_index(str(note_id)) == 0  # allergies first, newest first


async def test_note_key_on_an_arrivals_row(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen) and app.screen.rows["arrivals"])
        first = app.screen.rows["arrivals"][0]
        await pilot.press("N")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-text", TextArea).text = "Prefers a late check-out"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen))
        notes = guests.profile(app.store, first.guest_id, audit=False).notes
        assert any(n.text == "Prefers a late check-out" and n.author_no == "1002" for n in notes)
