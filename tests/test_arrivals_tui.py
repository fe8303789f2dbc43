"""The arrivals board in the real app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from butler_tui import clock
from butler_tui.app import ButlerApp
from butler_tui.services import checklists, stays
from butler_tui.ui.arrivals import ArrivalsScreen
from butler_tui.ui.stay import StayScreen
from butler_tui.ui.table import KeyedTable

from .conftest import await_until, on_screen


def _table(app: ButlerApp, name: str) -> KeyedTable:
    return app.screen.query_one(f"#table-{name}", KeyedTable)


def _cell(table: KeyedTable, key: str, column: str) -> str:
    return str(table.get_cell(key, column))


async def _open_board(app: ButlerApp, pilot) -> KeyedTable:
    await pilot.press("r")
    await await_until(pilot, lambda: on_screen(app, ArrivalsScreen) and _table(app, "arrivals").row_count)
    return _table(app, "arrivals")


async def test_board_lists_todays_arrivals_by_eta_with_vip_marked(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_board(app, pilot)
        expected = stays.arrivals(app.store)
        assert table.row_count == len(expected)
        etas = [_cell(table, str(s.id), "eta") for s in expected]
        assert etas == sorted(etas)
        keys = [str(k.value) for k in table.rows]
        assert keys == [str(s.id) for s in expected]
        vip = next(s for s in expected if s.vip_level)
        assert _cell(table, str(vip.id), "vip") == f"★VIP{vip.vip_level}"
        head = str(app.screen.query_one("#arrivals-day").content)
        assert "(today)" in head and "OVERDUE" in head
        await pilot.press("right_square_bracket")
        tomorrow = clock.today() + timedelta(days=1)
        await await_until(pilot, lambda: f"{tomorrow:%d %b}" in str(app.screen.query_one("#arrivals-day").content))
        await await_until(pilot, lambda: _table(app, "arrivals").row_count == len(stays.arrivals(app.store, tomorrow)))


async def test_follow_up_tab_highlights_overdue(demo_db: Path):
    app = ButlerApp(demo_db, "cs", "5002")
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_board(app, pilot)
        await pilot.press("3")
        table = _table(app, "follow-up")
        await await_until(pilot, lambda: table.row_count == 12)
        states = [_cell(table, str(k.value), "state") for k in table.rows]
        assert states[0].startswith("OVERDUE")


async def test_open_a_stay_tick_and_see_refusals(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1003")
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_board(app, pilot)
        stay = next(s for s in stays.arrivals(app.store) if s.status == "expected" and s.room_number
                    and s.booked_by != "1003")
        table.move_cursor(row=table.get_row_index(str(stay.id)))
        await pilot.press("enter")
        await await_until(pilot, lambda: on_screen(app, StayScreen) and app.screen.items)
        items = app.screen.query_one(KeyedTable)
        items.move_cursor(row=items.get_row_index("keys_verified"))
        await pilot.press("space")
        await await_until(pilot, lambda: _cell(items, "keys_verified", "done").startswith("✓ 李菲菲 @lobby"))
        items.move_cursor(row=items.get_row_index("prep_verified"))
        await pilot.press("space")
        await await_until(pilot, lambda: any("who booked this stay" in str(n.message) for n in app._notifications))
        await pilot.press("c")
        await await_until(pilot, lambda: any("cannot complete pre-arrival" in str(n.message)
                                             for n in app._notifications))
        assert app.is_running


async def test_board_updates_in_place_when_another_station_works(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        table = await _open_board(app, pilot)
        expected = stays.arrivals(app.store)
        target = next(s for s in expected if s.status == "expected" and s.room_number)
        table.move_cursor(row=5)
        selected = table.selected_key
        checklists.tick(app.store, target.id, "keys_verified", staff_no="2002", station="floors-mid")
        before = _cell(table, str(target.id), "prep")
        await await_until(pilot, lambda: _cell(table, str(target.id), "prep") != before)
        assert table.selected_key == selected and table.cursor_row == 5


async def test_a_stay_offers_the_steps_services_allow_from_its_status(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    in_house = app.store.scalar("SELECT id FROM stays WHERE status = 'in_house' ORDER BY id LIMIT 1")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.actor is not None)
        app.open_stay(in_house)
        await await_until(pilot, lambda: on_screen(app, StayScreen) and app.screen.stay is not None)
        def footer() -> dict[str, bool]:
            return {k.action: k.has_class("-disabled") for k in app.screen.query("FooterKey")}

        await await_until(pilot, lambda: footer().get("next") is False)  # in house: next is due out
        assert footer()["arrived"]  # and no arriving again
        head = str(app.screen.query_one("#stay-head").content)
        assert "Next: n → due out" in head
        await pilot.press("A")  # a dimmed key still answers with the service's reason
        await await_until(pilot, lambda: any("cannot go from" in str(n.message) for n in app._notifications))
        await pilot.press("n")
        await await_until(pilot, lambda: app.screen.stay is not None and app.screen.stay.status == "due_out")
        assert "Next: n → departed" in str(app.screen.query_one("#stay-head").content)


async def test_last_nights_no_show_is_on_todays_board_and_taken_back_when_the_guest_turns_up(demo_db: Path):
    from butler_tui.services import escalation
    from butler_tui.store import Store

    day = clock.today()
    store = Store(demo_db)
    missed = next(s for s in stays.arrivals(store, day) if s.status == "expected" and s.room_number)
    clock.freeze(clock.local_at(day + timedelta(days=1), "09:00"))  # the night audit (03:00) has run
    try:
        assert escalation.sweep(store).no_shows
        store.close()
        app = ButlerApp(demo_db, "lobby", "1002")
        async with app.run_test(size=(120, 36)) as pilot:
            table = await _open_board(app, pilot)
            await await_until(pilot, lambda: str(missed.id) in [str(k.value) for k in table.rows])
            assert _cell(table, str(missed.id), "status") == "no-show 未到"
            assert "no-show(s)" in str(app.screen.query_one("#arrivals-day").content)
            app.open_stay(missed.id)
            await await_until(pilot, lambda: on_screen(app, StayScreen) and app.screen.stay is not None)
            await pilot.press("A")  # the guest turned up after all
            await await_until(pilot, lambda: app.screen.stay is not None and app.screen.stay.status == "arrived")
    finally:
        clock.freeze(None)
