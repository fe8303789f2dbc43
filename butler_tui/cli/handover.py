"""The shift's paper: ``handover`` (交班本) and the duty log (``log add``)."""

from __future__ import annotations

import click

from butler_tui.cli.common import acting_as, by_pin_option, echo_json, guest_details_reader, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr


@click.command()
@click.option("--station", default=None, help="The station's handover (default: the whole hotel).")
@click.option("--shift", "shift_name", default=None, help="early | middle | night (default: the current one).")
@click.option("--date", "day", default=None, help="The shift's date: YYYY-MM-DD, today, tomorrow or yesterday (default: the current one).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--signed", is_flag=True, help="Print the signed (frozen) handover instead of a fresh report.")
@click.pass_context
def handover(ctx: click.Context, station: str | None, shift_name: str | None, day: str | None, fmt: str,
             signed: bool) -> None:
    """Print the handover report (交班本) for a shift."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import handover as service
    from butler_tui.services.directory import get_station
    from butler_tui.services.times import parse_day

    store = use_store(ctx)
    guest_details_reader(ctx, store)  # the report names guests: signed-in readers only
    if station:
        station = get_station(store, station).code
    try:
        when = parse_day(day) if day else None
    except InvalidInput:  # exit 1, as this command always has
        raise ButlerError(tr("--date {day!r} is not a date like 2026-11-24", day=day)) from None
    signatures = None
    if signed:
        if not station:
            raise ButlerError(tr("--signed needs --station"))
        record = service.latest(store, station)
        if record is None:
            raise ButlerError(tr("no signed handover at {station} yet", station=station))
        report, signatures = record.report, record.signatures
    else:
        report = service.build_report(store, station, shift_name, when)
    if fmt == "json":
        echo_json(report | ({"signatures": signatures} if signatures else {}))
    else:
        say(service.to_markdown(report, signatures), nl=False)


@click.group(name="log")
def duty_log() -> None:
    """The duty log: timestamped entries per station; corrections are new entries."""


@duty_log.command(name="add")
@click.option("--station", default=None, help="Default: the session's.")
@click.option("--staff", "staff_no", default=None, help="Default: the session's.")
@click.option("--high", is_flag=True, help="Flag the entry as high priority.")
@click.option("--room", default=None)
@click.option("--guest", "guest_id", type=ID, default=None)
@click.option("--task", "task_id", type=ID, default=None)
@click.option("--corrects", type=ID, default=None, help="The entry this one corrects.")
@click.argument("text", nargs=-1, required=True)
@by_pin_option
@click.pass_context
def log_add(ctx: click.Context, station: str | None, staff_no: str | None, high: bool, room: str | None,
            guest_id: int | None, task_id: int | None, corrects: int | None, text: tuple[str, ...],
            by_pin: str | None) -> None:
    """Add an entry; prints its id."""
    from butler_tui.services import handover as service
    from butler_tui.services.directory import get_staff, get_station

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="log", by_pin=by_pin)
    if who.station is None or who.staff_no is None:
        raise ButlerError(tr("give the station with --station CODE"))
    code = get_station(store, who.station).code
    staff = get_staff(store, who.staff_no).staff_no
    entry_id = service.add_entry(store, code, " ".join(text), staff_no=staff, high_priority=high, room=room,
                                 guest_id=guest_id, task_id=task_id, corrects=corrects)
    say(entry_id)


COMMANDS: list[click.Command] = [handover, duty_log]
