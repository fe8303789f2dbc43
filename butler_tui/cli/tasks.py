"""Service orders: ``task …`` — add, list, show, update, every lifecycle step, escalation, ladders, types."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from butler_tui.cli.common import (
    BY_PIN,
    acting_as,
    by_pin_option,
    echo_json,
    guest_details_reader,
    signed_person,
    use_store,
)
from butler_tui.cli.output import say
from butler_tui.cli.types import ID
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    from butler_tui.services.tasks import TaskRow


def _print_task(task: TaskRow, as_json: bool) -> None:
    from butler_tui import clock
    from butler_tui.services.tasks import STATUS_LABEL

    if as_json:
        echo_json(task.to_json())
        return
    due = task.effective_due
    over = task.minutes_over
    parts = [f"#{task.id} P{task.priority} {task.type} · {task.shown_name}"]
    if task.room_number:
        parts.append(tr("room {room}", room=task.room_number))
    parts += [tr(STATUS_LABEL[task.status]),
              tr("owner {name} ({team})", name=task.owner_name or task.owner_no or "-", team=task.owner_team or "-")]
    if task.second_team:
        parts.append(tr("2nd {team}", team=task.second_team))
    due_text = tr("due {when}", when=clock.show_local(clock.iso(due), "%m-%d %H:%M") if due else "-")
    if over and over > 0:
        due_text += " " + tr("OVERDUE {minutes:.0f} min", minutes=over)
    parts.append(due_text)
    if task.escalation_level:
        parts.append(f"L{task.escalation_level}")
    say(" · ".join(parts))


@click.group()
def task() -> None:
    """Service orders: add, list, show, update, and every lifecycle step."""


@task.command(name="add")
@click.option("--type", "type_", required=True, help="Task type, e.g. guest_request, repair (see `butler task types`).")
@click.option("--station", default=None, help="Station where the request was received (default: the session's).")
@click.option("--staff", "staff_no", default=None,
              help="Staff no. of who received it (first responsible; default: the session's).")
@click.option("--room", default=None)
@click.option("--priority", type=int, default=None, help="1 (most urgent) to 5; default from the type.")
@click.option("--due", default=None, help="HH:MM, +30m, +2h or ISO; default from the type's SLA.")
@click.option("--to-team", "second_team", default=None,
              help="The department doing it (default: the type's); not the owner's, it is the second responsible.")
@click.option("--details", default="")
@click.option("--at", "at", default=None, metavar="TIME",
              help="Scheduled: due at HH:MM (hotel time; tomorrow if past) or ISO, raised --lead minutes ahead.")
@click.option("--lead", type=click.IntRange(0, 1440), default=None,
              help="With --at: minutes ahead of the time it is raised (default: the type's, 10).")
@click.option("--json", "as_json", is_flag=True, help="The task, with doing_team and notified (shape in the README).")
@click.argument("name", nargs=-1)
@by_pin_option
@click.pass_context
def task_add(ctx: click.Context, type_: str, station: str | None, staff_no: str | None, room: str | None,
             priority: int | None, due: str | None, second_team: str | None, details: str, at: str | None,
             lead: int | None, as_json: bool, name: tuple[str, ...], by_pin: str | None) -> None:
    """Create a task; prints it (its id first) and the stations told of it (with --at: the scheduled entry)."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import tasks

    store = use_store(ctx)
    station, staff_no = _who(ctx, store, staff_no, station, by_pin)
    if at is None and lead is not None:
        raise InvalidInput(tr("--lead goes with --at"))
    if at is not None:
        if due:
            raise InvalidInput(tr("--at is the time it is due: give --at or --due, not both"))
        _schedule(store, type_=type_, at=at, lead=lead, name=" ".join(name) or None, details=details, room=room,
                  priority=priority, staff_no=staff_no, station=station, second_team=second_team, as_json=as_json)
        return
    raised = tasks.raise_task(
        store, type=type_, name=" ".join(name) or None, details=details, room=room, priority=priority,
        staff_no=staff_no, station=station, due_at=tasks.parse_when(due) if due else None, second_team=second_team,
    )
    task = tasks.get_task(store, raised.id)
    if as_json:
        echo_json(task.to_json() | {"notified": [n.to_json() for n in raised.notified]})
        return
    _print_task(task, False)
    if raised.notified:
        say("  " + tr("told: {stations}", stations=", ".join(n.station for n in raised.notified)))


