"""Domain models reject bad input with messages a person can act on."""

from __future__ import annotations

from datetime import date

import pytest

from butler_tui.errors import InvalidInput
from butler_tui.models import Guest, GuestNote, Message, Room, Staff, Station, Stay, Task, validate
from butler_tui.text import clean_text, display_width


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (Room, {"number": "12a8", "floor": 12, "type": "Deluxe King"}, "room number is 3–4 digits"),
        (Room, {"number": "1208", "floor": 11, "type": "Deluxe King"}, "room 1208 is on floor 12, not 11"),
        (Station, {"code": "Lobby Desk", "name": "x", "team_code": "LOBBY"}, "station code is 2–32 lowercase"),
        (Staff, {"staff_no": "10 02", "name": "李晓莉"}, "staff no. is 2–12 letters or digits"),
        (Staff, {"staff_no": "1002", "name": "李晓莉", "role": "boss"}, "role"),
        (Task, {"type": "repair", "name": "Tap", "priority": 0}, "priority: must be at least 1"),
        (Task, {"type": "repair", "name": "Tap", "priority": 6}, "priority: must be at most 5"),
        (Task, {"type": "repair", "name": ""}, "name: must not be empty"),
        (Message, {"from_station": "lobby", "body": "x" * 501}, "body: must be at most 500 characters (got 501)"),
        (Message, {"from_station": "lobby", "body": "   "}, "body: must not be empty"),
        (Message, {"from_station": "lobby", "body": "hi", "audience_kind": "stations"}, "needs at least one recipient"),
        (Guest, {"name": "王先生", "vip_level": 9}, "vip_level"),
        (Guest, {"name": "王先生", "mobile": "call me"}, "mobile number is 6–20 digits"),
        (GuestNote, {"guest_id": 1, "kind": "gossip", "text": "x"}, "kind"),
        (
            Stay,
            {"reservation_no": "R1001", "guest_id": 1, "arrival_date": date(2026, 11, 25),
             "departure_date": date(2026, 11, 24)},
            "departure 2026-11-24 is before arrival 2026-11-25",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(model, data, expected):
    with pytest.raises(InvalidInput) as info:
        validate(model, data)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_every_problem_is_listed_in_one_line():
    with pytest.raises(InvalidInput) as info:
        validate(Message, {"from_station": "BAD CODE", "body": "x" * 600})
    text = str(info.value)
    assert text.startswith("invalid message: ")
    assert "from_station" in text and "body" in text


def test_control_characters_and_escape_sequences_are_stripped_markup_is_kept():
    message = validate(Message, {"from_station": "lobby", "body": "\x1b[31mred\x1b[0m [b]bold[/b]\x07\x00 ok\u202e"})
    assert message.body == "red [b]bold[/b] ok"


def test_multiline_fields_keep_newlines_single_line_fields_do_not():
    note = validate(GuestNote, {"guest_id": 1, "kind": "preference", "text": "line one\r\nline two"})
    assert note.text == "line one\nline two"
    assert clean_text("a\nb") == "a b"


def test_codes_are_normalised():
    assert validate(Station, {"code": "Floor-12", "name": "x", "team_code": "rooms"}).code == "floor-12"
    assert validate(Station, {"code": "floor-12", "name": "x", "team_code": "rooms"}).team_code == "ROOMS"


def test_wide_characters_are_measured_in_cells():
    assert display_width("李晓莉") == 6
    assert display_width("Li") == 2
