"""What every board screen shares: the station bar and the unacknowledged banner on top, a live
table that refreshes when the events it cares about arrive, j/k and esc."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen

from butler_tui.ui.alerts import UnackedBanner
from butler_tui.ui.station_bar import StationBar
from butler_tui.ui.table import KeyedTable


class Board(Screen):
    ENTITIES: ClassVar[frozenset[str]] = frozenset()
    """The event entities that make this board read again."""

    @property
    def who(self) -> dict[str, Any]:
        """The signed-in person and the station, as the services take them."""
        return {"staff_no": self.app.staff_no, "station": self.app.station_code}  # type: ignore[attr-defined]

    def top(self) -> ComposeResult:
        yield StationBar()
        yield UnackedBanner()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(KeyedTable).focus()

    def concerns(self, events: list) -> bool:
        return any(e.entity in self.ENTITIES for e in events)

    def refresh_data(self, events: list | None = None) -> None:
        if events is None or self.concerns(events):
            self.load()

    def load(self) -> None:
        """Read what the board shows (in a worker) and show it."""
        raise NotImplementedError

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(KeyedTable)
        table.move_cursor(row=max(0, table.cursor_row + delta))

    def action_back(self) -> None:
        self.app.pop_screen()
