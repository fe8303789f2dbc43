"""``butler report``: the manager's service figures for a period (services/reports.py)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import click

from butler_tui.cli.common import acting_as, by_pin_option, echo_json, use_store
from butler_tui.cli.output import say
from butler_tui.i18n import t as tr

COLUMNS = ("group", "requests", "cancelled", "ack_median_s", "ack_p90_s", "done_median_s", "done_p90_s",
           "sla_met_pct", "escalations", "reopen_rate", "complaints", "complaint_feedback_median_s",
           "satisfaction_pct")


@click.command()
@click.option("--from", "first", default=None, help="First hotel day: YYYY-MM-DD, today or yesterday (default: 6 days before --to).")
@click.option("--to", "last", default=None, help="Last hotel day, included (default: today).")
@click.option("--by", "by", type=click.Choice(["team", "type", "station", "staff"]), default=None,
              help="One row per team, task type, station or staff (default: one row, the whole hotel).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--staff", "staff_no", default=None, help="Default: the session's (a manager and up).")
@by_pin_option
@click.pass_context
def report(ctx: click.Context, first: str | None, last: str | None, by: str | None, fmt: str,
           staff_no: str | None, by_pin: str | None) -> None:
    """The service figures of a period (manager and up): requests, times, SLA, escalations, satisfaction."""
    from butler_tui.services import reports
    from butler_tui.services.times import parse_day

    store = use_store(ctx)
    who = acting_as(ctx, store, staff=staff_no, station=None, right="report", by_pin=by_pin)
    reports.require_reader(store, who.staff_no)
    to_day = parse_day(last)
    from_day = parse_day(first) if first else to_day - timedelta(days=6)
    start, end = reports.days_window(from_day, to_day)
    found = reports.figures(store, start, end, by)
    if fmt == "json":
        echo_json(found.to_json() | {"from": from_day.isoformat(), "to": to_day.isoformat(),
                                     "from_at": found.start, "to_at": found.end})
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in found.rows:
            data = row.to_json()
            writer.writerow(["" if data[c] is None else data[c] for c in COLUMNS])
        say(out.getvalue(), nl=False)
        return
    say(tr("Service figures {first} to {last} (hotel days)", first=from_day.isoformat(), last=to_day.isoformat()))
    say(table_text(found))


def table_text(found: object) -> str:
    """The figures as a plain text table (the rows, then the hotel's follow-up and channel lines)."""
    from butler_tui.services import reports

    assert isinstance(found, reports.Report)
    heads = [tr("group"), tr("requests"), tr("ack median"), tr("ack p90"), tr("done median"), tr("done p90"),
             tr("within SLA"), tr("escalations"), tr("reopened"), tr("complaints"), tr("satisfied")]
    lines = [heads]
    for r in found.rows:
        lines.append([r.group, str(r.requests), reports.duration(r.ack_median_s), reports.duration(r.ack_p90_s),
                      reports.duration(r.done_median_s), reports.duration(r.done_p90_s),
                      reports.percent(r.sla_met_pct), str(r.escalations), reports.percent(r.reopen_rate),
                      str(r.complaints), reports.percent(r.satisfaction_pct)])
    from rich.cells import cell_len

    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(heads))]
    text = "\n".join("  ".join(c + " " * (w - cell_len(c)) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
    f = found.follow_ups
    text += "\n" + tr("Follow-up calls: {within} of {departed} departures called within 24 h ({pct});"
                      " satisfaction {sat} of {scored} scored calls (target {target}%)",
                      within=f["within_24h"], departed=f["departed"], pct=reports.percent(f["within_24h_pct"]),
                      sat=reports.percent(f["satisfaction_pct"]), scored=f["scored"], target=int(f["target_pct"]))
    text += "\n" + tr("Messages: {n} acknowledgements missing at the end of their shift",
                      n=found.unacked_at_shift_end)
    for m in found.messages:
        text += "\n  " + tr("{station}: {asked} asked, median {median} to acknowledge, {late} missing at shift end",
                            station=m["station"], asked=m["asked"], median=reports.duration(m["ack_median_s"]),
                            late=m["unacked_at_shift_end"])
    return text


COMMANDS: list[click.Command] = [report]
