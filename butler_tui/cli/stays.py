"""Stays at the front desk: ``stay list`` (a day's arrivals or departures, the night audit's no-shows)
and ``stay set`` (a stay's next status — a no-show taken back when the guest turns up)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import click

from butler_tui.cli.common import (
    acting_as,
    by_pin_option,
    echo_json,
    guest_details_reader,
    say_changes,
    use_store,
)
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from butler_tui.services.stays import StayRow


def _line(s: StayRow, *, leaving: bool = False) -> str:
    from butler_tui.services.stays import STATUS_LABEL

    parts = [f"#{s.id:<5}", f"{s.reservation_no:<10}", f"{s.room_number or '—':<5}", s.guest_label,
             tr(STATUS_LABEL.get(s.status, s.status)), f"{s.arrival_date} → {s.departure_date}"]
    if leaving:  # the time OVERDUE is judged by, on the hotel's clock
        parts.append(tr("leaves {time}", time=s.leaves or "—"))
    if s.overdue:
        parts.append(tr("OVERDUE"))
    if s.follow_up_score:
        parts.append(tr("follow-up call: {score}/5 {comment}", score=s.follow_up_score,
                        comment=s.follow_up_comment or "").rstrip())
    return "  ".join(parts)


@click.group()
def stay() -> None:
    """Stays: a day's arrivals and departures, no-shows, status."""


@stay.command(name="list")
@click.option("--day", default=None, help="YYYY-MM-DD, today, tomorrow or yesterday (hotel time); default today.")
@click.option("--departures", is_flag=True, help="The day's departures (with the overdue ones) instead of arrivals.")
@click.option("--no-shows", "no_shows", is_flag=True, help="The no-shows of the day before --day and of --day.")
@click.option("--json", "as_json", is_flag=True, help="An array of stays, each with status and overdue.")
@click.pass_context
def stay_list(ctx: click.Context, day: str | None, departures: bool, no_shows: bool, as_json: bool) -> None:
    """A day's arrivals (default), its departures, or the night audit's no-shows."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import stays
    from butler_tui.services.times import parse_day

    if departures and no_shows:
        raise InvalidInput(tr("give --departures or --no-shows, not both"))
    store = use_store(ctx)  # the hotel's time zone first: "today" is the hotel's
    guest_details_reader(ctx, store)  # stays name their guests: signed-in readers only
    on = parse_day(day)
    if departures:
        found = stays.departures(store, on)
    elif no_shows:
        found = stays.no_shows(store, on - timedelta(days=1), on + timedelta(days=1))
    else:
        found = stays.arrivals(store, on)
    if as_json:
        echo_json([s.to_json() for s in found])
        return
    if not found:
        say(tr("no stays"))
    for s in found:
        say(_line(s, leaving=departures))


@stay.command(name="set")
@click.argument("stay_id", type=ID)
@click.argument("status", metavar="STATUS")
@click.option("--staff", "staff_no", default=None, help="Staff no. of who makes the change (default: the session's).")
@click.option("--station", default=None, help="Station where it is made (default: the session's).")
@click.option("--reason", default=None, help="Why (required to cancel).")
@click.option("--json", "as_json", is_flag=True, help="The stay as JSON.")
@by_pin_option
@click.pass_context
def stay_set(ctx: click.Context, stay_id: int, status: str, staff_no: str | None, station: str | None,
             reason: str | None, as_json: bool, by_pin: str | None) -> None:
    """Move stay STAY_ID to STATUS (e.g. a no-show back to expected, or arrived)."""
    from butler_tui.errors import NotFound
    from butler_tui.services import auth, stays

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="stay", by_pin=by_pin)
    if who.staff_no is None or auth.actor(store, who.staff_no) is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=who.staff_no))
    found = stays.transition(store, stay_id, status.strip().lower(), staff_no=who.staff_no, station=who.station,
                             reason=reason)
    if as_json:
        echo_json(found.to_json())
    else:
        say(_line(found))


@stay.command(name="show")
@click.argument("stay_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="The stay as JSON (car_plate, parking_bay …).")
@click.pass_context
def stay_show(ctx: click.Context, stay_id: int, as_json: bool) -> None:
    """One stay: guest, room, dates, status, car plate and parking bay."""
    from butler_tui.services import stays

    store = use_store(ctx)
    guest_details_reader(ctx, store)
    found = stays.get_stay(store, stay_id)
    if as_json:
        echo_json(found.to_json())
        return
    say(_line(found))
    say(tr("car {plate} · parking bay {bay} · butler {butler}", plate=found.car_plate or "-",
           bay=found.parking_bay or "-", butler=found.butler_name or found.butler_no or "-"))


@stay.command(name="edit")
@click.argument("stay_id", type=ID)
@click.option("--car-plate", default=None, help="The car's plate this stay ('-' for none).")
@click.option("--parking-bay", default=None, help="Where the car is parked, e.g. B2-17 ('-' for none).")
@click.option("--staff", "staff_no", default=None, help="Staff no. of who makes the change (default: the session's).")
@click.option("--station", default=None, help="Station where it is made (default: the session's).")
@click.option("--json", "as_json", is_flag=True, help="What changed: {field: {old, new}}.")
@by_pin_option
@click.pass_context
def stay_edit(ctx: click.Context, stay_id: int, car_plate: str | None, parking_bay: str | None,
              staff_no: str | None, station: str | None, as_json: bool, by_pin: str | None) -> None:
    """Change a stay's car plate or parking bay (each change is recorded with the old and new value)."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import stays

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="stay", by_pin=by_pin)
    changes = {k: v for k, v in (("car_plate", car_plate), ("parking_bay", parking_bay)) if v is not None}
    if not changes:
        raise InvalidInput(tr("nothing to change: give --car-plate or --parking-bay"))
    changed = stays.edit_stay(store, stay_id, staff_no=who.staff_no, station=who.station, **changes)
    say_changes(changed, stays.STAY_FIELD_LABEL, as_json=as_json)


@stay.command(name="follow-up")
@click.argument("stay_id", type=ID)
@click.option("--note", required=True, help="What the guest said on the call (their comment).")
@click.option("--score", default=None, help="The guest's score, 1 (poor) to 5 (excellent).")
@click.option("--staff", "staff_no", default=None, help="Staff no. of who made the call (default: the session's).")
@click.option("--station", default=None, help="Station where it is recorded (default: the session's).")
@by_pin_option
@click.pass_context
def stay_follow_up(ctx: click.Context, stay_id: int, note: str, score: str | None, staff_no: str | None,
                   station: str | None, by_pin: str | None) -> None:
    """Record the follow-up call after departure (回访): the guest's comment and an optional 1–5 score."""
    from butler_tui.services import checklists

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="stay", by_pin=by_pin)
    checklists.tick(store, stay_id, checklists.FOLLOW_UP, staff_no=who.staff_no, station=who.station, note=note,
                    score=score)
    say(tr("follow-up call of stay {stay_id} recorded", stay_id=stay_id))


COMMANDS: list[click.Command] = [stay]
