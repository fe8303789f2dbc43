"""The change feed, for the station: what another station, the command line or another process
committed, as the events it wrote (the store's feed; the station never opens it itself)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from butler_tui.models import Event
from butler_tui.store import Store, feed


def follow(path: str | Path, deliver: Callable[[list[Event]], object], *, interval: float,
           stop: threading.Event, store: Store | None = None,
           on_file_change: Callable[[str], object] | None = None) -> None:
    """Hand each batch of new events to ``deliver`` (every ``interval`` seconds at most) until ``stop``
    is set. Blocks: run it in a thread.

    The file is watched too: when ``path`` no longer names the file ``store`` opened (deleted, replaced,
    moved), ``on_file_change(reason)`` is told and the loop ends (without it,
    :class:`~butler_tui.errors.DatabaseFileChanged` is raised)."""
    feed.follow(path, deliver, interval=interval, stop=stop, identity=store.identity if store else None,
                on_file_change=on_file_change)
