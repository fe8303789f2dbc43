"""The ``butler`` command line: a thin layer over the services.

Bad input gets one line on stderr and a non-zero exit — never a traceback, never a half-written
change (every write is one transaction).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from butler_tui import __version__
from butler_tui.config import default_db_path
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr
from butler_tui.store import Store


def _lang_in(args: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` among the group's options, before Click has parsed them."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _speak(group: click.Group, args: list[str]) -> None:
    """Choose the language before Click prints anything (``--help`` is answered while parsing), and
    put Click's own words and every command's and option's help into it."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    from butler_tui.i18n import detect, set_language

    try:
        set_language(detect(_lang_in(args)))
    except ButlerError:
        set_language("en")  # the group's callback reports the bad value
    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        module._ = tr  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = lambda one, many, n: tr(one if n == 1 else many)  # type: ignore[attr-defined]

    def localise(command: click.Command) -> None:
        command._help_option = None  # Click keeps the --help option it made, in the language of then
        for owner in (command, *command.params):
            english = owner.__dict__.setdefault("_help_en", getattr(owner, "help", None))
            if english:
                owner.help = tr(english)  # type: ignore[attr-defined]
        for sub in getattr(command, "commands", {}).values():
            localise(sub)

    localise(group)


class ButlerGroup(click.Group):
    """Turns every ButlerError (and stray SQLite error) into one clear line and an exit code."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        _speak(self, list(sys.argv[1:] if args is None else args))
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ButlerError as exc:
            click.echo(f"butler: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.Error as exc:
            click.echo("butler: " + tr("database error: {error}", error=exc), err=True)
            ctx.exit(4)


def _store(ctx: click.Context, *, create: bool = True, migrate: bool = True) -> Store:
    from butler_tui.services.settings import use_hotel_shifts

    store = Store(ctx.obj["db"], create=create, migrate=migrate)
    if migrate:
        use_hotel_shifts(store)
    return store


@click.group(cls=ButlerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file (default: $BUTLER_DB, else ./butler.db).",
)
@click.option("--lang", default=None, help="en or zh (default: $BUTLER_LANG, else the locale).")
@click.version_option(__version__, prog_name="butler")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, lang: str | None) -> None:
    """butler-tui: the butler team's stations on one shared SQLite file."""
    from butler_tui.i18n import detect, set_language

    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db_path()
    set_language(detect(lang))


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    from butler_tui.store.schema import SCHEMA_VERSION

    path = ctx.obj["db"]
    existed = Path(path).exists()
    _store(ctx).close()
    params = {"path": path, "version": SCHEMA_VERSION}
    click.echo(tr("migrated {path} (schema version {version})", **params) if existed
               else tr("created {path} (schema version {version})", **params))


@cli.command()
@click.option("--no-tui", is_flag=True, help="Only load the demo hotel; do not open the app.")
@click.option("--reset", is_flag=True, help="Delete the database file first and load a fresh demo.")
@click.option("--station", default="lobby", show_default=True, help="Station to open.")
@click.option("--staff", "staff_no", default="1002", show_default=True, help="Staff no. to open as.")
@click.pass_context
def demo(ctx: click.Context, no_tui: bool, reset: bool, station: str, staff_no: str) -> None:
    """Load the demo hotel (idempotent) and open the station app."""
    from butler_tui.services.demo import load_demo

    path = Path(ctx.obj["db"])
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    store = _store(ctx)
    report = load_demo(store)
    if report.total == 0:
        click.echo(tr("demo hotel already loaded in {path}", path=path))
    else:
        parts = ", ".join(f"{n} {tr(table)}" for table, n in report.inserted.items() if n)
        click.echo(tr("loaded demo hotel into {path}: {parts}", path=path, parts=parts))
    if not no_tui:
        from butler_tui.services.demo import DEMO_PIN

        # The demo opens signed in; every demo staff member's PIN is DEMO_PIN (ctrl+u switches user).
        _run_app(store, station, staff_no, ask_pin=False, hint=tr("demo hotel: every PIN is {pin}", pin=DEMO_PIN))
    else:
        from butler_tui.services.demo import DEMO_PIN

        click.echo(tr("demo staff sign in with PIN {pin}", pin=DEMO_PIN))
    store.close()


