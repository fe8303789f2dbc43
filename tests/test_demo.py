"""The demo hotel is realistic enough to work with."""

from __future__ import annotations

from butler_tui import clock
from butler_tui.services.overview import overview
from butler_tui.store import Store


def test_demo_hotel_shape(demo_store: Store):
    s = demo_store
    assert s.scalar("SELECT count(*) FROM rooms") == 300
    assert s.scalar("SELECT count(DISTINCT floor) FROM rooms") == 12
    assert s.scalar("SELECT count(*) FROM guests") >= 200
    assert s.scalar("SELECT count(*) FROM guest_notes") >= 600
    teams = {r["code"] for r in s.rows("SELECT code FROM teams")}
    assert {"LOBBY", "ROOMS", "CONF", "FNB", "CS", "ACCT", "SEC"} <= teams
    leads = {r["name"] for r in s.rows("SELECT name FROM staff WHERE role = 'lead'")}
    assert {"方俭俭", "李云敏", "宋雅婷", "范志伟", "秦治国"} <= leads
    assert s.scalar("SELECT count(*) FROM staff WHERE registered_butler") >= 4
    kinds = {r["kind"] for r in s.rows("SELECT DISTINCT kind FROM guest_notes")}
    assert {"preference", "dietary", "special_date", "dislike", "life_trace"} <= kinds


def test_demo_has_todays_and_tomorrows_movements(demo_store: Store):
    today = clock.today()
    tomorrow = today.fromordinal(today.toordinal() + 1)
    s = demo_store
    assert s.scalar("SELECT count(*) FROM stays WHERE arrival_date = ? AND status = 'expected'", (today.isoformat(),)) > 5
    assert s.scalar("SELECT count(*) FROM stays WHERE arrival_date = ?", (tomorrow.isoformat(),)) > 5
    assert s.scalar("SELECT count(*) FROM stays WHERE departure_date = ? AND status = 'due_out'", (today.isoformat(),)) > 5
    occupied = s.scalar("SELECT count(*) FROM rooms WHERE occupancy = 'occupied'")
    in_house = s.scalar("SELECT count(*) FROM stays WHERE status = 'in_house'")
    assert occupied == in_house


def test_overview_counts(demo_store: Store):
    figures = overview(demo_store, "floors-mid")
    assert figures.open_tasks == 7
    assert figures.overdue_tasks == 1
    assert figures.unacked_messages == 2  # the lobby's all-stations call and the customer-service call
    assert figures.arrivals_pending == 26
