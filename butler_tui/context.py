"""The settings a process acts under — language, clock override, the hotel's shifts — as one object.

Each station app and each command holds its own :class:`Context`; the helpers that need a setting
(``i18n.t``, ``clock.now``, ``config.shifts_on``) read :func:`current`, a :class:`~contextvars.ContextVar`.
So two station apps in one process (a test with a Chinese and an English station) each speak their
own language and read their own hotel's shifts, and a test that changes a setting cannot leak it into
the next test.

How a context becomes current:

* a command: ``with using(Context(language="zh")):`` around its work (the CLI's group does this);
* a Textual app: it sets its context around its own message processing, and a thread worker runs
  its function through :func:`bound` (threads do not inherit context variables);
* anything else (a script, the REPL) gets the process default, which follows ``$BUTLER_LANG``.

The clock override is a :class:`ClockSetting` *shared by reference*: a station made by a test shares
the test's clock, so ``clock.freeze(...)`` in the test moves the station's time too, while language
and shifts stay the station's own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from butler_tui.config import Shift

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class ClockSetting:
    """A frozen instant, or ``None`` for the real clock; ``env_allowed`` once the database opened was found
    to be a training one (``BUTLER_NOW`` is honoured only then: :func:`butler_tui.clock.now`)."""

    frozen: datetime | None = None
    env_allowed: bool = False


@dataclass
class Context:
    """What one app or one command acts under."""

    language: str = "en"
    clock: ClockSetting = field(default_factory=ClockSetting)
    shifts: list[Shift] | None = None  # ``None``: the service standards' default shifts
    zone: str | None = None  # the hotel's IANA time zone (``timezone`` setting); ``None``: the host's

    def derive(self, *, language: str | None = None, shifts: list[Shift] | None = None,
               zone: str | None = None) -> Context:
        """A context of its own with this one's clock (shared), and its own language, shifts and zone."""
        return Context(language=language or self.language, clock=self.clock,
                       shifts=self.shifts if shifts is None else list(shifts), zone=zone or self.zone)


_default = Context()
_current: contextvars.ContextVar[Context] = contextvars.ContextVar("butler_context")


def current() -> Context:
    """The context in force here: the one set by :func:`using`, else the process default."""
    return _current.get(_default)


def default() -> Context:
    """The process default (what a script or a command that set none acts under)."""
    return _default


@contextmanager
def using(ctx: Context) -> Iterator[Context]:
    """Make ``ctx`` current for the ``with`` block (this thread / task only)."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def enter(ctx: Context) -> contextvars.Token[Context]:
    """Make ``ctx`` current until :func:`leave` with the returned token (for a test fixture)."""
    return _current.set(ctx)


def leave(token: contextvars.Token[Context]) -> None:
    _current.reset(token)


def bound(ctx: Context, fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` wrapped to run under ``ctx`` wherever it is called (a worker thread, an executor)."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with using(ctx):
            return fn(*args, **kwargs)

    return run
