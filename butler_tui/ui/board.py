"""What every board screen shares: the station bar and the unacknowledged banner on top, a live
table that refreshes when the events it cares about arrive, j/k, the ``/`` filter box and esc."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from butler_tui.i18n import t
from butler_tui.ui.alerts import UnackedBanner
from butler_tui.ui.station_bar import StationBar
from butler_tui.ui.table import KeyedTable


def board_keys(prefix: str, move: str = "cursor") -> list[Binding]:
    """esc back, j/k down and up: every board has them, each under its own binding id (keymaps)."""
    return [
        Binding("escape", "back", t("Back"), id=f"{prefix}.back"),
        Binding("j", f"{move}(1)", t("Down"), show=False, id=f"{prefix}.down"),
        Binding("k", f"{move}(-1)", t("Up"), show=False, id=f"{prefix}.up"),
    ]


class Board(Screen):
    DEFAULT_CSS = """
    Board .board-filter { display: none; }
    Board .board-filter.-visible { display: block; }
    """
    ENTITIES: ClassVar[frozenset[str]] = frozenset()
    """The event entities that make this board read again."""

    filter_text: str = ""
    """What is typed in the ``/`` box (boards that have one yield :meth:`filter_box`)."""

    @property
    def who(self) -> dict[str, Any]:
        """The signed-in person and the station, as the services take them."""
        return {"staff_no": self.app.staff_no, "station": self.app.station_code}  # type: ignore[attr-defined]

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

    def concerns(self, events: list) -> bool:
        return any(e.entity in self.ENTITIES for e in events)

    def refresh_data(self, events: list | None = None) -> None:
        if events is None or self.concerns(events):
            self.load()

    def load(self) -> None:
        """Read what the board shows (in a worker) and show it."""
        raise NotImplementedError

    def filter_changed(self) -> None:
        """Show the rows that match :attr:`filter_text` (boards with a filter box)."""

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
