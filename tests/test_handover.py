"""The handover book: report contents, sign-off rules, duty-log corrections, the Markdown golden file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock, context
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import handover, messaging, stays, tasks
from butler_tui.services.demo import load_demo
from butler_tui.store import Store
from tests.conftest import host_zone

from .conftest import signed_env

GOLDEN = Path(__file__).parent / "golden" / "handover-floors-high.md"


@pytest.fixture
def shanghai():
    """The hotel's time zone, fixed, so the report's local times do not depend on the machine."""
    with host_zone("Asia/Shanghai"):
        yield
    clock.freeze(None)


def _night_shift() -> datetime:
    return datetime(2026, 11, 24, 21, 40).astimezone()  # in the hotel's time zone (shanghai)


@pytest.fixture(scope="module")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Built once for the module (the demo load is most of a test's time); each test gets a copy."""
    path = tmp_path_factory.mktemp("handover") / "hotel.db"
    with host_zone("Asia/Shanghai"), context.using(context.Context(language="en")):
        clock.freeze(_night_shift())
        store = Store(path)
        load_demo(store)
        first = handover.add_entry(store, "floors-high", "Guest in 1208 reports a leaking tap | bathroom *now*",
                                   staff_no="2001", high_priority=True, room="1208")
        handover.add_entry(store, "floors-high", "Plumber fixed it at 21:30", staff_no="2002", corrects=first)
        task_id = tasks.create(store, type="lost_found", name="Black umbrella [b]", room="1305", staff_no="2002",
                               station="floors-high")
        messaging.send(store, from_station="lobby", to="floors-high", body="VIP 1401 arriving 23:00",
                       priority="urgent")
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
    return path, task_id


@pytest.fixture
def seeded(_seeded_template: tuple[Path, int], tmp_path: Path, shanghai):
    """The demo hotel loaded at 21:40 on 24 Nov 2026 (night shift), plus a few shift events."""
    template, task_id = _seeded_template
    clock.freeze(_night_shift())
    shutil.copy(template, tmp_path / "hotel.db")
    store = Store(tmp_path / "hotel.db")
    yield store, task_id
    store.close()


def test_report_holds_what_the_next_shift_needs(seeded):
    store, task_id = seeded
    report = handover.build_report(store, "floors-high")
    assert (report["shift"], report["shift_date"], report["next_shift"], report["next_shift_date"]) == (
        "night", "2026-11-24", "early", "2026-11-25")
    assert task_id in [t["id"] for t in report["open_tasks"]]
    assert task_id in [t["id"] for t in report["lost_and_found"]]
    assert any(m["body"] == "VIP 1401 arriving 23:00" for m in report["unacked_messages"])
    # Only this station's floors (11–14) for rooms, VIPs and departures.
    for key in ("vips_in_house", "departures_next_shift", "wake_up_calls", "dnd_rooms"):
        for item in report[key]:
            assert int(item["room"][:-2]) >= 11, (key, item)
    assert report["vips_in_house"] and report["departures_next_shift"]
    assert all(s["wake"] >= clock.iso(clock.now()) for s in report["wake_up_calls"])
    assert [e["corrects"] for e in report["log"]] == [None, report["log"][0]["id"]]
    assert report["log"][0]["corrected_by"] == report["log"][1]["id"] and report["log"][0]["high_priority"]
    overdue_follow_ups = [f for f in report["follow_up_calls_due"] if f["overdue"]]
    assert overdue_follow_ups  # the demo's two guests who left the day before yesterday


