"""The station app (Textual). A thin layer: every database call runs in a thread worker
(``exit_on_error=False``), results come back with ``call_from_thread``, and one handler reports
worker errors. A change-feed worker follows the database; the app tells its screens what changed
(:class:`~butler_tui.ui.base.StationChanged`, :class:`~butler_tui.ui.base.StateRead`) and each screen
decides whether that concerns it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import Notification, Notifications, SeverityLevel
from textual.screen import Screen
from textual.widgets._toast import ToastRack
from textual.worker import Worker, WorkerState

from butler_tui import context
from butler_tui.config import database_address
from butler_tui.errors import ButlerError, DatabaseFileChanged
from butler_tui.i18n import N_, own_part, pick, t
from butler_tui.logs import log
from butler_tui.models import Event
from butler_tui.services import auth, messaging
from butler_tui.services.auth import Actor, Person
from butler_tui.services.directory import StaffInfo, StationInfo, get_staff, get_station
from butler_tui.services.escalation import sweep
from butler_tui.services.feed import follow
from butler_tui.services.messaging import AckResult, MessageView
from butler_tui.services.overview import AUTO_LOCK_MINUTES, Overview, StationState, station_state
from butler_tui.services.settings import hotel_shifts, hotel_zone, use_hotel_settings
from butler_tui.services.training import check_clock_allowed
from butler_tui.store import Store
from butler_tui.ui.alerts import EmergencyScreen, UnackedBanner, message_line
from butler_tui.ui.base import AtStation, StateRead, StationChanged, in_station_language
from butler_tui.ui.compose import ComposeScreen
from butler_tui.ui.help import HelpScreen, key_label
from butler_tui.ui.home import HomeScreen
from butler_tui.ui.messages import MessagesScreen
from butler_tui.ui.palette import GuestsAndRooms
from butler_tui.ui.shown import ShownFilter
from butler_tui.ui.sign_in import SignInScreen
from butler_tui.ui.station_bar import StationBar

# The other boards (arrivals, a stay, rooms and tasks, the guest screens, the handover book with its
# Markdown) are imported when first opened: the station paints its first screen sooner.

if TYPE_CHECKING:
    from butler_tui.ui.base import StationApp

R = TypeVar("R")

POLL_INTERVAL = 0.05  # seconds; the change feed's floor for cross-station latency
SWEEP_INTERVAL = 5.0  # seconds between SLA / escalation sweeps while a station is open
MAX_TOASTS = 3  # toasts on screen at once; older ones fold into one "N more notices" toast
DEFAULT_THEME = "textual-dark"


@dataclass
class DataChanged(Message):
    """Something was committed to the database (by any station, the CLI or another process)."""

    events: list[Event]

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, DataChanged):
            return False
        message.events = self.events + message.events  # a burst becomes one refresh; no event is lost
        return True


@dataclass
class FileChanged(Message):
    """The database file was deleted, replaced or moved (``reason``): the station stops."""

    reason: str


def _unless_gone(callback: Callable[[Any], Any], value: Any) -> None:
    """``callback(value)``, unless the callback is a screen's or a widget's that has left the app meanwhile
    (a read answered after its board was closed: it would look for tables that are no longer there)."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, MessagePump) and not owner.is_attached:
        return
    callback(value)


