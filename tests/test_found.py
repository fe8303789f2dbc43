"""The lost & found register (issue 17, seed 004 art. 5): found → stored → returned, or disposed of after
the hotel's days; linked to the room's stay and guest; on the guest's card and in the handover; the CLI."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.cli import cli
from butler_tui.errors import InvalidInput, NotFound, PermissionDenied
from butler_tui.services import found, guests, handover, settings
from butler_tui.services.demo import DEMO_PIN
from butler_tui.store import Store

from .conftest import signed_env

BUTLER, SUPERVISOR, MANAGER = "2002", "2005", "0003"


def _morning() -> datetime:
    """10:30 today, in the early shift: the handover's window holds what is found now."""
    return datetime.combine(clock.today(), time(10, 30)).astimezone()


def _in_house(store: Store, floors: range = range(1, 100)) -> dict:
    for row in store.rows("SELECT s.id, s.reservation_no, s.room_number, s.guest_id, g.name FROM stays s"
                          " JOIN guests g ON g.id = s.guest_id JOIN rooms r ON r.number = s.room_number"
                          " WHERE s.status = 'in_house' ORDER BY s.id"):
        if int(row["room_number"][:-2]) in floors:
            return row
    raise AssertionError("the demo has nobody in house there")


def _runner(demo_db: Path):
    runner = CliRunner()

    def run(*args: str, by: str = BUTLER):
        return runner.invoke(cli, ["--db", str(demo_db), *args, "--by", by, "--by-pin", DEMO_PIN])

    def read(*args: str):
        return runner.invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    return run, read


def test_cli_round_trip_found_stored_returned(demo_db: Path):
    clock.freeze(_morning())
    run, read = _runner(demo_db)
    store = Store(demo_db)
    try:
        guest = _in_house(store)
    finally:
        store.close()
    added = run("found", "add", "--what", "Black umbrella", "--where", guest["room_number"])
    assert added.exit_code == 0, added.output
    item_id = int(added.output.strip())
    as_json = json.loads(run("found", "add", "--what", "Phone", "--where", "Lobby bar", "--json").output)
    assert as_json["id"] == item_id + 1 and as_json["place"] == "Lobby bar" and as_json["room"] is None

    listed = json.loads(read("found", "list", "--json").output)
    umbrella = next(i for i in listed if i["id"] == item_id)
    # Found in an occupied room: linked to the stay there and its guest.
    assert (umbrella["status"], umbrella["room"], umbrella["stay_id"], umbrella["guest_id"]) == (
        "found", guest["room_number"], guest["id"], guest["guest_id"])

    stored = run("found", "store", str(item_id), "--at", "Housekeeping office safe")
    assert stored.exit_code == 0 and "Housekeeping office safe" in stored.output
    returned = run("found", "return", str(item_id), "--to", guest["name"], "--id-shown", "ID card 110101199001011234",
                   "--json")
    assert returned.exit_code == 0, returned.output
    back = json.loads(returned.output)
    assert (back["status"], back["returned_to"], back["returned_by"]) == ("returned", guest["name"], BUTLER)
    assert back["id_shown"].endswith("1234") and "19900101" not in back["id_shown"]  # lists show the ends only
    assert [i["id"] for i in json.loads(read("found", "list", "--status", "returned", "--json").output)] == [item_id]
    assert [i["id"] for i in json.loads(read("found", "list", "--room", guest["room_number"], "--json").output)] == [
        item_id]
    assert "Black umbrella" in read("found", "list").output

    store = Store(demo_db)
    try:  # every step is an audited event, by whom
        steps = store.rows("SELECT action, actor FROM events WHERE entity = 'found_items' AND entity_id = ?"
                           " ORDER BY id", (str(item_id),))
    finally:
        store.close()
    assert [(s["action"], s["actor"]) for s in steps] == [("found", BUTLER), ("stored", BUTLER), ("returned", BUTLER)]


@pytest.mark.parametrize(("args", "code", "words"), [
    (("found", "store", "999", "--at", "safe"), 1, "no lost & found item 999"),
    (("found", "add", "--what", "Ring", "--where", "9999"), 1, "no room 9999"),
    (("found", "add", "--what", " ", "--where", "lobby"), 2, "give what was found"),
    (("found", "return", "1", "--to", "Wang", "--id-shown", " "), 2, "give the ID they showed"),
])
def test_cli_wrong_input_is_one_clear_line(demo_db: Path, args: tuple[str, ...], code: int, words: str):
    run, _read = _runner(demo_db)
    assert run("found", "add", "--what", "Scarf", "--where", "Pool").exit_code == 0
    result = run(*args)
    assert result.exit_code == code, result.output
    assert words in result.stderr and "Traceback" not in result.output


def test_a_returned_item_is_not_stored_again_and_the_list_filters_refuse_nonsense(demo_db: Path):
    run, read = _runner(demo_db)
    item_id = run("found", "add", "--what", "Watch", "--where", "Gym").output.strip()
    assert run("found", "return", item_id, "--to", "Mr Li", "--id-shown", "passport E123").exit_code == 0
    again = run("found", "store", item_id, "--at", "safe")
    assert again.exit_code == 2 and f"item {item_id} (Watch) was returned to Mr Li" in again.stderr
    assert run("found", "dispose", item_id, by=SUPERVISOR).exit_code == 2
    bad = read("found", "list", "--status", "lost")
    assert bad.exit_code == 2 and "unknown status 'lost'" in bad.stderr