@cli.command()
@click.option("--station", required=True, help="Station code, e.g. lobby or floors-high.")
@click.option("--staff", "staff_no", default=None, help="Staff no. of the person at the station.")
@click.option("--keymap", "keymap_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file remapping keys by binding id (see `butler keys`).")
@click.pass_context
def run(ctx: click.Context, station: str, staff_no: str | None, keymap_file: Path | None) -> None:
    """Open the TUI as a station (it asks for staff no. and PIN)."""
    store = _store(ctx, create=False)
    _run_app(store, station, staff_no, keymap_file=keymap_file)
    store.close()


@cli.command()
@click.option("--station", required=True, help="Station the browser sessions open as.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Listen address. Keep it on localhost behind the hotel's authenticating proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--public-url", default=None, help="The URL the proxy serves it under, if not http://HOST:PORT.")
@click.pass_context
def serve(ctx: click.Context, station: str, host: str, port: int, public_url: str | None) -> None:
    """Serve the station in a browser with textual-serve (each connection runs its own station app,
    which asks for staff no. and PIN). textual-serve has no authentication of its own."""
    import shlex

    from textual_serve.server import Server

    from butler_tui.services.directory import get_station

    store = _store(ctx, create=False)
    code = get_station(store, station).code
    path = store.path.resolve()
    store.close()
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(tr("warning: listening on {host}: textual-serve has no authentication — put it behind the"
                      " hotel's authenticating proxy", host=host), err=True)
    from butler_tui.i18n import language

    # Each browser session is a station process of its own: same file, same station, same language.
    command = " ".join(shlex.quote(part) for part in
                       [sys.executable, "-m", "butler_tui", "--db", str(path), "--lang", language(), "run",
                        "--station", code])
    Server(command, host=host, port=port, title=f"butler · {code}", public_url=public_url).serve()


@cli.command()
def keys() -> None:
    """Every key binding id, its key and what it does (for a keymap file)."""
    from butler_tui.keymap import all_bindings

    for binding_id, (key, description) in all_bindings().items():
        click.echo(f"{binding_id:<28} {key:<22} {description}")


def _run_app(store: Store, station: str, staff_no: str | None, *, ask_pin: bool = True, hint: str = "",
             keymap_file: Path | None = None) -> None:
    from butler_tui.keymap import find_keymap_file, load_keymap
    from butler_tui.services.directory import get_staff, get_station

    keymap = load_keymap(find_keymap_file(keymap_file))

    station_info = get_station(store, station)
    staff_info = get_staff(store, staff_no) if staff_no else None
    if not sys.stdin.isatty() and not os.environ.get("BUTLER_FORCE_TUI"):
        raise ButlerError(tr("the station app needs a terminal (stdin is not a TTY); use --no-tui for scripts"))
    from butler_tui.app import ButlerApp

    ButlerApp(store.path, station_info.code, staff_info.staff_no if staff_info else None, ask_pin=ask_pin,
              sign_in_hint=hint, keymap=keymap).run()


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Integrity check, schema check, and warnings about where the file lives."""
    from butler_tui.store.maintenance import check as run_check

    store = _store(ctx, create=False, migrate=False)
    report = run_check(store)
    store.close()
    for label, value in (("database", report.path), ("schema version", report.schema_version),
                         ("journal mode", report.journal_mode), ("integrity", "; ".join(report.integrity))):
        click.echo(f"{tr(label) + ':':<16}{value}")
    for warning in report.warnings:
        click.echo(tr("warning: {text}", text=warning), err=True)
    if not report.ok:
        raise ButlerError(tr("integrity check failed"))


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Copy the live database to DEST with SQLite's online backup API."""
    from butler_tui.store.maintenance import backup as run_backup

    store = _store(ctx, create=False, migrate=False)
    target = run_backup(store, dest)
    store.close()
    click.echo(tr("backed up {path} to {target} ({size:,} bytes)", path=store.path, target=target,
                  size=target.stat().st_size))


