"""The station app (Textual). A thin layer: every database call runs in a thread worker
(``exit_on_error=False``), results come back with ``call_from_thread``, and one handler reports
worker errors. A change-feed worker polls the database and refreshes the open screens."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from butler_tui.errors import ButlerError
from butler_tui.models import Event
from butler_tui.services.directory import StaffInfo, StationInfo, get_staff, get_station
from butler_tui.services.overview import Overview, overview
from butler_tui.store import Store
from butler_tui.store.feed import ChangeFeed
from butler_tui.ui.help import HelpScreen, key_label
from butler_tui.ui.home import HomeScreen
from butler_tui.ui.station_bar import StationBar

R = TypeVar("R")

POLL_INTERVAL = 0.05  # seconds; the change feed's floor for cross-station latency


class DataChanged(Message):
    """Something was committed to the database (by any station, the CLI or another process)."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events

    def can_replace(self, message: Message) -> bool:
        return False


class ButlerApp(App[None]):
    TITLE = "butler"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("h", "home", "Home", id="app.home"),
    ]

    def __init__(
        self,
        db_path: str | Path,
        station: str,
        staff_no: str | None = None,
        *,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.station_code = station
        self.staff_no = staff_no
        self.poll_interval = poll_interval
        self.store = Store(self.db_path, create=False)
        self.station: StationInfo | None = None
        self.staff: StaffInfo | None = None
        self.unacked = 0
        self.overview: Overview | None = None
        self._stop_feed = threading.Event()

    # -- start ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(HomeScreen())
        self.run_db(self._identify, then=self._show_identity)
        self.refresh_counts()
        self.watch_changes()

    def _identify(self, store: Store) -> tuple[StationInfo, StaffInfo | None]:
        station = get_station(store, self.station_code)
        staff = get_staff(store, self.staff_no) if self.staff_no else None
        return station, staff

    def _show_identity(self, identity: tuple[StationInfo, StaffInfo | None]) -> None:
        self.station, self.staff = identity
        self.sub_title = self.station.label
        self._update_bars()

    def _update_bars(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(StationBar):
                if self.station:
                    bar.station_label = self.station.label
                bar.staff_label = (
                    f"{self.staff.name} ({self.staff.staff_no}) {self.staff.title.split(' ', 1)[-1]}"
                    if self.staff
                    else "not signed in"
                )
                bar.unacked = self.unacked

    def on_screen_resume(self) -> None:
        self._update_bars()

    # -- database access -----------------------------------------------------------------------
    def run_db(
        self,
        fn: Callable[..., R],
        *args: Any,
        then: Callable[[R], Any] | None = None,
        group: str = "db",
        exclusive: bool = False,
    ) -> Worker[R]:
        """Run ``fn(store, *args)`` in a thread worker; call ``then(result)`` on the UI thread."""

        def job() -> R:
            result = fn(self.store, *args)
            if then is not None and not get_current_worker().is_cancelled:
                self.call_from_thread(then, result)
            return result

        return self.run_worker(
            job, name=getattr(fn, "__name__", "db"), group=group, exclusive=exclusive, thread=True,
            exit_on_error=False,
        )

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one error handler: a failed database call is shown, the app keeps running."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = str(error) if isinstance(error, ButlerError) else f"{type(error).__name__}: {error}"
        self.log.error(f"worker {event.worker.name} failed: {text}")
        self.notify(text, title="Could not complete", severity="error", markup=False, timeout=8)


    # -- live updates --------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="feed", name="change-feed")
    def watch_changes(self) -> None:
        feed = ChangeFeed(self.db_path)
        worker = get_current_worker()
        try:
            while not worker.is_cancelled and not self._stop_feed.is_set():
                events = feed.poll()
                if events:
                    self.post_message(DataChanged(events))
                self._stop_feed.wait(self.poll_interval)
        finally:
            feed.close()

    def on_data_changed(self, message: DataChanged) -> None:
        self.refresh_counts()
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            if refresh is not None:
                refresh(message.events)

    def refresh_counts(self) -> None:
        """Read the station's figures once; the bar and any screen showing them get the same read."""
        self.run_db(overview, self.station_code, then=self._show_counts, group="overview", exclusive=True)

    def _show_counts(self, figures: Overview) -> None:
        if figures.unacked_messages > self.unacked:
            self.bell()
        self.unacked = figures.unacked_messages
        self.overview = figures
        self._update_bars()
        for screen in self.screen_stack:
            show = getattr(screen, "show_overview", None)
            if show is not None:
                show(figures)

    def on_unmount(self) -> None:
        self._stop_feed.set()

    # -- actions -------------------------------------------------------------------------------
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        rows: list[tuple[str, str]] = []
        for key, active in self.screen.active_bindings.items():
            binding: Binding = active.binding
            if key == self.COMMAND_PALETTE_BINDING:
                rows.append((key, "Command palette: find any action or screen"))
            elif binding.description:
                rows.append((key_label(key), binding.description))
        title = getattr(self.screen, "TITLE", None) or type(self.screen).__name__.removesuffix("Screen")
        self.push_screen(HelpScreen(str(title), rows))

    def action_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Home", "Counts for this station", self.action_home)
        yield SystemCommand("Help", "Keys of this screen", self.action_help)
        yield SystemCommand("Refresh", "Read the figures again", self.refresh_counts)
        yield from super().get_system_commands(screen)

    def notify_text(self, text: str, **kwargs: Any) -> None:
        """Notify with user or database text, never parsed as markup."""
        self.notify(Text(text).plain, markup=False, **kwargs)
