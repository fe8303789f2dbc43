"""Guest records at a station (issue 19): the edit form from the profile and from the stay screen, with
wrong values said in the form, and merging two records (leads and up)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Label

from butler_tui.app import ButlerApp
from butler_tui.services import guests, stays
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.guests import GuestProfileScreen
from butler_tui.ui.stay import StayScreen

from .conftest import await_until, on_screen


def _form_error(app: ButlerApp) -> str:
    return str(app.screen.query_one("#form-error", Label).content)


async def _open_profile(app: ButlerApp, pilot, gid: int) -> None:
    app.open_guest(gid)
    await await_until(pilot, lambda: on_screen(app, GuestProfileScreen) and app.screen.profile)


async def test_edit_form_on_the_profile_saves_and_says_what_is_wrong(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")  # a butler: everything but the VIP level
    async with app.run_test(size=(120, 36)) as pilot:
        gid = guests.find(app.store, "lxl")[0].id
        await _open_profile(app, pilot, gid)
        await pilot.press("c")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-special_dates", Input).value = "birthday=13-45"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "not a date" in _form_error(app))
        assert on_screen(app, FormScreen)  # the form stays open with what was typed
        form.query_one("#field-special_dates", Input).value = "birthday=03-12"
        form.query_one("#field-language", Input).value = "en"
        form.query_one("#field-vip_level", Input).value = "5"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: _form_error(app) != "" and "VIP" in _form_error(app))
        level = app.store.scalar("SELECT vip_level FROM guests WHERE id = ?", (gid,))
        form.query_one("#field-vip_level", Input).value = str(level)
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen))
        await await_until(pilot, lambda: app.screen.profile and app.screen.profile.language == "en")
        head = str(app.screen.query_one("#profile-head").content)
        assert "03-12" in head
        fields = {json.loads(r["after"])["field"] for r in app.store.rows(
            "SELECT after FROM events WHERE entity = 'guests' AND action = 'edit' AND entity_id = ? AND actor = '1002'",
            (str(gid),))}
        assert fields == {"language", "special_dates"}


async def test_stay_screen_car_and_parking(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        stay = stays.arrivals(app.store)[0]
        app.push_screen(StayScreen(stay.id))
        await await_until(pilot, lambda: on_screen(app, StayScreen) and app.screen.stay)
        await pilot.press("p")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-parking_bay", Input).value = "[b]B2-17[/b]" * 3
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "20" in _form_error(app))
        form.query_one("#field-car_plate", Input).value = "沪A 88888"
        form.query_one("#field-parking_bay", Input).value = "b2-17"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, StayScreen))
        await await_until(pilot, lambda: app.screen.stay and app.screen.stay.parking_bay == "B2-17")
        assert "B2-17" in str(app.screen.query_one("#stay-head").content)


async def test_merge_from_the_profile_is_for_leads(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1001")  # a lead
    async with app.run_test(size=(120, 36)) as pilot:
        keep = guests.find(app.store, "lxl")[0].id
        other = guests.find(app.store, "smith")[0].id
        await _open_profile(app, pilot, keep)
        await pilot.press("M")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-other", Input).value = str(keep)
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "itself" in _form_error(app))
        form.query_one("#field-other", Input).value = str(other)
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen))
        await await_until(pilot, lambda: guests.merged_into(app.store, other) == keep)
        assert other not in [h.id for h in guests.find(app.store, "smith")]
        assert keep in [h.id for h in guests.find(app.store, "smith")]


async def test_a_butler_is_told_merging_is_for_leads(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_profile(app, pilot, guests.find(app.store, "lxl")[0].id)
        await pilot.press("M")
        await pilot.pause()
        assert on_screen(app, GuestProfileScreen)
        assert app.store.scalar("SELECT count(*) FROM events WHERE action = 'merge'") == 0
