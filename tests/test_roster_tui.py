"""The duty roster on the station (issue 16): a lead puts people on shifts; every station sees it live;
for anyone who may not set it, the keys that change it are dimmed and answer why at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from butler_tui.app import ButlerApp
from butler_tui.services import roster
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.roster import RosterScreen
from butler_tui.ui.table import KeyedTable

from .conftest import await_until, on_screen


def _keys(table: KeyedTable) -> list[str]:
    return [str(k.value) for k in table.rows]


def _notified(app: ButlerApp, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


def _footer_keys(screen: RosterScreen) -> dict[str, Any]:
    return {k.key: k for k in screen.query("FooterKey")}


def _dimmed(screen: RosterScreen) -> set[str]:
    return {key for key, k in _footer_keys(screen).items() if k.has_class("-disabled")}


async def _roster(app: ButlerApp, pilot) -> RosterScreen:
    await pilot.press("D")
    return await await_until(pilot, lambda: on_screen(app, RosterScreen) and app.screen)


async def test_a_lead_puts_a_duty_manager_on_shift_and_another_station_sees_it_but_may_not(
        demo_address: str | Path):
    lead = ButlerApp(demo_address, "floors-mid", "2001")  # 李云敏, Rooms lead: may set the roster
    butler = ButlerApp(demo_address, "lobby", "1002")  # 李晓莉, a lobby butler: may not
    async with lead.run_test(size=(120, 36)) as pl, butler.run_test(size=(120, 36)) as pb:
        board = await _roster(lead, pl)
        watching = await _roster(butler, pb)
        # Setting the roster is for leads and up: the butler's footer shows its keys dimmed, the lead's not.
        await await_until(pb, lambda: butler.actor is not None and _dimmed(watching) == {"n", "x"})
        await await_until(pl, lambda: lead.actor is not None and _dimmed(board) == set()
                          and {"n", "x"} <= set(_footer_keys(board)))
        # The lead puts 何丽娟 (Rooms' supervisor) on today's early shift as its duty manager.
        await pl.press("n")
        form = await await_until(pl, lambda: on_screen(lead, FormScreen) and lead.screen)
        form.query_one("#field-shift", Input).value = "early"
        form.query_one("#field-staff_no", Input).value = "2005"
        form.query_one("#field-duty_manager", Input).value = "y"
        await pl.press("ctrl+s")
        await await_until(pl, lambda: on_screen(lead, RosterScreen) and "early:2005" in _keys(board.active_table()))
        table = board.active_table()
        assert str(table.get_cell("early:2005", "name")) == "何丽娟"
        assert "值班经理" in str(table.get_cell("early:2005", "duty"))
        assert [(d.shift, d.staff_no, d.duty_manager) for d in roster.show(lead.store)] == [("early", "2005", True)]
        # The lobby sees it without a key …
        await await_until(pb, lambda: "early:2005" in _keys(watching.active_table()))
        assert "值班经理 何丽娟" in str(watching.query_one("#roster-day").content)
        # … and its butler, trying to add someone, is told why at once, with no form to fill in.
        await pb.press("n")
        await await_until(pb, lambda: _notified(butler, "may not set the duty roster"))
        assert on_screen(butler, RosterScreen)
        await pb.press("x")  # taking someone off: the same answer, nothing taken off
        await await_until(pb, lambda: sum("may not set the duty roster" in str(n.message)
                                          for n in butler._notifications) == 2)
        assert on_screen(butler, RosterScreen)
        assert [d.staff_no for d in roster.show(butler.store)] == ["2005"]


async def test_the_lead_takes_a_person_off_after_saying_yes_and_moves_between_days(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", "2001")
    roster.set_duty(app.store, "tomorrow", "night", "2003", by="2001")
    async with app.run_test(size=(120, 36)) as pilot:
        board = await _roster(app, pilot)
        await pilot.press("right_square_bracket")
        await await_until(pilot, lambda: _keys(board.active_table()) == ["night:2003"])
        await pilot.press("x", "y")
        await await_until(pilot, lambda: _keys(board.active_table()) == [])
        assert roster.show(app.store, "tomorrow") == []
        await pilot.press("n")
        form = await await_until(pilot, lambda: on_screen(app, FormScreen) and app.screen)
        form.query_one("#field-shift", Input).value = "late"
        form.query_one("#field-staff_no", Input).value = "2003"
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "unknown shift 'late'" in str(form.query_one("#form-error").content))
