"""The bar at the top of every screen: station, who is signed in, the shift, the clock, and the
unacknowledged-message counter that stays until every message is acknowledged."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from butler_tui import clock
from butler_tui.config import shift_label
from butler_tui.i18n import moment_label, t
from butler_tui.ui.base import AtStation


class StationBar(AtStation, Static):
    DEFAULT_CSS = """
    StationBar {
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    StationBar.-alert {
        background: $error;
    }
    """

    station_label: reactive[str] = reactive("…")
    staff_label: reactive[str] = reactive("not signed in")
    unacked: reactive[int] = reactive(0)
    handover_unsigned: reactive[bool] = reactive(False)

    def on_mount(self) -> None:
        self.set_interval(15, self._tick)
        self.refresh_bar()
        self.call_after_refresh(self.station.update_bars)

    def _tick(self) -> None:
        """The clock, on the screen in view (one under a dialog too); a screen hidden under another
        catches up when it is on top again (``catch_up``): Textual would repaint the whole top screen."""
        top = self.app.screen
        if self.screen is top or top.styles.background.a < 1:
            self.refresh_bar()

    def watch_station_label(self) -> None:
        self.refresh_bar()

    def watch_staff_label(self) -> None:
        self.refresh_bar()

    def watch_handover_unsigned(self) -> None:
        self.refresh_bar()

    def watch_unacked(self, count: int) -> None:
        self.set_class(count > 0, "-alert")
        self.refresh_bar()

    def refresh_bar(self) -> None:
        now = clock.local_now()
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.station_label, style="bold")
        text.append(" │ ")
        text.append(self.staff_label if self.staff_label != "not signed in" else t("not signed in"))
        text.append(f" │ {t('shift')} ")
        text.append("+".join(t(part) for part in shift_label(now).split("+")))
        if self.handover_unsigned:
            text.append(" │ ")
            text.append(t("handover unsigned"), style="bold reverse")
        text.append(" │ ")
        if self.unacked:
            text.append(f"🔔 {self.unacked} {t('unacked')}", style="bold reverse")
        else:
            text.append(f"✓ {t('all acked')}")
        text.append(" │ ")
        text.append(moment_label(now))
        self.update(text, layout=False)  # one line of fixed height: a new text never moves anything else