def test_dispose_is_refused_before_the_days_then_allowed(demo_db: Path):
    start = _morning()
    clock.freeze(start)
    run, read = _runner(demo_db)
    item_id = run("found", "add", "--what", "Sunglasses", "--where", "Lobby").output.strip()
    early = run("found", "dispose", item_id, by=SUPERVISOR)
    assert early.exit_code == 2
    assert "kept 90 days" in early.stderr and "may be disposed of from" in early.stderr
    clock.freeze(start + timedelta(days=90) - timedelta(minutes=1))
    assert run("found", "dispose", item_id, by=SUPERVISOR).exit_code == 2
    clock.freeze(start + timedelta(days=90))
    # A butler may not dispose of it (supervisors and up), even when the days are over.
    refused = run("found", "dispose", item_id, by=BUTLER)
    assert refused.exit_code == 5 and "may not dispose of a lost & found item" in refused.stderr
    done = run("found", "dispose", item_id, "--json", by=SUPERVISOR)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["status"] == "disposed"
    assert json.loads(read("found", "show", item_id, "--json").output)["disposed_by"] == SUPERVISOR


def test_the_days_are_the_hotels_setting(demo_store: Store):
    start = _morning()
    clock.freeze(start)
    assert settings.get_setting(demo_store, "found_dispose_days").value == "90"
    with pytest.raises(InvalidInput):
        settings.check_setting("found_dispose_days", "0")
    with pytest.raises(PermissionDenied):
        settings.set_setting(demo_store, "found_dispose_days", "30", by=SUPERVISOR)
    settings.set_setting(demo_store, "found_dispose_days", "30", by=MANAGER)
    item_id = found.add_item(demo_store, "Book", "Library", by=BUTLER)
    clock.freeze(start + timedelta(days=29))
    with pytest.raises(InvalidInput, match="kept 30 days"):
        found.dispose_item(demo_store, item_id, by=SUPERVISOR)
    clock.freeze(start + timedelta(days=30))
    assert found.dispose_item(demo_store, item_id, by=SUPERVISOR).status == "disposed"
    with pytest.raises(NotFound):
        found.dispose_item(demo_store, 12345, by=SUPERVISOR)


def test_an_item_left_at_check_out_is_the_departed_guests(demo_store: Store):
    clock.freeze(_morning())
    stay = demo_store.row("SELECT id, guest_id FROM stays WHERE status = 'departed' ORDER BY id LIMIT 1")
    room = demo_store.scalar("SELECT number FROM rooms r WHERE NOT EXISTS (SELECT 1 FROM stays s"
                             " WHERE s.room_number = r.number) ORDER BY number LIMIT 1")
    conn = demo_store.db.conn
    conn.execute("UPDATE stays SET room_number = ?, departed_at = ? WHERE id = ?",
                 (room, clock.iso(clock.now() - timedelta(hours=2)), stay["id"]))
    item = found.get_item(demo_store, found.add_item(demo_store, "Charger", room, by=BUTLER))
    assert (item.stay_id, item.guest_id) == (stay["id"], stay["guest_id"])
    # A day later the room's last guest is no longer taken to be the owner.
    conn.execute("UPDATE stays SET departed_at = ? WHERE id = ?",
                 (clock.iso(clock.now() - timedelta(hours=30)), stay["id"]))
    later = found.get_item(demo_store, found.add_item(demo_store, "Comb", room, by=BUTLER))
    assert (later.stay_id, later.guest_id) == (None, None)


def test_the_guest_card_shows_the_guests_items(demo_db: Path):
    clock.freeze(_morning())
    _run, read = _runner(demo_db)
    store = Store(demo_db)
    try:
        guest = _in_house(store)
        item_id = found.add_item(store, "Silver bracelet", guest["room_number"], by=BUTLER)
        found.store_item(store, item_id, "Front office safe", by=BUTLER)
        card = guests.profile(store, guest["guest_id"], audit=False)
        assert [(i.id, i.what, i.kept_at) for i in card.found_items] == [(item_id, "Silver bracelet",
                                                                            "Front office safe")]
    finally:
        store.close()
    shown = read("guest", "show", str(guest["guest_id"]))
    assert shown.exit_code == 0 and "Lost & found" in shown.output and "Silver bracelet" in shown.output
    as_json = json.loads(read("guest", "show", str(guest["guest_id"]), "--json").output)
    assert [i["id"] for i in as_json["found_items"]] == [item_id]


def test_the_handover_lists_what_was_found_in_the_shift(demo_store: Store):
    clock.freeze(_morning())
    high = _in_house(demo_store, range(11, 15))  # floors-high: floors 11–14
    low = _in_house(demo_store, range(1, 11))
    in_high = found.add_item(demo_store, "Laptop bag", high["room_number"], by=BUTLER, station="floors-high")
    in_low = found.add_item(demo_store, "Teddy bear", low["room_number"], by=BUTLER, station="floors-low")
    at_lobby = found.add_item(demo_store, "Passport holder", "Lobby lounge", by="1002", station="lobby")

    def items(station: str | None) -> set[int]:
        return {i["id"] for i in handover.build_report(demo_store, station)["lost_and_found"] if i["kind"] == "item"}

    assert items(None) == {in_high, in_low, at_lobby}
    assert items("floors-high") == {in_high}
    assert items("lobby") == {in_high, in_low, at_lobby}  # a station without floors hands over the whole hotel's
    text = handover.to_markdown(handover.build_report(demo_store, "floors-high"))
    assert f"| F{in_high} | Laptop bag" in text
    # The next shift's report no longer lists it: it was found in this one.
    clock.freeze(_morning() + timedelta(hours=8))
    assert in_high not in items("floors-high")
