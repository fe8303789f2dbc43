"""The PMS import at a station (导入): type the export's path, pick a column profile, check it (a dry run:
a table of what would be new, updated, unchanged or refused, and why), then import it. For leads and up
(``import_arrivals``). The checking and the import run in a thread worker; a refused file is shown inline."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from butler_tui.errors import ButlerError
from butler_tui.i18n import N_, t
from butler_tui.services import pms_import, pms_profiles
from butler_tui.store import Store
from butler_tui.ui.alerts import UnackedBanner
from butler_tui.ui.base import AtStation
from butler_tui.ui.station_bar import StationBar

AUTO = "auto"
RIGHT = "import_arrivals"


def _run(store: Store, path: str, profile: str, encoding: str, *, dry_run: bool, staff_no: str | None,
         station: str | None) -> pms_import.ImportReport:
    return pms_import.import_arrivals(store, path.strip(), profile=None if profile == AUTO else profile,
                                      encoding=encoding.strip() or None, dry_run=dry_run, staff_no=staff_no,
                                      station=station)


class ImportScreen(AtStation, Screen[None]):
    TITLE = N_("PMS import 导入")
    DEFAULT_CSS = """
    ImportScreen #import-form { height: auto; padding: 0 1; }
    ImportScreen #import-path { width: 1fr; }
    ImportScreen #import-profile { width: 30; }
    ImportScreen #import-encoding { width: 16; }
    ImportScreen #import-buttons { height: auto; padding: 0 1; }
    ImportScreen #import-error { color: $error; padding: 0 1; height: auto; }
    ImportScreen #import-summary { padding: 0 1; height: auto; }
    ImportScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+t", "check", N_("Check (dry run)"), id="import.check"),
        Binding("ctrl+s", "run_import", N_("Import"), id="import.run"),
        Binding("escape", "back", N_("Back"), id="import.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checked: tuple[str, str, str] | None = None  # what the last clean dry run was of

    def compose(self) -> ComposeResult:
        yield StationBar()
        yield UnackedBanner()
        with Horizontal(id="import-form"):
            yield Input(placeholder=t("Path of the PMS export (.csv), or sample"), id="import-path")
            yield Select([(t("Profile: find from the columns"), AUTO),
                          *[(f"{p.name} — {t(p.description)}", p.name) for p in pms_profiles.shipped()]],
                         value=AUTO, allow_blank=False, id="import-profile")
            yield Input(placeholder=t("encoding (auto)"), id="import-encoding")
        with Horizontal(id="import-buttons"):
            yield Button(Text(t("Check (ctrl+t)")), id="import-check")
            yield Button(Text(t("Import (ctrl+s)")), variant="primary", id="import-go", disabled=True)
        yield Label(Text(""), id="import-error")
        yield Static(Text(t("Type the path of the PMS export, pick its profile and check it first.")),
                     id="import-summary")
        table: DataTable[Text] = DataTable(id="import-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#import-table", DataTable)
        for label, width in ((t("Line"), 6), (t("Reservation"), 14), (t("Outcome"), 10), (t("Reasons"), 80)):
            table.add_column(Text(label), width=width)
        actor = self.station.actor
        if actor is None or not actor.may(RIGHT):
            self._error(t("Importing the PMS export is for leads and up."))
            self.query_one("#import-check", Button).disabled = True
        self.query_one("#import-path", Input).focus()

    def _form(self) -> tuple[str, str, str]:
        profile = self.query_one("#import-profile", Select).value
        return (self.query_one("#import-path", Input).value, str(profile if profile != Select.NULL else AUTO),
                self.query_one("#import-encoding", Input).value)

    def _may(self) -> bool:
        actor = self.station.actor
        if actor is None or not actor.may(RIGHT):
            self._error(t("Importing the PMS export is for leads and up."))
            return False
        return True

    def _error(self, text: str) -> None:
        self.query_one("#import-error", Label).update(Text(text))

    @on(Input.Changed)
    @on(Select.Changed)
    def _form_changed(self) -> None:
        self.query_one("#import-go", Button).disabled = self.checked != self._form()

    @on(Input.Submitted)
    @on(Button.Pressed, "#import-check")
    def action_check(self) -> None:
        if not self._may():
            return
        form = self._form()
        if not form[0].strip():
            self._error(t("Type the path of the file first."))
            return
        self._error("")
        self.query_one("#import-summary", Static).update(Text(t("Checking …")))
        self.station.run_db(_run, *form, dry_run=True, staff_no=self.station.staff_no,
                            station=self.station.station_code, then=lambda r: self._show(r, form),
                            on_error=self._failed, group="pms-import")

    @on(Button.Pressed, "#import-go")
    def action_run_import(self) -> None:
        form = self._form()
        if not self._may():
            return
        if self.checked != form:
            self._error(t("Check the file first (ctrl+t): the import runs what the check showed."))
            return
        self._error("")
        self.query_one("#import-go", Button).disabled = True
        self.query_one("#import-summary", Static).update(Text(t("Importing …")))
        self.station.run_db(_run, *form, dry_run=False, staff_no=self.station.staff_no,
                            station=self.station.station_code, then=lambda r: self._show(r, None),
                            on_error=self._failed, group="pms-import")

    def _failed(self, exc: ButlerError) -> None:
        self.checked = None
        self.query_one("#import-go", Button).disabled = True
        self.query_one("#import-summary", Static).update(Text(""))
        self.query_one("#import-table", DataTable).clear()
        self._error(str(exc))

    def _show(self, report: pms_import.ImportReport, form: tuple[str, str, str] | None) -> None:
        self.checked = form
        self.query_one("#import-go", Button).disabled = form is None or form != self._form()
        lines = pms_import.summary_lines(report, self._form()[0].strip(), limit=0)
        self.query_one("#import-summary", Static).update(Text(lines[0]))
        table = self.query_one("#import-table", DataTable)
        table.clear()
        for o in report.details()[:2000]:
            style = {"refused": "bold red", "updated": "yellow"}.get(o.outcome, "")
            table.add_row(Text(str(o.line)), Text(o.reservation_no), Text(t(pms_import.OUTCOME_LABEL[o.outcome]),
                                                                            style=style),
                          Text("; ".join(o.reasons)))
        if form is None:
            self.app.notify(Text(lines[0]).plain, markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()


__all__: list[Any] = ["ImportScreen"]
