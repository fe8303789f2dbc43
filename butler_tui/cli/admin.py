"""Looking after the file: init, check, backup, and the sweep cron runs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from butler_tui.cli.common import acting_as, options, use_store
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    from butler_tui.store import SCHEMA_VERSION

    path = options(ctx).db
    existed = Path(path).exists()
    use_store(ctx, create=True)  # opening it creates or migrates it
    params = {"path": path, "version": SCHEMA_VERSION}
    click.echo(tr("migrated {path} (schema version {version})", **params) if existed
               else tr("created {path} (schema version {version})", **params))


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A bar on stderr while a long check or backup runs (only on a terminal: nothing in a script)."""
    bar: Any = None

    def advance(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command()
@click.option("--full", is_flag=True, help="Read the whole file: integrity_check and the foreign keys (slow on a big file).")
@click.pass_context
def check(ctx: click.Context, full: bool) -> None:
    """Integrity check (quick; --full reads everything), schema check, and warnings about the file."""
    from butler_tui.services.maintenance import check as run_check

    with _progress_bar(tr("checking")) as progress:
        report = run_check(use_store(ctx, migrate=False), full=full, progress=progress)
    for label, value in (("database", report.path), ("schema version", report.schema_version),
                         ("journal mode", report.journal_mode),
                         ("integrity", "; ".join(report.integrity) + " ("
                          + (tr("integrity_check, foreign keys") if full else tr("quick_check; --full reads everything"))
                          + ")")):
        click.echo(f"{tr(label) + ':':<16}{value}")
    for warning in report.warnings:
        click.echo(tr("warning: {text}", text=warning), err=True)
    if not report.ok:
        raise ButlerError(tr("integrity check failed"))


@click.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Copy the live database to DEST with SQLite's online backup API."""
    from butler_tui.services.maintenance import backup as run_backup

    store = use_store(ctx, migrate=False)
    with _progress_bar(tr("backing up")) as progress:
        target = run_backup(store, dest, progress=progress)
    click.echo(tr("backed up {path} to {target} ({size:,} bytes)", path=store.path, target=target,
                  size=target.stat().st_size))


@click.command()
@click.option("--station", default=None, help="Station recorded as running the sweep (default: the session's).")
@click.pass_context
def sweep(ctx: click.Context, station: str | None) -> None:
    """Run the SLA / escalation checks, the DND checks and the night audit once (for cron, with a service
    account's token; open stations also sweep every few seconds)."""
    from butler_tui.services.escalation import sweep as run_sweep

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=None, station=station, right="sweep")
    report = run_sweep(store, station=who.station)
    click.echo(tr("examined {examined}, escalated {escalated}, reminders {repeated}, fell back {fell_back},"
                  " undeferred {undeferred}", examined=report.examined, escalated=report.escalated,
                  repeated=report.repeated, fell_back=report.fell_back, undeferred=report.undeferred))
    if report.raised:
        click.echo(tr("raised {n} scheduled task(s)", n=report.raised))
    if report.dnd_checks:
        click.echo(tr("DND checks raised {n}, to the duty manager {escalated}", n=report.dnd_checks,
                      escalated=report.dnd_escalated))
    if report.audited_day:
        click.echo(tr("night audit of {day}: no-shows {no_shows}, overdue departures {overdue}",
                      day=report.audited_day, no_shows=report.no_shows, overdue=report.overdue))


@click.command(name="archive")
@click.option("--before", "before", required=True, help="Move closed history from before this day (YYYY-MM-DD).")
@click.option("--to", "to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The archive file (default: next to the database, NAME.archive.sqlite).")
@click.option("--no-vacuum", is_flag=True, help="Leave the freed pages in the file (run `butler vacuum` later).")
@click.option("--by", default=None, help="Staff no. of the manager or admin doing this.")
@click.option("--by-pin", default=None, help="Their PIN (else $BUTLER_PIN, else asked).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def archive_cmd(ctx: click.Context, before: str, to: Path | None, no_vacuum: bool, by: str | None, by_pin: str | None,
                as_json: bool) -> None:
    """Move closed history (done tasks, acknowledged messages, past stays' checklists) to an archive file."""
    from butler_tui.cli.common import echo_json, signed_person
    from butler_tui.services import archive

    archive.parse_day(before)  # a bad date is refused before anyone is asked for a PIN
    store = use_store(ctx)
    who = signed_person(ctx, store, by, by_pin)
    result = archive.archive(store, before, to=to, staff_no=who.staff_no, vacuum=not no_vacuum)
    if as_json:
        echo_json(result.to_json())
        return
    moved = ", ".join(f"{table} {n:,}" for table, n in result.counts.items())
    click.echo(tr("archived history before {day} to {path}: {moved}", day=result.before, path=result.path,
                  moved=moved))
    click.echo(tr("database {before:,} → {after:,} bytes", before=result.size_before, after=result.size_after))


@click.command()
@click.pass_context
def vacuum(ctx: click.Context) -> None:
    """Rebuild the file so that it shrinks by the space freed (after `butler archive --no-vacuum`)."""
    from butler_tui.services.archive import compact

    store = use_store(ctx)
    before, after = compact(store)
    click.echo(tr("database {before:,} → {after:,} bytes", before=before, after=after))


COMMANDS: list[click.Command] = [init, check, backup, sweep, archive_cmd, vacuum]
