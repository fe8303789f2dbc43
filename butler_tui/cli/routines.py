"""Leads' daily and weekly routines: ``routine add | list | remove`` (the sweep raises their tasks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from butler_tui.cli.common import BY_PIN, echo_json, signed_person, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from butler_tui.services.scheduling import Routine

_BY = click.option("--by", default=None, help="Staff no. of the lead (or above) who sets it.")


def _line(r: Routine) -> str:
    from butler_tui import clock

    rooms = {"": tr("one task for the station"), "vip": tr("VIP rooms in house")}.get(r.rooms, r.rooms)
    every = tr("daily") if r.days == "daily" else r.days
    return tr("#{id} {at} {every} · {title} ({type}) → {station} · {rooms} · next {next}", id=r.id, at=r.at,
              every=every, title=r.title, type=r.type, station=r.station_code, rooms=rooms,
              next=clock.show_local(r.next_at, "%m-%d %H:%M") or "-")


@click.group()
def routine() -> None:
    """Daily and weekly routines set by leads (e.g. 18:00 turndown for the VIP rooms)."""


@routine.command(name="add")
@click.option("--title", required=True, help="What is done, e.g. 'Turndown'.")
@click.option("--type", "type_", required=True, help="Task type of the tasks raised (see `butler task types`).")
@click.option("--station", required=True, help="The station the tasks are raised for.")
@click.option("--at", "at", required=True, metavar="HH:MM", help="When (hotel time) the tasks are due.")
@click.option("--every", default="daily", show_default=True, metavar="daily|mon,tue,...")
@click.option("--rooms", default=None, metavar="vip|ROOM,ROOM",
              help="One task per room: vip (VIP guests in house on the station's floors) or room numbers;"
                   " without it, one task for the station.")
@click.option("--lead", type=click.IntRange(0, 1440), default=None,
              help="Minutes ahead of --at the tasks are raised (default: the type's, 10).")
@_BY
@BY_PIN
@click.option("--json", "as_json", is_flag=True, help="The routine as JSON (id, title, type, station, at, every …).")
@click.pass_context
def routine_add(ctx: click.Context, title: str, type_: str, station: str, at: str, every: str, rooms: str | None,
                lead: int | None, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Set a routine (leads and up); prints it, its id first."""
    from butler_tui.services import scheduling

    scheduling.parse_hhmm(at)  # bad input is refused before the PIN is asked
    scheduling.parse_days(every)
    scheduling.parse_rooms(rooms)
    store = use_store(ctx)
    person = signed_person(ctx, store, by, by_pin)
    found = scheduling.add_routine(store, title=title, type=type_, station=station, at=at, every=every, rooms=rooms,
                                   lead_minutes=lead, staff_no=person.staff_no)
    if as_json:
        echo_json(found.to_json())
        return
    say(_line(found))


@routine.command(name="list")
@click.option("--station", default=None, help="Only this station's routines.")
@click.option("--json", "as_json", is_flag=True, help="An array of routines.")
@click.pass_context
def routine_list(ctx: click.Context, station: str | None, as_json: bool) -> None:
    """The routines in force, by time of day."""
    from butler_tui.services import scheduling

    found = scheduling.list_routines(use_store(ctx), station=station)
    if as_json:
        echo_json([r.to_json() for r in found])
        return
    if not found:
        say(tr("no routines"))
    for r in found:
        say(_line(r))


@routine.command(name="remove")
@click.argument("routine_id", type=ID, metavar="ID")
@_BY
@BY_PIN
@click.option("--json", "as_json", is_flag=True, help='{"removed": ID}')
@click.pass_context
def routine_remove(ctx: click.Context, routine_id: int, by: str | None, by_pin: str | None, as_json: bool) -> None:
    """Stop a routine (leads and up); the tasks it raised stay."""
    from butler_tui.services import scheduling

    store = use_store(ctx)
    scheduling.get_routine(store, routine_id)
    person = signed_person(ctx, store, by, by_pin)
    scheduling.remove_routine(store, routine_id, staff_no=person.staff_no)
    if as_json:
        echo_json({"removed": routine_id})
        return
    say(tr("routine #{id} removed", id=routine_id))


COMMANDS: list[click.Command] = [routine]