def _who(ctx: click.Context, store: Any, staff_no: str | None, station: str | None,
         by_pin: str | None) -> tuple[str, str]:
    """(station, staff no.) a task command acts as: the session's, or --staff proven by --by-pin."""
    from butler_tui.errors import InvalidInput

    who = acting_as(ctx, store, staff=staff_no, station=station, right="task", by_pin=by_pin)
    if who.station is None:
        raise InvalidInput(tr("give the station with --station CODE"))
    assert who.staff_no is not None  # a service account is never given "task"
    return who.station, who.staff_no


def _schedule(store: Any, *, type_: str, at: str, lead: int | None, as_json: bool, **fields: Any) -> None:
    from butler_tui import clock
    from butler_tui.services import scheduling, tasks

    found = scheduling.schedule(store, type=type_, at=tasks.parse_when(at), lead_minutes=lead, **fields)
    if as_json:
        echo_json(found.to_json())
        return
    say(tr("scheduled #{id} {type} · {name}{room} · due {due} · raised {raise_at}", id=found.id,
                  type=found.type, name=found.name,
                  room=" · " + tr("room {room}", room=found.room_number) if found.room_number else "",
                  due=clock.show_local(found.due_at, "%m-%d %H:%M"),
                  raise_at=clock.show_local(found.raise_at, "%m-%d %H:%M")))


@task.command(name="scheduled")
@click.option("--station", default=None, help="Only those this station will see when they are raised.")
@click.option("--json", "as_json", is_flag=True, help="An array of scheduled entries (scheduled, due_at, raise_at …).")
@click.pass_context
def task_scheduled(ctx: click.Context, station: str | None, as_json: bool) -> None:
    """Tasks waiting for their raise time (task add --at), soonest first."""
    from butler_tui import clock
    from butler_tui.services import scheduling

    found = scheduling.pending(use_store(ctx), station=station.lower() if station else None)
    if as_json:
        echo_json([s.to_json() for s in found])
        return
    if not found:
        say(tr("nothing scheduled"))
    for s in found:
        say(tr("scheduled #{id} {type} · {name}{room} · due {due} · raised {raise_at}", id=s.id, type=s.type,
                      name=s.name, room=" · " + tr("room {room}", room=s.room_number) if s.room_number else "",
                      due=clock.show_local(s.due_at, "%m-%d %H:%M"),
                      raise_at=clock.show_local(s.raise_at, "%m-%d %H:%M")))


@task.command(name="unschedule")
@click.argument("scheduled_id", type=int)
@click.option("--station", required=True)
@click.option("--staff", "staff_no", required=True,
              help="Who cancels it: the person who asked for it, or a lead and up.")
@click.option("--json", "as_json", is_flag=True, help="The cancelled entry (scheduled, due_at, raise_at …).")
@click.pass_context
def task_unschedule(ctx: click.Context, scheduled_id: int, station: str, staff_no: str, as_json: bool) -> None:
    """Cancel a scheduled task (task add --at) before it is raised."""
    from butler_tui import clock
    from butler_tui.services import scheduling

    gone = scheduling.cancel_scheduled(use_store(ctx), scheduled_id, staff_no=staff_no, station=station)
    if as_json:
        echo_json(gone.to_json())
        return
    say(tr("cancelled scheduled #{id} {type} · {name} · was due {due}", id=gone.id, type=gone.type,
                  name=gone.name, due=clock.show_local(gone.due_at, "%m-%d %H:%M")))


STATUSES = ("new", "acknowledged", "in_progress", "on_hold", "deferred", "reopened", "done", "verified", "closed",
            "cancelled")


