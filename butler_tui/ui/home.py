"""The home screen: what is waiting for this station, read from the database, kept live."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Footer, Label, Static

from butler_tui import clock
from butler_tui.i18n import language, t
from butler_tui.services.overview import Overview
from butler_tui.ui.alerts import UnackedBanner
from butler_tui.ui.base import AtStation, StateRead
from butler_tui.ui.station_bar import StationBar

# (field, title, 中文, what it means)
CARDS = [
    ("arrivals_pending", "Arrivals to come", "待抵店", "today, not yet arrived"),
    ("arrivals_today", "Arrivals today", "今日抵店", "all of today's"),
    ("vip_arrivals_today", "VIP arrivals", "VIP 抵店", "today, VIP 1–5"),
    ("in_house", "In house", "在住", "stays in the hotel"),
    ("departures_today", "Departures today", "今日离店", "due out or gone"),
    ("open_tasks", "Open tasks", "未完成任务", "not done yet"),
    ("overdue_tasks", "Overdue tasks", "超时任务", "open, past due"),
    ("unacked_messages", "Unacked messages", "未确认消息", "to this station"),
]
ALERT_FIELDS = {"overdue_tasks", "unacked_messages"}


class Card(Vertical):
    DEFAULT_CSS = """
    Card {
        border: round $primary;
        padding: 0 1;
        height: 9;
    }
    Card.-alert {
        border: heavy $error;
    }
    Card Digits {
        width: auto;
    }
    Card .card-title {
        text-style: bold;
    }
    Card .card-help, Card .card-zh {
        color: $text-muted;
    }
    """

    def __init__(self, field: str, title: str, title_zh: str, help_text: str) -> None:
        super().__init__(id=f"card-{field}")
        self.field = field
        if language() == "zh":  # Chinese first, the English name under it
            self.title_text, self.title_zh = Text(title_zh), Text(title)
        else:
            self.title_text, self.title_zh = Text(title), Text(title_zh)
        self.help_text = Text(t(help_text))

    def compose(self) -> ComposeResult:
        yield Label(self.title_text, classes="card-title")
        yield Label(self.title_zh, classes="card-zh")
        yield Digits("…", id=f"value-{self.field}")
        yield Label(self.help_text, classes="card-help")

    def show(self, value: int) -> None:
        digits = self.query_one(Digits)
        if digits.value != str(value):  # a new figure only: a redraw of all eight costs every station CPU
            digits.update(str(value))
        self.set_class(self.field in ALERT_FIELDS and value > 0, "-alert")


class HomeScreen(AtStation, Screen[None]):
    """Counts for this station; refreshed whenever any station changes something."""

    DEFAULT_CSS = """
    HomeScreen Grid {
        grid-size: 4;
        grid-gutter: 1 2;
        padding: 1 2;
        height: auto;
    }
    HomeScreen #home-status {
        padding: 0 2;
        color: $text-muted;
    }
    /* 80 columns: narrower gutters and no inner padding, so that a card holds a 16-character title
       ("Arrivals to come") and its line of help wraps under the figure instead of being cut */
    HomeScreen.-narrow Grid {
        grid-gutter: 1 1;
        padding: 1 1;
    }
    HomeScreen.-narrow Card {
        padding: 0;
    }
    HomeScreen.-narrow Card .card-help {
        width: 100%;
    }
    """
    NARROW = 100  # columns below which the home screen packs its cards closer

    def compose(self) -> ComposeResult:
        # Set before the first layout (the terminal's size is known by now), so the first picture is the
        # right one; a resize changes it after.
        self.set_class(self.app.size.width < self.NARROW, "-narrow")
        yield StationBar()
        yield UnackedBanner()
        with Grid():
            for card in CARDS:
                yield Card(*card)
        yield Static(Text(t("Loading…")), id="home-status")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < self.NARROW, "-narrow")

    def on_mount(self) -> None:
        state = self.station.state
        if state is not None:
            self.show_overview(state.overview)

    @on(StateRead)
    def _state_read(self, message: StateRead) -> None:
        self.show_overview(message.state.overview)

    def show_overview(self, figures: Overview) -> None:
        for field, *_ in CARDS:
            self.query_one(f"#card-{field}", Card).show(getattr(figures, field))
        status = self.query_one("#home-status", Static)
        # Only the time changes after the first read: the line keeps its size, so no new layout is needed.
        first = not status.has_class("-shown")
        status.add_class("-shown")
        status.update(Text(f"{t('Updated')} {clock.local_now():%H:%M:%S} · "
                           f"{t('live: changes from any station appear here by themselves')}"), layout=first)
