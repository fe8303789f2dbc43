"""The change feed, for the station: what another station, the command line or another process
committed, as the events it wrote (the store's feed; the station never opens it itself)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from butler_tui.models import Event
from butler_tui.store import feed


def follow(path: str | Path, deliver: Callable[[list[Event]], object], *, interval: float,
           stop: threading.Event) -> None:
    """Hand each batch of new events to ``deliver`` (every ``interval`` seconds at most) until ``stop``
    is set. Blocks: run it in a thread."""
    feed.follow(path, deliver, interval=interval, stop=stop)
