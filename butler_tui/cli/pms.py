"""Data from the PMS: ``import arrivals``, ``import profiles``."""

from __future__ import annotations

from pathlib import Path

import click

from butler_tui.cli.common import acting_as, by_pin_option, echo_json, use_store
from butler_tui.cli.output import say
from butler_tui.i18n import t as tr
from butler_tui.logs import log


@click.group(name="import")
def import_group() -> None:
    """Bring data in from the PMS."""


@import_group.command(name="arrivals")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", default=None, metavar="NAME|FILE",
              help="Column mapping profile: a shipped one (butler import profiles) or a .toml file"
                   " (default: butler's own layout, else the shipped profile whose columns the file has).")
@click.option("--encoding", default=None, metavar="ENC",
              help="Read the file in this encoding (e.g. gb18030, cp1252) when it cannot be told for sure.")
@click.option("--dry-run", is_flag=True, help="Only say what importing the file would do.")
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
@click.option("--staff", "staff_no", default=None, help="Staff no. recorded as the importer (default: the session's).")
@by_pin_option
@click.pass_context
def import_arrivals_cmd(ctx: click.Context, file: Path, profile: str | None, encoding: str | None, dry_run: bool,
                        as_json: bool, staff_no: str | None, by_pin: str | None) -> None:
    """Import the PMS arrivals export FILE (all rows or none; idempotent by reservation no.).
    FILE "sample" is the sample export shipped with butler-tui."""
    from butler_tui.services.pms_import import export_path, import_arrivals, summary_lines

    file = export_path(file)
    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=None, right="import", by_pin=by_pin)
    report = import_arrivals(store, file, staff_no=who.staff_no, profile=profile, encoding=encoding, dry_run=dry_run)
    log.info("PMS arrivals import of %s by staff %s%s: %d rows, %d new, %d updated, %d unchanged, %d refused", file,
             who.staff_no, " (dry run)" if dry_run else "", report.rows, report.created, report.updated,
             report.unchanged, report.refused)
    if as_json:
        echo_json(report.as_dict())
        return
    for line in summary_lines(report, file):
        say(line)


@import_group.command(name="profiles")
def import_profiles_cmd() -> None:
    """List the shipped column mapping profiles."""
    from butler_tui.services.pms_profiles import DEFAULT, shipped

    for profile in shipped():
        mark = " " + tr("(default)") if profile.name == DEFAULT else ""
        owns = ", ".join(sorted(profile.pms_owns)) or "—"
        say(f"{profile.name}{mark}: {tr(profile.description)}")
        say("  " + tr("PMS owns: {fields}; date formats: {formats}", fields=owns,
                      formats=" ".join(profile.date_formats)))


COMMANDS: list[click.Command] = [import_group]
