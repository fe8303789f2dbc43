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


def main() -> None:
    cli(prog_name="butler")
