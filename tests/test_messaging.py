"""The radio channel: service rules and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.services import messaging
from butler_tui.store import Store, expand_rows

from .conftest import signed_env


def test_send_to_all_addresses_every_other_station(demo_store: Store):
    mid = messaging.send(demo_store, from_station="lobby", from_staff="1002", body="VIP arriving 1208 in 10 min",
                         priority="urgent", room="1208")
    m = messaging.get_message(demo_store, mid)
    stations = {r["code"] for r in demo_store.rows("SELECT code FROM stations")}
    assert {r.station for r in m.recipients} == stations - {"lobby"}
    assert m.pending == sorted(stations - {"lobby"})
    assert m.priority == "urgent" and m.room_number == "1208" and m.from_staff_name == "李晓莉"
    event = demo_store.row("SELECT * FROM events WHERE entity='messages' AND entity_id=?", (str(mid),))
    assert event["action"] == "send" and event["station"] == "lobby" and event["actor"] == "1002"
    # The event says whom it went to — read back from the message's rows, which it refers to (the column
    # itself stays empty: no copy); the body is read from the message, not copied into the event.
    assert event["after"] is None
    after = json.loads(expand_rows(demo_store.db.conn, [event])[0]["after"])
    assert sorted(after["to"]) == m.pending and after["room"] == "1208" and "body" not in after


def test_send_to_a_team_reaches_its_stations(demo_store: Store):
    mid = messaging.send(demo_store, from_station="cs", body="Turndown list updated", to="team:ROOMS")
    assert {r.station for r in messaging.get_message(demo_store, mid).recipients} == {
        "floors-low", "floors-mid", "floors-high"}


def test_ack_records_station_staff_and_time_and_is_idempotent(demo_store: Store):
    mid = messaging.send(demo_store, from_station="lobby", body="Luggage down from 1208", to="fo,floors-high")
    first = messaging.ack(demo_store, mid, station="fo", staff_no="8001")
    events = demo_store.scalar("SELECT count(*) FROM events")
    again = messaging.ack(demo_store, mid, station="fo", staff_no="8003")
    assert not first.already and again.already and again.acked_at == first.acked_at
    assert demo_store.scalar("SELECT count(*) FROM events") == events  # the second ack changed nothing
    m = messaging.get_message(demo_store, mid)
    assert m.pending == ["floors-high"]
    fo = m.ack_of("fo")
    assert fo.staff_no == "8001" and fo.staff_name == "孙丽华" and fo.acked_at


def test_ack_refusals(demo_store: Store):
    mid = messaging.send(demo_store, from_station="lobby", body="x", to="fo")
    with pytest.raises(NotFound, match="not addressed to station cs"):
        messaging.ack(demo_store, mid, station="cs")
    with pytest.raises(NotFound, match="no message 9999"):
        messaging.ack(demo_store, 9999, station="fo")
    with pytest.raises(NotFound, match="unknown staff"):
        messaging.ack(demo_store, mid, station="fo", staff_no="0000X")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"to": "spa"}, NotFound, "unknown station"),
        ({"to": "team:SPA"}, NotFound, "unknown team"),
        ({"from_station": "spa"}, NotFound, "unknown station 'spa'"),
        ({"body": ""}, InvalidInput, "body: must not be empty"),
        ({"body": "x" * 501}, InvalidInput, "at most 500 characters"),
        ({"priority": "whenever"}, InvalidInput, "not one of: routine, urgent, emergency"),
        ({"room": "9999"}, NotFound, "no room 9999"),
        ({"to": "lobby"}, InvalidInput, "nobody to send to"),
        ({"to": "all,fo"}, InvalidInput, "cannot be combined"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_written(demo_store: Store, kwargs, error, match):
    before = demo_store.scalar("SELECT count(*) FROM messages"), demo_store.scalar("SELECT count(*) FROM acks")
    args = {"from_station": "lobby", "body": "hello", **kwargs}
    with pytest.raises(error, match=match):
        messaging.send(demo_store, **args)
    assert (demo_store.scalar("SELECT count(*) FROM messages"), demo_store.scalar("SELECT count(*) FROM acks")) == before


def test_markup_is_stored_as_typed_and_escapes_are_stripped(demo_store: Store):
    mid = messaging.send(demo_store, from_station="lobby", body="[b]x[/b] \x1b[31mred\x1b[0m [/]", to="fo")
    assert messaging.get_message(demo_store, mid).body == "[b]x[/b] red [/]"


def test_replies_thread_under_the_first_message_and_go_back_to_the_sender(demo_store: Store):
    root = messaging.send(demo_store, from_station="lobby", body="Who has the key for 1208?", to="fo,floors-high")
    reply = messaging.send(demo_store, from_station="floors-high", body="I have it", parent_id=root)
    reply2 = messaging.send(demo_store, from_station="fo", body="Not me", parent_id=reply)
    follow_up = messaging.send(demo_store, from_station="lobby", body="Thanks, all sorted", parent_id=root)
    thread = messaging.thread(demo_store, reply2)
    assert [m.id for m in thread] == [root, reply, reply2, follow_up]
    assert all(m.parent_id == root for m in thread[1:])
    assert [r.station for r in thread[1].recipients] == ["lobby"]
    # The sender replying to its own thread reaches the thread's recipients.
    assert {r.station for r in thread[3].recipients} == {"fo", "floors-high"}
    assert messaging.get_message(demo_store, root).reply_count == 3


def test_quick_phrases():
    assert messaging.render_phrase("vip_arriving", room="1208", minutes=10).startswith("VIP arriving 1208 in 10 min")
    with pytest.raises(InvalidInput, match="needs item"):
        messaging.render_phrase("guest_request", room="1208")
    assert messaging.fill_known(messaging.phrase_text("guest_request"), room="1208").startswith(
        "Guest 1208 requests {item}")


def test_list_filters(demo_store: Store):
    a = messaging.send(demo_store, from_station="lobby", body="Water to 1208", to="floors-high", room="1208")
    b = messaging.send(demo_store, from_station="fo", body="Fire drill at 15:00", to="all", priority="emergency")
    messaging.ack(demo_store, a, station="floors-high")
    high = [m.id for m in messaging.list_messages(demo_store, station="floors-high")]
    assert a in high and b in high
    assert a not in [m.id for m in messaging.list_messages(demo_store, station="floors-high", unacked=True)]
    assert [m.id for m in messaging.list_messages(demo_store, priority="emergency")] == [b]
    assert [m.id for m in messaging.list_messages(demo_store, search="1208")] == [a]
    assert [m.id for m in messaging.list_messages(demo_store, search="fire")] == [b]
    assert messaging.unacked_for(demo_store, "floors-high")[0].id == b  # emergency first


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args))


def test_cli_send_ack_messages(demo_db: Path):
    sent = invoke(demo_db, "send", "--from", "lobby", "--staff", "1002", "--to", "fo,floors-high", "--priority",
                  "urgent", "--room", "1208", "Guest", "1208", "requests", "extra", "towels")
    assert sent.exit_code == 0, sent.output
    mid = int(sent.output.strip())
    acked = invoke(demo_db, "ack", str(mid), "--station", "fo", "--staff", "8001")
    assert acked.exit_code == 0 and f"acknowledged message {mid} at fo" in acked.output
    listed = invoke(demo_db, "messages", "--station", "floors-high", "--unacked", "--json")
    assert listed.exit_code == 0
    data = json.loads(listed.output)
    mine = next(m for m in data if m["id"] == mid)
    assert mine["body"] == "Guest 1208 requests extra towels"
    assert mine["from"] == {"station": "lobby", "staff": "1002"}
    assert mine["to"] == {"kind": "stations", "codes": ["fo", "floors-high"]}
    assert mine["links"] == {"room": "1208", "guest_id": None, "task_id": None}
    assert mine["acked"] == 1 and mine["pending"] == ["floors-high"]
    assert {r["station"] for r in mine["recipients"]} == {"fo", "floors-high"}
    text = invoke(demo_db, "messages", "--station", "lobby")
    assert "waiting: floors-high" in text.output


def test_cli_errors_are_one_line(demo_db: Path):
    for args, code, match in [
        (("send", "--from", "lobby", "--to", "spa", "hi"), 1, "unknown station(s): spa"),
        (("send", "--from", "lobby", "x" * 600), 2, "at most 500 characters"),
        (("ack", "9999", "--station", "fo"), 1, "no message 9999"),
        (("messages", "--station", "spa"), 1, "unknown station 'spa'"),
    ]:
        result = invoke(demo_db, *args)
        assert result.exit_code == code, (args, result.output)
        assert match in result.stderr and result.stderr.count("\n") == 1
