"""Looking after the file: init, check, backup, and the sweep cron runs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from butler_tui.cli.common import BY_PIN, acting_as, options, use_store
from butler_tui.cli.output import say
from butler_tui.config import redact
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr
from butler_tui.logs import log


@click.command()
@click.option("--training", is_flag=True,
              help="Make a training database (empty; BUTLER_NOW may move its clock). Never a live hotel's file.")
@click.pass_context
def init(ctx: click.Context, training: bool) -> None:
    """Create the database, or migrate it to this version's schema."""
    from butler_tui.cli.common import shown_db
    from butler_tui.services.settings import use_hotel_settings
    from butler_tui.store import SCHEMA_VERSION

    path = options(ctx).db
    store = use_store(ctx, create=True, training=training, migrate=False)
    existed = len(store.migrate()) < SCHEMA_VERSION  # a new database takes every migration (file or server)
    use_hotel_settings(store)
    if training:
        from butler_tui.services.training import make_training

        make_training(store)
    path = shown_db(path)
    params = {"path": path, "version": SCHEMA_VERSION}
    say(tr("migrated {path} (schema version {version})", **params) if existed
               else tr("created {path} (schema version {version})", **params))
    if training:
        say(tr("{path} is a training database: BUTLER_NOW may move its clock", path=path))


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
    """Integrity check (quick; --full reads everything), schema check, the events' hash chain, the tables,
    indexes and triggers against this version's schema, and warnings about the file."""
    from butler_tui.services.maintenance import check as run_check
    from butler_tui.store import SCHEMA_VERSION

    with _progress_bar(tr("checking")) as progress:
        report = run_check(use_store(ctx, migrate=False), full=full, progress=progress)
    for label, value in (("database", report.path), ("schema version", report.schema_version),
                         ("journal mode", report.journal_mode),
                         ("integrity", "; ".join(report.integrity) + " ("
                          + (tr("integrity_check, foreign keys") if full else tr("quick_check; --full reads everything"))
                          + ")")):
        say(f"{tr(label) + ':':<16}{value}")
    if report.chain_error:
        chain = tr("cannot be walked: {error}", error=report.chain_error)
    elif report.chain_break is not None:
        chain = tr("BROKEN at event {id} ({n:,} events before it hold)", id=report.chain_break, n=report.chain_checked)
    elif report.integrity == ["ok"] and report.schema_version == SCHEMA_VERSION:
        chain = tr("ok ({n:,} events)", n=report.chain_checked)
    else:
        chain = tr("not checked")
    say(f"{tr('event chain') + ':':<16}{chain}")
    if report.integrity == ["ok"] and report.schema_version == SCHEMA_VERSION:
        say(f"{tr('schema objects') + ':':<16}" + (tr("ok (tables, indexes, triggers as this version's)")
                                                            if not report.schema_diffs else "; ".join(report.schema_diffs)))
    for warning in report.warnings:
        say(tr("warning: {text}", text=warning), err=True)
    if report.integrity != ["ok"]:
        raise ButlerError(tr("integrity check failed"))
    if not report.ok:
        found = ([tr("event chain broken at event {id}", id=report.chain_break)] if report.chain_break is not None
                 else []) + ([report.chain_error] if report.chain_error else []) + report.schema_diffs
        raise ButlerError(tr("tamper check failed, the database was changed around the program: {found}",
                             found="; ".join(found)))


@click.command()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--keep", type=int, default=None, metavar="N",
              help="DEST is a directory: write a dated backup into it (NAME-YYYYMMDD-HHMMSS.db, .dump on a server;"
                   " hotel time) and delete the oldest of those beyond the N newest.")
@click.pass_context
def backup(ctx: click.Context, dest: Path, keep: int | None) -> None:
    """Copy the live database to DEST with SQLite's online backup API; on a PostgreSQL server with pg_dump's
    custom format (NAME.dump: put it back with `pg_restore -d postgresql://… FILE`)."""
    from butler_tui.services.maintenance import backup as run_backup
    from butler_tui.services.maintenance import backup_rotated

    store = use_store(ctx, migrate=False)
    removed: list[Path] = []
    with _progress_bar(tr("backing up")) as progress:
        if keep is None:
            target = run_backup(store, dest, progress=progress)
        else:
            target, removed = backup_rotated(store, dest, keep, progress=progress)
    source = store.path if store.url is None else redact(store.url)  # never a password in a message
    log.info("backup of %s to %s (%d bytes); deleted %d old backup(s)", source, target, target.stat().st_size,
             len(removed))
    say(tr("backed up {path} to {target} ({size:,} bytes)", path=source, target=target,
                  size=target.stat().st_size))
    for old in removed:
        say(tr("deleted the old backup {path}", path=old))


@click.command("migrate-to")
@click.argument("url", metavar="postgresql://…")
@click.option("--json", "as_json", is_flag=True, help="Print the rows copied per table as JSON.")
@click.pass_context
def migrate_to(ctx: click.Context, url: str, as_json: bool) -> None:
    """Copy this SQLite hotel into an empty PostgreSQL database: every row and event, verified by counts and
    the audit chain (nothing is written there unless all of it holds). The stations then use --db URL."""
    from butler_tui.cli.common import echo_json
    from butler_tui.services.maintenance import migrate_to as run

    store = use_store(ctx)
    counts = run(store, url)
    if as_json:
        echo_json({"rows": counts, "events": counts.get("events", 0)})
        return
    say(tr("copied {rows:,} rows ({events:,} events, chain verified) into {url}", rows=sum(counts.values()),
           events=counts.get("events", 0), url=redact(url)))




