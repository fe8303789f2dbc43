"""Looking after the database file — the integrity check and the online backup — for the command line,
which reaches the store only through its package API and the services."""

from __future__ import annotations

import os
from pathlib import Path

from butler_tui.store import Store
from butler_tui.store import maintenance as _maintenance
from butler_tui.store.maintenance import CheckReport, Progress

__all__ = ["CheckReport", "Progress", "backup", "check"]


def check(store: Store, *, full: bool = False, progress: Progress | None = None) -> CheckReport:
    """Integrity and schema check of ``store``'s file, with warnings about where it lives: quick by
    default, the whole file (integrity_check, foreign keys) with ``full``."""
    return _maintenance.check(store, full=full, progress=progress)


def backup(store: Store, dest: str | os.PathLike[str], *, progress: Progress | None = None) -> Path:
    """Copy the live database to ``dest`` with SQLite's online backup API; the file written."""
    return _maintenance.backup(store, dest, progress=progress)