def test_markdown_matches_the_golden_file(seeded):
    store, _ = seeded
    text = handover.to_markdown(handover.build_report(store, "floors-high"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert "\\| bathroom \\*now\\*" in text  # user text is printed as typed, never formatted
    assert "Black umbrella \\[b\\]" in text


def test_log_entries_are_never_edited_corrections_are_new_entries(seeded):
    store, _ = seeded
    entry = handover.entries(store, "floors-high", "night", datetime(2026, 11, 24).date())[0]
    conn = store.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="never edited"):
        conn.execute("UPDATE log_entries SET text = 'changed' WHERE id = ?", (entry.id,))
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM log_entries WHERE id = ?", (entry.id,))
    with pytest.raises(InvalidInput, match="belongs to the floors-high log"):
        handover.add_entry(store, "lobby", "wrong log", staff_no="1002", corrects=entry.id)
    with pytest.raises(InvalidInput, match="needs its text"):
        handover.add_entry(store, "lobby", "  ", staff_no="1002")
    events = store.rows("SELECT action FROM events WHERE entity = 'log_entries' ORDER BY id")
    assert [e["action"] for e in events] == ["add", "correct"]


def test_sign_off_rules(seeded):
    store, _ = seeded
    with pytest.raises(PermissionDenied, match="may not sign the outgoing handover"):
        handover.sign_out(store, "floors-high", staff_no="2002")  # a butler
    handover_id = handover.sign_out(store, "floors-high", staff_no="2001")
    with pytest.raises(InvalidInput, match="already signed"):
        handover.sign_out(store, "floors-high", staff_no="2001")
    pending = handover.pending(store, "floors-high")
    assert pending is not None and pending.id == handover_id and pending.signed_out_name == "李云敏"
    # The report was frozen at signing: later changes do not alter it.
    frozen = len(pending.report["open_tasks"])
    tasks.create(store, type="turndown", room="1201", staff_no="2002", station="floors-high")
    assert len(handover.pending(store, "floors-high").report["open_tasks"]) == frozen
    with pytest.raises(InvalidInput, match="not the person who handed over"):
        handover.sign_in(store, handover_id, staff_no="2001", station="floors-high")
    handover.sign_in(store, handover_id, staff_no="2004", station="floors-high")
    assert handover.pending(store, "floors-high") is None
    with pytest.raises(InvalidInput, match="already read and signed"):
        handover.sign_in(store, handover_id, staff_no="2003", station="floors-high")
    actions = [(e["action"], e["actor"]) for e in store.rows(
        "SELECT action, actor FROM events WHERE entity = 'handovers' ORDER BY id")]
    assert actions == [("sign_out", "2001"), ("sign_in", "2004")]
    signed = handover.to_markdown(pending.report, handover.latest(store, "floors-high").signatures)
    assert "Outgoing (lead): 李云敏 at 2026-11-24 21:40" in signed and "Incoming: 席晓利 at" in signed


def test_shifts_from_the_clock(shanghai):
    cases = [((2026, 11, 24, 8, 0), ("early", "2026-11-24")), ((2026, 11, 24, 12, 0), ("middle", "2026-11-24")),
             ((2026, 11, 24, 23, 0), ("night", "2026-11-24")), ((2026, 11, 25, 0, 20), ("night", "2026-11-24")),
             ((2026, 11, 25, 3, 0), ("night", "2026-11-24"))]
    for moment, expected in cases:
        shift, day = handover.current(datetime(*moment).astimezone())
        assert (shift.name, day.isoformat()) == expected, moment


def test_cli_handover(seeded, tmp_path: Path):
    store, _ = seeded
    path = str(store.path)

    def run(*args):
        return CliRunner().invoke(cli, ["--db", path, *args], env=signed_env(Path(path), args))

    md = run("handover", "--station", "floors-high")
    assert md.exit_code == 0 and md.output.startswith("# Handover 交班本 — Floors 11–14")
    data = json.loads(run("handover", "--station", "floors-high", "--format", "json").output)
    assert data["shift"] == "night" and data["open_tasks"]
    whole = run("handover", "--shift", "early", "--date", "2026-11-25")
    assert whole.exit_code == 0 and "Whole hotel" in whole.output and "**Shift:** early 2026-11-25" in whole.output
    assert run("handover", "--shift", "evening").exit_code == 2
    assert run("handover", "--station", "floors-high", "--signed").exit_code == 1
    added = run("log", "add", "--station", "floors-high", "--staff", "2001", "--high", "Fire door 12F propped open")
    assert added.exit_code == 0 and added.output.strip().isdigit()


def test_shifts_are_configurable(demo_store, shanghai):
    from butler_tui.services.settings import use_hotel_settings

    with demo_store.write("0009", None) as tx:
        tx.execute("INSERT INTO settings (name, value) VALUES ('shifts', ?)", (
            '[{"name": "early", "start": "06:00", "end": "14:00"},'
            ' {"name": "late", "start": "14:00", "end": "22:00"},'
            ' {"name": "night", "start": "22:00", "end": "30:00"}]',))
        tx.event("settings", "shifts", "set")
    use_hotel_settings(demo_store)  # into this test's own context (conftest): nothing to undo
    shift, day = handover.current(datetime(2026, 11, 24, 15, 0).astimezone())
    assert (shift.name, day.isoformat()) == ("late", "2026-11-24")
    shift, day = handover.current(datetime(2026, 11, 25, 3, 0).astimezone())
    assert (shift.name, day.isoformat()) == ("night", "2026-11-24")


def test_a_signed_report_is_kept_packed_and_reads_back_whole(seeded):
    import json

    from butler_tui.store import pack, unpack

    store, _ = seeded
    handover_id = handover.sign_out(store, "floors-high", staff_no="2001")
    stored = store.scalar("SELECT report FROM handovers WHERE id = ?", (handover_id,))
    record = handover.pending(store, "floors-high")
    assert record is not None and isinstance(stored, bytes)
    as_text = json.dumps(record.report, ensure_ascii=False)
    assert len(stored) * 3 < len(as_text.encode())  # compressed at least 3×
    assert unpack(stored) == record.report == json.loads(as_text)
    # A report written as JSON text before packing existed still reads.
    assert unpack(as_text) == record.report and unpack(pack(record.report)) == record.report
    # … and one packed with zlib, as signed reports were until they were packed with LZMA.
    import zlib

    zlibbed = b"z1:" + zlib.compress(json.dumps(record.report, ensure_ascii=False, separators=(",", ":")).encode(), 6)
    assert unpack(zlibbed) == record.report and len(stored) < len(zlibbed)


def test_departures_handed_over_are_the_departures_board_s_still_in_house(seeded):
    """The report takes the next shift's departures from the stays in house (one read, not two more): the
    same stays in the same order as the departures board of each day, those already gone left out, a stay
    the night audit flagged overdue yesterday first."""
    store, _ = seeded
    clock.freeze(datetime(2026, 11, 24, 10, 0).astimezone())  # the early shift: the next one leaves today
    flagged = store.row("SELECT id FROM stays WHERE status = 'in_house' AND departure_date > ? ORDER BY id",
                        (clock.today().isoformat(),))
    assert flagged is not None
    with store.write(actor=None) as tx:
        tx.execute("UPDATE stays SET departure_date = ?, departure_time = NULL, etd = NULL, overdue_at = ?"
                   " WHERE id = ?", ("2026-11-23", clock.now_iso(), flagged["id"]))
        tx.event("stays", flagged["id"], "overdue")
    report = handover.build_report(store, None)
    shift, day = handover.current()
    nxt, nxt_day = handover.next_shift(shift, day)
    n_start, n_end = handover.shift_window(nxt, nxt_day)
    expected = []
    for d in sorted({n_start.date(), n_end.date()}):
        for s in stays.departures(store, d, progress=False):
            leaves = clock.local_at(d, s.departure_time) if s.departure_time else (
                clock.parse(s.etd) if s.etd else None)
            if s.status != "departed" and (leaves is None or n_start <= leaves < n_end):
                expected.append(s.id)
    shown = [s["id"] for s in report["departures_next_shift"]]
    assert flagged["id"] in shown and len(shown) > 3
    assert sorted(shown) == sorted(expected)
    assert [s["id"] for s in sorted(report["departures_next_shift"],
                                    key=lambda s: (s["leaves"] is None, s["leaves"] or ""))] == shown
