"""The radio channel: send, ack, messages."""

from __future__ import annotations

import click

from butler_tui.cli.common import acting_as, by_pin_option, echo_json, use_store
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.i18n import t as tr


@click.command()
@click.option("--from", "from_station", default=None, help="Sending station code (default: the session's).")
@click.option("--staff", "staff_no", default=None, help="Staff no. of the sender (default: the session's).")
@click.option("--to", "to", default="all", show_default=True,
              help="all | station codes (lobby,fo) | team:CODE[,team:CODE].")
@click.option("--priority", default="routine", show_default=True, help="routine | urgent | emergency.")
@click.option("--room", default=None, help="Room the message is about.")
@click.option("--guest", "guest_id", type=ID, default=None, help="Guest id the message is about.")
@click.option("--task", "task_id", type=ID, default=None, help="Task id the message is about.")
@click.option("--reply-to", "parent_id", type=ID, default=None, help="Reply under this message.")
@click.argument("text", nargs=-1, required=True)
@by_pin_option
@click.pass_context
def send(ctx: click.Context, from_station: str | None, staff_no: str | None, to: str, priority: str,
         room: str | None, guest_id: int | None, task_id: int | None, parent_id: int | None, text: tuple[str, ...],
         by_pin: str | None) -> None:
    """Broadcast TEXT; prints the new message id (signed in: `butler login`)."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import messaging

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=from_station, right="send", by_pin=by_pin)
    if who.station is None:
        raise InvalidInput(tr("give the sending station with --from CODE"))
    message_id = messaging.send(
        store, from_station=who.station, from_staff=who.staff_no, to=to, priority=priority, room=room,
        guest_id=guest_id, task_id=task_id, parent_id=parent_id, body=" ".join(text),
    )
    say(message_id)


@click.command()
@click.argument("message_id", type=ID)
@click.option("--station", default=None, help="Acknowledging station code (default: the session's).")
@click.option("--staff", "staff_no", default=None, help="Staff no. of who acknowledges (default: the session's).")
@by_pin_option
@click.pass_context
def ack(ctx: click.Context, message_id: int, station: str | None, staff_no: str | None, by_pin: str | None) -> None:
    """Acknowledge message MESSAGE_ID at a station (signed in: `butler login`)."""
    from butler_tui import clock
    from butler_tui.errors import InvalidInput
    from butler_tui.services import messaging

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=station, right="ack", by_pin=by_pin)
    if who.station is None:
        raise InvalidInput(tr("give the acknowledging station with --station CODE"))
    result = messaging.ack(store, message_id, station=who.station, staff_no=who.staff_no)
    when = clock.show_local(result.acked_at, "%m-%d %H:%M")  # hotel time, as every time the CLI prints
    if result.closed_as == "info":
        say(tr("message {id} is for information: {station} need not acknowledge it", id=message_id,
                      station=result.station))
    elif result.closed_as == "resolved":
        say(tr("message {id} needs no acknowledgement from {station} any more: its task was resolved at"
                      " {when}", id=message_id, station=result.station, when=when))
    elif result.already:
        say(tr("message {id} was already acknowledged by {station} at {when}", id=message_id,
                      station=result.station, when=when))
    else:
        say(tr("acknowledged message {id} at {station} ({when})", id=message_id, station=result.station,
                      when=when))


@click.command()
@click.option("--station", default=None, help="Only messages to or from this station.")
@click.option("--unacked", is_flag=True, help="Only messages still waiting for an acknowledgement.")
@click.option("--priority", default=None, help="Only this priority.")
@click.option("--search", default=None, help="Text, room number or sending station to look for.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON array (shape in the README).")
@click.pass_context
def messages(ctx: click.Context, station: str | None, unacked: bool, priority: str | None, search: str | None,
             limit: int, as_json: bool) -> None:
    """The channel log, newest first."""
    from butler_tui import clock
    from butler_tui.services import messaging
    from butler_tui.services.directory import get_station

    store = use_store(ctx)
    if station:
        station = get_station(store, station).code
    found = messaging.list_messages(
        store, station=station, unacked=unacked, priority=priority, search=search, limit=limit
    )
    if as_json:
        echo_json([m.to_json() for m in found])
        return
    for m in found:
        acks = (tr("{done}/{total} acked", done=len(m.acked), total=len(m.recipients)) if m.requires_ack
                else tr("for information"))
        if m.pending:
            acks += tr(" (waiting: {stations})", stations=", ".join(m.pending))
        say(
            f"#{m.id} {clock.show_local(m.created_at, '%m-%d %H:%M')} {tr(m.priority):<9} {m.from_station} → "
            f"{m.audience_label}: {m.body}  [{acks}]"
        )


COMMANDS: list[click.Command] = [send, ack, messages]
