"""Arrivals: checklist rules, transitions, VIP notice, PMS import."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import checklists, messaging, stays, vip_notices
from butler_tui.services.pms_import import ImportRejected, import_arrivals
from butler_tui.store import Store

from .conftest import signed_env

DATA = Path(__file__).resolve().parents[1] / "data"


def _expected_with_room(store: Store, vip: bool | None = None) -> stays.StayRow:
    for s in stays.arrivals(store):
        if s.status == "expected" and s.room_number and (vip is None or bool(s.vip_level) == vip):
            return s
    raise AssertionError("demo has no such stay")


def _tick_stage(store: Store, stay: stays.StayRow, stage: str, staff: str, station: str = "lobby") -> None:
    for item in checklists.items(store, stay.id):
        if item.stage == stage and item.mandatory and not item.done_at:
            who = stay.booked_by if item.code == "prep_verified" else staff
            note = "Guest happy, will come back" if item.code == "follow_up_call" else None
            checklists.tick(store, stay.id, item.code, staff_no=who, station=station, note=note)


def test_every_stay_has_the_service_design_checklist(demo_store: Store):
    s = _expected_with_room(demo_store, vip=True)
    items = checklists.items(demo_store, s.id)
    codes = [i.code for i in items]
    assert codes[0] == "room_assigned" and "prep_verified" in codes and "follow_up_call" in codes
    stages = {i.stage for i in items}
    assert stages == {"pre_arrival", "arrival", "pre_departure", "departure", "follow_up"}
    vip_passage = next(i for i in items if i.code == "vip_passage")
    assert vip_passage.mandatory  # ● for a VIP
    assert not next(i for i in items if i.code == "welcome_sms").mandatory  # ★


def test_open_mandatory_item_blocks_the_stage(demo_store: Store):
    s = _expected_with_room(demo_store)
    with pytest.raises(InvalidInput, match=r"cannot complete pre-arrival preparation: \d+ ● item\(s\) open"):
        checklists.complete_stage(demo_store, s.id, "pre_arrival", staff_no="1002", station="lobby")
    _tick_stage(demo_store, s, "pre_arrival", "1002")
    checklists.complete_stage(demo_store, s.id, "pre_arrival", staff_no="1002", station="lobby")
    assert stays.get_stay(demo_store, s.id).stage("pre_arrival").completed_at
    # A completed stage is closed: its items no longer change.
    with pytest.raises(InvalidInput, match="already completed"):
        checklists.tick(demo_store, s.id, "welcome_sms", staff_no="1002", station="lobby")


def test_optional_items_do_not_block(demo_store: Store):
    s = _expected_with_room(demo_store)
    _tick_stage(demo_store, s, "pre_arrival", "1002")
    items = {i.code: i for i in checklists.items(demo_store, s.id)}
    assert not items["welcome_sms"].done_at
    checklists.complete_stage(demo_store, s.id, "pre_arrival", staff_no="1002", station="lobby")


def test_whoever_booked_verifies_the_preparation(demo_store: Store):
    s = _expected_with_room(demo_store)
    other = "4002" if s.booked_by != "4002" else "4003"
    with pytest.raises(InvalidInput, match="who booked this stay, can verify its preparation"):
        checklists.tick(demo_store, s.id, "prep_verified", staff_no=other, station="fnb")
    checklists.tick(demo_store, s.id, "prep_verified", staff_no=s.booked_by, station="fo")
    item = next(i for i in checklists.items(demo_store, s.id) if i.code == "prep_verified")
    assert item.done_by == s.booked_by and item.done_station == "fo" and item.done_at


def test_each_tick_records_who_where_when_and_is_an_event(demo_store: Store):
    s = _expected_with_room(demo_store)
    checklists.tick(demo_store, s.id, "keys_verified", staff_no="1003", station="lobby")
    item = next(i for i in checklists.items(demo_store, s.id) if i.code == "keys_verified")
    assert (item.done_by, item.done_by_name, item.done_station) == ("1003", "李菲菲", "lobby")
    event = demo_store.row("SELECT * FROM events WHERE entity='checklist_items' AND entity_id=? ORDER BY id DESC",
                           (str(item.id),))
    assert event["action"] == "tick" and event["actor"] == "1003" and event["station"] == "lobby"
    with pytest.raises(InvalidInput, match="sign in first"):
        checklists.tick(demo_store, s.id, "keys_verified", staff_no=None, station="lobby")


def test_follow_up_call_needs_a_record(demo_store: Store):
    s = stays.follow_up_queue(demo_store)[0]
    with pytest.raises(InvalidInput, match="note is required"):
        checklists.tick(demo_store, s.id, "follow_up_call", staff_no="5002", station="cs")
    checklists.tick(demo_store, s.id, "follow_up_call", staff_no="5002", station="cs",
                    note="Satisfied; asked for a quieter room next time")
    assert s.id not in [x.id for x in stays.follow_up_queue(demo_store)]


def test_follow_up_queue_is_due_24h_after_departure_most_overdue_first(demo_store: Store):
    queue = stays.follow_up_queue(demo_store)
    assert len(queue) == 12
    dues = [q.follow_up_due for q in queue]
    assert dues == sorted(dues)
    first = queue[0]
    assert clock.parse(first.follow_up_due) - clock.parse(first.departed_at) == \
        clock.parse("2026-01-02T00:00:00.000Z") - clock.parse("2026-01-01T00:00:00.000Z")
    assert clock.parse(first.follow_up_due) < clock.now()  # the demo has overdue calls


def test_full_lifecycle_with_guards_and_events(demo_store: Store):
    s = _expected_with_room(demo_store)
    who = {"staff_no": "1002", "station": "lobby"}
    with demo_store.write("2002", "floors-mid") as tx:
        tx.execute("UPDATE rooms SET hk_status = 'inspected' WHERE number = ?", (s.room_number,))
        tx.event("rooms", s.room_number, "inspected")
    with pytest.raises(InvalidInput, match="complete the pre-arrival preparation checklist first"):
        stays.transition(demo_store, s.id, "room_ready", **who)
    with pytest.raises(InvalidInput, match="cannot go from expected"):
        stays.transition(demo_store, s.id, "departed", **who)
    _tick_stage(demo_store, s, "pre_arrival", "1002")
    checklists.complete_stage(demo_store, s.id, "pre_arrival", **who)
    assert stays.transition(demo_store, s.id, "room_ready", **who).status == "room_ready"
    arrived = stays.transition(demo_store, s.id, "arrived", **who)
    assert arrived.arrived_at and arrived.status == "arrived"
    with pytest.raises(InvalidInput, match="complete the arrival checklist first"):
        stays.transition(demo_store, s.id, "in_house", **who)
    _tick_stage(demo_store, s, "arrival", "1002")
    checklists.complete_stage(demo_store, s.id, "arrival", **who)
    stays.transition(demo_store, s.id, "in_house", **who)
    stays.transition(demo_store, s.id, "due_out", **who)
    with pytest.raises(InvalidInput, match="complete the departure checklist first"):
        stays.transition(demo_store, s.id, "departed", **who)
    _tick_stage(demo_store, s, "departure", "1002")
    checklists.complete_stage(demo_store, s.id, "departure", **who)
    departed = stays.transition(demo_store, s.id, "departed", **who)
    assert departed.departed_at and departed.id in [q.id for q in stays.follow_up_queue(demo_store)]
    room = demo_store.row("SELECT occupancy, hk_status FROM rooms WHERE number = ?", (s.room_number,))
    assert room == {"occupancy": "vacant", "hk_status": "dirty"}
    actions = [r["action"] for r in demo_store.rows(
        "SELECT action FROM events WHERE entity='stays' AND entity_id=? ORDER BY id", (str(s.id),))]
    assert actions == ["complete_stage", "room_ready", "arrived", "complete_stage", "in_house", "due_out",
                       "complete_stage", "departed"]


def test_room_ready_needs_a_clean_room(demo_store: Store):
    s = next(x for x in stays.arrivals(demo_store) if x.status == "expected" and x.room_number
             and x.hk_status in ("dirty", "cleaning"))
    _tick_stage(demo_store, s, "pre_arrival", "1002")
    checklists.complete_stage(demo_store, s.id, "pre_arrival", staff_no="1002", station="lobby")
    with pytest.raises(InvalidInput, match=f"room {s.room_number} is (dirty|cleaning), not inspected yet"):
        stays.transition(demo_store, s.id, "room_ready", staff_no="1002", station="lobby")


def test_marking_arrived_tells_the_floor_and_the_dedicated_butler(demo_store: Store):
    s = next(x for x in stays.arrivals(demo_store) if x.status == "room_ready" and x.room_number)
    with demo_store.write("1002", "lobby") as tx:  # give the guest a dedicated lobby butler
        tx.execute("UPDATE stays SET butler_no = '1002' WHERE id = ?", (s.id,))
        tx.event("stays", s.id, "butler")
    floor = int(s.room_number[:-2])
    floor_station = "floors-low" if floor <= 6 else "floors-mid" if floor <= 10 else "floors-high"
    stays.transition(demo_store, s.id, "arrived", staff_no="8003", station="fo")
    message = messaging.list_messages(demo_store, station=floor_station)[0]
    assert s.room_number in message.body and "arrived" in message.body and "李晓莉" in message.body
    assert {r.station for r in message.recipients} == {floor_station, "lobby"}


def test_cancel_needs_a_reason(demo_store: Store):
    s = _expected_with_room(demo_store)
    with pytest.raises(InvalidInput, match="give a reason"):
        stays.transition(demo_store, s.id, "cancelled", staff_no="8002", station="fo")
    stays.transition(demo_store, s.id, "cancelled", staff_no="8002", station="fo", reason="Guest cancelled by phone")
    assert s.id not in [x.id for x in stays.arrivals(demo_store)]


def test_departure_plan_validates_times(demo_store: Store):
    s = stays.departures(demo_store)[0]
    with pytest.raises(InvalidInput, match="wakeup time: '6h30' is not a time"):
        stays.record_departure_plan(demo_store, s.id, staff_no="2002", station="floors-mid", wakeup_time="6h30")
    stays.record_departure_plan(demo_store, s.id, staff_no="2002", station="floors-mid", wakeup_time="6:30",
                                airport_car="Car to T3 at 09:00")
    again = stays.get_stay(demo_store, s.id)
    assert again.wakeup_time == "06:30" and again.airport_car == "Car to T3 at 09:00"


def test_vip_notice_draft_approve_by_manager_send_and_ack(demo_store: Store):
    s = _expected_with_room(demo_store, vip=True)
    draft = vip_notices.draft_text(demo_store, s.id)
    assert s.guest_name in draft
    vip_notices.create(demo_store, s.id, draft, ["ROOMS", "FNB"], staff_no="1002", station="lobby")
    with pytest.raises(PermissionDenied, match="may not approve and send a VIP reception notice"):
        vip_notices.approve_and_send(demo_store, s.id, staff_no="1001", station="lobby")
    message_id = vip_notices.approve_and_send(demo_store, s.id, staff_no="0004", station="lobby")
    notice = vip_notices.get_notice(demo_store, s.id)
    assert notice.status == "sent" and notice.approved_by == "0004" and notice.message_id == message_id
    m = messaging.get_message(demo_store, message_id)
    assert m.audience_kind == "team" and set(m.pending) == {"floors-low", "floors-mid", "floors-high", "fnb"}
    messaging.ack(demo_store, message_id, station="fnb", staff_no="4001")
    assert "fnb" not in messaging.get_message(demo_store, message_id).pending


def test_vip_notice_is_for_vip_guests(demo_store: Store):
    s = _expected_with_room(demo_store, vip=False)
    with pytest.raises(InvalidInput, match="for VIP guests"):
        vip_notices.create(demo_store, s.id, "x", None, staff_no="1002", station="lobby")


# -- import ------------------------------------------------------------------------------------

def _write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(i: int, **over) -> dict:
    row = {"reservation_no": f"P{900000 + i}", "guest_name": f"测试客人{i}", "salutation": "先生",
           "member_no": "", "mobile": f"139{i:08d}", "vip_level": str(i % 6), "arrival_date": "2026-11-25",
           "eta": "15:30", "departure_date": "2026-11-27", "room_type": "Deluxe King", "room_number": "",
           "party_size": "2", "car_plate": "", "booked_by": "8002", "remarks": ""}
    return row | over


def test_import_the_sample_then_again_changes_nothing(demo_db: Path):
    store = Store(demo_db)
    first = import_arrivals(store, DATA / "sample-pms-arrivals.csv")
    assert first.rows == 15 and first.created == 15
    events = store.scalar("SELECT count(*) FROM events")
    stays_count = store.scalar("SELECT count(*) FROM stays")
    guests = store.scalar("SELECT count(*) FROM guests")
    again = import_arrivals(store, DATA / "sample-pms-arrivals.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 15)
    assert store.scalar("SELECT count(*) FROM events") == events
    assert store.scalar("SELECT count(*) FROM stays") == stays_count
    assert store.scalar("SELECT count(*) FROM guests") == guests
    imported = store.row("SELECT * FROM stays WHERE reservation_no = 'P20261125001'")
    assert imported["status"] == "expected" and imported["arrival_date"] == "2026-11-25"
    assert store.scalar("SELECT count(*) FROM checklist_items WHERE stay_id = ?", (imported["id"],)) > 20
    store.close()


def test_a_changed_booking_updates_the_stay(tmp_path: Path, demo_store: Store):
    path = _write_csv(tmp_path / "a.csv", [_row(1), _row(2)])
    import_arrivals(demo_store, path)
    _write_csv(path, [_row(1, eta="18:00", party_size="3"), _row(2)])
    report = import_arrivals(demo_store, path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    stay = demo_store.row("SELECT eta, party_size FROM stays WHERE reservation_no = 'P900001'")
    assert stay["party_size"] == 3 and clock.show_local(stay["eta"]) == "18:00"


def test_a_file_with_bad_rows_imports_nothing_and_lists_each(tmp_path: Path, demo_store: Store):
    rows = [_row(1), _row(2, guest_name=""), _row(3, room_number="9999"), _row(4, arrival_date="2026-02-30"),
            _row(5, departure_date="2026-11-20"), _row(6, eta="25:61"), _row(7, vip_level="9"),
            _row(8, booked_by="NOBODY"), _row(1, guest_name="dup")]
    path = _write_csv(tmp_path / "bad.csv", rows)
    before = demo_store.scalar("SELECT count(*) FROM stays"), demo_store.scalar("SELECT count(*) FROM events")
    with pytest.raises(ImportRejected) as info:
        import_arrivals(demo_store, path)
    lines = dict(info.value.problems)
    assert set(lines) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "guest_name: must not be empty" in lines[3]
    assert "room 9999 does not exist" in lines[4]
    assert "arrival_date '2026-02-30'" in lines[5]
    assert "before arrival" in lines[6]
    assert "eta '25:61'" in lines[7]
    assert "vip_level" in lines[8]
    assert "booked_by NOBODY" in lines[9]
    assert "also on line 2" in lines[10]
    assert (demo_store.scalar("SELECT count(*) FROM stays"), demo_store.scalar("SELECT count(*) FROM events")) == before


def test_import_cli_errors(tmp_path: Path, demo_db: Path):
    bad = _write_csv(tmp_path / "bad.csv", [_row(1, room_number="9999")])
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "import", "arrivals", str(bad)], env=signed_env(demo_db, ["import"]))
    assert result.exit_code == 2 and "line 2: room 9999 does not exist" in result.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,date\nx,y\n")
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "import", "arrivals", str(wrong)], env=signed_env(demo_db, ["import"]))
    assert result.exit_code == 2 and "missing column(s) reservation_no" in result.stderr
    result = CliRunner().invoke(cli, ["--db", str(demo_db), "import", "arrivals", str(tmp_path / "none.csv")], env=signed_env(demo_db, ["import"]))
    assert result.exit_code == 1 and "cannot read" in result.stderr
    ok = CliRunner().invoke(cli, ["--db", str(demo_db), "import", "arrivals", str(DATA / "sample-pms-arrivals.csv")], env=signed_env(demo_db, ["import"]))
    assert ok.exit_code == 0 and "15 new" in ok.output


def test_gbk_export_is_read(tmp_path: Path, demo_store: Store):
    path = tmp_path / "gbk.csv"
    rows = [_row(1)]
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert import_arrivals(demo_store, path).created == 1
    assert demo_store.scalar("SELECT count(*) FROM guests WHERE name = '测试客人1'") == 1


def test_a_5000_row_file(tmp_path: Path, demo_store: Store):
    path = _write_csv(tmp_path / "big.csv", [_row(i) for i in range(5000)])
    t0 = time.perf_counter()
    report = import_arrivals(demo_store, path)
    first = time.perf_counter() - t0
    assert report.created == 5000 and report.guests_created == 5000
    again = import_arrivals(demo_store, path)
    assert again.unchanged == 5000 and again.created == 0
    print(f"5,000-row import: {first:.2f} s")
