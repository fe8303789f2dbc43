"""The manager's figures against a hand-built day (Shanghai, 10 March 2026) whose figures are worked out here.

Tasks (local time; the team is the doing team):
  T1 ROOMS  09:00, ack 09:04 (240 s), done 09:30 (1800 s), due 09:40             → within SLA
  T2 ROOMS  10:00, ack 10:02 (120 s), on hold 10:10–10:40, done 11:00 (3600 − 1800 held = 1800 s),
            due 10:45 (+30 min on hold → 11:15)                                   → within SLA (only thanks to the hold)
  T3 ROOMS  complaint 12:00, ack 12:10 (600 s), done 14:00 (7200 s), due 12:30    → missed; escalated to 1 and 2
  T8 ROOMS  00:30 (16:30 UTC the day before), still new, due 01:00                → missed (open, past due); escalated to 1
  T4 FNB    13:00, reopened 15:00, ack 15:05 (300 s), done 15:20 (1200 s), due 15:30 → within SLA
  T5 FNB    16:00, cancelled (due 16:30)                                           → a request, never for the SLA
  T6 FNB    23:50, ack 23:55 (300 s), done 00:20 the next day (1800 s), due 00:00 → missed; belongs to the 10th
  T7 FNB    00:10 on the 11th (still the 10th in UTC)                              → outside the day
  ENG has no work.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, PermissionDenied
from butler_tui.services import checklists, reports
from butler_tui.store import Store, pack_fast, unpack

from .conftest import signed_env

DAY = date(2026, 3, 10)


def at(hhmm: str, day: date = DAY) -> str:
    return clock.iso(clock.local_at(day, hhmm))


def _task(store: Store, tid: int, team: str, created: str, *, type_: str = "guest_request", status: str = "closed",
          ack: str | None = None, done: str | None = None, due: str | None = None, held: int = 0,
          clock_start: str | None = None, repeats: int = 0) -> None:
    store.db.conn.execute(
        "INSERT INTO tasks (id, type, name, priority, status, owner_team, created_at, acknowledged_at, done_at,"
        " due_at, held_seconds, clock_started_at, repeat_count, updated_at, station_code, assignee_no)"
        " VALUES (?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'lobby', ?)",
        (tid, type_, f"T{tid}", status, team, created, ack, done, due, held, clock_start, repeats, created,
         "1002" if team == "ROOMS" else None))


@pytest.fixture
def day_store(demo_store: Store, host_new_york: None) -> Store:
    clock.use_zone("Asia/Shanghai")  # the hotel's zone; the host's (New York) must not matter
    s = demo_store
    s.db.conn.execute("INSERT OR REPLACE INTO settings (name, value) VALUES ('timezone', 'Asia/Shanghai')")
    next_day = DAY + timedelta(days=1)
    _task(s, 90001, "ROOMS", at("09:00"), ack=at("09:04"), done=at("09:30"), due=at("09:40"))
    _task(s, 90002, "ROOMS", at("10:00"), ack=at("10:02"), done=at("11:00"), due=at("10:45"), held=1800)
    _task(s, 90003, "ROOMS", at("12:00"), type_="complaint", ack=at("12:10"), done=at("14:00"), due=at("12:30"))
    _task(s, 90008, "ROOMS", at("00:30"), status="new", due=at("01:00"))
    _task(s, 90004, "FNB", at("13:00"), ack=at("15:05"), done=at("15:20"), due=at("15:30"), clock_start=at("15:00"),
          repeats=1)
    _task(s, 90005, "FNB", at("16:00"), status="cancelled", due=at("16:30"))
    _task(s, 90006, "FNB", at("23:50"), ack=at("23:55"), done=at("00:20", next_day), due=at("00:00", next_day))
    _task(s, 90007, "FNB", at("00:10", next_day), ack=at("00:15", next_day))
    for tid, level in ((90003, 1), (90003, 2), (90008, 1)):
        s.db.conn.execute("INSERT INTO escalations (task_id, level, fired_at, reason, notify) VALUES (?, ?, ?, '', '')",
                          (tid, level, at("12:40")))
    # Messages: M1 at 10:00 (the early shift, ends 15:30) to floors-low (acked 10:05) and fnb (acked 16:00, late);
    # M2 at 01:00 (the overnight gap: the next shift, early, ends 15:30) to fnb, never acked.
    for mid, sent in ((90001, at("10:00")), (90002, at("01:00"))):
        s.db.conn.execute("INSERT INTO messages (id, from_station, audience_kind, body, created_at)"
                          " VALUES (?, 'lobby', 'stations', 'x', ?)", (mid, sent))
    for mid, station, acked in ((90001, "floors-low", at("10:05")), (90001, "fnb", at("16:00")),
                                (90002, "fnb", None)):
        s.db.conn.execute("INSERT INTO acks (message_id, station_code, acked_at) VALUES (?, ?, ?)",
                          (mid, station, acked))
    return s


def _period() -> tuple[datetime, datetime]:
    return reports.days_window(DAY, DAY)


def test_the_day_by_team(day_store: Store) -> None:
    start, end = _period()
    found = reports.figures(day_store, start, end, "team")
    rows = {r.group: r for r in found.rows}
    rooms, fnb = rows["ROOMS"], rows["FNB"]
    assert (rooms.requests, rooms.ack_median_s, rooms.ack_p90_s) == (4, 240, 600)
    assert (rooms.done_median_s, rooms.done_p90_s) == (1800, 7200)
    assert (rooms.sla_met, rooms.sla_counted, rooms.sla_met_pct) == (2, 4, 50.0)
    assert (rooms.escalations, rooms.escalations_by_level) == (3, {"1": 2, "2": 1})
    assert (rooms.complaints, rooms.complaint_feedback_median_s) == (1, 7200)
    assert (fnb.requests, fnb.cancelled, fnb.ack_median_s, fnb.done_median_s, fnb.done_p90_s) == (3, 1, 300, 1200, 1800)
    assert (fnb.sla_met, fnb.sla_counted, fnb.reopen_rate) == (1, 2, 33.3)
    assert rows["ENG"].requests == 0 and rows["ENG"].sla_met_pct is None  # a team with no work shows
    total = found.total
    assert (total.requests, total.ack_median_s, total.done_median_s, total.sla_met_pct) == (7, 300, 1800, 50.0)
    assert total.reopen_rate == 14.3
    assert found.sla_by_day == [("2026-03-10", 50.0)]
    hours = {h: n for h, n in enumerate(found.requests_by_hour) if n}
    assert hours == {0: 1, 9: 1, 10: 1, 12: 1, 13: 1, 16: 1, 23: 1}
    assert sorted(reports.tasks_of(day_store, start, end, "team", "FNB")) == [90004, 90005, 90006]
    msgs = {m["station"]: m for m in found.messages}
    assert (msgs["floors-low"]["ack_median_s"], msgs["floors-low"]["unacked_at_shift_end"]) == (300, 0)
    assert (msgs["fnb"]["asked"], msgs["fnb"]["unacked_at_shift_end"]) == (2, 2)
    assert found.unacked_at_shift_end == 2


def test_follow_up_calls_score_and_satisfaction(day_store: Store) -> None:
    s = day_store
    ids = [r[0] for r in s.db.conn.execute("SELECT id FROM stays ORDER BY id LIMIT 3")]
    for stay_id, left in zip(ids, ("10:00", "11:00", "20:00"), strict=True):
        s.db.conn.execute("UPDATE stays SET status = 'departed', departed_at = ? WHERE id = ?", (at(left), stay_id))
        s.db.conn.execute("DELETE FROM checklist_items WHERE stay_id = ?", (stay_id,))
        s.db.conn.execute("DELETE FROM checklists_packed WHERE stay_id = ?", (stay_id,))
        s.db.conn.execute("DELETE FROM stay_stages WHERE stay_id = ?", (stay_id,))
    with pytest.raises(InvalidInput):
        checklists.tick(s, ids[0], checklists.FOLLOW_UP, staff_no="1002", station="cs", note="ok", score="6")
    clock.freeze(clock.local_at(DAY + timedelta(days=1), "09:00"))  # 23 h after: within 24 h
    checklists.tick(s, ids[0], checklists.FOLLOW_UP, staff_no="1002", station="cs", note="lovely stay", score=5)
    clock.freeze(clock.local_at(DAY + timedelta(days=2), "12:00"))  # 49 h after: late
    checklists.tick(s, ids[1], checklists.FOLLOW_UP, staff_no="1002", station="cs", note="noisy [b]", score="3")
    start, end = _period()
    f = reports.figures(s, start, end).follow_ups
    assert (f["departed"], f["calls_made"], f["within_24h"], f["within_24h_pct"]) == (3, 2, 1, 33.3)
    assert (f["scored"], f["satisfaction_pct"], f["scores"]["5"], f["scores"]["3"]) == (2, 50.0, 1, 1)
    from butler_tui.services import stays

    assert (stays.get_stay(s, ids[1]).follow_up_score, stays.get_stay(s, ids[1]).follow_up_comment) == (3, "noisy [b]")


def _env(db, args: list[str]) -> dict[str, str]:
    """The session of ``--staff``, as after ``butler login`` (``report --by`` groups; it proves nobody)."""
    return signed_env(db, args)


def test_report_cli_json_csv_and_gate(day_store: Store, demo_db) -> None:
    day_store.close()
    args = ["--db", str(demo_db), "report", "--from", "2026-03-10", "--to", "2026-03-10", "--by", "team",
            "--format", "json", "--staff", "0003"]
    out = CliRunner().invoke(cli, args, env=_env(demo_db, args))
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["from"], data["to"]) == ("2026-03-10", "2026-03-10")
    rooms = next(r for r in data["rows"] if r["group"] == "ROOMS")
    for key in ("requests", "ack_median_s", "done_median_s", "sla_met_pct", "escalations", "reopen_rate",
                "satisfaction_pct"):
        assert key in rooms
    assert (rooms["requests"], rooms["sla_met_pct"], rooms["escalations"]) == (4, 50.0, 3)
    args = [a if a != "json" else "csv" for a in args]
    out = CliRunner().invoke(cli, args, env=_env(demo_db, args))
    assert out.exit_code == 0 and out.output.splitlines()[0].startswith("group,requests")
    args = [a if a != "csv" else "table" for a in args]
    out = CliRunner().invoke(cli, args, env=_env(demo_db, args))
    assert out.exit_code == 0 and "ROOMS" in out.output and "50.0%" in out.output
    butler = ["--db", str(demo_db), "report", "--staff", "1002"]
    out = CliRunner().invoke(cli, butler, env=_env(demo_db, butler))
    assert out.exit_code != 0 and "Traceback" not in out.output and "may not" in out.output


def test_reader_gate_and_bad_input(day_store: Store) -> None:
    with pytest.raises(PermissionDenied):
        reports.require_reader(day_store, "1002")
    reports.require_reader(day_store, "0003")
    with pytest.raises(InvalidInput):
        reports.days_window(DAY, DAY - timedelta(days=1))
    with pytest.raises(InvalidInput):
        reports.figures(day_store, *_period(), "floor")
    assert reports.quantile([1, 2, 3, 4], 0.5) == 2 and reports.quantile([], 0.5) is None


def test_days_that_are_over_are_kept_and_worked_out_again_when_they_change(day_store: Store) -> None:
    s = day_store
    start, end = reports.days_window(DAY - timedelta(days=1), DAY + timedelta(days=1))  # the last is read as is
    later = end + timedelta(days=3)

    def read() -> dict:
        return reports.figures(s, start, end, "team", now=later).to_json()

    first = read()
    assert s.scalar("SELECT count(*) FROM report_days WHERE part IN ('team', 'messages')") == 4  # two days, kept
    assert read() == first
    s.db.conn.execute("DELETE FROM report_days")
    assert read() == first  # kept or worked out, the same figures
    # A late change to a closed task of the 10th (done at 09:50, past its 09:40 due time) shows at once.
    s.db.conn.execute("UPDATE tasks SET done_at = ?, updated_at = ? WHERE id = 90001",
                      (at("09:50"), at("09:00", DAY + timedelta(days=3))))
    rooms = next(r for r in read()["rows"] if r["group"] == "ROOMS")
    assert (rooms["sla_met"], rooms["sla_counted"]) == (1, 4)
    # An acknowledgement that arrives late changes the channel's figures too.
    s.db.conn.execute("UPDATE acks SET acked_at = ? WHERE message_id = 90002", (at("12:00", DAY + timedelta(days=2)),))
    fnb = next(m for m in read()["messages"] if m["station"] == "fnb")
    assert fnb["ack_median_s"] is not None and fnb["unacked_at_shift_end"] == 2


def _kept_as_text(part: str, kept: Any) -> str:
    """A kept day as it was written before packing: JSON text, the seconds as ``group_concat`` gave them."""
    def text(gaps: list[int]) -> str | None:
        return ",".join(map(str, itertools.accumulate(gaps))) or None

    if part == "messages":
        return json.dumps([[station, n, text(gaps), late] for station, n, gaps, late in kept])
    return json.dumps({**kept, "cells": [[*c[:8], *map(text, c[8:])] for c in kept["cells"]]})


def _kept_days(store: Store) -> list[dict]:
    return store.rows("SELECT day, part, stamp, data FROM report_days ORDER BY day, part")


def test_kept_days_are_packed_and_those_kept_before_as_json_text_read_the_same(day_store: Store) -> None:
    s = day_store
    start, end = reports.days_window(DAY - timedelta(days=1), DAY + timedelta(days=1))

    def read() -> dict:
        return reports.figures(s, start, end, "team", now=end + timedelta(days=3)).to_json()

    first = read()
    kept = _kept_days(s)
    assert len(kept) == 4 and all(bytes(r["data"]).startswith(b"z1:") for r in kept)  # zlib'd JSON
    # The seconds are kept sorted, as the first and the gaps to the next ones.
    cells = unpack(next(r["data"] for r in kept if r["day"] == DAY.isoformat() and r["part"] == "team"))["cells"]
    rooms = next(c for c in cells if c[0] == "ROOMS")
    assert list(itertools.accumulate(rooms[8])) == sorted([4 * 60, 2 * 60, 10 * 60])  # acknowledged after
    # Days kept before as JSON text (a server's column turned into BYTEA holds it as its UTF-8 bytes).
    on_server = getattr(s.db.conn, "dialect", "sqlite") == "postgresql"
    for r in kept:
        text = _kept_as_text(r["part"], unpack(r["data"]))
        s.db.conn.execute("UPDATE report_days SET data = ? WHERE day = ? AND part = ?",
                          (text.encode() if on_server else text, r["day"], r["part"]))
    assert read() == first
    assert [bytes(r["data"]) if on_server else r["data"] for r in _kept_days(s)] \
        == [_kept_as_text(r["part"], unpack(r["data"])).encode() if on_server
            else _kept_as_text(r["part"], unpack(r["data"])) for r in kept]  # read as they are, not rewritten
    s.db.conn.execute("DELETE FROM report_days")
    assert read() == first


def test_packing_reads_zlib_packs_json_text_and_its_utf8_bytes() -> None:
    doc = {"cells": [["ROOMS", "ROOMS", 3, 0.0, [120, 120, 360]]], "day": "2026-03-10", "who": "Zoë"}
    packed = pack_fast(doc)
    assert packed.startswith(b"z1:") and unpack(packed) == doc
    assert unpack(json.dumps(doc)) == doc == unpack(json.dumps(doc, ensure_ascii=False).encode())


def test_a_server_whose_kept_days_were_json_text_reads_them_after_the_schema_build(day_store: Store) -> None:
    """report_days.data was TEXT on a server (JSON text); the schema build of 0029 turns it into BYTEA, the
    text into its UTF-8 bytes, and the figures read the same."""
    from butler_tui.store import pg

    s = day_store
    if getattr(s.db.conn, "dialect", "sqlite") != "postgresql":
        pytest.skip("a PostgreSQL column's type")
    start, end = reports.days_window(DAY - timedelta(days=1), DAY + timedelta(days=1))

    def read() -> dict:
        return reports.figures(s, start, end, "team", now=end + timedelta(days=3)).to_json()

    first = read()
    before = [(r["day"], r["part"], r["stamp"], _kept_as_text(r["part"], unpack(r["data"]))) for r in _kept_days(s)]
    conn = s.db.conn
    conn.execute("DELETE FROM report_days")
    conn.execute_pg("ALTER TABLE report_days ALTER COLUMN data TYPE TEXT")  # as servers were made before 0029
    conn.executemany("INSERT INTO report_days (day, part, stamp, data) VALUES (?, ?, ?, ?)", before)
    conn.execute("BEGIN")
    pg.build_schema(conn)
    conn.execute("COMMIT")
    assert conn.execute_pg("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
                           " AND table_name = 'report_days' AND column_name = 'data'").fetchone()[0] == "bytea"
    assert [bytes(r["data"]) for r in _kept_days(s)] == [text.encode() for *_k, text in before]
    assert read() == first