class ButlerApp(App[None]):
    TITLE = N_("butler")
    # The toasts keep to the lower half of the screen (at most MAX_TOASTS of them; the rest fold into one).
    CSS = "ToastRack { max-height: 50%; }"
    COMMANDS = App.COMMANDS | {GuestsAndRooms}
    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("h", "home", N_("Home"), id="app.home"),
        Binding("m", "compose", N_("Message"), id="app.compose"),
        Binding("l", "messages", N_("Log"), id="app.messages"),
        Binding("a", "ack_oldest", N_("Ack"), id="app.ack"),
        Binding("r", "arrivals", N_("Arrivals"), id="app.arrivals"),
        Binding("t", "rooms", N_("Rooms/tasks"), id="app.rooms"),
        Binding("e", "escalations", N_("Escalations"), id="app.escalations"),
        Binding("g", "guest_lookup", N_("Guest"), id="app.guest"),
        Binding("b", "handover", N_("Handover"), id="app.handover"),
        Binding("D", "roster", N_("Duty roster"), show=False, id="app.roster"),
        Binding("f", "found", N_("Lost & found"), show=False, id="app.found"),
        Binding("U", "pms_import", N_("PMS import"), show=False, id="app.import"),
        Binding("R", "reports", N_("Reports"), show=False, id="app.reports"),
        Binding("ctrl+o", "sign_out", N_("Sign out"), id="app.sign_out"),
        Binding("ctrl+u", "switch_user", N_("Switch user"), id="app.switch_user"),
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, id="app.palette"),
    ]

    def __init__(
        self,
        db_path: str | Path,
        station: str,
        staff_no: str | None = None,
        *,
        poll_interval: float = POLL_INTERVAL,
        ask_pin: bool = False,
        sign_in_hint: str = "",
        keymap: dict[str, str] | None = None,
        language: str | None = None,
    ) -> None:
        """``staff_no`` without ``ask_pin`` opens the station already signed in (tests, the demo);
        otherwise the sign-in screen asks for staff no. and PIN first. ``language`` defaults to the
        language of the context the app is made in; the app keeps its own context (language, the
        hotel's shifts) and shares only the clock with its maker (see :mod:`butler_tui.context`)."""
        super().__init__()
        self.db_path = database_address(db_path)  # a PostgreSQL address stays text (a Path folds its //)
        self.station_code = station
        self.staff_no = None if ask_pin else staff_no
        self._prefill_staff = staff_no or ""
        self._sign_in_hint = sign_in_hint
        self.poll_interval = poll_interval
        self.last_activity = time.monotonic()
        if keymap:
            self.set_keymap(keymap)
        self.store = Store(self.db_path, create=False, migrate=False)
        try:  # a BUTLER_NOW on a live hotel: the station does not open (before anything is written)
            check_clock_allowed(self.store)
            self.store.migrate()
        except BaseException:
            self.store.close()
            raise
        made_in = context.current()
        self.context = made_in.derive(language=language or made_in.language, shifts=hotel_shifts(self.store),
                                      zone=hotel_zone(self.store))
        with context.using(self.context):  # the app's own key labels and title, in its own language
            in_station_language(self)
            self.title = t(self.TITLE) if self.TITLE else ""
        self.station: StationInfo | None = None
        self.staff: StaffInfo | None = None
        self.actor: Actor | None = None
        self.unacked = 0
        self.overview: Overview | None = None
        self.state: StationState | None = None
        self._alerted: dict[int, float] = {}  # message id -> monotonic time of its last alert
        self._handover_shown = False
        self._stop_feed = threading.Event()
        self._reading: set[str] = set()  # groups with an exclusive read running (run_db)
        self._waiting: dict[str, Callable[[], object]] = {}  # the newest call waiting in each group
        self.stopped: str | None = None  # why the station stopped (its file changed): see stop_station
        self._shown_filter = ShownFilter()
        # What the screens hidden under another one were not told (None: anything may have changed).
        self._missed_changes: dict[Screen[Any], list[Event] | None] = {}
        self._missed_state: set[Screen[Any]] = set()
        self._configured_theme: str | None = None
        self._keep_theme = False  # save a theme chosen in the palette to the user's config file
        # The notices folded into one toast (their identities) and that toast (see _shown_notices).
        self._folded: tuple[tuple[str, ...], Notification] | None = None

    def remember_theme(self, theme: str | None) -> None:
        """Open in ``theme`` (the user's config file; an unknown name: the default), and keep the theme
        chosen in the command palette in that file (``butler run`` does this; tests and the demo do not)."""
        self._configured_theme = theme
        self._keep_theme = True

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then placeholders for any control character still in a rendered line."""
        return [*super().get_line_filters(), self._shown_filter]

    @contextmanager
    def _context(self) -> Generator[None, None, None]:
        """Textual sets its context variables around the app's message processing here; the
        station's own context (language, shifts) goes in with them, so every handler, screen and
        widget task of this app runs under it."""
        with super()._context(), context.using(self.context):
            yield

    # -- start ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        configured = self._configured_theme
        self.theme = configured if configured in self.available_themes else DEFAULT_THEME
        self._configured_theme = self.theme  # a name this Textual does not know is kept until a theme is chosen
        if self._keep_theme:
            self.theme_changed_signal.subscribe(self, self._save_theme)
        self.push_screen(HomeScreen())
        self.run_db(self._identify, then=self._show_identity)
        self.refresh_counts()
        self.watch_changes()
        self.set_interval(10, self._realert)
        self.set_interval(SWEEP_INTERVAL, self.sweep)
        self.set_interval(15, self._check_idle)
        if self.staff_no is None:
            self.call_after_refresh(self.lock, "", self._prefill_staff)

    def _save_theme(self, theme: Any) -> None:
        from butler_tui import userconfig

        if theme.name == self._configured_theme:
            return
        try:
            userconfig.set_value("theme", theme.name)
        except (ButlerError, OSError) as exc:  # a broken or unwritable file: say so, keep the theme for now
            self.notify(str(exc), title=t("Could not keep the theme"), severity="warning", markup=False)
        else:
            self._configured_theme = theme.name
            log.info("theme %s kept in %s", theme.name, userconfig.config_path())

    # -- notices ---------------------------------------------------------------------------------
    # Every notice stays in ``self._notifications`` (Textual's list, which expires them); only what the toast
    # rack is given is cut down. Textual 8.2's ``_refresh_notifications`` / ``_unnotify`` are overridden:
    # pinned by ``textual~=8.2.8``.
    def _refresh_notifications(self) -> None:
        """Show at most :data:`MAX_TOASTS` toasts: past that, the oldest fold into one saying how many,
        so a burst of notices does not cover the board (an emergency is a modal, not a toast: unchanged)."""
        try:
            rack = self.screen.get_child_by_type(ToastRack)
        except (ScreenStackError, NoMatches):
            return
        self.call_later(self._show_notices, rack, self._shown_notices())

    def _show_notices(self, rack: ToastRack, notices: Notifications) -> None:
        rack.show(notices)
        if self._folded is not None:  # the summary of the older ones on top, the newest at the bottom
            with contextlib.suppress(NoMatches):
                holder = rack.get_child_by_id(rack._toast_id(self._folded[1]))
                if rack.children and rack.children[0] is not holder:
                    rack.move_child(holder, before=0)

    def _shown_notices(self) -> Notifications:
        live = list(self._notifications)
        shown = Notifications()
        if len(live) > MAX_TOASTS:
            older = live[: len(live) - MAX_TOASTS + 1]
            live = live[len(older):]
            identities = tuple(n.identity for n in older)
            if self._folded is None or self._folded[0] != identities:
                severities: list[SeverityLevel] = ["information", "warning", "error"]
                worst = max((n.severity for n in older), key=severities.index)
                summary = Notification(t("{count} more notices — l: the message log", count=len(older)),
                                       t("Notices"), worst, max(n.time_left for n in older), markup=False)
                self._folded = (identities, summary)
            shown.add(self._folded[1])
        for notification in live:
            shown.add(notification)
        return shown

    def _unnotify(self, notification: Notification, refresh: bool = True) -> None:
        """A notice's toast timed out or was clicked; the summary's: every notice it stands for."""
        if self._folded is not None and notification is self._folded[1]:
            identities, _summary = self._folded
            self._folded = None
            for folded in [n for n in self._notifications if n.identity in identities]:
                super()._unnotify(folded, refresh=False)
        super()._unnotify(notification, refresh=refresh)

    # -- who is at the station -----------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    def lock(self, reason: str = "", prefill: str = "") -> None:
        """Nobody is signed in: the sign-in screen covers the station until someone signs in."""
        if self.stopped is not None or any(isinstance(s, SignInScreen) for s in self.screen_stack):
            return
        self.staff_no, self.staff, self.actor = None, None, None
        self.update_bars()
        label = self.station.label if self.station else self.station_code
        self.push_screen(SignInScreen(label, prefill, reason, self._sign_in_hint), self._signed_in)

    def _signed_in(self, person: Person | None) -> None:
        if person is None:
            return
        log.info("signed in: staff %s at %s (station)", person.staff_no, self.station_code)
        self.staff_no = person.staff_no
        self.last_activity = time.monotonic()
        self.clear_notifications()  # the toasts of the lock screen ("sign in to read it"): the banner says it now
        self.run_db(self._identify, then=self._show_identity)
        self.refresh_counts()

    def _end_session(self, reason: str, prefill: str = "") -> None:
        if self.staff_no:
            log.info("signed out: staff %s at %s (station: %s)", self.staff_no, self.station_code, reason)
            self.run_db(auth.sign_out, self.staff_no, station=self.station_code, reason=reason)
        self.lock(t({"idle": "Locked after no activity 无操作自动锁定", "sign out": "Signed out 已退出",
                     "switch user": "Switch user 切换用户"}.get(reason, "")), prefill)

    def action_sign_out(self) -> None:
        self._end_session("sign out")

    def action_switch_user(self) -> None:
        self._end_session("switch user")

    def _check_idle(self) -> None:
        minutes = self.state.auto_lock_minutes if self.state else AUTO_LOCK_MINUTES
        if self.staff_no and minutes > 0 and time.monotonic() - self.last_activity >= minutes * 60:
            self._end_session("idle", self.staff_no)

    def _identify(self, store: Store) -> tuple[StationInfo, StaffInfo | None, Actor | None]:
        station = get_station(store, self.station_code)
        staff = get_staff(store, self.staff_no) if self.staff_no else None
        return station, staff, auth.actor(store, self.staff_no)

    def _show_identity(self, identity: tuple[StationInfo, StaffInfo | None, Actor | None]) -> None:
        person_before = self.actor
        self.station, self.staff, self.actor = identity
        self.sub_title = self.station.label
        for screen in self.screen_stack:
            if isinstance(screen, SignInScreen) and screen.is_mounted:
                screen.show_station(self.station.label)
        self.update_bars()
        if self.actor != person_before:  # what the screens show and offer may depend on who it is
            self.tell_screens(None)

    def update_bars(self) -> None:
        """The bar and the banner of the screens in view (the others' when they are on top again)."""
        for screen in self.screen_stack:
            if self._in_view(screen):
                self._update_bars_of(screen)

    def _update_bars_of(self, screen: Screen[Any]) -> None:
        unacked = self.state.unacked if self.state else []
        for banner in screen.query(UnackedBanner):
            banner.show_unacked(unacked)
        for bar in screen.query(StationBar):
            if self.station:
                bar.station_short = pick(self.station.name, self.station.name_zh)
                bar.station_label = self.station.label
            bar.staff_no_label = self.staff.label if self.staff else ""
            bar.staff_label = f"{self.staff.label} {own_part(self.staff.title)}" if self.staff else "not signed in"
            bar.unacked = self.unacked
            bar.handover_unsigned = bool(self.state and self.state.handover_unsigned)

    # -- database access -----------------------------------------------------------------------
    def run_db(
        self,
        fn: Callable[..., R],
        *args: Any,
        then: Callable[[R], Any] | None = None,
        on_error: Callable[[ButlerError], Any] | None = None,
        group: str = "db",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker[R | None] | None:
        """Run ``fn(store, *args, **kwargs)`` in a thread worker; call ``then(result)`` on the UI
        thread. A :class:`ButlerError` goes to ``on_error`` when given (an inline message), else to
        the one error handler below.

        ``exclusive``: one read of the ``group`` at a time, and none is thrown away. A call made while
        the group's read is running waits; when the running read has been shown, the newest waiting
        call runs (the others it stands for are dropped). So a burst of changes costs at most two
        reads, and what the station shows is never older than the last change it has heard of —
        cancelling the running read instead would let a steady stream of changes starve the station."""
        if exclusive:
            if group in self._reading:
                self._waiting[group] = lambda: self.run_db(fn, *args, then=then, on_error=on_error, group=group,
                                                           exclusive=True, **kwargs)
                return None
            self._reading.add(group)

        def job() -> R | None:
            try:
                try:
                    result = fn(self.store, *args, **kwargs)
                except DatabaseFileChanged as exc:  # not the caller's to show: the whole station stops
                    with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
                        self.call_from_thread(self.stop_station, exc.reason)
                    return None
                except ButlerError as exc:
                    if on_error is None:
                        raise
                    self.call_from_thread(_unless_gone, on_error, exc)
                    return None
                if then is not None:
                    self.call_from_thread(_unless_gone, then, result)
                return result
            finally:
                if exclusive:
                    with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
                        self.call_from_thread(self._read_done, group)

        return self.run_worker(
            context.bound(self.context, job), name=getattr(fn, "__name__", "db"), group=group,
            thread=True, exit_on_error=False,
        )

    def _read_done(self, group: str) -> None:
        self._reading.discard(group)
        waiting = self._waiting.pop(group, None)
        if waiting is not None:
            waiting()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one error handler: a failed database call is shown, the app keeps running."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DatabaseFileChanged):
            self.stop_station(error.reason)
            return
        text = str(error) if isinstance(error, ButlerError) else f"{type(error).__name__}: {error}"
        self.log.error(f"worker {event.worker.name} failed: {text}")
        log.error("station %s: %s failed: %s", self.station_code, event.worker.name, text,
                  exc_info=None if isinstance(error, ButlerError) else error)
        self.notify(text, title=t("Could not complete"), severity="error", markup=False, timeout=8)

    # -- live updates --------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="feed", name="change-feed")
    def watch_changes(self) -> None:
        follow(self.db_path, lambda events: self.post_message(DataChanged(events)), interval=self.poll_interval,
               stop=self._stop_feed, store=self.store,
               on_file_change=lambda reason: self.post_message(FileChanged(reason)))

    def on_file_changed(self, message: FileChanged) -> None:
        self.stop_station(message.reason)

    def stop_station(self, reason: str) -> None:
        """The database file was deleted, replaced or moved: the store refuses every read and write from
        now on, the feed stops, and a full-screen notice says so; only quitting is left."""
        if self.stopped is not None:
            return
        self.stopped = reason
        error = self.store.stop(reason)
        self.store.close()  # let go of the old file now (the threads' connections close as they end)
        self._stop_feed.set()
        from butler_tui.ui.stopped import StoppedScreen

        self.bell()
        self.push_screen(StoppedScreen(str(error)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A stopped station only quits."""
        return self.stopped is None or action in ("quit", "help_quit")

    def on_data_changed(self, message: DataChanged) -> None:
        if self.stopped is not None:
            return
        if any(e.entity == "settings" for e in message.events):  # shifts or the hotel's time zone
            self.run_db(use_hotel_settings, group="settings", exclusive=True)
        self.refresh_counts()
        self.tell_screens(message.events)

    def tell_screens(self, events: list[Event] | None) -> None:
        """Every open screen hears what changed (``None``: anything may have); those that show it read again."""
        for screen in self._station_screens():
            if self._in_view(screen):
                screen.post_message(StationChanged(events))
            else:
                missed = self._missed_changes.get(screen, [])
                self._missed_changes[screen] = None if missed is None or events is None else missed + events

    def _station_screens(self) -> list[Screen[Any]]:
        """The station's own screens in the stack, not Textual's empty default screen at its bottom."""
        return [screen for screen in self.screen_stack if isinstance(screen, AtStation)]

    def _in_view(self, screen: Screen[Any]) -> bool:
        """Whether ``screen`` can be seen: the top one, and those under a see-through one (a dialog).
        A hidden screen is told what it missed when it is on top again (:meth:`catch_up`): Textual repaints
        the whole top screen each time the screen under it has handled a message (≈20 ms a station on a
        160×48 terminal, twice a message), so a board or the home screen under another board is not told."""
        for shown in reversed(self.screen_stack):
            if shown is screen:
                return True
            if shown.styles.background.a == 1:
                return False
        return False

    def catch_up(self, screen: Screen[Any]) -> None:
        self._update_bars_of(screen)
        for bar in screen.query(StationBar):
            bar.refresh_bar()  # its clock
        if screen in self._missed_changes:
            screen.post_message(StationChanged(self._missed_changes.pop(screen)))
        if screen in self._missed_state:
            self._missed_state.discard(screen)
            if self.state is not None:
                screen.post_message(StateRead(self.state))
        gone = [s for s in (*self._missed_changes, *self._missed_state) if s not in self.screen_stack]
        for s in gone:
            self._missed_changes.pop(s, None)
            self._missed_state.discard(s)

    def refresh_counts(self) -> None:
        """Read the station's state once; the bar, the banner and the screens get the same read."""
        self.run_db(station_state, self.station_code, then=self._show_state, group="state", exclusive=True)

    def _show_state(self, state: StationState) -> None:
        if self.stopped is not None:  # a read that finished just before the file changed
            return
        figures = state.overview
        self.state = state
        self.unacked = figures.unacked_messages
        self.overview = figures
        self.update_bars()
        for screen in self._station_screens():
            if self._in_view(screen):
                screen.post_message(StateRead(state))
            else:
                self._missed_state.add(screen)
        self._alert_new(state.unacked)
        if state.handover_unsigned and not self._handover_shown:
            self._handover_shown = True  # shown once on start; the bar keeps saying it until signed
            self.action_handover()

    # -- alerts --------------------------------------------------------------------------------
    def _alert_new(self, unacked: list[MessageView]) -> None:
        """Ring for each message not seen before; an emergency takes over the screen; urgent ones also
        pop up one notice (several arriving together: one notice that counts them). A routine message
        rings and stands in the banner and the counter until acked — a toast for each would pile over
        the table and cost every station a relayout per message."""
        waiting = {m.id for m in unacked}
        for gone in [k for k in self._alerted if k not in waiting]:
            del self._alerted[gone]
        # An emergency acknowledged elsewhere (another terminal, the CLI) closes its modal here.
        for screen in list(self.screen_stack):
            if isinstance(screen, EmergencyScreen) and screen.message.id not in waiting:
                screen.dismiss(True)
        shown = {s.message.id for s in self.screen_stack if isinstance(s, EmergencyScreen)}
        urgent: list[MessageView] = []
        for m in unacked:
            if m.id in self._alerted:
                continue
            self._alerted[m.id] = time.monotonic()
            self.bell()
            if m.priority == "emergency":
                if m.id not in shown:
                    self.push_screen(EmergencyScreen(m))
            elif m.priority == "urgent":
                urgent.append(m)
        if urgent:
            title = (t("New {priority} message", priority=t("urgent")) if len(urgent) == 1
                     else t("{n} new urgent messages", n=len(urgent)))
            self.notify(self._alert_text(urgent[0], several=len(urgent) > 1), title=title, markup=False,
                        severity="warning", timeout=10)

    def _alert_text(self, m: MessageView, *, several: bool = False) -> str:
        """What a toast says of a message: the message itself to whoever is signed in; behind the lock
        screen only that one is waiting — or ``several`` (the lock hides every board, and a toast must not undo
        that)."""
        if self.staff_no is None:  # locked (lock() clears it before the sign-in screen goes up)
            return t("Sign in to read them") if several else t("Sign in to read it")
        return message_line(m).plain

    def _realert(self) -> None:
        """An urgent or emergency message still unacknowledged rings again every N minutes."""
        if self.state is None:
            return
        every = self.state.realert_minutes * 60
        now = time.monotonic()
        for m in self.state.unacked:
            last = self._alerted.get(m.id)
            if m.priority != "routine" and last is not None and now - last >= every:
                self._alerted[m.id] = now
                self.bell()
                self.notify(self._alert_text(m), title=t("Still not acknowledged"), markup=False,
                            severity="error", timeout=15)

    # -- the radio channel ---------------------------------------------------------------------
    def acknowledge(self, message_id: int, *, then: Callable[[AckResult], Any] | None = None,
                    on_error: Callable[[ButlerError], Any] | None = None) -> None:
        def done(result: AckResult) -> None:
            self.notify(t("Acknowledged #{id}", id=result.message_id), markup=False, timeout=3)
            self.refresh_counts()
            if then is not None:
                then(result)

        self.run_db(messaging.ack, message_id, station=self.station_code, staff_no=self.staff_no,
                    then=done, on_error=on_error)

    def send_message_from_station(self, *, then: Callable[[int], Any],
                                  on_error: Callable[[ButlerError], Any], **fields: Any) -> None:
        def sent(message_id: int) -> None:
            self.notify(t("Sent #{id}", id=message_id), markup=False, timeout=3)
            then(message_id)

        self.run_db(messaging.send, from_station=self.station_code, from_staff=self.staff_no,
                    then=sent, on_error=on_error, **fields)

    def action_compose(self, parent: MessageView | None = None, room: str | None = None) -> None:
        if isinstance(self.screen, (ComposeScreen, EmergencyScreen)):
            return
        codes = self.state.codes if self.state else []
        self.push_screen(ComposeScreen(codes, parent=parent, room=room))

    def action_messages(self) -> None:
        if isinstance(self.screen, MessagesScreen):
            return
        self.action_home()
        self.push_screen(MessagesScreen())

    def sweep(self) -> None:
        self.run_db(sweep, station=self.station_code, group="sweep", exclusive=True, then=self._swept)

    def _swept(self, report: Any) -> None:
        """A sweep that changed something is logged (one every few seconds that did nothing is not)."""
        if report is not None and (report.changed or report.dnd_checks or report.audited_day):
            log.info("sweep at %s: changed %d, DND checks %d, audited %s", self.station_code, report.changed,
                     report.dnd_checks, report.audited_day or "-")

    def _open_board(self, screen_type: type[Screen[None]]) -> None:
        if isinstance(self.screen, screen_type):
            return
        self.action_home()
        self.push_screen(screen_type())

    def action_rooms(self) -> None:
        from butler_tui.ui.tasks import RoomsScreen

        self._open_board(RoomsScreen)

    def open_room(self, number: str) -> None:
        from butler_tui.ui.tasks import RoomsScreen

        self.action_home()
        self.push_screen(RoomsScreen(filter_text=number))

    def action_room_board(self) -> None:
        from butler_tui.ui.room_board import RoomBoardScreen

        self._open_board(RoomBoardScreen)

    def action_routines(self) -> None:
        from butler_tui.ui.room_board import RoutinesScreen

        self._open_board(RoutinesScreen)

    def action_scheduled(self) -> None:
        """The task board's scheduled tab (tasks waiting for their raise time)."""
        from butler_tui.ui.tasks import RoomsScreen

        if isinstance(self.screen, RoomsScreen):
            self.screen.action_tab("scheduled")
            return
        self.action_home()
        self.push_screen(RoomsScreen(tab="scheduled"))

    def action_escalations(self) -> None:
        from butler_tui.ui.tasks import EscalationScreen

        self._open_board(EscalationScreen)

    def action_guest_lookup(self) -> None:
        from butler_tui.ui.guests import GuestLookupScreen

        if isinstance(self.screen, (GuestLookupScreen, EmergencyScreen)):
            return
        self.push_screen(GuestLookupScreen())

    def open_guest(self, guest_id: int, query: str | None = None) -> None:
        from butler_tui.ui.guests import GuestProfileScreen

        self.push_screen(GuestProfileScreen(guest_id, query=query))

    def add_guest_note(self, guest_id: int) -> None:
        from butler_tui.ui.guests import note_form

        self.push_screen(note_form(self, guest_id))

    def open_stay(self, stay_id: int) -> None:
        from butler_tui.ui.stay import StayScreen

        self.push_screen(StayScreen(stay_id))

    def action_handover(self) -> None:
        from butler_tui.ui.handover import HandoverScreen

        self._open_board(HandoverScreen)

    def action_reports(self) -> None:
        from butler_tui.ui.reports import ReportsScreen

        self._open_board(ReportsScreen)

    def action_roster(self) -> None:
        from butler_tui.ui.roster import RosterScreen

        self._open_board(RosterScreen)

    def action_found(self) -> None:
        from butler_tui.ui.found import FoundScreen

        self._open_board(FoundScreen)

    def action_pms_import(self) -> None:
        from butler_tui.ui.pms_import import ImportScreen

        self._open_board(ImportScreen)

    def action_arrivals(self) -> None:
        from butler_tui.ui.arrivals import ArrivalsScreen

        if isinstance(self.screen, ArrivalsScreen):
            return
        self.action_home()
        self.push_screen(ArrivalsScreen())

    def action_ack_oldest(self) -> None:
        """``a`` anywhere: acknowledge the message shown on the banner."""
        if self.state and self.state.unacked:
            self.acknowledge(self.state.unacked[0].id)

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
                rows.append((key, t("Command palette: find any action or screen")))
            elif binding.description:  # ours are in the station's language already; Textual's widgets' too
                rows.append((key_label(key), binding.description if binding.id else t(binding.description)))
        title = self.screen.title or t(type(self.screen).__name__.removesuffix("Screen"))  # Home → 首页
        self.push_screen(HelpScreen(title, rows))

    def action_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every screen of the station (and what the station does), found in the palette by its name in
        the station's language — in Chinese by its English name too (``房态 · Room board``)."""
        for english, help_text, callback in self._station_commands():
            title = t(english)
            if self.context.language == "zh" and title != english:
                title = f"{title} · {english}"
            yield SystemCommand(title, t(help_text), callback)
        for command in super().get_system_commands(screen):  # Textual's own (theme, quit, keys…)
            yield command._replace(title=t(command.title), help=t(command.help))

    def _station_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        return [
            (N_("Home"), N_("Counts for this station"), self.action_home),
            (N_("Help"), N_("Keys of this screen"), self.action_help),
            (N_("Refresh"), N_("Read the figures again"), self.refresh_counts),
            (N_("Messages"), N_("The channel log: filter, search, ack, reply"), self.action_messages),
            (N_("New message"), N_("Say something to all stations, some, or a team"), self.action_compose),
            (N_("Arrivals"), N_("Arrivals, departures and follow-up calls"), self.action_arrivals),
            (N_("Guest lookup"), N_("Find a guest by name, pinyin, room, mobile, member no., plate"), self.action_guest_lookup),
            (N_("Sign out"), N_("Sign out of this station"), self.action_sign_out),
            (N_("Switch user"), N_("Let another staff member sign in"), self.action_switch_user),
            (N_("Handover"), N_("The shift's handover report, duty log and signatures"), self.action_handover),
            (N_("Rooms and tasks"), N_("Floor board and this station's tasks"), self.action_rooms),
            (N_("Escalation queue"), N_("Escalated and overdue tasks, most urgent first"), self.action_escalations),
            (N_("Duty roster"), N_("Who is on which shift, and each shift's duty manager"), self.action_roster),
            (N_("Lost & found"), N_("The register of found items: log, store, return, dispose"), self.action_found),
            (N_("PMS import"), N_("Check and import the PMS arrivals export (leads and up)"), self.action_pms_import),
            (N_("Room board"), N_("Every room of the station's floors: housekeeping status, DND, tasks"), self.action_room_board),
            (N_("Scheduled tasks"), N_("Tasks due at a time (wake-up calls), before they are raised"), self.action_scheduled),
            (N_("Routines"), N_("Daily and weekly jobs the leads set (e.g. 18:00 turndown)"), self.action_routines),
            (N_("Acknowledge"), N_("Acknowledge the oldest unacknowledged message"), self.action_ack_oldest),
            (N_("Reports"), N_("Service figures and charts for a period (manager and up)"), self.action_reports),
        ]

    def notify_text(self, text: str, **kwargs: Any) -> None:
        """Notify with user or database text, never parsed as markup."""
        self.notify(Text(text).plain, markup=False, **kwargs)


if TYPE_CHECKING:
    def _is_a_station(app: ButlerApp) -> StationApp:
        return app  # the app gives its screens everything StationApp promises
