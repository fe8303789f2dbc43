"""Arbitrary text — control characters, ANSI escapes, markup, huge strings, wide characters — through
every CLI command and every model: one clear line or success, never a traceback, never markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text

from butler_tui.cli import cli
from butler_tui.errors import InvalidInput
from butler_tui.models import Guest, GuestNote, Message, Room, Staff, Station, Stay, Task, Team, validate
from butler_tui.services import auth
from butler_tui.services.demo import DEMO_PIN
from butler_tui.services.messaging import MessageView
from butler_tui.store import Store
from butler_tui.text import clean_text

from .conftest import signed_env

NASTY = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=40),  # C0, DEL, C1, ESC
    st.sampled_from(["[b]x[/b]", "[/]", "[red]", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "李晓莉[b]", "‮reversed",
                     "x" * 5000, "\u0000", "--help", "-", "", " ", "%s%n", "{room}", "'; DROP TABLE guests; --",
                     "１２０８", "😀" * 10, "\r\n", "\\", '"']),
    st.text(alphabet="李晓莉王先生女士[]/\\\x1b\x07 abc123-_:", max_size=30),
)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])
EXIT_CODES = {0, 1, 2, 3, 4, 5}

MODELS = [
    (Team, {"code": "LOBBY", "name": "x"}, ["code", "name", "name_zh"]),
    (Station, {"code": "lobby", "name": "x", "team_code": "LOBBY"}, ["code", "name", "team_code"]),
    (Staff, {"staff_no": "1002", "name": "x"}, ["staff_no", "name", "title"]),
    (Room, {"number": "1208", "floor": 12, "type": "x"}, ["number", "type"]),
    (Guest, {"name": "x"}, ["name", "member_no", "mobile", "company", "car_plate"]),
    (GuestNote, {"guest_id": 1, "kind": "preference", "text": "x"}, ["text", "station_code"]),
    (Stay, {"reservation_no": "R123", "guest_id": 1, "arrival_date": "2026-11-25", "departure_date": "2026-11-26"},
     ["reservation_no", "room_number", "remarks"]),
    (Task, {"type": "repair", "name": "x"}, ["type", "name", "details", "room_number"]),
    (Message, {"from_station": "lobby", "body": "x"}, ["from_station", "body", "room_number"]),
]


@pytest.mark.parametrize(("model", "base", "fields"), MODELS, ids=[m[0].__name__ for m in MODELS])
@SETTINGS
@given(text=NASTY)
def test_models_accept_clean_text_or_refuse_in_one_line(model, base, fields, text):
    for field in fields:
        try:
            built = validate(model, {**base, field: text})
        except InvalidInput as exc:
            assert "\n" not in str(exc) and str(exc).startswith("invalid ")
            continue
        value = getattr(built, field)
        if isinstance(value, str):
            assert value == clean_text(value, multiline=field in ("text", "details", "remarks"))
            assert "\x1b" not in value and "\x00" not in value


def _invoke(db: Path, args: list[str]):
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=True, env=signed_env(db, args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args!r} raised {result.exception!r}") from result.exception
    assert result.exit_code in EXIT_CODES, (args, result.exit_code, result.output)
    assert "Traceback" not in result.output, args
    return result


COMMANDS = [
    lambda t: ["send", "--from", "lobby", "--to", "fo", t],
    lambda t: ["send", "--from", t, "hello"],
    lambda t: ["send", "--from", "lobby", "--to", t, "hello"],
    lambda t: ["send", "--from", "lobby", "--priority", t, "hello"],
    lambda t: ["send", "--from", "lobby", "--room", t, "hello"],
    lambda t: ["ack", "1", "--station", t],
    lambda t: ["messages", "--search", t, "--json"],
    lambda t: ["messages", "--station", t],
    lambda t: ["guest", "find", t],
    lambda t: ["guest", "note", "1", "--kind", "preference", "--station", "lobby", "--staff", "1002", t],
    lambda t: ["guest", "note", "1", "--kind", t, "x"],
    lambda t: ["task", "add", "--type", "guest_request", "--station", "lobby", "--staff", "1002", t],
    lambda t: ["task", "add", "--type", t, "--station", "lobby", "--staff", "1002", "x"],
    lambda t: ["task", "add", "--type", "repair", "--station", "lobby", "--staff", t, "x"],
    lambda t: ["task", "add", "--type", "repair", "--station", "lobby", "--staff", "1002", "--due", t, "x"],
    lambda t: ["task", "hold", "1", "--station", "lobby", "--staff", "1002", "--reason", t],
    lambda t: ["task", "update", "1", "--station", "lobby", "--staff", "1002", "--name", t],
    lambda t: ["log", "add", "--station", "lobby", "--staff", "1002", t],
    lambda t: ["handover", "--station", t],
    lambda t: ["handover", "--shift", t],
    lambda t: ["handover", "--date", t],
    lambda t: ["run", "--station", t],
    lambda t: ["staff", "add", "1099", t, "--by", "0009", "--by-pin", "1234", "--pin", "2468"],
    lambda t: ["staff", "reset-pin", "1002", "--pin", t, "--by", "0009", "--by-pin", "1234"],
]


@pytest.fixture
def cheap_pins(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the text, not the PIN hash (tests/test_auth.py checks that): new PINs get cheap
    scrypt parameters and the admin's demo PIN is re-hashed with them (check_pin reads the parameters from
    the stored hash), instead of two production-strength hashes for each example of the staff commands."""
    monkeypatch.setattr(auth, "SCRYPT", {"n": 2, "r": 1, "p": 1})
    store = Store(demo_db)
    auth.reset_pin(store, by="0009", staff_no="0009", pin=DEMO_PIN)
    store.close()


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c("T")[:3]) for c in COMMANDS])
@SETTINGS
@given(text=NASTY)
def test_every_cli_command_survives_arbitrary_text(demo_db: Path, cheap_pins: None, command, text):
    if "\x00" in text:
        text = text.replace("\x00", "")  # a NUL cannot be passed as a process argument at all
    _invoke(demo_db, command(text))


@SETTINGS
@given(content=NASTY)
def test_import_survives_arbitrary_files(demo_db: Path, tmp_path_factory, content):
    path = tmp_path_factory.mktemp("csv") / "arrivals.csv"
    path.write_text(content.replace("\x00", ""), encoding="utf-8", errors="surrogatepass")
    _invoke(demo_db, ["import", "arrivals", str(path)])


@SETTINGS
@given(text=NASTY)
def test_text_is_shown_literally_never_as_markup(text):
    from butler_tui.ui.alerts import message_line
    from butler_tui.ui.messages import _cells

    body = clean_text(text) or "x"
    m = MessageView(id=1, created_at="2026-11-24T00:00:00.000Z", from_station="lobby", from_staff=None,
                    from_staff_name=text, audience_kind="all", audience=[], priority="routine", body=body,
                    room_number=None, guest_id=None, task_id=None, parent_id=None)
    cell = _cells(m, "fo")["body"]
    assert isinstance(cell, Text) and cell.plain == body
    assert body in message_line(m).plain
