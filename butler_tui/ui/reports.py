"""The manager's Reports screen (issue 21): a period (today, this shift, 7 days, 30 days), the figures by
team / type / station / staff as a table, and charts in the terminal (Sparklines: within SLA per day,
requests per hour of day, time to done by team). Enter on a row lists the tasks behind it; enter on a task
opens its detail."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Sparkline, Static

from butler_tui import clock
from butler_tui.errors import ButlerError
from butler_tui.i18n import N_, t
from butler_tui.services import reports, tasks
from butler_tui.store import Store
from butler_tui.ui.base import StationChanged
from butler_tui.ui.board import Board
from butler_tui.ui.table import KeyedTable

COLUMNS = [("group", N_("Group"), 14), ("requests", N_("Requests"), 8), ("ack", N_("Ack median"), 10), ("ack90", N_("Ack p90"), 8),
           ("done", N_("Done median"), 11), ("done90", N_("Done p90"), 9), ("sla", N_("Within SLA"), 10),
           ("esc", N_("Escalations"), 11), ("reopen", N_("Reopened"), 9), ("sat", N_("Satisfied"), 9)]
TASK_COLUMNS = [("id", N_("Task"), 7), ("name", N_("Name"), 30), ("room", N_("Room"), 6), ("status", N_("Status"), 12),
                ("created", N_("Created"), 12)]


def load(store: Store, staff_no: str | None, period: str, by: str,
         days: tuple[date, date] | None = None) -> reports.Report:
    reports.require_reader(store, staff_no)
    start, end = reports.period(period, start=days[0] if days else None, end=days[1] if days else None)
    return reports.figures(store, start, end, by)


class ReportsScreen(Board):
    TITLE = N_("Reports 报表")
    DEFAULT_CSS = """
    ReportsScreen #reports-head, ReportsScreen .chart-label { height: auto; padding: 0 1; }
    ReportsScreen Sparkline { height: 3; margin: 0 1; }
    ReportsScreen #reports-table { height: 1fr; }
    ReportsScreen #reports-foot { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("1", "period('today')", N_("Today"), id="reports.today"),
        Binding("2", "period('shift')", N_("This shift"), id="reports.shift"),
        Binding("3", "period('7d')", N_("7 days"), id="reports.week"),
        Binding("4", "period('30d')", N_("30 days"), id="reports.month"),
        Binding("5", "custom", N_("Custom period"), id="reports.custom"),
        Binding("y", "group", N_("Group by"), id="reports.group"),
        Binding("escape", "back", N_("Back"), id="reports.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period_name = "7d"
        self.by = "team"
        self.report: reports.Report | None = None
        self.drill: str | None = None  # the group whose tasks the table lists
        self.days: tuple[date, date] | None = None  # the custom period's first and last hotel day

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="reports-head")
        yield Static(Text(t("Within SLA per day")), classes="chart-label", id="chart-sla-label")
        yield Sparkline([], id="chart-sla")
        yield Static(Text(t("Requests per hour of day (00–23)")), classes="chart-label", id="chart-hours-label")
        yield Sparkline([], id="chart-hours")
        yield Static(Text(t("Time to done by team")), classes="chart-label", id="chart-team-label")
        yield Sparkline([], id="chart-team")
        yield KeyedTable(COLUMNS, id="reports-table")
        yield KeyedTable(TASK_COLUMNS, id="reports-tasks")
        yield Static(id="reports-foot")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reports-tasks").display = False
        self.refresh_data()

    def concerns(self, message: StationChanged) -> bool:
        """A period's figures are read when the period or the grouping changes, not at every change the
        hotel makes (a year's report is most of a second)."""
        return False

    def load(self) -> None:
        self.station.run_db(load, self.station.staff_no, self.period_name, self.by, self.days, then=self._show,
                            on_error=self._refused)

    def _refused(self, error: ButlerError) -> None:
        self.report = None
        self.query_one("#reports-head", Static).update(Text(str(error), style="bold red"))
        self.notify(str(error), severity="error", markup=False)

    def _show(self, report: reports.Report) -> None:
        self.report = report
        label = t(reports.PERIOD_LABELS[self.period_name])
        self.query_one("#reports-head", Static).update(Text(t(
            "{period}: {start} – {end} (hotel time), by {by}", period=label,
            start=clock.show_local(report.start, "%Y-%m-%d %H:%M"), end=clock.show_local(report.end, "%Y-%m-%d %H:%M"),
            by=t(self.by))))
        shown = [p for _d, p in report.sla_by_day if p is not None]
        # A day without figures is no 0 %: only days with figures are drawn, and no chart at all without any.
        self._chart("#chart-sla", shown)
        self.query_one("#chart-sla-label", Static).update(Text(t(
            "Within SLA per day, {first} → {last}: lowest {low}, highest {high} (scale 0–100%)",
            first=report.sla_by_day[0][0] if report.sla_by_day else "—",
            last=report.sla_by_day[-1][0] if report.sla_by_day else "—",
            low=reports.percent(min(shown) if shown else None), high=reports.percent(max(shown) if shown else None))))
        self._chart("#chart-hours", [float(n) for n in report.requests_by_hour] if any(report.requests_by_hour) else [])
        busiest = max(range(24), key=lambda h: report.requests_by_hour[h])
        self.query_one("#chart-hours-label", Static).update(Text(t(
            "Requests per hour of day, 00 → 23: busiest {hour}:00 with {n}", hour=f"{busiest:02d}",
            n=report.requests_by_hour[busiest])))
        done = [(g, s) for g, s in report.done_median_by_team if s is not None]
        self._chart("#chart-team", [float(s) for _g, s in done])
        self.query_one("#chart-team-label", Static).update(Text(t("Time to done by team") + ": " + (", ".join(
            f"{g} {reports.duration(s)}" for g, s in done) or t("no task done in the period"))))
        rows: dict[str, dict[str, Text]] = {}
        for r in [*report.rows, report.total] if report.by else report.rows:
            key = r.group if r is not report.total else "*"
            rows[key] = {"group": Text(r.group if key != "*" else t("whole hotel")),
                         "requests": Text(str(r.requests)), "ack": Text(reports.duration(r.ack_median_s)),
                         "ack90": Text(reports.duration(r.ack_p90_s)), "done": Text(reports.duration(r.done_median_s)),
                         "done90": Text(reports.duration(r.done_p90_s)), "sla": Text(reports.percent(r.sla_met_pct)),
                         "esc": Text(str(r.escalations)), "reopen": Text(reports.percent(r.reopen_rate)),
                         "sat": Text(reports.percent(r.satisfaction_pct))}
        self.query_one("#reports-table", KeyedTable).show(rows)
        f = report.follow_ups
        self.query_one("#reports-foot", Static).update(Text(t(
            "Follow-up calls within 24 h: {within} of {departed} ({pct}); satisfaction {sat} of {scored} scored"
            " (target {target}%); acknowledgements missing at shift end: {late}",
            within=f["within_24h"], departed=f["departed"], pct=reports.percent(f["within_24h_pct"]),
            sat=reports.percent(f["satisfaction_pct"]), scored=f["scored"], target=int(f["target_pct"]),
            late=report.unacked_at_shift_end)))

    def _chart(self, selector: str, data: list[float]) -> None:
        """A chart of ``data``, hidden when there is nothing to draw (a Sparkline of one value or none draws
        full bars, which would read as a figure)."""
        chart = self.query_one(selector, Sparkline)
        chart.display = bool(data)
        chart.data = data or [0.0]

    def action_custom(self) -> None:
        from butler_tui.services.times import parse_day
        from butler_tui.ui.forms import FormScreen

        def submit(values: dict[str, str], form: FormScreen) -> None:
            try:
                first, last = parse_day(values["first"].strip()), parse_day(values["last"].strip())
                reports.days_window(first, last)
            except ButlerError as error:
                form.show_error(error)
                return
            self.days = (first, last)
            form.dismiss(None)
            self.action_period("custom")

        today = clock.today().isoformat()
        self.app.push_screen(FormScreen(N_("Custom period"), [
            ("first", N_("first day (YYYY-MM-DD, today or yesterday)"), today, False),
            ("last", N_("last day, included"), today, False)], submit))

    def action_period(self, name: str) -> None:
        self.period_name = name
        self.action_back()
        self.refresh_data()

    def action_group(self) -> None:
        order = list(reports.GROUPS)
        self.by = order[(order.index(self.by) + 1) % len(order)]
        self.action_back()
        self.refresh_data()

    def action_back(self) -> None:
        if self.drill is None:
            return
        self.drill = None
        self.query_one("#reports-tasks").display = False
        self.query_one("#reports-table").display = True

    @on(DataTable.RowSelected, "#reports-table")
    def _drill(self) -> None:
        key = self.query_one("#reports-table", KeyedTable).selected_key
        if key is None or key == "*":
            return
        self.drill = key

        def listed(found: list[tasks.TaskRow]) -> None:
            table = self.query_one("#reports-tasks", KeyedTable)
            table.show({str(x.id): {"id": Text(f"#{x.id}"), "name": Text(x.shown_name), "room": Text(x.room_number or ""),
                                    "status": Text(t(x.status)), "created": Text(clock.show_local(x.created_at, "%m-%d %H:%M"))}
                        for x in found}, rebuild=True)
            self.query_one("#reports-table").display = False
            table.display = True
            table.focus()

        self.station.run_db(_tasks_of, self.period_name, self.by, key, self.days, then=listed)

    @on(DataTable.RowSelected, "#reports-tasks")
    def _detail(self) -> None:
        from butler_tui.ui.tasks import TaskDetailScreen, _task_detail

        key = self.query_one("#reports-tasks", KeyedTable).selected_key
        if key is not None:
            self.station.run_db(_task_detail, int(key), then=lambda d: self.app.push_screen(TaskDetailScreen(*d)))


def _tasks_of(store: Store, period: str, by: str, group: str, days: tuple[date, date] | None,
              limit: int = 500) -> list[tasks.TaskRow]:
    start, end = reports.period(period, start=days[0] if days else None, end=days[1] if days else None)
    ids = reports.tasks_of(store, start, end, by, group)[-limit:]
    if not ids:
        return []
    return tasks.query(store, f"t.id IN ({','.join(str(int(i)) for i in ids)})", (), "t.id DESC")
