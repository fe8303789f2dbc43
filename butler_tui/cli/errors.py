"""The one place where an error becomes one line on stderr and an exit code.

A command raises; it does not print and exit. :class:`~butler_tui.cli.ButlerGroup` runs every command
inside :func:`reported`, which turns an error the user is to read into ``butler: <sentence>`` and an exit
code (:func:`explain`); anything else is a bug and keeps its traceback.

* 1 — :class:`~butler_tui.errors.ButlerError`, :class:`~butler_tui.errors.NotFound`; a file the command
  cannot read or write (``OSError``: no such directory, a name too long, permission denied)
* 2 — :class:`~butler_tui.errors.InvalidInput` (a bad ``--lang`` too), and a request a rule refuses as things
  stand (a step a stay or task cannot take, an item too young to dispose of); Click's usage errors also exit 2
* 3 — :class:`~butler_tui.errors.SchemaTooNew`
* 4 — :class:`~butler_tui.errors.StoreUnavailable`, and any ``sqlite3.Error`` the store let through
* 5 — :class:`~butler_tui.errors.PermissionDenied`, :class:`~butler_tui.errors.AuthFailed`
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from butler_tui.cli.output import say
from butler_tui.errors import ButlerError, StoreUnavailable
from butler_tui.i18n import t as tr


def explain(exc: BaseException) -> tuple[str, int] | None:
    """The sentence and exit code for an error the user is to read; ``None`` for anything else."""
    if isinstance(exc, ButlerError):
        return str(exc), exc.exit_code
    if isinstance(exc, sqlite3.Error):
        return tr("database error: {error}", error=exc), StoreUnavailable.exit_code
    if isinstance(exc, OSError):
        name = str(exc.filename) if exc.filename is not None else ""
        name = name if len(name) <= 80 else name[:80] + "…"
        return (tr("cannot use {path}: {reason}", path=name, reason=exc.strerror) if name and exc.strerror
                else str(exc)[:200]), ButlerError.exit_code
    return None


@contextmanager
def reported(ctx: click.Context) -> Iterator[None]:
    """Run a command: an error the user is to read ends it with ``butler: <sentence>`` and its exit code."""
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`butler task list | head -3`): nothing more to say, to anyone. Point
        # stdout at /dev/null so that Python's flush at exit does not fail on the closed pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        ctx.exit(1)
    except Exception as exc:
        explained = explain(exc)
        if explained is None:
            raise
        sentence, code = explained
        say(f"butler: {sentence}", err=True)
        ctx.exit(code)