# --------------------------------------------------------------------------------------------
# The radio channel
# --------------------------------------------------------------------------------------------


@cli.command()
@click.option("--from", "from_station", required=True, help="Sending station code.")
@click.option("--staff", "staff_no", default=None, help="Staff no. of the sender.")
@click.option("--to", "to", default="all", show_default=True,
              help="all | station codes (lobby,fo) | team:CODE[,team:CODE].")
@click.option("--priority", default="routine", show_default=True, help="routine | urgent | emergency.")
@click.option("--room", default=None, help="Room the message is about.")
@click.option("--guest", "guest_id", type=int, default=None, help="Guest id the message is about.")
@click.option("--task", "task_id", type=int, default=None, help="Task id the message is about.")
@click.option("--reply-to", "parent_id", type=int, default=None, help="Reply under this message.")
@click.argument("text", nargs=-1, required=True)
@click.pass_context
def send(ctx: click.Context, from_station: str, staff_no: str | None, to: str, priority: str, room: str | None,
         guest_id: int | None, task_id: int | None, parent_id: int | None, text: tuple[str, ...]) -> None:
    """Broadcast TEXT; prints the new message id."""
    from butler_tui.services import messaging

    store = _store(ctx, create=False)
    message_id = messaging.send(
        store, from_station=from_station, from_staff=staff_no, to=to, priority=priority, room=room,
        guest_id=guest_id, task_id=task_id, parent_id=parent_id, body=" ".join(text),
    )
    store.close()
    click.echo(message_id)


@cli.command()
@click.argument("message_id", type=int)
@click.option("--station", required=True, help="Acknowledging station code.")
@click.option("--staff", "staff_no", default=None, help="Staff no. of who acknowledges.")
@click.pass_context
def ack(ctx: click.Context, message_id: int, station: str, staff_no: str | None) -> None:
    """Acknowledge message MESSAGE_ID at a station."""
    from butler_tui.services import messaging

    store = _store(ctx, create=False)
    result = messaging.ack(store, message_id, station=station, staff_no=staff_no)
    store.close()
    when = result.acked_at
    if result.already:
        click.echo(tr("message {id} was already acknowledged by {station} at {when}", id=message_id,
                      station=result.station, when=when))
    else:
        click.echo(tr("acknowledged message {id} at {station} ({when})", id=message_id, station=result.station,
                      when=when))


@cli.command()
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
    import json

    from butler_tui.services import messaging
    from butler_tui.services.directory import get_station

    store = _store(ctx, create=False)
    if station:
        station = get_station(store, station).code
    found = messaging.list_messages(
        store, station=station, unacked=unacked, priority=priority, search=search, limit=limit
    )
    store.close()
    if as_json:
        click.echo(json.dumps([m.to_json() for m in found], ensure_ascii=False, indent=2))
        return
    from butler_tui import clock

    for m in found:
        acks = tr("{done}/{total} acked", done=len(m.acked), total=len(m.recipients))
        if m.pending:
            acks += tr(" (waiting: {stations})", stations=", ".join(m.pending))
        click.echo(
            f"#{m.id} {clock.show_local(m.created_at, '%m-%d %H:%M')} {tr(m.priority):<9} {m.from_station} → "
            f"{m.audience_label}: {m.body}  [{acks}]"
        )


# --------------------------------------------------------------------------------------------
# Imports from the PMS
# --------------------------------------------------------------------------------------------


@cli.group(name="import")
def import_group() -> None:
    """Bring data in from the PMS."""