@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Even while stations have the file open: they stop (showing why) and let go of it first.")
@click.option("--full", is_flag=True, help="Check the whole backup (integrity_check), not only quick_check.")
@click.option("--by", required=True, help="Staff no. of the director or admin doing this.")
@BY_PIN
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def restore(ctx: click.Context, backup_file: Path, force: bool, full: bool, by: str, by_pin: str | None,
            as_json: bool) -> None:
    """Put BACKUP in place of the database: the backup is checked, the file in place is kept aside
    (NAME.before-restore-YYYYMMDD-HHMMSS), and the restore is recorded in the restored file."""
    from butler_tui.cli.common import admin_sign_in, echo_json
    from butler_tui.services import maintenance

    # A damaged backup, or open stations, are refused before anyone is asked for a PIN.
    db = options(ctx).db
    version = maintenance.check_backup(backup_file, full=full, server=isinstance(db, str))
    path = Path(db)
    if isinstance(db, str):  # a server (postgresql://…): the backup is a pg_dump, the stations its connections
        store = use_store(ctx)
        if not force:
            maintenance.refuse_open_stations(store)
        who = admin_sign_in(store, by, by_pin)
        result = maintenance.restore(store, backup_file, staff_no=who.staff_no, force=force, version=version)
    elif path.exists():
        store = use_store(ctx)
        who = admin_sign_in(store, by, by_pin)
        result = maintenance.restore(store, backup_file, staff_no=who.staff_no, force=force, version=version)
    else:
        result = maintenance.restore_missing(path, backup_file, version=version,
                                             sign_in=lambda copy: admin_sign_in(copy, by, by_pin).staff_no)
    log.warning("restored %s to %s (admin staff %s)", result.backup, result.path, by)
    if as_json:
        echo_json(result.to_json())
        return
    say(tr("restored {backup} to {path} (schema version {version})", backup=result.backup,
                  path=result.path, version=result.schema_version))
    if result.kept:  # on a server: a pg_dump of the database as it was (`butler restore` reads it)
        say(tr("the file that was in place is kept as {kept}", kept=result.kept))
    if result.stations_stopped:
        say(tr("{n} station(s) stopped: start them again", n=result.stations_stopped))


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
    log.info("sweep at %s (butler sweep): examined %d, changed %d, DND checks %d, audited %s", who.station,
             report.examined, report.changed, report.dnd_checks, report.audited_day or "-")
    say(tr("examined {examined}, escalated {escalated}, reminders {repeated}, fell back {fell_back},"
                  " undeferred {undeferred}", examined=report.examined, escalated=report.escalated,
                  repeated=report.repeated, fell_back=report.fell_back, undeferred=report.undeferred))
    if report.raised:
        say(tr("raised {n} scheduled task(s)", n=report.raised))
    if report.dnd_checks:
        say(tr("DND checks raised {n}, to the duty manager {escalated}", n=report.dnd_checks,
                      escalated=report.dnd_escalated))
    if report.audited_day:
        say(tr("night audit of {day}: no-shows {no_shows}, overdue departures {overdue}",
                      day=report.audited_day, no_shows=report.no_shows, overdue=report.overdue))


@click.command(name="archive")
@click.option("--before", "before", required=True, help="Move closed history from before this day (YYYY-MM-DD).")
@click.option("--to", "to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The archive file (default: next to the database, NAME.archive.sqlite). On PostgreSQL the"
                   " archive is the schema report_archive of the same database: no --to.")
@click.option("--no-vacuum", is_flag=True, help="Leave the freed pages in the file (run `butler vacuum` later).")
@click.option("--by", default=None, help="Staff no. of the manager or admin doing this.")
@BY_PIN
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def archive_cmd(ctx: click.Context, before: str, to: Path | None, no_vacuum: bool, by: str | None, by_pin: str | None,
                as_json: bool) -> None:
    """Move closed history (verified, closed and cancelled tasks, acknowledged messages, past stays' checklists) to an
    archive file; a task done and not yet verified stays on its station's verify list.

    On PostgreSQL: to the schema report_archive of the same database, as the database's owner role."""
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
    say(tr("archived history before {day} to {path}: {moved}", day=result.before, path=result.path,
                  moved=moved))
    say(tr("database {before:,} → {after:,} bytes", before=result.size_before, after=result.size_after))


@click.command()
@click.pass_context
def vacuum(ctx: click.Context) -> None:
    """Rebuild the file so that it shrinks by the space freed (after `butler archive --no-vacuum`).

    On PostgreSQL: VACUUM (ANALYZE), which frees the space for reuse without shrinking the files (VACUUM FULL
    would lock the tables while it copies them)."""
    from butler_tui.services.archive import compact

    store = use_store(ctx)
    before, after = compact(store)
    say(tr("database {before:,} → {after:,} bytes", before=before, after=after))


COMMANDS: list[click.Command] = [init, check, backup, restore, sweep, archive_cmd, vacuum, migrate_to]
