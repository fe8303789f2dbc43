"""``?``: the keys of the screen you are on, with what they do."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from butler_tui.i18n import N_, t
from butler_tui.ui.base import AtStation


def key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "ctrl+p": "ctrl+p"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


class HelpScreen(AtStation, ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    HelpScreen .help-title {
        text-style: bold;
        margin-bottom: 1;
    }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", N_("Close help"), id="help.close")]

    def __init__(self, screen_title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(t("Keys · {screen}", screen=self.screen_title)), classes="help-title")
            table = Text()
            for key, description in self.rows:
                table.append(f"{key:>10}  ", style="bold")
                table.append(description + "\n")
            table.append("\n")
            table.append(t("Esc or ? closes this help."), style="italic")
            yield Static(table)
