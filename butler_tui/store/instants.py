"""Instants in the database as integer milliseconds (issue 15: a year of history in less room).

An instant used to be stored as its 24-character ISO text. It is now a 6-byte integer, milliseconds since the
epoch in UTC, in a column declared ``INSTANT`` (an INTEGER column to SQLite, ``BIGINT`` on PostgreSQL) that
refuses anything else (``CHECK (typeof(…) IN ('integer', 'null'))`` on SQLite; the column's type there).

Everything above the store still sees the ISO text (:class:`butler_tui.clock.Instant`), at both edges:

* **in:** an :class:`~butler_tui.clock.Instant` bound as a parameter is its milliseconds (the adapter below, for
  ``sqlite3``; a dumper on each PostgreSQL connection, store/pg.py). Every instant the services make comes from
  :func:`butler_tui.clock.iso` or from a row, and is one. Text that was not (an event's JSON, a file) is made
  one by :func:`butler_tui.clock.instant` before it is bound;
* **out:** an integer in a result column named as an instant column is (:data:`NAMES`) turns back into its ISO
  text: :func:`row_factory` on every SQLite connection, :func:`convert` for PostgreSQL's rows. A computed column
  that is an instant carries an instant's name (``max(t.updated_at) AS updated_at``).

Arithmetic on instants in SQL is on milliseconds (``(a - b) / 1000`` seconds).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from butler_tui.clock import Instant, from_ms, ms

COLUMNS: dict[str, tuple[str, ...]] = {
    "tasks": ("created_at", "updated_at", "due_at", "acknowledged_at", "started_at", "done_at", "verified_at",
              "closed_at", "held_since", "deferred_until", "clock_started_at", "last_progress_at", "next_check_at",
              "last_escalated_at"),
    "task_origins": ("due_at",),
    "messages": ("created_at",),
    "acks": ("acked_at",),
    "events": ("at",),
    "archive_runs": ("started_at", "before_at", "finished_at"),
    "escalations": ("fired_at",),
    "guests": ("created_at", "updated_at", "merged_at"),
    "guest_notes": ("created_at", "retired_at"),
    "stays": ("created_at", "updated_at", "eta", "etd", "arrived_at", "departed_at", "overdue_at"),
    "checklist_items": ("done_at",),
    "stay_stages": ("completed_at",),
    "checklists_packed": ("follow_up_done_at",),
    "handovers": ("created_at", "signed_out_at", "signed_in_at"),
    "log_entries": ("created_at",),
    "vip_notices": ("created_at", "approved_at", "sent_at"),
    "rooms": ("dnd_since", "ooo_since"),
    "staff": ("locked_until",),
    "roster": ("set_at",),
    "dnd_checks": ("created_at",),
    "night_audits": ("ran_at",),
    "found_items": ("found_at", "stored_at", "returned_at", "disposed_at"),
    "routines": ("created_at", "removed_at", "next_at", "raise_at"),
    "routine_runs": ("ran_at",),
    "scheduled_tasks": ("created_at", "due_at", "raise_at"),
    "service_accounts": ("created_at", "revoked_at"),
    "sessions": ("created_at", "expires_at", "ended_at"),
    "import_runs": ("started_at", "beat_at"),
}
"""Every instant column, by table. Not instants though named like them: ``found_items.kept_at`` (where an item
is kept), ``rooms.ooo_until`` (a local day), ``routines.at`` (a wall-clock ``HH:MM``): text, never converted
(only an integer is)."""

def instant_columns(table: str) -> tuple[str, ...]:
    """The instant columns of ``table`` (none: not a table with instants)."""
    return COLUMNS.get(table, ())


NAMES = frozenset(name for columns in COLUMNS.values() for name in columns)
"""The names a result column holding an instant goes by."""

DECLARED = "INSTANT"
"""How an instant column is declared (SQLite: INTEGER affinity, as the name contains "INT")."""


def check(column: str) -> str:
    """The SQLite CHECK that keeps ``column`` an instant: an integer, or NULL."""
    return f"CHECK (typeof({column}) IN ('integer', 'null'))"


def stored_ms(value: Any) -> int | None:
    """A value of an instant column as it was stored before migration 0030 (ISO text) as its milliseconds; one
    already converted (or bound as an instant while the column was text: its digits) as it is."""
    if value is None or isinstance(value, int):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    return ms(text)


sqlite3.register_adapter(Instant, ms)


def positions(description: Sequence[Sequence[Any]] | None) -> tuple[int, ...]:
    """Which result columns (by a cursor's ``description``) may hold an instant."""
    return tuple(i for i, d in enumerate(description or ()) if d[0] in NAMES)


def convert(row: tuple[Any, ...], where: tuple[int, ...]) -> tuple[Any, ...]:
    """``row`` with the integers at ``where`` as their ISO text."""
    values = list(row)
    for i in where:
        value = values[i]
        if value.__class__ is int:
            values[i] = from_ms(value)
    return tuple(values)


def row_factory() -> Callable[[sqlite3.Cursor, tuple[Any, ...]], tuple[Any, ...]]:
    """A ``row_factory`` for one SQLite connection (one thread): rows stay tuples, instants come out as text.
    The columns to look at are worked out once per result (a cursor keeps its ``description`` while it
    reads)."""
    seen: list[Any] = [None, ()]

    def factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> tuple[Any, ...]:
        description = cursor.description
        if description is not seen[0]:
            seen[0], seen[1] = description, positions(description)
        where = seen[1]
        return convert(row, where) if where else row

    return factory


# -- a check for development and the tests ---------------------------------------------------------------
#
# An instant compared as text with a column of milliseconds (``created_at < '2026-…Z'``) is not an error to
# SQLite: every integer is less than every text, and the query quietly finds everything or nothing. A value
# written that way is refused by the column's CHECK; one compared is not. With ``BUTLER_CHECK_INSTANTS=1`` (the
# test suite sets it) every SQLite connection refuses a query that binds an instant's ISO text as a plain
# ``str``. Writes of text where it is text (a setting) are INSERTs, which the CHECKs guard: not looked at.

CHECK_ENV = "BUTLER_CHECK_INSTANTS"
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _plain_instants(params: Any) -> list[str]:
    values: Iterable[Any] = params.values() if isinstance(params, dict) else params
    return [v for v in values if type(v) is str and len(v) == 24 and _ISO.fullmatch(v)]


class CheckedConnection(sqlite3.Connection):
    """A connection that refuses an instant's text bound as a plain ``str`` outside an INSERT (see above)."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if parameters and sql.lstrip()[:6].upper() != "INSERT":
            found = _plain_instants(parameters)
            if found:
                raise TypeError(f"an instant bound as text, not as clock.Instant: {found[0]!r} in {sql[:120]!r}")
        return super().execute(sql, parameters)


def connection_factory() -> type[sqlite3.Connection]:
    """The class of the SQLite connections the store opens (:class:`CheckedConnection` when asked for)."""
    return CheckedConnection if os.environ.get(CHECK_ENV) == "1" else sqlite3.Connection