@import_group.command(name="arrivals")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--staff", "staff_no", default=None, help="Staff no. recorded as the importer.")
@click.pass_context
def import_arrivals_cmd(ctx: click.Context, file: Path, staff_no: str | None) -> None:
    """Import the PMS arrivals export FILE.csv (all rows or none; idempotent by reservation no.)."""
    from butler_tui.services.pms_import import import_arrivals

    store = _store(ctx, create=False)
    report = import_arrivals(store, file, staff_no=staff_no)
    store.close()
    click.echo(tr("{file}: {rows} rows — {created} new, {updated} updated, {unchanged} unchanged; {guests} new"
                  " guest(s)", file=file, rows=report.rows, created=report.created, updated=report.updated,
                  unchanged=report.unchanged, guests=report.guests_created))


# --------------------------------------------------------------------------------------------
# Tasks (service orders), SLA and escalation
# --------------------------------------------------------------------------------------------


def _print_task(task, as_json: bool) -> None:
    import json

    from butler_tui import clock
    from butler_tui.services.tasks import STATUS_LABEL

    if as_json:
        click.echo(json.dumps(task.to_json(), ensure_ascii=False, indent=2))
        return
    due = task.effective_due
    over = task.minutes_over
    parts = [f"#{task.id} P{task.priority} {task.type} · {task.name}"]
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
    click.echo(" · ".join(parts))


@cli.group()
def task() -> None:
    """Service orders: add, list, show, update, and every lifecycle step."""


@task.command(name="add")
@click.option("--type", "type_", required=True, help="Task type, e.g. guest_request, repair (see `butler task types`).")
@click.option("--station", required=True, help="Station where the request was received.")
@click.option("--staff", "staff_no", required=True, help="Staff no. of who received it (first responsible).")
@click.option("--room", default=None)
@click.option("--priority", type=int, default=None, help="1 (most urgent) to 5; default from the type.")
@click.option("--due", default=None, help="HH:MM, +30m, +2h or ISO; default from the type's SLA.")
@click.option("--to-team", "second_team", default=None, help="Hand to this department as second responsible.")
@click.option("--details", default="")
@click.option("--json", "as_json", is_flag=True)
@click.argument("name", nargs=-1)
@click.pass_context
def task_add(ctx, type_, station, staff_no, room, priority, due, second_team, details, as_json, name) -> None:
    """Create a task; prints it (its id first)."""
    from butler_tui.services import tasks

    store = _store(ctx, create=False)
    task_id = tasks.create(
        store, type=type_, name=" ".join(name) or None, details=details, room=room, priority=priority,
        staff_no=staff_no, station=station, due_at=tasks.parse_when(due) if due else None, second_team=second_team,
    )
    _print_task(tasks.get_task(store, task_id), as_json)
    store.close()


