"""The bar at the top of every screen: station, who is signed in, the shift, the clock, and the
unacknowledged-message counter that stays until every message is acknowledged."""

from __future__ import annotations

from datetime import datetime

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
    staff_no_label: str = ""
    """The person without their title (``李菲菲 (1003)``), for a bar too narrow for the whole label."""
    station_short: str = ""
    """The station's name in the station's language only (``客服中心``), for a bar too narrow for both."""
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

    def on_resize(self) -> None:
        self.refresh_bar()

    def refresh_bar(self) -> None:
        now = clock.local_now()
        room = self.content_size.width
        text = self._text(now, 0)
        # Too long for the terminal (80 columns, a long station name, Chinese): shorter forms, least needed
        # first, so the alerts and the time stay in sight instead of being cut off at the end.
        for level in range(1, _SHORTEST + 1):
            if not room or text.cell_len <= room:
                break
            text = self._text(now, level)
        self.update(text, layout=False)  # one line of fixed height: a new text never moves anything else

    def _text(self, now: datetime, level: int) -> Text:
        """The bar's line; from ``level`` 1 on the station's name in the station's language only, from 2 the
        time without the date, from 3 the person without their title, at 4 the shift without its word."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.station_short or self.station_label if level >= 1 else self.station_label, style="bold")
        text.append(" │ ")
        if self.staff_label == "not signed in":
            text.append(t("not signed in"))
        else:
            text.append(self.staff_label if level < 3 or not self.staff_no_label else self.staff_no_label)
        text.append(f" │ {t('shift')} " if level < 4 else " │ ")
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
        text.append(moment_label(now) if level < 2 else f"{now:%H:%M}")
        return text


_SHORTEST = 4