@task.command(name="list")
@click.option("--station", default=None, help="Only this station's teams and floors.")
@click.option("--all", "include_closed", is_flag=True, help="Include done, verified, closed and cancelled.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only tasks in this status (repeat for several), e.g. done: waiting to be verified.")
@click.option("--mine", is_flag=True, help="Only the tasks --staff owns (first responsible) or is assigned.")
@click.option("--staff", "staff_no", default=None, help="Whose tasks --mine lists (a staff no.).")
@click.option("--escalated", is_flag=True, help="The escalation queue: escalated or overdue, most urgent first.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_list(ctx: click.Context, station: str | None, include_closed: bool, statuses: tuple[str, ...], mine: bool,
              staff_no: str | None, escalated: bool, as_json: bool) -> None:
    """Open tasks (or those of --status), most urgent first."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services import tasks

    if mine != bool(staff_no):
        raise InvalidInput(tr("--mine needs --staff NO (whose tasks), and --staff goes with --mine"))
    store = use_store(ctx)
    guest_details_reader(ctx, store)  # tasks name their guests: signed-in readers only
    if escalated:
        found = tasks.escalation_queue(store)
    elif station:
        teams, floors = tasks.teams_of_station(store, station.lower())
        found = tasks.open_tasks(store, teams=teams, floors=floors, station=station.lower(),
                                 include_closed=include_closed, statuses=statuses, mine=staff_no)
    else:
        found = tasks.open_tasks(store, include_closed=include_closed, statuses=statuses, mine=staff_no)
    if as_json:
        echo_json([t.to_json() for t in found])
        return
    for t in found:
        _print_task(t, False)


@task.command(name="show")
@click.argument("task_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_show(ctx: click.Context, task_id: int, as_json: bool) -> None:
    """One task, with its history."""
    from butler_tui import clock
    from butler_tui.services import tasks

    store = use_store(ctx)
    guest_details_reader(ctx, store)
    found = tasks.get_task(store, task_id)
    history = tasks.history(store, task_id)
    _print_task(found, as_json)
    if not as_json:
        for e in history:
            by = tr("by {who}", who=e["actor"] or "-")
            say(f"  {clock.show_local(e['at'], '%m-%d %H:%M:%S')} {e['action']:<10} {by}"
                       f" @{e['station'] or '-'} {e['after'] or ''}")


@task.command(name="update")
@click.argument("task_id", type=ID)
@click.option("--station", default=None, help="Default: the session's.")
@click.option("--staff", "staff_no", default=None, help="Default: the session's.")
@click.option("--name", default=None)
@click.option("--details", default=None)
@click.option("--room", default=None)
@click.option("--priority", type=int, default=None)
@click.option("--assignee", default=None)
@click.option("--to-team", "second_team", default=None, help="Hand on to this department (second responsible).")
@click.option("--json", "as_json", is_flag=True)
@by_pin_option
@click.pass_context
def task_update(ctx: click.Context, task_id: int, station: str | None, staff_no: str | None, name: str | None,
                details: str | None, room: str | None, priority: int | None, assignee: str | None,
                second_team: str | None, as_json: bool, by_pin: str | None) -> None:
    """Change a task's description, room, priority or assignee, or hand it on (--to-team)."""
    from butler_tui.services import tasks

    store = use_store(ctx)
    station, staff_no = _who(ctx, store, staff_no, station, by_pin)
    fields: dict[str, Any] = {k: v for k, v in {"name": name, "details": details, "room_number": room,
                                                "priority": priority, "assignee_no": assignee}.items() if v is not None}
    if not fields and not second_team:
        raise ButlerError(tr("nothing to update: give --name, --details, --room, --priority, --assignee or --to-team"))
    # One transaction: a refused change (a bad priority, an unknown team) leaves the task as it was.
    tasks.update(store, task_id, staff_no=staff_no, station=station, to_team=second_team, **fields)
    _print_task(tasks.get_task(store, task_id), as_json)


