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
from butler_tui.store import Store


class ButlerGroup(click.Group):
    """Turns every ButlerError (and stray SQLite error) into one clear line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ButlerError as exc:
            click.echo(f"butler: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except sqlite3.Error as exc:
            click.echo(f"butler: database error: {exc}", err=True)
            ctx.exit(4)


def _store(ctx: click.Context, *, create: bool = True, migrate: bool = True) -> Store:
    return Store(ctx.obj["db"], create=create, migrate=migrate)


@click.group(cls=ButlerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file (default: $BUTLER_DB, else ./butler.db).",
)
@click.version_option(__version__, prog_name="butler")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """butler-tui: the butler team's stations on one shared SQLite file."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db_path()


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    from butler_tui.store.schema import SCHEMA_VERSION

    path = ctx.obj["db"]
    existed = Path(path).exists()
    _store(ctx).close()
    click.echo(f"{'migrated' if existed else 'created'} {path} (schema version {SCHEMA_VERSION})")


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
        click.echo(f"demo hotel already loaded in {path}")
    else:
        parts = ", ".join(f"{n} {table}" for table, n in report.inserted.items() if n)
        click.echo(f"loaded demo hotel into {path}: {parts}")
    if not no_tui:
        _run_app(store, station, staff_no)
    store.close()


@cli.command()
@click.option("--station", required=True, help="Station code, e.g. lobby or floors-high.")
@click.option("--staff", "staff_no", default=None, help="Staff no. of the person at the station.")
@click.pass_context
def run(ctx: click.Context, station: str, staff_no: str | None) -> None:
    """Open the TUI as a station."""
    store = _store(ctx, create=False)
    _run_app(store, station, staff_no)
    store.close()


def _run_app(store: Store, station: str, staff_no: str | None) -> None:
    from butler_tui.services.directory import get_staff, get_station

    station_info = get_station(store, station)
    staff_info = get_staff(store, staff_no) if staff_no else None
    if not sys.stdin.isatty() and not os.environ.get("BUTLER_FORCE_TUI"):
        raise ButlerError("the station app needs a terminal (stdin is not a TTY); use --no-tui for scripts")
    from butler_tui.app import ButlerApp

    ButlerApp(store.path, station_info.code, staff_info.staff_no if staff_info else None).run()


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Integrity check, schema check, and warnings about where the file lives."""
    from butler_tui.store.maintenance import check as run_check

    store = _store(ctx, create=False, migrate=False)
    report = run_check(store)
    store.close()
    click.echo(f"database:       {report.path}")
    click.echo(f"schema version: {report.schema_version}")
    click.echo(f"journal mode:   {report.journal_mode}")
    click.echo(f"integrity:      {'; '.join(report.integrity)}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not report.ok:
        raise ButlerError("integrity check failed")


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Copy the live database to DEST with SQLite's online backup API."""
    from butler_tui.store.maintenance import backup as run_backup

    store = _store(ctx, create=False, migrate=False)
    target = run_backup(store, dest)
    store.close()
    click.echo(f"backed up {store.path} to {target} ({target.stat().st_size:,} bytes)")


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
        click.echo(f"message {message_id} was already acknowledged by {result.station} at {when}")
    else:
        click.echo(f"acknowledged message {message_id} at {result.station} ({when})")


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
        acks = f"{len(m.acked)}/{len(m.recipients)} acked"
        if m.pending:
            acks += f" (waiting: {', '.join(m.pending)})"
        click.echo(
            f"#{m.id} {clock.show_local(m.created_at, '%m-%d %H:%M')} {m.priority:<9} {m.from_station} → "
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
    click.echo(
        f"{file}: {report.rows} rows — {report.created} new, {report.updated} updated, {report.unchanged} unchanged;"
        f" {report.guests_created} new guest(s)"
    )


def main() -> None:
    cli(prog_name="butler")