@task.command(name="list")
@click.option("--station", default=None, help="Only this station's teams and floors.")
@click.option("--all", "include_closed", is_flag=True, help="Include done, verified, closed and cancelled.")
@click.option("--escalated", is_flag=True, help="The escalation queue: escalated or overdue, most urgent first.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_list(ctx, station, include_closed, escalated, as_json) -> None:
    """Open tasks, most urgent first."""
    import json

    from butler_tui.services import tasks

    store = _store(ctx, create=False)
    if escalated:
        found = tasks.escalation_queue(store)
    elif station:
        teams, floors = tasks.teams_of_station(store, station.lower())
        found = tasks.open_tasks(store, teams=teams, floors=floors, station=station.lower(),
                                 include_closed=include_closed)
    else:
        found = tasks.open_tasks(store, include_closed=include_closed)
    store.close()
    if as_json:
        click.echo(json.dumps([t.to_json() for t in found], ensure_ascii=False, indent=2))
        return
    for t in found:
        _print_task(t, False)


@task.command(name="show")
@click.argument("task_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_show(ctx, task_id, as_json) -> None:
    """One task, with its history."""
    from butler_tui import clock
    from butler_tui.services import tasks

    store = _store(ctx, create=False)
    found = tasks.get_task(store, task_id)
    history = store.rows("SELECT * FROM events WHERE entity = 'tasks' AND entity_id = ? ORDER BY id", (str(task_id),))
    store.close()
    _print_task(found, as_json)
    if not as_json:
        for e in history:
            by = tr("by {who}", who=e["actor"] or "-")
            click.echo(f"  {clock.show_local(e['at'], '%m-%d %H:%M:%S')} {e['action']:<10} {by}"
                       f" @{e['station'] or '-'} {e['after'] or ''}")


@task.command(name="update")
@click.argument("task_id", type=int)
@click.option("--station", required=True)
@click.option("--staff", "staff_no", required=True)
@click.option("--name", default=None)
@click.option("--details", default=None)
@click.option("--room", default=None)
@click.option("--priority", type=int, default=None)
@click.option("--assignee", default=None)
@click.option("--to-team", "second_team", default=None, help="Hand on to this department (second responsible).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_update(ctx, task_id, station, staff_no, name, details, room, priority, assignee, second_team, as_json):
    """Change a task's description, room, priority or assignee, or hand it on (--to-team)."""
    from butler_tui.services import tasks

    store = _store(ctx, create=False)
    fields = {k: v for k, v in {"name": name, "details": details, "room_number": room, "priority": priority,
                                "assignee_no": assignee}.items() if v is not None}
    if second_team:
        tasks.hand_on(store, task_id, second_team, staff_no=staff_no, station=station)
    if fields:
        tasks.update(store, task_id, staff_no=staff_no, station=station, **fields)
    if not fields and not second_team:
        raise ButlerError(tr("nothing to update: give --name, --details, --room, --priority, --assignee or --to-team"))
    _print_task(tasks.get_task(store, task_id), as_json)
    store.close()


def _lifecycle_command(action: str, help_text: str, *, reason: bool = False, until: bool = False,
                       resolution: bool = False) -> None:
    @click.argument("task_id", type=int)
    @click.option("--station", required=True)
    @click.option("--staff", "staff_no", required=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def command(ctx, task_id, station, staff_no, as_json, **extra) -> None:
        from butler_tui.services import tasks

        store = _store(ctx, create=False)
        when = tasks.parse_when(extra["until"]) if extra.get("until") else None
        result = tasks.transition(store, task_id, action, staff_no=staff_no, station=station,
                                  reason=extra.get("reason"), until=when, resolution=extra.get("resolution"))
        _print_task(result, as_json)
        store.close()

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
@click.argument("task_id", type=int)
@click.option("--station", required=True)
@click.option("--staff", "staff_no", required=True)
@click.option("--reason", required=True)
@click.pass_context
def task_escalate(ctx, task_id, station, staff_no, reason) -> None:
    """Escalate a task by hand, one level up, at once (首问责任制)."""
    from butler_tui.services import tasks

    store = _store(ctx, create=False)
    _print_task(tasks.escalate_now(store, task_id, reason, staff_no=staff_no, station=station), False)
    store.close()


@task.command(name="ladder")
@click.argument("type_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", required=True, help="Staff no. (a director or admin).")
@click.option("--by-pin", default=None, help="Their PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def task_ladder(ctx, type_code, file, by, by_pin) -> None:
    """Replace a task type's escalation ladder with the JSON in FILE (tasks in flight keep theirs)."""
    from butler_tui.services.task_types import set_ladder

    store = _store(ctx, create=False)
    person = _admin(ctx, store, by, by_pin)
    set_ladder(store, type_code, file.read_text(encoding="utf-8"), staff_no=person.staff_no)
    store.close()
    click.echo(tr("ladder of {code} replaced", code=type_code))


@task.command(name="types")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def task_types_cmd(ctx, as_json) -> None:
    """The task types with their priority, SLA and escalation ladder."""
    import json

    from butler_tui.services.task_types import list_types

    store = _store(ctx, create=False)
    found = list_types(store)
    store.close()
    if as_json:
        click.echo(json.dumps([t.model_dump() for t in found], ensure_ascii=False, indent=2))
        return
    for t in found:
        steps = "; ".join(f"L{s.level} {s.when} +{s.after_minutes:g}m → {s.notify}" for s in t.ladder.steps)
        due = tr("{n} min", n=t.due_minutes) if t.due_minutes is not None else "12:00 / 14:00"
        click.echo(f"{t.code:<18} P{t.priority} {tr('due {when}', when=due):<14} {t.name} {t.name_zh} · {steps}")


# --------------------------------------------------------------------------------------------
# Guests
# --------------------------------------------------------------------------------------------


@cli.group()
def guest() -> None:
    """Guest preference lookup and notes (客史档案)."""


@guest.command(name="find")
@click.argument("query", nargs=-1, required=True)
@click.option("--station", default=None, help="Station making the lookup (audited).")
@click.option("--staff", "staff_no", default=None, help="Staff no. making the lookup (audited).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def guest_find(ctx, query, station, staff_no, as_json) -> None:
    """Find guests by name, pinyin / initials, room, last digits of mobile, member no. or plate."""
    import json

    from butler_tui.services import guests

    text = " ".join(query)
    store = _store(ctx, create=False)
    hits = guests.find(store, text)  # the command line has no PIN: contact data stays masked
    guests.audit_lookup(store, text, len(hits), staff_no=staff_no, station=station)
    store.close()
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(tr("no guest matches {text!r}", text=text), err=True)
        ctx.exit(1)
    for h in hits:
        vip = f" VIP{h.vip_level}" if h.vip_level else ""
        room = " " + tr("room {room}", room=h.room) if h.room else ""
        click.echo(f"{h.id:>6} {h.label}{vip}{room} · {h.member_no or '-'} · {h.mobile or '-'} · {h.matched}")


@guest.command(name="show")
@click.argument("guest_id", type=int)
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def guest_show(ctx, guest_id, station, staff_no, as_json) -> None:
    """A guest's profile: allergies and dislikes first, notes by kind, newest first."""
    import json

    from butler_tui import clock
    from butler_tui.services import guests
    from butler_tui.services.stays import STATUS_LABEL as STAY_STATUS_LABEL

    store = _store(ctx, create=False)
    p = guests.profile(store, guest_id, staff_no=staff_no, station=station)
    store.close()
    if as_json:
        click.echo(json.dumps(p.to_json(), ensure_ascii=False, indent=2))
        return
    vip = f" VIP{p.vip_level}" if p.vip_level else ""
    click.echo(tr("{label}{vip} {level} · member {member} · mobile {mobile} · butler {butler}", label=p.label, vip=vip,
                  level=p.member_level, member=p.member_no or "-", mobile=p.mobile or "-",
                  butler=p.butler_name or "-"))
    if p.current_stay:
        s = p.current_stay
        click.echo(tr("now: room {room} ({status}) {arrival} → {departure}", room=s["room_number"] or "-",
                      status=tr(STAY_STATUS_LABEL[s["status"]]), arrival=s["arrival_date"],
                      departure=s["departure_date"]))
    click.echo(tr("visits {n}, last {last}, stays on record {stays}", n=p.visit_count, last=p.last_visit or "-",
                  stays=p.stays_recorded))
    for kind, notes in p.grouped():
        click.echo(("⚠ " if kind in guests.WARN_KINDS else "") + tr(guests.KIND_LABEL[kind]))
        for n in notes:
            click.echo(f"  - {n.text}  ({n.author_name or n.author_no or '-'} @{n.station_code or '-'}"
                       f" {clock.show_local(n.created_at, '%Y-%m-%d')}, {tr('note {id}', id=n.id)})")


@guest.command(name="note")
@click.argument("guest_id", type=int)
@click.option("--kind", required=True, help="preference, habit, life_trace, dietary, special_date, dislike, "
                                            "complaint, suggestion")
@click.option("--station", default=None)
@click.option("--staff", "staff_no", default=None)
@click.argument("text", nargs=-1, required=True)
@click.pass_context
def guest_note(ctx, guest_id, kind, station, staff_no, text) -> None:
    """Add a note to a guest's file; prints the note id."""
    from butler_tui.services import guests

    store = _store(ctx, create=False)
    note_id = guests.add_note(store, guest_id, kind, " ".join(text), staff_no=staff_no, station=station)
    store.close()
    click.echo(note_id)


# --------------------------------------------------------------------------------------------
# Staff and permissions
# --------------------------------------------------------------------------------------------


def _admin(ctx: click.Context, store: Store, by: str, by_pin: str | None):
    """Admin commands: the admin proves who they are with their own PIN (option, $BUTLER_PIN, or prompt)."""
    from butler_tui.services import auth

    pin = by_pin or os.environ.get("BUTLER_PIN")
    if pin is None:
        if not sys.stdin.isatty():
            raise ButlerError(tr("give the admin's PIN with --by-pin or $BUTLER_PIN (no terminal to ask)"))
        pin = click.prompt(tr("PIN of {staff_no}", staff_no=by), hide_input=True)
    return auth.sign_in(store, by, pin, station=None)


@cli.group()
def staff() -> None:
    """Staff accounts (admins): add staff, reset PINs."""


@staff.command(name="add")
@click.argument("staff_no")
@click.argument("name")
@click.option("--role", type=click.Choice(["butler", "lead", "supervisor", "manager", "director", "admin"]),
              default="butler", show_default=True)
@click.option("--team", default=None, help="Team code, e.g. LOBBY, ROOMS.")
@click.option("--title", default="")
@click.option("--pin", default=None, help="The new person's PIN (4–8 digits); asked when omitted.")
@click.option("--by", required=True, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_add(ctx, staff_no, name, role, team, title, pin, by, by_pin) -> None:
    """Add a staff member."""
    from butler_tui.services import auth

    store = _store(ctx, create=False)
    admin = _admin(ctx, store, by, by_pin)
    if pin is None and sys.stdin.isatty():
        pin = click.prompt(tr("PIN for {staff_no}", staff_no=staff_no), hide_input=True, confirmation_prompt=True)
    auth.add_staff(store, by=admin.staff_no, staff_no=staff_no, name=name, role=role, team=team, pin=pin,
                   title=title)
    store.close()
    click.echo(tr("added {staff_no} {name} ({role})", staff_no=staff_no.upper(), name=name, role=tr(role))
               + ("" if pin else tr(" — no PIN yet: run staff reset-pin")))


@staff.command(name="reset-pin")
@click.argument("staff_no")
@click.option("--pin", default=None, help="The new PIN (4–8 digits); asked when omitted.")
@click.option("--by", required=True, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_reset_pin(ctx, staff_no, pin, by, by_pin) -> None:
    """Set a new PIN for a staff member (and lift a lock)."""
    from butler_tui.services import auth

    store = _store(ctx, create=False)
    admin = _admin(ctx, store, by, by_pin)
    if pin is None:
        if not sys.stdin.isatty():
            raise ButlerError(tr("give the new PIN with --pin (no terminal to ask)"))
        pin = click.prompt(tr("new PIN for {staff_no}", staff_no=staff_no), hide_input=True, confirmation_prompt=True)
    auth.reset_pin(store, by=admin.staff_no, staff_no=staff_no, pin=pin)
    store.close()
    click.echo(tr("PIN of {staff_no} reset", staff_no=staff_no.upper()))


@staff.command(name="list")
@click.pass_context
def staff_list(ctx) -> None:
    """Staff with their team and role."""
    store = _store(ctx, create=False)
    for r in store.rows("SELECT staff_no, name, team_code, role, title, active, locked_until FROM staff"
                        " ORDER BY staff_no"):
        state = "" if r["active"] else tr(" (inactive)")
        click.echo(f"{r['staff_no']:<6} {r['name']:<8} {r['team_code'] or '-':<6} {r['role']:<10} {r['title']}{state}")
    store.close()


@cli.command()
@click.pass_context
def permissions(ctx) -> None:
    """Who may do what (the permissions table)."""
    from butler_tui.services.auth import ACTIONS

    store = _store(ctx, create=False)
    rows = store.rows("SELECT action, group_concat(role, ', ') AS roles FROM"
                      " (SELECT * FROM permissions ORDER BY role) GROUP BY action ORDER BY action")
    store.close()
    for r in rows:
        click.echo(f"{r['action']:<30} {r['roles']:<40} {tr(ACTIONS.get(r['action'], ''))}")


# --------------------------------------------------------------------------------------------
# Handover and duty log
# --------------------------------------------------------------------------------------------


@cli.command()
@click.option("--station", default=None, help="The station's handover (default: the whole hotel).")
@click.option("--shift", "shift_name", default=None, help="early | middle | night (default: the current one).")
@click.option("--date", "day", default=None, help="The shift's date, YYYY-MM-DD (default: the current one).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--signed", is_flag=True, help="Print the signed (frozen) handover instead of a fresh report.")
@click.pass_context
def handover(ctx, station, shift_name, day, fmt, signed) -> None:
    """Print the handover report (交班本) for a shift."""
    import json
    from datetime import date as date_type

    from butler_tui.services import handover as service
    from butler_tui.services.directory import get_station

    store = _store(ctx, create=False)
    if station:
        station = get_station(store, station).code
    try:
        when = date_type.fromisoformat(day) if day else None
    except ValueError:
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
    store.close()
    if fmt == "json":
        click.echo(json.dumps(report | ({"signatures": signatures} if signatures else {}), ensure_ascii=False,
                              indent=2))
    else:
        click.echo(service.to_markdown(report, signatures), nl=False)


@cli.group(name="log")
def duty_log() -> None:
    """The duty log: timestamped entries per station; corrections are new entries."""


@duty_log.command(name="add")
@click.option("--station", required=True)
@click.option("--staff", "staff_no", required=True)
@click.option("--high", is_flag=True, help="Flag the entry as high priority.")
@click.option("--room", default=None)
@click.option("--guest", "guest_id", type=int, default=None)
@click.option("--task", "task_id", type=int, default=None)
@click.option("--corrects", type=int, default=None, help="The entry this one corrects.")
@click.argument("text", nargs=-1, required=True)
@click.pass_context
def log_add(ctx, station, staff_no, high, room, guest_id, task_id, corrects, text) -> None:
    """Add an entry; prints its id."""
    from butler_tui.services import handover as service
    from butler_tui.services.directory import get_staff, get_station

    store = _store(ctx, create=False)
    code = get_station(store, station).code
    staff = get_staff(store, staff_no).staff_no
    entry_id = service.add_entry(store, code, " ".join(text), staff_no=staff, high_priority=high, room=room,
                                 guest_id=guest_id, task_id=task_id, corrects=corrects)
    store.close()
    click.echo(entry_id)


@cli.command()
@click.option("--station", default=None, help="Station recorded as running the sweep.")
@click.pass_context
def sweep(ctx, station) -> None:
    """Run the SLA / escalation checks once (for cron; open stations also sweep every few seconds)."""
    from butler_tui.services.escalation import sweep as run_sweep

    store = _store(ctx, create=False)
    report = run_sweep(store, station=station)
    store.close()
    click.echo(tr("examined {examined}, escalated {escalated}, reminders {repeated}, fell back {fell_back},"
                  " undeferred {undeferred}", examined=report.examined, escalated=report.escalated,
                  repeated=report.repeated, fell_back=report.fell_back, undeferred=report.undeferred))


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("screens"), show_default=True)
def screenshots(out: Path) -> None:
    """Write an SVG of every screen on the demo hotel (120×36, fixed clock): English into OUT, 简体中文 into OUT/zh."""
    from butler_tui.screenshots import capture_languages

    for path in capture_languages(out):
        click.echo(path)


def main() -> None:
    cli(prog_name="butler")
