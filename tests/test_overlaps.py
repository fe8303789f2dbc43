"""A room holds one stay a night (issue 17): assigning a room, changing dates and the PMS import refuse an
overlap, naming both stays; back to back (one's departure day the next one's arrival day) is no overlap;
a cancelled stay or a guest who has checked out holds nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput
from butler_tui.services import stays
from butler_tui.services.pms_import import ImportRejected, import_arrivals
from butler_tui.store import Store
from tests.test_arrivals import _row, _write_csv

from .conftest import signed_env

FRONT = "8002"


def _holder(store: Store) -> stays.StayRow:
    """A guest in house whose room no other stay holds, leaving after today."""
    for row in store.rows("SELECT s.id FROM stays s WHERE s.status = 'in_house' AND s.room_number IS NOT NULL"
                          " AND s.departure_date > ? AND NOT EXISTS (SELECT 1 FROM stays o WHERE o.room_number ="
                          " s.room_number AND o.id != s.id AND o.status NOT IN ('cancelled','departed'))"
                          " ORDER BY s.id", (clock.today().isoformat(),)):
        return stays.get_stay(store, row["id"])
    raise AssertionError("the demo has no such stay")


def _without_room(store: Store) -> stays.StayRow:
    return next(s for s in stays.arrivals(store) if s.status == "expected" and not s.room_number)


def _empty_room(store: Store) -> str:
    return str(store.scalar("SELECT number FROM rooms r WHERE hk_status != 'out_of_order' AND NOT EXISTS"
                            " (SELECT 1 FROM stays s WHERE s.room_number = r.number) ORDER BY number LIMIT 1"))


def _names_both(sentence: str, a: stays.StayRow, b: stays.StayRow) -> bool:
    return all(part in sentence for part in (a.reservation_no, a.guest_label, b.reservation_no, b.guest_label))


def test_assigning_a_room_held_on_those_nights_is_refused_naming_both(demo_store: Store):
    holder, arriving = _holder(demo_store), _without_room(demo_store)
    assert arriving.arrival_date < holder.departure_date
    with pytest.raises(InvalidInput) as refused:
        stays.assign_room(demo_store, arriving.id, holder.room_number, staff_no=FRONT, station="fo")
    assert _names_both(str(refused.value), holder, arriving), str(refused.value)
    assert stays.get_stay(demo_store, arriving.id).room_number is None


def test_back_to_back_is_no_overlap_and_moving_the_dates_into_it_is_refused(demo_store: Store):
    holder, arriving = _holder(demo_store), _without_room(demo_store)
    leaves = date.fromisoformat(holder.departure_date)
    # The next guest arrives the day the first one leaves: the same room, no overlap.
    stays.change_dates(demo_store, arriving.id, leaves, leaves + timedelta(days=2), staff_no=FRONT, station="fo")
    stays.assign_room(demo_store, arriving.id, holder.room_number, staff_no=FRONT, station="fo")
    assert stays.get_stay(demo_store, arriving.id).room_number == holder.room_number
    # One night earlier, they would share a night.
    with pytest.raises(InvalidInput) as refused:
        stays.change_dates(demo_store, arriving.id, leaves - timedelta(days=1), leaves + timedelta(days=2),
                           staff_no=FRONT, station="fo")
    assert _names_both(str(refused.value), holder, arriving)
    # Nor may the guest in house stay on into the next one's nights.
    with pytest.raises(InvalidInput) as extended:
        stays.change_dates(demo_store, holder.id, holder.arrival_date, leaves + timedelta(days=1), staff_no=FRONT,
                           station="fo")
    assert _names_both(str(extended.value), arriving, holder)
    assert stays.get_stay(demo_store, holder.id).departure_date == holder.departure_date
    # A changed date is an audited event.
    assert demo_store.scalar("SELECT count(*) FROM events WHERE entity = 'stays' AND entity_id = ?"
                             " AND action = 'change_dates'", (str(arriving.id),)) == 1


def test_a_cancelled_stay_holds_no_room(demo_store: Store):
    room = _empty_room(demo_store)
    first, second = [s for s in stays.arrivals(demo_store) if s.status == "expected" and not s.room_number][:2]
    stays.change_dates(demo_store, second.id, first.arrival_date, first.departure_date, staff_no=FRONT, station="fo")
    stays.assign_room(demo_store, first.id, room, staff_no=FRONT, station="fo")
    with pytest.raises(InvalidInput):
        stays.assign_room(demo_store, second.id, room, staff_no=FRONT, station="fo")
    stays.transition(demo_store, first.id, "cancelled", staff_no=FRONT, station="fo", reason="guest cancelled")
    stays.assign_room(demo_store, second.id, room, staff_no=FRONT, station="fo")
    assert stays.get_stay(demo_store, second.id).room_number == room


def test_the_import_refuses_the_whole_file_naming_both_stays(tmp_path: Path, demo_store: Store):
    holder = _holder(demo_store)
    today = clock.today()
    free = _empty_room(demo_store)
    rows = [
        _row(1),
        _row(2, room_number=holder.room_number, arrival_date=today.isoformat(),
             departure_date=(today + timedelta(days=3)).isoformat()),
        _row(3, room_number=free, arrival_date="2026-12-01", departure_date="2026-12-04"),
        _row(4, room_number=free, arrival_date="2026-12-03", departure_date="2026-12-05"),  # shares 12-03 with line 4
        _row(5, room_number=free, arrival_date="2026-12-05", departure_date="2026-12-07"),  # back to back with line 5
    ]
    path = _write_csv(tmp_path / "clash.csv", rows)
    before = demo_store.scalar("SELECT count(*) FROM stays"), demo_store.scalar("SELECT count(*) FROM events")
    with pytest.raises(ImportRejected) as info:
        import_arrivals(demo_store, path)
    problems = dict(info.value.problems)
    assert set(problems) == {3, 5}
    assert all(part in problems[3] for part in (holder.reservation_no, holder.guest_label, "P900002", "测试客人2先生"))
    assert "P900003" in problems[5] and "P900004" in problems[5] and "(line 4)" in problems[5]
    assert (demo_store.scalar("SELECT count(*) FROM stays"), demo_store.scalar("SELECT count(*) FROM events")) == before
    # Without the two clashing rows, the file goes in: back to back is no overlap.
    _write_csv(path, [rows[0], rows[3], rows[4]])
    assert import_arrivals(demo_store, path).created == 3


def test_a_changed_booking_moved_onto_a_held_room_is_refused(tmp_path: Path, demo_store: Store):
    holder = _holder(demo_store)
    today = clock.today().isoformat()
    path = _write_csv(tmp_path / "a.csv", [_row(1, arrival_date=today, departure_date=holder.departure_date)])
    import_arrivals(demo_store, path)
    _write_csv(path, [_row(1, arrival_date=today, departure_date=holder.departure_date,
                           room_number=holder.room_number)])
    address = demo_store.url or demo_store.path  # a file, or a PostgreSQL database: the command takes either
    result = CliRunner().invoke(cli, ["--db", str(address), "import", "arrivals", str(path)],
                                env=signed_env(address, ["import"]))
    assert result.exit_code == 2, result.output
    assert "line 2: room" in result.stderr and holder.reservation_no in result.stderr and "P900001" in result.stderr
    assert demo_store.scalar("SELECT room_number FROM stays WHERE reservation_no = 'P900001'") is None
