"""What the station's screens share with the app, without importing it.

* :class:`StationApp` — what a screen may ask of the station (the app satisfies it; ``app.py`` checks);
  a screen reaches it as ``self.station`` (:class:`AtStation`), one typed accessor instead of
  ``self.app.<anything>``.
* :class:`StationChanged` and :class:`StateRead` — what the app tells its screens: something was
  committed (the events), the station's state was read again. A screen that shows something handles
  the message; the others let it pass. Bursts collapse in the queue (``can_replace``).
* Key labels and screen titles are written in English (:func:`~butler_tui.i18n.N_`) and given in the
  station's language when the screen is made (:func:`in_station_language`): two stations in one
  process each speak their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar, cast

from textual.app import App
from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from butler_tui.errors import ButlerError
from butler_tui.i18n import t
from butler_tui.models import Event
from butler_tui.services.auth import Actor
from butler_tui.services.directory import StationInfo
from butler_tui.services.messaging import AckResult, MessageView
from butler_tui.services.overview import StationState
from butler_tui.store import Store

R = TypeVar("R")


class StationApp(Protocol):
    """The station, as its screens see it."""

    @property
    def store(self) -> Store: ...

    @property
    def station_code(self) -> str: ...

    @property
    def staff_no(self) -> str | None: ...

    @property
    def actor(self) -> Actor | None:
        """Who is signed in, with what their role may do (``None`` while nobody is)."""

    @property
    def station(self) -> StationInfo | None: ...

    @property
    def state(self) -> StationState | None:
        """The last read of the bar's, the banner's and the home screen's figures."""

    def run_db(self, fn: Callable[..., R], *args: Any, then: Callable[[R], Any] | None = None,
               on_error: Callable[[ButlerError], Any] | None = None, group: str = "db", exclusive: bool = False,
               **kwargs: Any) -> Worker[R | None] | None:
        """``fn(store, *args, **kwargs)`` in a thread worker; ``then(result)`` back on the UI thread."""
        ...

    def refresh_counts(self) -> None: ...

    def catch_up(self, screen: Screen[Any]) -> None:
        """Tell ``screen``, on top again, what it was not told while another screen hid it."""

    def update_bars(self) -> None: ...

    def acknowledge(self, message_id: int, *, then: Callable[[AckResult], Any] | None = None,
                    on_error: Callable[[ButlerError], Any] | None = None) -> None: ...

    def send_message_from_station(self, *, then: Callable[[int], Any], on_error: Callable[[ButlerError], Any],
                                  **fields: Any) -> None: ...

    def action_compose(self, parent: MessageView | None = None, room: str | None = None) -> None: ...

    def open_guest(self, guest_id: int, query: str | None = None) -> None: ...

    def open_room(self, number: str) -> None: ...

    def open_stay(self, stay_id: int) -> None: ...

    def add_guest_note(self, guest_id: int) -> None: ...


def station_of(app: App[Any]) -> StationApp:
    """The station app behind ``app`` (the one cast: the station's screens run only in it)."""
    return cast(StationApp, app)


def in_station_language(node: DOMNode) -> None:
    """Give ``node``'s key labels (ours: those with an id) in the language of the context it is made in —
    the station's own, as the station makes its screens while it handles a key or a message. Textual's
    own keys are translated where they are listed (``?``)."""
    node._bindings = BindingsMap.from_keys({
        key: [replace(binding, description=t(binding.description)) if binding.id else binding
              for binding in bindings]
        for key, bindings in node._bindings.key_to_bindings.items()
    })


def _title_in_station_language(screen: Screen[Any]) -> None:
    if screen.TITLE:
        screen.title = t(screen.TITLE)


class AtStation:
    """Mixin for the station's screens and widgets: ``self.station``, and key labels and ``TITLE`` in
    the station's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert isinstance(self, DOMNode)
        in_station_language(self)
        if isinstance(self, Screen):
            _title_in_station_language(self)

    @property
    def station(self) -> StationApp:
        assert isinstance(self, DOMNode)
        return station_of(self.app)

    def on_screen_resume(self) -> None:
        if isinstance(self, Screen):
            self.station.catch_up(self)


@dataclass
class StationChanged(Message, bubble=False):
    """Something was committed (by this station or any other): ``events``, or ``None`` when everything
    may look different (another person signed in)."""

    events: list[Event] | None

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, StationChanged):
            return False
        # The newer message takes this one's events along: a burst becomes one refresh, nothing is lost.
        message.events = None if self.events is None or message.events is None else self.events + message.events
        return True

    def concerns(self, entities: frozenset[str]) -> bool:
        return self.events is None or any(e.entity in entities for e in self.events)


@dataclass
class StateRead(Message, bubble=False):
    """The station's state was read again (counts, unacknowledged messages, handover)."""

    state: StationState

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateRead)  # only the newest read matters
