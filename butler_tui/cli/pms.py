"""Data from the PMS: ``import arrivals``."""

from __future__ import annotations

from pathlib import Path

import click

from butler_tui.cli.common import acting_as, by_pin_option, use_store
from butler_tui.cli.output import say
from butler_tui.i18n import t as tr
from butler_tui.logs import log


@click.group(name="import")
def import_group() -> None:
    """Bring data in from the PMS."""


@import_group.command(name="arrivals")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--staff", "staff_no", default=None, help="Staff no. recorded as the importer (default: the session's).")
@by_pin_option
@click.pass_context
def import_arrivals_cmd(ctx: click.Context, file: Path, staff_no: str | None, by_pin: str | None) -> None:
    """Import the PMS arrivals export FILE.csv (all rows or none; idempotent by reservation no.)."""
    from butler_tui.services.pms_import import import_arrivals

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=None, right="import", by_pin=by_pin)
    report = import_arrivals(store, file, staff_no=who.staff_no)
    log.info("PMS arrivals import of %s by staff %s: %d rows, %d new, %d updated, %d unchanged", file, who.staff_no,
             report.rows, report.created, report.updated, report.unchanged)
    say(tr("{file}: {rows} rows — {created} new, {updated} updated, {unchanged} unchanged; {guests} new"
                  " guest(s)", file=file, rows=report.rows, created=report.created, updated=report.updated,
                  unchanged=report.unchanged, guests=report.guests_created))


COMMANDS: list[click.Command] = [import_group]
