"""Guest records (issue 19): lookup folded (accents, full-width, 繁/简), edits at a station with their
events, merging two records of one guest, the duplicates list, and the commands that do them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, NotFound, PermissionDenied
from butler_tui.services import guests, stays
from butler_tui.store import Store
from butler_tui.store.schema import fold_search_keys

from .conftest import signed_env

LEAD, BUTLER = "1001", "1002"


def _guest(store: Store, name: str, **fields: Any) -> int:
    with store.write(actor="suite") as tx:
        gid = tx.insert("guests", {"name": name, "created_at": "2026-01-01T00:00:00.000Z",
                                   "updated_at": "2026-01-01T00:00:00.000Z", **fields})
        guests.index_guest(tx, gid)
        tx.event("guests", gid, "create")
    return gid


def _ids(store: Store, query: str) -> list[int]:
    return [h.id for h in guests.find(store, query)]


@pytest.mark.parametrize(("name", "query"), [
    ("José García", "jose"), ("José García", "garcia"), ("Zoë Müller", "muller"), ("Zoë Müller", "zoe muller"),
    ("Łukasz Strauß", "lukasz"), ("Łukasz Strauß", "STRAUSS"),
    ("Wang Fang", "ＷＡＮＧ"), ("Ｗａｎｇ Ｌｅｉ", "wanglei"),
    ("張偉明", "张伟明"), ("張偉明", "伟明"), ("張偉明", "张"), ("张晓燕", "張曉燕"), ("张晓燕", "曉"),
    ("張偉明", "zhangweiming"), ("張偉明", "zwm"),
])
def test_lookup_folds_accents_full_width_and_traditional(demo_store: Store, name: str, query: str):
    gid = _guest(demo_store, name)
    assert gid in _ids(demo_store, query)


def test_an_exact_traditional_name_comes_first(demo_store: Store):
    gid = _guest(demo_store, "張偉明")
    assert _ids(demo_store, "张伟明")[0] == gid


def test_full_width_digits_find_a_mobile(demo_store: Store):
    gid = _guest(demo_store, "Anna Berg", mobile="13912345678")
    assert gid in _ids(demo_store, "５６７８")


def test_migration_0025_adds_the_folded_keys_of_guests_written_before(demo_store: Store):
    conn = demo_store.db.conn
    with demo_store.write(actor="suite") as tx:  # as written before 0025: unfolded keys, no 简 name keys
        renee = tx.insert("guests", {"name": "Renée Dubois", "created_at": clock.now_iso(), "updated_at": clock.now_iso()})
        tx.execute("INSERT INTO guest_search (key, kind, guest_id) VALUES ('renedubois', 'py', ?)", (renee,))
        zhang = tx.insert("guests", {"name": "張偉明", "created_at": clock.now_iso(), "updated_at": clock.now_iso()})
        tx.execute("INSERT INTO guest_search (key, kind, guest_id) VALUES ('zhangweiming', 'py', ?)", (zhang,))
        tx.event("guests", renee, "create")
    assert renee not in _ids(demo_store, "renee") and zhang not in _ids(demo_store, "伟明")
    with demo_store.write(actor="suite") as tx:
        written = fold_search_keys(conn)
        tx.event("guest_search", None, "fold")
    assert written > 0 and renee in _ids(demo_store, "renee")
    assert _ids(demo_store, "张伟明")[0] == zhang and zhang in _ids(demo_store, "伟明")
    assert _ids(demo_store, "lxl") and _ids(demo_store, "晓莉")  # the demo's guests are found as before


# -- edits -----------------------------------------------------------------------------------------


def _events(store: Store, entity: str, entity_id: int) -> list[dict[str, Any]]:
    return store.rows("SELECT actor, action, before, after FROM events WHERE entity = ? AND entity_id = ?"
                      " AND action = 'edit' ORDER BY id", (entity, str(entity_id)))


def test_edit_guest_changes_fields_each_audited(demo_store: Store):
    gid = _guest(demo_store, "Anna Berg", language="sv")
    changed = guests.edit_guest(demo_store, gid, staff_no=BUTLER, station="lobby", language="EN", car_plate="粵b 12345",
                                butler_no="1003", special_dates="birthday=03-12, anniversary=2010-06-01")
    assert set(changed) == {"language", "car_plate", "butler_no", "special_dates"}
    p = guests.profile(demo_store, gid, audit=False)
    assert (p.language, p.car_plate, p.butler_no) == ("en", "粤B 12345", "1003")
    assert p.special_dates == [{"kind": "birthday", "date": "03-12"}, {"kind": "anniversary", "date": "2010-06-01"}]
    events = _events(demo_store, "guests", gid)
    assert {json.loads(e["after"])["field"] for e in events} == set(changed)
    lang = next(e for e in events if json.loads(e["after"])["field"] == "language")
    assert lang["actor"] == BUTLER and json.loads(lang["before"])["value"] == "sv"
    assert json.loads(lang["after"])["value"] == "en"
    assert gid in _ids(demo_store, "粤B12345")  # the plate's keys follow the edit
    assert guests.edit_guest(demo_store, gid, staff_no=BUTLER, station="lobby", language="en") == {}
    assert len(_events(demo_store, "guests", gid)) == 4  # nothing changed, nothing recorded


def test_vip_level_is_for_leads_and_up(demo_store: Store):
    gid = _guest(demo_store, "Anna Berg")
    with pytest.raises(PermissionDenied):
        guests.edit_guest(demo_store, gid, staff_no=BUTLER, station="lobby", vip_level=3)
    assert demo_store.scalar("SELECT vip_level FROM guests WHERE id = ?", (gid,)) == 0
    guests.edit_guest(demo_store, gid, staff_no=LEAD, station="lobby", vip_level="3")
    assert demo_store.scalar("SELECT vip_level FROM guests WHERE id = ?", (gid,)) == 3


@pytest.mark.parametrize(("changes", "words"), [
    ({"vip_level": 7}, "0 to 5"), ({"vip_level": "x"}, "0 to 5"), ({"language": "english!"}, "language code"),
    ({"special_dates": "birthday=13-40"}, "not a date"), ({"special_dates": "wedding=03-12"}, "not one of"),
    ({"special_dates": "03-12"}, "birthday=03-12"), ({"car_plate": "X" * 13}, "12 characters"),
])
def test_edit_guest_refuses_bad_values_clearly(demo_store: Store, changes: dict[str, Any], words: str):
    gid = _guest(demo_store, "Anna Berg")
    with pytest.raises(InvalidInput, match=words):
        guests.edit_guest(demo_store, gid, staff_no=LEAD, station="lobby", **changes)


def test_edit_guest_refuses_unknown_butler_and_nobody(demo_store: Store):
    gid = _guest(demo_store, "Anna Berg")
    with pytest.raises(NotFound):
        guests.edit_guest(demo_store, gid, staff_no=BUTLER, station="lobby", butler_no="9999")
    with pytest.raises(InvalidInput, match="sign in"):
        guests.edit_guest(demo_store, gid, staff_no=None, station="lobby", language="en")


def test_edit_stay_plate_and_bay_audited(demo_store: Store):
    stay = stays.arrivals(demo_store)[0]
    changed = stays.edit_stay(demo_store, stay.id, staff_no=BUTLER, station="lobby", car_plate="沪A 88888",
                              parking_bay="b2-17")
    assert changed["parking_bay"] == (stay.parking_bay, "B2-17")
    again = stays.get_stay(demo_store, stay.id)
    assert (again.car_plate, again.parking_bay) == ("沪A 88888", "B2-17")
    assert {json.loads(e["after"])["field"] for e in _events(demo_store, "stays", stay.id)} >= {"parking_bay"}
    stays.edit_stay(demo_store, stay.id, staff_no=BUTLER, station="lobby", parking_bay="-")
    assert stays.get_stay(demo_store, stay.id).parking_bay is None


# -- merge -----------------------------------------------------------------------------------------


def test_merge_moves_everything_and_keeps_the_retired_record(demo_store: Store):
    a = _guest(demo_store, "Wang Wei", mobile="13800001111")
    b = _guest(demo_store, "王伟", mobile="13800001111", member_no="BMX1", car_plate="沪B12345",
               special_dates='[{"kind": "birthday", "date": "05-01"}]')
    guests.add_note(demo_store, b, "dietary", "No peanuts", staff_no=BUTLER, station="lobby")
    stay_id = demo_store.scalar("SELECT id FROM stays LIMIT 1")
    with demo_store.write(actor="suite") as tx:
        tx.execute("UPDATE stays SET guest_id = ? WHERE id = ?", (b, stay_id))
        tx.event("stays", stay_id, "suite")
        log_id = tx.insert("log_entries", {"station_code": "lobby", "shift": "early", "shift_date": "2026-11-24",
                                           "created_at": "2026-11-24T08:00:00.000Z", "text": "Wang Wei's car",
                                           "guest_id": b})
    assert [d for d in guests.duplicates(demo_store) if {d.a, d.b} == {a, b}]
    with pytest.raises(PermissionDenied):
        guests.merge_guests(demo_store, a, b, staff_no=BUTLER, station="lobby")
    moved = guests.merge_guests(demo_store, a, b, staff_no=LEAD, station="lobby")
    assert moved["guest_notes"] == 1 and moved["stays"] == 1
    p = guests.profile(demo_store, a, audit=False)
    assert [n.text for n in p.notes] == ["No peanuts"] and p.member_no == "BMX1" and p.car_plate == "沪B12345"
    assert p.special_dates == [{"kind": "birthday", "date": "05-01"}]
    assert guests.profile(demo_store, b, audit=False).merged_into == a
    assert a in _ids(demo_store, "王伟") and b not in _ids(demo_store, "王伟")  # B's name finds A
    assert a in _ids(demo_store, "BMX1")
    event = demo_store.row("SELECT actor, after FROM events WHERE entity = 'guests' AND action = 'merge'"
                           " AND entity_id = ?", (str(b),))
    assert event is not None and event["actor"] == LEAD and json.loads(event["after"])["merged_into"] == a
    assert not [d for d in guests.duplicates(demo_store) if b in (d.a, d.b)]
    # The duty log is append-only: its entry still names B, which says whom it was merged into.
    assert demo_store.scalar("SELECT guest_id FROM log_entries WHERE id = ?", (log_id,)) == b


def test_merge_refusals(demo_store: Store):
    a, b = _guest(demo_store, "Anna Berg"), _guest(demo_store, "Anna Berg")
    with pytest.raises(InvalidInput, match="itself"):
        guests.merge_guests(demo_store, a, a, staff_no=LEAD, station="lobby")
    with pytest.raises(NotFound):
        guests.merge_guests(demo_store, a, 999_999, staff_no=LEAD, station="lobby")
    guests.merge_guests(demo_store, a, b, staff_no=LEAD, station="lobby")
    with pytest.raises(InvalidInput, match="merged into"):
        guests.merge_guests(demo_store, a, b, staff_no=LEAD, station="lobby")
    with pytest.raises(InvalidInput, match="merged into"):
        guests.edit_guest(demo_store, b, staff_no=LEAD, station="lobby", language="en")


# -- the commands ----------------------------------------------------------------------------------


def _run(db: Path, *args: str) -> Any:
    argv = ["--db", str(db), *args]
    return CliRunner().invoke(cli, argv, env=signed_env(db, argv))


def test_cli_guest_edit_show_json_and_merge(demo_db: Path):
    s = Store(demo_db)
    try:
        a, b = _guest(s, "José García", mobile="13800002222"), _guest(s, "Jose Garcia", mobile="13800002222")
    finally:
        s.close()
    r = _run(demo_db, "guest", "edit", str(a), "--language", "es", "--butler", "1003", "--birthday", "07-04",
             "--staff", BUTLER, "--station", "lobby")
    assert r.exit_code == 0, r.output
    assert "language" in r.output
    shown = json.loads(_run(demo_db, "guest", "show", str(a), "--json", "--staff", BUTLER).output)
    assert shown["language"] == "es" and shown["butler_no"] == "1003"
    assert shown["special_dates"] == [{"kind": "birthday", "date": "07-04"}] and shown["merged_into"] is None
    r = _run(demo_db, "guest", "edit", str(a), "--vip-level", "4", "--staff", BUTLER, "--station", "lobby")
    assert r.exit_code != 0 and "Traceback" not in r.output
    r = _run(demo_db, "guest", "edit", str(a), "--vip-level", "9", "--staff", LEAD, "--station", "lobby")
    assert r.exit_code != 0 and "0 to 5" in r.output
    r = _run(demo_db, "guest", "duplicates", "--staff", LEAD)
    assert r.exit_code == 0 and str(b) in r.output, r.output
    r = _run(demo_db, "guest", "merge", str(a), str(b), "--staff", LEAD, "--station", "lobby")
    assert r.exit_code == 0, r.output
    r = _run(demo_db, "guest", "show", str(b), "--staff", LEAD)
    assert r.exit_code == 0 and f"merged into {a}" in r.output
    assert json.loads(_run(demo_db, "guest", "show", str(b), "--json", "--staff", LEAD).output)["merged_into"] == a
    r = _run(demo_db, "guest", "merge", str(a), str(a), "--staff", LEAD, "--station", "lobby")
    assert r.exit_code != 0 and "itself" in r.output


def test_cli_stay_edit_and_show(demo_db: Path):
    s = Store(demo_db)
    try:
        stay_id = stays.arrivals(s)[0].id
    finally:
        s.close()
    r = _run(demo_db, "stay", "edit", str(stay_id), "--car-plate", "京A 12345", "--parking-bay", "B1-07",
             "--staff", BUTLER, "--station", "lobby")
    assert r.exit_code == 0, r.output
    shown = json.loads(_run(demo_db, "stay", "show", str(stay_id), "--json").output)
    assert (shown["car_plate"], shown["parking_bay"]) == ("京A 12345", "B1-07")
    r = _run(demo_db, "stay", "edit", str(stay_id), "--parking-bay", "x" * 30, "--staff", BUTLER, "--station", "lobby")
    assert r.exit_code != 0 and "20 characters" in r.output
    r = _run(demo_db, "stay", "edit", "999999", "--parking-bay", "B1", "--staff", BUTLER, "--station", "lobby")
    assert r.exit_code != 0 and "no stay" in r.output
