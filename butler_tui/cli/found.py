"""The lost & found register (失物招领): ``found add | list | show | store | return | dispose``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from butler_tui.cli.common import BY_PIN, echo_json, guest_details_reader, signed_person, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from butler_tui.services.found import FoundItem

_BY = click.option("--by", default=None, help="Staff no. of who does it.")
_JSON = click.option("--json", "as_json", is_flag=True, help="The item as JSON (shape in the README).")


def _show(item: FoundItem, as_json: bool) -> None:
    from butler_tui.services.found import line

    if as_json:
        echo_json(item.to_json())
    else:
        say(line(item))


@click.group()
def found() -> None:
    """Lost & found: log what was found, where it is kept, to whom it went back."""


@found.command(name="add")
@click.option("--what", required=True, help="What was found (e.g. 'black umbrella').")
@click.option("--where", "where", required=True, metavar="ROOM|PLACE", help="A room number, or a place (lobby bar).")
@_BY
@BY_PIN
@click.option("--json", "as_json", is_flag=True, help='{"id", …} the new item (shape in the README).')
@click.pass_context
def found_add(ctx: click.Context, what: str, where: str, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Log a found item; prints its id. In a room, it is linked to the stay there and its guest."""
    from butler_tui.services import found as register
    from butler_tui.services.rooms import get_room

    store = use_store(ctx)
    room, _place = register.parse_where(where)  # bad input is refused before the PIN is asked
    if room is not None:
        get_room(store, room)
    person = signed_person(ctx, store, by, by_pin)
    item_id = register.add_item(store, what, where, by=person.staff_no)
    if as_json:
        echo_json(register.get_item(store, item_id).to_json())
        return
    say(item_id)


@found.command(name="list")
@click.option("--status", default=None, metavar="found|stored|returned|disposed", help="Only items in this state.")
@click.option("--open", "open_only", is_flag=True, help="Only items not returned or disposed of yet.")
@click.option("--room", default=None, help="Only items found in this room.")
@click.option("--guest", "guest_id", type=ID, default=None, help="Only this guest's items (guest id).")
@click.option("--json", "as_json", is_flag=True, help="An array of items, newest first (shape in the README).")
@click.pass_context
def found_list(ctx: click.Context, status: str | None, open_only: bool, room: str | None, guest_id: int | None,
               as_json: bool) -> None:
    """The register, newest first."""
    from butler_tui.services import found as register

    store = use_store(ctx)
    guest_details_reader(ctx, store)  # items name the guest they belong to: signed-in readers only
    items = register.list_items(store, status=status, room=room, guest_id=guest_id, open_only=open_only)
    if as_json:
        echo_json([i.to_json() for i in items])
        return
    if not items:
        say(tr("nothing in the lost & found register"))
    for item in items:
        _show(item, False)


@found.command(name="show")
@click.argument("item_id", metavar="ID", type=ID)
@_JSON
@click.pass_context
def found_show(ctx: click.Context, item_id: int, as_json: bool) -> None:
    """One item."""
    from butler_tui.services import found as register

    store = use_store(ctx)
    guest_details_reader(ctx, store)
    _show(register.get_item(store, item_id), as_json)


@found.command(name="store")
@click.argument("item_id", metavar="ID", type=ID)
@click.option("--at", "at", required=True, metavar="PLACE", help="Where it is kept (e.g. housekeeping office safe).")
@_BY
@BY_PIN
@_JSON
@click.pass_context
def found_store(ctx: click.Context, item_id: int, at: str, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Where the item is kept (again to record a move)."""
    from butler_tui.services import found as register

    store = use_store(ctx)
    register.get_item(store, item_id)  # an unknown id is refused before the PIN is asked
    person = signed_person(ctx, store, by, by_pin)
    _show(register.store_item(store, item_id, at, by=person.staff_no), as_json)


@found.command(name="return")
@click.argument("item_id", metavar="ID", type=ID)
@click.option("--to", "to", required=True, metavar="NAME", help="Who it was given back to.")
@click.option("--id-shown", "id_shown", required=True, metavar="TEXT", help="The ID they showed (kind and number).")
@_BY
@BY_PIN
@_JSON
@click.pass_context
def found_return(ctx: click.Context, item_id: int, to: str, id_shown: str, by: str | None, by_pin: str | None,
                 as_json: bool) -> None:
    """The item was given back to its owner, who showed an ID."""
    from butler_tui.services import found as register

    store = use_store(ctx)
    register.get_item(store, item_id)
    person = signed_person(ctx, store, by, by_pin)
    _show(register.return_item(store, item_id, to, id_shown, by=person.staff_no), as_json)


@found.command(name="dispose")
@click.argument("item_id", metavar="ID", type=ID)
@_BY
@BY_PIN
@_JSON
@click.pass_context
def found_dispose(ctx: click.Context, item_id: int, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Dispose of an item kept past found_dispose_days (supervisors and up)."""
    from butler_tui.services import found as register

    store = use_store(ctx)
    register.get_item(store, item_id)
    person = signed_person(ctx, store, by, by_pin)
    _show(register.dispose_item(store, item_id, by=person.staff_no), as_json)


COMMANDS: list[click.Command] = [found]
