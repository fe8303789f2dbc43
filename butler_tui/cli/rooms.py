"""Rooms and the hotel's settings: ``room show | list | set | dnd | ooo`` and ``settings get | set``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from butler_tui.cli.common import BY_PIN, echo_json, signed_person, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from butler_tui.services.rooms import RoomRow

_BY = click.option("--by", default=None, help="Staff no. of who makes the change.")
_JSON = click.option("--json", "as_json", is_flag=True, help="The room as JSON (shape in the README).")


def _line(r: RoomRow) -> str:
    from butler_tui import clock

    parts = [f"{r.number:<5}", tr("floor {floor}", floor=r.floor), f"{tr(r.occupancy):<8}", f"{tr(r.hk_status):<10}"]
    if r.dnd:
        parts.append(tr("DND since {since}", since=clock.show_local(r.dnd_since) or "?"))
    if r.ooo:
        parts.append(tr("{kind} until {until}: {reason}", kind=tr(r.ooo), until=r.ooo_until or "?",
                        reason=r.ooo_reason or "-"))
        if r.ooo_task:
            parts.append(tr("repair task #{task}", task=r.ooo_task))
    if r.makeup_requested:
        parts.append(tr("make up room"))
    return "  ".join(parts)


def _show(r: RoomRow, as_json: bool) -> None:
    if as_json:
        echo_json(r.to_json())
    else:
        say(_line(r))


@click.group()
def room() -> None:
    """Rooms: housekeeping status, do-not-disturb, out of order."""


@room.command(name="show")
@click.argument("number", metavar="ROOM")
@_JSON
@click.pass_context
def room_show(ctx: click.Context, number: str, as_json: bool) -> None:
    """One room: occupancy, housekeeping status, DND, out of order."""
    from butler_tui.services import rooms

    _show(rooms.get_room(use_store(ctx), number), as_json)


@room.command(name="list")
@click.option("--floor", type=click.IntRange(1, 199), default=None, help="Only this floor.")
@click.option("--json", "as_json", is_flag=True, help="An array of rooms (shape in the README).")
@click.pass_context
def room_list(ctx: click.Context, floor: int | None, as_json: bool) -> None:
    """The rooms by number, of one floor with --floor."""
    from butler_tui.services import rooms

    found = rooms.list_rooms(use_store(ctx), floor)
    if as_json:
        echo_json([r.to_json() for r in found])
        return
    if not found:
        say(tr("no rooms"))
    for r in found:
        say(_line(r))


@room.command(name="set")
@click.argument("number", metavar="ROOM")
@click.argument("status", metavar="dirty|cleaning|clean|inspected")
@_BY
@BY_PIN
@_JSON
@click.pass_context
def room_set(ctx: click.Context, number: str, status: str, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Set ROOM's housekeeping status (inspected: supervisors and up)."""
    from butler_tui.services import rooms

    store = use_store(ctx)
    rooms.get_room(store, number)  # an unknown room is refused before the PIN is asked
    person = signed_person(ctx, store, by, by_pin)
    _show(rooms.set_status(store, number, status, by=person.staff_no), as_json)


@room.command(name="dnd")
@click.argument("number", metavar="ROOM")
@click.argument("state", metavar="on|off")
@_BY
@BY_PIN
@_JSON
@click.pass_context
def room_dnd(ctx: click.Context, number: str, state: str, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Do not disturb on (since now) or off."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import rooms

    if state.strip().lower() not in ("on", "off"):
        raise InvalidInput(tr("{value!r} is not on or off", value=state))
    store = use_store(ctx)
    rooms.get_room(store, number)
    person = signed_person(ctx, store, by, by_pin)
    _show(rooms.set_dnd(store, number, state.strip().lower() == "on", by=person.staff_no), as_json)


@room.command(name="ooo")
@click.argument("number", metavar="ROOM")
@click.option("--reason", default=None, help="Why (required unless --clear).")
@click.option("--until", "until", default=None, metavar="DATE", help="YYYY-MM-DD, today or tomorrow (required unless --clear).")
@click.option("--service", is_flag=True, help="Out of service (not sold for a while) rather than out of order.")
@click.option("--clear", is_flag=True, help="Back in order (the room is then dirty).")
@click.option("--task", "repair_task", type=ID, default=None, metavar="ID",
              help="Link the repair task that puts the room back (a task for this room).")
@click.option("--repair", "raise_repair", is_flag=True, help="Raise a repair task for the room and link it.")
@_BY
@BY_PIN
@_JSON
@click.pass_context
def room_ooo(ctx: click.Context, number: str, reason: str | None, until: str | None, service: bool, clear: bool,
             repair_task: int | None, raise_repair: bool, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Take ROOM out of order until a date, for a reason; or --clear it. No arrival is given it meanwhile."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import rooms

    if clear and (reason or until or service or repair_task is not None or raise_repair):
        raise InvalidInput(tr("--clear takes no --reason, --until, --service, --task or --repair"))
    if repair_task is not None and raise_repair:
        raise InvalidInput(tr("link an existing repair task or raise a new one, not both"))
    store = use_store(ctx)
    rooms.get_room(store, number)
    if clear:
        person = signed_person(ctx, store, by, by_pin)
        _show(rooms.clear_out_of_order(store, number, by=person.staff_no), as_json)
        return
    if not (reason or "").strip():
        raise InvalidInput(tr("give the reason the room is out of order (--reason)"))
    if not (until or "").strip():
        raise InvalidInput(tr("give the date the room is out of order until (--until YYYY-MM-DD)"))
    person = signed_person(ctx, store, by, by_pin)
    kind = "out_of_service" if service else rooms.OUT_OF_ORDER
    _show(rooms.set_out_of_order(store, number, reason=reason, until=until, kind=kind, by=person.staff_no,
                                 repair_task=repair_task, raise_repair=raise_repair),
          as_json)


@click.group(name="settings")
def settings_group() -> None:
    """The hotel's settings: ready_rule (inspected or clean), night_audit (HH:MM), timezone (IANA),
    found_dispose_days (days a found item is kept before it may be disposed of)."""


@settings_group.command(name="get")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help='{"name", "value", "default"} (see the README).')
@click.pass_context
def settings_get(ctx: click.Context, key: str, as_json: bool) -> None:
    """The value of KEY (its default when the hotel has not set it)."""
    from butler_tui.services import settings

    found = settings.get_setting(use_store(ctx), key)
    if as_json:
        echo_json(found.to_json())
        return
    say(f"{found.name} = {found.value}" + (f"  ({tr('default')})" if found.is_default else ""))


@settings_group.command(name="set")
@click.argument("key")
@click.argument("value")
@_BY
@BY_PIN
@click.option("--json", "as_json", is_flag=True, help='{"name", "value", "default"} (see the README).')
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Set KEY to VALUE (managers and up)."""
    from butler_tui.services import settings

    store = use_store(ctx)
    settings.check_setting(key, value)  # bad input is refused before the PIN is asked
    person = signed_person(ctx, store, by, by_pin)
    found = settings.set_setting(store, key, value, by=person.staff_no)
    if as_json:
        echo_json(found.to_json())
        return
    say(f"{found.name} = {found.value}")


COMMANDS: list[click.Command] = [room, settings_group]
