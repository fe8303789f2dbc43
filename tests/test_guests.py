"""Guest lookup: every way of finding a guest, masking, notes and their events, markup shown literally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui.cli import cli
from butler_tui.errors import InvalidInput
from butler_tui.services import guests, stays
from butler_tui.store import Store

from .conftest import signed_env


def _top(store: Store, query: str) -> list[str]:
    return [h.name for h in guests.find(store, query)]


def test_find_by_chinese_name_whole_and_part(demo_store: Store):
    assert _top(demo_store, "李晓莉")[0] == "李晓莉"
    assert "李晓莉" in _top(demo_store, "晓莉")  # 2 characters: below the trigram's reach, still found
    assert "李晓莉" in _top(demo_store, "莉")


def test_find_by_pinyin_and_initials(demo_store: Store):
    assert _top(demo_store, "lxl")[0] == "李晓莉"
    assert _top(demo_store, "lixiaoli")[0] == "李晓莉"
    assert "李晓莉" in _top(demo_store, "xiaoli")
    assert "李晓莉" in _top(demo_store, "Li Xiao Li")


@pytest.mark.parametrize("query", ["zengguofan", "cengguofan", "zgf", "cgf"])
def test_heteronym_surname_is_found_by_every_reading(demo_store: Store, query: str):
    assert _top(demo_store, query)[0] == "曾国藩"


@pytest.mark.parametrize(("query", "name"), [("shanxiongxin", "单雄信"), ("xiejin", "解缙"), ("ouzhiqiang", "区志强")])
def test_surname_readings(demo_store: Store, query: str, name: str):
    assert _top(demo_store, query)[0] == name


def test_find_latin_names(demo_store: Store):
    assert _top(demo_store, "smith")[0] == "John Smith"
    assert _top(demo_store, "Sofia")[0] == "Sofia Rossi"
    assert "James O'Connor" in _top(demo_store, "connor")


def test_find_by_room_member_mobile_plate(demo_store: Store):
    stay = next(s for s in stays.arrivals(demo_store) if s.status == "in_house" and s.room_number)
    assert guests.find(demo_store, stay.room_number)[0].id == stay.guest_id
    g = demo_store.row("SELECT id, mobile, member_no, car_plate FROM guests WHERE car_plate IS NOT NULL"
                       " AND mobile IS NOT NULL LIMIT 1")
    assert g["id"] in [h.id for h in guests.find(demo_store, g["mobile"][-4:])]
    assert guests.find(demo_store, g["member_no"])[0].id == g["id"]
    assert guests.find(demo_store, g["member_no"].lower())[0].id == g["id"]
    assert g["id"] in [h.id for h in guests.find(demo_store, g["car_plate"])]
    assert g["id"] in [h.id for h in guests.find(demo_store, g["car_plate"][-4:])]


def test_nothing_and_bad_queries(demo_store: Store):
    assert guests.find(demo_store, "   ") == []
    assert guests.find(demo_store, "qqqqqqq") == []
    assert guests.find(demo_store, '"; DROP TABLE guests; --') == []
    with pytest.raises(InvalidInput):
        guests.find(demo_store, "x" * 61)


def test_mobile_and_id_are_masked(demo_store: Store):
    g = demo_store.row("SELECT id, mobile, id_no FROM guests WHERE mobile IS NOT NULL AND id_no IS NOT NULL LIMIT 1")
    hit = next(h for h in guests.find(demo_store, g["mobile"][-4:]) if h.id == g["id"])
    assert hit.mobile != g["mobile"] and hit.mobile.endswith(g["mobile"][-4:]) and "****" in hit.mobile
    p = guests.profile(demo_store, g["id"], staff_no="1002", station="lobby")
    assert p.mobile == guests.mask_mobile(g["mobile"]) and g["mobile"] not in json.dumps(p.to_json())
    assert p.id_no.endswith(g["id_no"][-4:]) and g["id_no"] not in json.dumps(p.to_json())


def test_profile_lists_allergies_and_dislikes_first_newest_first(demo_store: Store):
    gid = guests.find(demo_store, "李晓莉")[0].id
    guests.add_note(demo_store, gid, "allergy", "Shellfish allergy", staff_no="4002", station="fnb")
    guests.add_note(demo_store, gid, "preference", "Green tea at 15:00", staff_no="1002", station="lobby")
    p = guests.profile(demo_store, gid, staff_no="1002", station="lobby")
    kinds = [kind for kind, _ in p.grouped()]
    assert kinds[0] == "dietary" and kinds.index("dislike") < kinds.index("preference")
    prefs = dict(p.grouped())["preference"]
    assert prefs[0].text == "Green tea at 15:00"  # newest first
    assert prefs[0].author_name == "李晓莉" and prefs[0].station_code == "lobby"


def test_note_changes_and_lookups_are_events(demo_store: Store):
    gid = guests.find(demo_store, "lxl")[0].id
    note_id = guests.add_note(demo_store, gid, "habit", "Runs at six", staff_no="2002", station="floors-mid")
    guests.edit_note(demo_store, note_id, "Runs at six, needs a towel", staff_no="2003", station="floors-mid")
    guests.retire_note(demo_store, note_id, staff_no="2001", station="floors-high")
    events = demo_store.rows("SELECT action, actor, station, before, after FROM events WHERE entity='guest_notes'"
                             " AND entity_id = ? ORDER BY id", (str(note_id),))
    assert [(e["action"], e["actor"], e["station"]) for e in events] == [
        ("add", "2002", "floors-mid"), ("edit", "2003", "floors-mid"), ("retire", "2001", "floors-high")]
    assert json.loads(events[1]["before"])["text"] == "Runs at six"
    assert note_id not in [n.id for n in guests.profile(demo_store, gid, audit=False).notes]
    guests.profile(demo_store, gid, staff_no="1002", station="lobby", query="lxl")
    guests.audit_lookup(demo_store, "lxl", 2, staff_no="1002", station="lobby")
    audits = demo_store.rows("SELECT action, actor, station, after FROM events WHERE entity='guests'"
                             " AND action IN ('view','lookup') ORDER BY id")
    assert [(a["action"], a["actor"], a["station"]) for a in audits[-2:]] == [("view", "1002", "lobby"),
                                                                             ("lookup", "1002", "lobby")]


def test_bad_notes_are_refused(demo_store: Store):
    gid = guests.find(demo_store, "lxl")[0].id
    with pytest.raises(InvalidInput, match="not one of"):
        guests.add_note(demo_store, gid, "gossip", "x", staff_no="1002", station="lobby")
    with pytest.raises(InvalidInput, match="at most 1000 characters"):
        guests.add_note(demo_store, gid, "preference", "x" * 1001, staff_no="1002", station="lobby")
    note_id = guests.add_note(demo_store, gid, "preference", "\x1b[31m[b]Red[/b] wine\x07", staff_no="1002",
                              station="lobby")
    assert demo_store.scalar("SELECT text FROM guest_notes WHERE id = ?", (note_id,)) == "[b]Red[/b] wine"


def test_new_guests_from_the_pms_are_findable(tmp_path: Path, demo_store: Store):
    from butler_tui.services.pms_import import import_arrivals

    path = tmp_path / "a.csv"
    path.write_text("reservation_no,guest_name,mobile,arrival_date,departure_date\n"
                    "P777001,欧阳娜娜,13912345678,2026-11-25,2026-11-26\n", encoding="utf-8")
    import_arrivals(demo_store, path)
    assert _top(demo_store, "oyn")[0] == "欧阳娜娜"
    assert _top(demo_store, "5678")[0] == "欧阳娜娜"


def test_cli_guest_commands(demo_db: Path):
    def run(*args):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    found = run("guest", "find", "lxl", "--json", "--staff", "1002", "--station", "lobby")
    assert found.exit_code == 0
    hits = json.loads(found.output)
    assert hits[0]["name"] == "李晓莉" and "****" in hits[0]["mobile"]
    gid = str(hits[0]["id"])
    added = run("guest", "note", gid, "--kind", "dietary", "--staff", "4001", "--station", "fnb", "No", "peanuts")
    assert added.exit_code == 0 and added.output.strip().isdigit()
    shown = run("guest", "show", gid)
    assert shown.output.splitlines()[3].startswith("⚠ Dietary")
    assert "No peanuts" in shown.output
    data = json.loads(run("guest", "show", gid, "--json").output)
    assert data["notes"]["dietary"][0]["text"] == "No peanuts"
    missing = run("guest", "find", "nobodyatall")
    assert missing.exit_code == 1
    assert run("guest", "show", "999999").exit_code == 1


def test_a_note_kind_may_be_typed_in_chinese(demo_store):
    """The note form lists each kind with its Chinese name; a Chinese station's butler types that name."""
    from butler_tui.services import guests as g

    assert [g.parse_kind(k) for k in ("过敏", "忌讳", "喜好", "起居习惯", "纪念日", "投诉")] == [
        "dietary", "dislike", "preference", "habit", "special_date", "complaint"]
    assert "dietary 饮食过敏" in g.kinds_hint() and "suggestion 建议" in g.kinds_hint()
    guest_id = demo_store.scalar("SELECT min(id) FROM guests")
    note_id = g.add_note(demo_store, guest_id, "过敏", "花生", staff_no="1002", station="lobby")
    assert demo_store.scalar("SELECT kind FROM guest_notes WHERE id = ?", (note_id,)) == "dietary"
