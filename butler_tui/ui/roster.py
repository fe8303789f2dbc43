"""The duty roster of a day (排班): who is on each shift, their role and team, and each shift's duty
manager (值班经理); [ ] move a day, n puts a person on a shift, x takes the selected one off. Setting
it is for leads and up (``set_roster``): for anyone else those keys are dimmed and answer why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from butler_tui import clock
from butler_tui.config import current_shifts
from butler_tui.i18n import N_, day_label, t
from butler_tui.services import roster
from butler_tui.services.roster import Duty
from butler_tui.store import Store
from butler_tui.ui.board import DayBoard, board_keys, day_keys
from butler_tui.ui.forms import ConfirmScreen, FormScreen
from butler_tui.ui.table import KeyedTable

ROSTER_COLUMNS = [("shift", N_("Shift"), 14), ("staff_no", N_("Staff no."), 9), ("name", N_("Name"), 10), ("role", N_("Role"), 12),
                  ("team", N_("Team"), 6), ("duty", N_("Duty manager"), 16)]
WRITE_ACTIONS = frozenset({"add", "remove"})
"""The keys that change the roster: for those who may ``set_roster``."""


def duty_cells(d: Duty) -> dict[str, Text]:
    hours = next((f"{s.start}–{s.end}" for s in current_shifts() if s.name == d.shift), "")
    return {
        "shift": Text(f"{t(d.shift)} {hours}".strip(), style="bold"),
        "staff_no": Text(d.staff_no),
        "name": Text(d.name),
        "role": Text(t(d.role)),
        "team": Text(d.team_code or ""),
        "duty": Text(t("值班经理 duty manager"), style="bold yellow") if d.duty_manager else Text(""),
    }


def _set(store: Store, day: date, shift: str, staff_no: str, duty_manager: str, *, by: str | None,
         station: str) -> Duty:
    """The form's change: ``duty_manager`` as typed (y/n, 是/否) is read by the service."""
    return roster.set_duty(store, day, shift, staff_no, duty_manager=roster.parse_flag(duty_manager),
                           by=by or "", station=station)


class RosterScreen(DayBoard):
    TITLE = N_("Duty roster 排班")
    DEFAULT_CSS = """
    RosterScreen #roster-day { height: auto; padding: 0 1; }
    RosterScreen KeyedTable { height: 1fr; }
    """
    ENTITIES = frozenset({"roster", "staff"})
    BINDINGS = [
        *day_keys("roster"),
        Binding("n", "add", N_("Put on shift"), id="roster.add"),
        Binding("x", "remove", N_("Take off shift"), id="roster.remove"),
        *board_keys("roster"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.duties: dict[str, Duty] = {}

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="roster-day")
        yield KeyedTable(ROSTER_COLUMNS, id="roster-table")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(roster.show, self.day, then=self._show, group="roster", exclusive=True)

    def _show(self, duties: list[Duty]) -> None:
        self.duties = {f"{d.shift}:{d.staff_no}": d for d in duties if d.day == self.day.isoformat()}
        self.active_table().show({key: duty_cells(d) for key, d in self.duties.items()})
        head = Text()
        head.append(day_label(self.day), style="bold")
        if self.day == clock.today():
            head.append(t(" (today)"))
        for s in current_shifts():
            people = [d for d in self.duties.values() if d.shift == s.name]
            managers = [d.name for d in people if d.duty_manager]
            head.append(" · ")
            head.append(f"{t(s.name)} {len(people)}")
            if managers:
                head.append(t(" (值班经理 {name})", name=", ".join(managers)), style="yellow")
            elif people:
                head.append(t(" (no duty manager)"), style="dim")
        head.append(t("  ·  [ ] day · t today · n put on · x take off"), style="dim")
        self.query_one("#roster-day", Static).update(head)
        self.rules_may_have_changed()

    # -- who may change it: the rule in services, asked of the signed-in person ----------------------
    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action not in WRITE_ACTIONS:
            return False
        actor = self.station.actor
        return actor is None or not actor.may("set_roster")

    def _unless_refused(self, action: str, go: Callable[[], object]) -> None:
        if not self.ruled_out(action, ()):
            go()
            return

        def answer(sentence: str | None) -> None:
            if sentence:
                self.notify(sentence, severity="warning", markup=False, timeout=5)
            else:
                go()  # the role was given the permission meanwhile

        self.station.run_db(roster.refusal, self.station.staff_no, then=answer)

    def action_add(self) -> None:
        def open_form() -> None:
            shifts = current_shifts()
            now_on = [s.name for day, s in roster.shifts_at() if day == self.day]
            names = ", ".join(s.name for s in shifts)

            def submit(values: dict[str, str], form: FormScreen) -> None:
                self.station.run_db(_set, self.day, values["shift"], values["staff_no"], values["duty_manager"],
                                    by=self.station.staff_no, station=self.station.station_code,
                                    on_error=form.show_error, then=form.close_and(self.refresh_data))

            self.app.push_screen(FormScreen(
                t("Put on shift · {day}", day=day_label(self.day)),
                [("shift", t("Shift: {names}", names=names), now_on[0] if now_on else shifts[0].name, False),
                 ("staff_no", "Staff no.", "", False),
                 ("duty_manager", "Duty manager 值班经理? y/n (supervisor and up)", "n", False)],
                submit))

        self._unless_refused("add", open_form)

    def action_remove(self) -> None:
        key = self.active_table().selected_key
        duty = self.duties.get(key) if key else None
        if duty is None:
            return

        def ask() -> None:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.station.run_db(roster.clear, self.day, duty.shift, duty.staff_no,
                                        by=self.station.staff_no or "", station=self.station.station_code,
                                        then=lambda _n: self.refresh_data())

            self.app.push_screen(ConfirmScreen(t("Take {name} ({staff_no}) off the {shift} shift of {day}?",
                                                 name=duty.name, staff_no=duty.staff_no, shift=t(duty.shift),
                                                 day=day_label(self.day))), answered)

        self._unless_refused("remove", ask)
