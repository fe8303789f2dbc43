"""Looking after the database file — the integrity check and the online backup — for the command line,
which reaches the store only through its package API and the services."""

from __future__ import annotations

import os
from pathlib import Path

from butler_tui.store import Store
from butler_tui.store import maintenance as _maintenance
from butler_tui.store.maintenance import CheckReport

__all__ = ["CheckReport", "backup", "check"]


def check(store: Store) -> CheckReport:
    """Integrity and schema check of ``store``'s file, with warnings about where it lives."""
    return _maintenance.check(store)


def backup(store: Store, dest: str | os.PathLike[str]) -> Path:
    """Copy the live database to ``dest`` with SQLite's online backup API; the file written."""
    return _maintenance.backup(store, dest)
