"""Training databases: the only ones on which the clock may be moved.

``BUTLER_NOW`` (an ISO datetime) moves the clock for demos, screenshots and training. On a live hotel it
would backdate the audit trail and play with PIN lockouts, so it is honoured only on a database marked as a
training one — a ``training`` row in ``settings``, written by ``butler demo`` (in the demo's load) or by
``butler init --training``, and only on a file that holds no hotel yet: a live hotel never becomes a
training one. Everything that opens the store (the command line, a station) asks :func:`check_clock_allowed`
before anything is written; with ``BUTLER_NOW`` set on any other database it refuses.
"""

from __future__ import annotations

from butler_tui import clock
from butler_tui.errors import ButlerError, InvalidInput
from butler_tui.i18n import t as tr
from butler_tui.store import Store, Tx

SETTING = "training"


def _has_table(store: Store, name: str) -> bool:
    return bool(store.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))


def is_training(store: Store) -> bool:
    """Whether ``store`` is a training database (``butler demo``, ``butler init --training``)."""
    return _has_table(store, "settings") and store.scalar(
        "SELECT 1 FROM settings WHERE name = ?", (SETTING,)) is not None


def holds_a_hotel(store: Store) -> bool:
    """Whether the file already holds a hotel (any staff member): such a file never becomes a training one."""
    return _has_table(store, "staff") and store.scalar("SELECT 1 FROM staff LIMIT 1") is not None


def mark_training(tx: Tx) -> bool:
    """Mark the database as a training one, inside ``tx``, when it holds no hotel yet (or is one already);
    whether it is one now."""
    if tx.execute("SELECT 1 FROM settings WHERE name = ?", (SETTING,)).fetchone():
        return True
    if tx.execute("SELECT 1 FROM staff LIMIT 1").fetchone():
        return False
    tx.execute("INSERT INTO settings (name, value) VALUES (?, ?)", (SETTING, str(clock.now_iso())))  # (text)
    return True


def make_training(store: Store) -> None:
    """``butler init --training``: mark the file as a training database; refused on one that holds a hotel."""
    with store.write(actor=None, station=None) as tx:
        if tx.execute("SELECT 1 FROM settings WHERE name = ?", (SETTING,)).fetchone():
            tx.abandon()  # one already
        if not mark_training(tx):
            raise InvalidInput(tr("{path} holds a hotel: it cannot become a training database (make a new"
                                  " one with `butler init --training --db NEW.db`)", path=store.path))
        tx.event("settings", SETTING, "set", after={"training": True})


def check_clock_allowed(store: Store | None, *, making_training: bool = False, path: object = None) -> None:
    """Refuse a set ``BUTLER_NOW`` unless ``store`` is a training database; else honour it from now on.

    ``store`` is ``None`` for a file that does not exist yet (at ``path``). ``making_training``: the command is about to
    make a training database (``butler demo``, ``butler init --training``), which a new file or one that holds
    no hotel may become."""
    value = clock.env_now()
    if value is None:
        return
    try:
        clock.parse_env_now(value)
    except ValueError:
        raise InvalidInput(tr("BUTLER_NOW={value!r} is not an ISO date and time (e.g. 2026-11-24T08:30)",
                              value=value)) from None
    allowed = (store is not None and is_training(store)) or (
        making_training and (store is None or not holds_a_hotel(store)))
    if not allowed:
        where = store.path if store is not None else path
        raise ButlerError(tr("BUTLER_NOW is set, but {path} is not a training database: the clock of a live"
                             " hotel cannot be moved (unset BUTLER_NOW; training databases are made by"
                             " `butler demo` and `butler init --training`)", path=where))
    clock.allow_env()


__all__ = ["SETTING", "check_clock_allowed", "holds_a_hotel", "is_training", "make_training", "mark_training"]
