"""The duty roster: ``roster set | clear | show | import | export``."""

from __future__ import annotations

from pathlib import Path

import click

from butler_tui.cli.common import BY_PIN, echo_json, signed_person, use_store
from butler_tui.cli.output import say
from butler_tui.i18n import t as tr


@click.group()
def roster() -> None:
    """The duty roster: who is on which shift, and each shift's duty manager (值班经理)."""


@roster.command(name="set")
@click.argument("day", metavar="DATE")
@click.argument("shift")
@click.argument("staff_no")
@click.option("--duty-manager", is_flag=True, help="As the shift's duty manager (the one before stays on it).")
@click.option("--by", default=None, help="Staff no. of who sets it (a lead or above).")
@BY_PIN
@click.pass_context
def roster_set(ctx: click.Context, day: str, shift: str, staff_no: str, duty_manager: bool, by: str | None,
               by_pin: str | None) -> None:
    """Put STAFF_NO on SHIFT of DATE (YYYY-MM-DD, today or tomorrow)."""
    from butler_tui.services import roster as service

    store = use_store(ctx)
    person = signed_person(ctx, store, by, by_pin)
    duty = service.set_duty(store, day, shift, staff_no, duty_manager=duty_manager, by=person.staff_no)
    line = tr("{staff_no} {name} on the {shift} shift of {day}", staff_no=duty.staff_no, name=duty.name,
              shift=duty.shift, day=duty.day)
    say(line + (" · " + tr("duty manager") if duty.duty_manager else ""))


@roster.command(name="clear")
@click.argument("day", metavar="DATE")
@click.argument("shift")
@click.argument("staff_no", required=False)
@click.option("--by", default=None, help="Staff no. of who sets it (a lead or above).")
@BY_PIN
@click.pass_context
def roster_clear(ctx: click.Context, day: str, shift: str, staff_no: str | None, by: str | None, by_pin: str | None) -> None:
    """Take STAFF_NO (or, without it, everyone) off SHIFT of DATE."""
    from butler_tui.services import roster as service

    store = use_store(ctx)
    person = signed_person(ctx, store, by, by_pin)
    gone = service.clear(store, day, shift, staff_no, by=person.staff_no)
    say(tr("{n} taken off the {shift} shift of {day}", n=gone, shift=shift.lower(),
                  day=service.parse_day(day).isoformat()))


@roster.command(name="show")
@click.option("--date", "day", default=None, help="YYYY-MM-DD, today, tomorrow or yesterday (default: today).")
@click.option("--json", "as_json", is_flag=True, help="An array of who is on (shape in the README).")
@click.pass_context
def roster_show(ctx: click.Context, day: str | None, as_json: bool) -> None:
    """Who is on each shift of a day, the duty manager first."""
    from butler_tui.services import roster as service

    found = service.show(use_store(ctx), day)
    if as_json:
        echo_json([d.to_json() for d in found])
        return
    if not found:
        say(tr("nobody is on the roster of {day}", day=service.parse_day(day).isoformat()))
        return
    for d in found:
        mark = tr("duty manager") if d.duty_manager else ""
        say(f"{d.day} {d.shift:<8} {d.staff_no:<6} {d.name:<8} {d.team_code or '-':<6} {tr(d.role):<10} {mark}"
                   .rstrip())


@roster.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Staff no. of who sets it (a lead or above).")
@BY_PIN
@click.pass_context
def roster_import(ctx: click.Context, file: Path, by: str | None, by_pin: str | None) -> None:
    """Import FILE.csv (date,shift,staff_no,duty_manager): all rows or none; each shift in it is replaced."""
    from butler_tui.services import roster as service

    store = use_store(ctx)
    person = signed_person(ctx, store, by, by_pin)
    report = service.import_csv(store, file, by=person.staff_no)
    say(tr("{file}: {rows} rows, {shifts} shift(s), {changed} changed", file=file, rows=report.rows,
                  shifts=report.shifts, changed=report.changed))


@roster.command(name="export")
@click.option("--from", "start", default=None, help="First date (YYYY-MM-DD, today, tomorrow or yesterday).")
@click.option("--to", "end", default=None, help="Last date.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: print).")
@click.pass_context
def roster_export(ctx: click.Context, start: str | None, end: str | None, out: Path | None) -> None:
    """The roster as CSV (date,shift,staff_no,duty_manager), as `roster import` reads it."""
    from butler_tui.services import roster as service

    text = service.export_csv(use_store(ctx), start, end)
    if out is None:
        say(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    say(tr("roster written to {path}", path=out))


COMMANDS: list[click.Command] = [roster]
