"""The Reports screen (R): a manager's figures by period and group, a custom period, the drill-down to tasks;
a butler is refused."""

from __future__ import annotations

from pathlib import Path

from butler_tui.app import ButlerApp
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.reports import ReportsScreen
from butler_tui.ui.table import KeyedTable

from .conftest import await_until


async def test_a_manager_reads_the_figures_switches_period_and_drills_down(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "0003")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("R")
        await await_until(pilot, lambda: isinstance(app.screen, ReportsScreen) and app.screen.report is not None)
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is not None
        assert (screen.period_name, screen.by) == ("7d", "team")
        await pilot.press("1")  # today
        await await_until(pilot, lambda: screen.report is not None and screen.period_name == "today")
        await pilot.press("5")  # a custom period: a bad last day is refused inline
        await await_until(pilot, lambda: isinstance(app.screen, FormScreen))
        form = app.screen
        form.query_one("#field-last").value = "yesterday"
        form.query_one("#field-first").value = "tomorrow"
        form.action_submit()
        await await_until(pilot, lambda: "before it starts" in str(form.query_one("#form-error").render()))
        form.query_one("#field-first").value = "yesterday"
        form.query_one("#field-last").value = "today"
        form.action_submit()
        await await_until(pilot, lambda: app.screen is screen and screen.period_name == "custom"
                          and screen.report is not None and len(screen.report.sla_by_day) == 2)
        busy = next(r.group for r in screen.report.rows if r.requests)
        table = screen.query_one("#reports-table", KeyedTable)
        table.move_cursor(row=table.get_row_index(busy))
        table.focus()
        await pilot.press("enter")
        tasks = screen.query_one("#reports-tasks", KeyedTable)
        await await_until(pilot, lambda: tasks.display and tasks.row_count > 0)
        await pilot.press("escape")
        await await_until(pilot, lambda: not tasks.display and table.display)


async def test_a_butler_is_refused(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("R")
        await await_until(pilot, lambda: isinstance(app.screen, ReportsScreen))
        head = app.screen.query_one("#reports-head")
        await await_until(pilot, lambda: "may not" in str(head.render()))
        assert app.screen.report is None