def _lifecycle_command(action: str, help_text: str, *, reason: bool = False, until: bool = False,
                       resolution: bool = False) -> None:
    @click.argument("task_id", type=ID)
    @click.option("--station", default=None, help="Default: the session's.")
    @click.option("--staff", "staff_no", default=None, help="Default: the session's.")
    @click.option("--json", "as_json", is_flag=True)
    @by_pin_option
    @click.pass_context
    def command(ctx: click.Context, /, task_id: int, station: str | None, staff_no: str | None, as_json: bool,
                by_pin: str | None, **extra: str | None) -> None:
        from butler_tui.services import tasks

        store = use_store(ctx)
        station, staff_no = _who(ctx, store, staff_no, station, by_pin)
        until = extra.get("until")
        when = tasks.parse_when(until) if until else None
        result = tasks.transition(store, task_id, action, staff_no=staff_no, station=station,
                                  reason=extra.get("reason"), until=when, resolution=extra.get("resolution"))
        _print_task(result, as_json)

    command.__doc__ = help_text
    if reason:
        command = click.option("--reason", required=True)(command)
    if until:
        command = click.option("--until", required=True, help="HH:MM, +30m, +2h or ISO")(command)
    if resolution:
        command = click.option("--resolution", default=None, help="What was done.")(command)
    task.command(name=action)(command)


_lifecycle_command("ack", "Acknowledge a task (you take it).")
_lifecycle_command("start", "Start working on a task.")
_lifecycle_command("hold", "Put a task on hold (the SLA clock stops).", reason=True)
_lifecycle_command("resume", "Resume a task that was on hold.")
_lifecycle_command("defer", "Defer a task to a later time.", until=True)
_lifecycle_command("done", "Mark a task done.", resolution=True)
_lifecycle_command("verify", "Verify a done task (lead or above, not the person who did it).")
_lifecycle_command("close", "Close a verified task.")
_lifecycle_command("cancel", "Cancel a task.", reason=True)
_lifecycle_command("reopen", "Reopen a done, verified or closed task (counts a repeat).", reason=True)


@task.command(name="escalate")
@click.argument("task_id", type=ID)
@click.option("--station", default=None, help="Default: the session's.")
@click.option("--staff", "staff_no", default=None, help="Default: the session's.")
@click.option("--reason", required=True)
@by_pin_option
@click.pass_context
def task_escalate(ctx: click.Context, task_id: int, station: str | None, staff_no: str | None, reason: str,
                  by_pin: str | None) -> None:
    """Escalate a task by hand, one level up, at once (首问责任制)."""
    from butler_tui.services import tasks

    store = use_store(ctx)
    station, staff_no = _who(ctx, store, staff_no, station, by_pin)
    _print_task(tasks.escalate_now(store, task_id, reason, staff_no=staff_no, station=station), False)


@task.command(name="ladder")
@click.argument("type_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Staff no. (a director or admin).")
@BY_PIN
@click.pass_context
def task_ladder(ctx: click.Context, type_code: str, file: Path, by: str | None, by_pin: str | None) -> None:
    """Replace a task type's escalation ladder with the JSON in FILE (tasks in flight keep theirs)."""
    from butler_tui.services.task_types import set_ladder

    store = use_store(ctx)
    person = signed_person(ctx, store, by, by_pin)
    set_ladder(store, type_code, file.read_text(encoding="utf-8"), staff_no=person.staff_no)
    say(tr("ladder of {code} replaced", code=type_code))


@task.command(name="types")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_types_cmd(ctx: click.Context, as_json: bool) -> None:
    """The task types with their priority, SLA and escalation ladder."""
    from butler_tui.services.task_types import list_types

    found = list_types(use_store(ctx))
    if as_json:
        echo_json([t.model_dump() for t in found])
        return
    for t in found:
        steps = "; ".join(f"L{s.level} {s.when} +{s.after_minutes:g}m → {s.notify}" for s in t.ladder.steps)
        due = tr("{n} min", n=t.due_minutes) if t.due_minutes is not None else "12:00 / 14:00"
        say(f"{t.code:<18} P{t.priority} {tr('due {when}', when=due):<14} {t.name} {t.name_zh} · {steps}")


COMMANDS: list[click.Command] = [task]
