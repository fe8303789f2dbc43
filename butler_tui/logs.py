"""The log file: what went wrong at a station, who signed in and out, sweeps, imports and backups.

One rotating file per user at the platform's state directory (``~/.local/state/butler-tui/log/butler.log``
on Linux, ``$XDG_STATE_HOME`` honoured), 1 MB × 5 kept. ``butler --verbose`` also writes the log to
stderr (``-vv``: debug too). The log names staff by their staff no. and stations by code; it never holds a
PIN, a session token or a guest's mobile number — callers log those facts, never the secrets.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

APP_NAME = "butler-tui"
LOGGER = "butler"
MAX_BYTES = 1_000_000
BACKUPS = 5

log = logging.getLogger(LOGGER)
log.addHandler(logging.NullHandler())  # before setup (an app made by a script or a test): nothing shown


def log_path() -> Path:
    from platformdirs import user_log_path

    return user_log_path(APP_NAME) / "butler.log"


class _Ours:
    """Marks the handlers :func:`setup` installed, so a second call (another command in one process:
    tests with CliRunner) replaces them instead of adding more."""


class _FileHandler(logging.handlers.RotatingFileHandler, _Ours):
    pass


class _ErrHandler(logging.StreamHandler, _Ours):  # type: ignore[type-arg]
    """stderr as it is when a record is written (Click's test runner swaps it per invocation)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


FORMAT = "%(asctime)s %(levelname)s %(process)d %(message)s"


def setup(verbose: int = 0) -> Path | None:
    """Log to the file (INFO and up), and to stderr at INFO (``verbose`` 1) or DEBUG (2+). Returns the
    file, or ``None`` when it cannot be opened (a read-only home: the command still runs)."""
    for handler in [h for h in log.handlers if isinstance(h, _Ours)]:
        log.removeHandler(handler)
        handler.close()
    log.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    log.propagate = False
    path: Path | None = log_path()
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _FileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        path = None
    else:
        file_handler.setFormatter(logging.Formatter(FORMAT))
        file_handler.setLevel(logging.INFO)
        log.addHandler(file_handler)
    if verbose:
        err = _ErrHandler()
        err.setFormatter(logging.Formatter("butler %(levelname)s: %(message)s"))
        err.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        log.addHandler(err)
    return path


__all__ = ["log", "log_path", "setup"]
