"""What every board screen shares: the station bar and the unacknowledged banner on top, a live
table that reads again when the events it cares about arrive, j/k, the ``/`` filter box and esc,
and keys shown dimmed while the rule in services says they do not apply."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from textual import on
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input

from butler_tui import clock
from butler_tui.i18n import N_
from butler_tui.ui.alerts import UnackedBanner
from butler_tui.ui.base import AtStation, StationChanged
from butler_tui.ui.station_bar import StationBar
from butler_tui.ui.table import KeyedTable


def day_keys(prefix: str) -> list[Binding]:
    """[ and ] the day before and after, t today: the boards that show one day (:class:`DayBoard`)."""
    return [
        Binding("left_square_bracket", "day(-1)", N_("Prev day"), id=f"{prefix}.prev_day"),
        Binding("right_square_bracket", "day(1)", N_("Next day"), id=f"{prefix}.next_day"),
        Binding("t", "today", N_("Today"), id=f"{prefix}.today"),
    ]


def board_keys(prefix: str, move: str = "cursor") -> list[Binding]:
    """esc back, j/k down and up: every board has them, each under its own binding id (keymaps)."""
    return [
        Binding("escape", "back", N_("Back"), id=f"{prefix}.back"),
        Binding("j", f"{move}(1)", N_("Down"), show=False, id=f"{prefix}.down"),
        Binding("k", f"{move}(-1)", N_("Up"), show=False, id=f"{prefix}.up"),
    ]


class Board(AtStation, Screen[None]):
    DEFAULT_CSS = """
    Board .board-filter { display: none; }
    Board .board-filter.-visible { display: block; }
    """
    ENTITIES: ClassVar[frozenset[str]] = frozenset()
    """The event entities that make this board read again."""

    filter_text: str = ""
    """What is typed in the ``/`` box (boards that have one yield :meth:`filter_box`)."""

    _ruled_out_keys: frozenset[str] = frozenset()

    @property
    def who(self) -> dict[str, Any]:
        """The signed-in person and the station, as the services take them."""
        return {"staff_no": self.station.staff_no, "station": self.station.station_code}

    def top(self) -> ComposeResult:
        yield StationBar()
        yield UnackedBanner()

    def filter_box(self, placeholder: str) -> Input:
        """The ``/`` box: hidden until ``/``; Enter keeps the filter and goes back to the table, esc
        clears it (a second esc leaves the board)."""
        box = Input(value=self.filter_text, placeholder=placeholder, classes="board-filter", id="board-filter")
        box.set_class(bool(self.filter_text), "-visible")
        return box

    def on_mount(self) -> None:
        self.refresh_data()
        self.active_table().focus()

    def active_table(self) -> KeyedTable:
        return self.query_one(KeyedTable)

    def concerns(self, message: StationChanged) -> bool:
        """Whether what was committed changes what this board shows."""
        return message.concerns(self.ENTITIES)

    @on(StationChanged)
    def _station_changed(self, message: StationChanged) -> None:
        if self.concerns(message):
            self.load()

    def refresh_data(self) -> None:
        """Read again now (after this station's own change)."""
        self.load()

    def load(self) -> None:
        """Read what the board shows (in a worker) and show it."""
        raise NotImplementedError

    def filter_changed(self) -> None:
        """Show the rows that match :attr:`filter_text` (boards with a filter box)."""

    # -- keys the rule rules out -----------------------------------------------------------------
    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether the rule in services says ``action`` does not apply now (to the selected row). Its key
        stays live — pressing it says why, in the service's words — and the footer shows it dimmed."""
        return False

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys, those the rule rules out dimmed, and ``esc`` back first: on a narrow terminal (80
        columns, Chinese labels) the footer cuts off its end, and the way back must not be cut."""
        active = super().active_bindings
        for key, found in active.items():
            if found.node is self and found.enabled:
                _namespace, name, parameters = parse(found.binding.action)
                if self.ruled_out(name, parameters):
                    active[key] = found._replace(enabled=False)
        back = {key: found for key, found in active.items() if found.binding.action == "back"}
        return {**back, **{key: found for key, found in active.items() if key not in back}}

    def rules_may_have_changed(self) -> None:
        """The selection or the data moved: show the keys again if what is ruled out changed."""
        ruled_out = frozenset(binding.action for _key, binding in self._bindings
                              if self.ruled_out(*parse(binding.action)[1:]))
        if ruled_out != self._ruled_out_keys:
            self._ruled_out_keys = ruled_out
            self.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self.rules_may_have_changed()

    # -- keys every board has ------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#board-filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#board-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip() != self.filter_text:
            self.filter_text = event.value.strip()
            self.filter_changed()

    @on(Input.Submitted, "#board-filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        event.stop()
        self.active_table().focus()

    def action_cursor(self, delta: int) -> None:
        table = self.active_table()
        table.move_cursor(row=max(0, table.cursor_row + delta))

    def action_back(self) -> None:
        boxes = self.query("#board-filter").results(Input)
        box = next(boxes, None)
        if box is not None and (box.has_focus or self.filter_text):
            box.value = ""
            box.remove_class("-visible")
            self.active_table().focus()
            return
        self.app.pop_screen()


class DayBoard(Board):
    """A board of one day (arrivals, the duty roster): ``day`` starts today; its :func:`day_keys` move it."""

    def __init__(self) -> None:
        super().__init__()
        self.day: date = clock.today()

    def action_day(self, delta: int) -> None:
        self.day += timedelta(days=delta)
        self.refresh_data()

    def action_today(self) -> None:
        self.day = clock.today()
        self.refresh_data()
