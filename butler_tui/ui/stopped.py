"""The station has stopped: its database file was deleted, replaced or moved while it was open.

Full screen and final: nothing under it can be reached, no key does anything but quit (the app refuses
every other action, :meth:`~butler_tui.app.ButlerApp.check_action`), and the store refuses every read and
write, so nothing more is written to a file that is no longer the hotel's."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from butler_tui.i18n import N_, t
from butler_tui.ui.base import AtStation


class StoppedScreen(AtStation, ModalScreen[None]):
    DEFAULT_CSS = """
    StoppedScreen { align: center middle; background: $error 60%; }
    StoppedScreen > Vertical { width: 84; max-width: 100%; height: auto; max-height: 100%; border: heavy $error; background: $surface; padding: 1 2; }
    StoppedScreen #stopped-title { text-style: bold; color: $error; margin-bottom: 1; }
    StoppedScreen #stopped-reason { text-style: bold; margin-bottom: 1; }
    StoppedScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "nothing", N_("This station has stopped"), show=False, id="stopped.escape")]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("⚠ " + t("This station has stopped")), id="stopped-title")
            yield Static(Text(self.reason), id="stopped-reason")
            yield Label(Text(t("ctrl+q quits the station")), classes="hint")

    def action_nothing(self) -> None:
        """Escape does not close it: there is nothing behind it to go back to."""
