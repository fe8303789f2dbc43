"""Integrity check, schema check, online backup and file-placement warnings."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from butler_tui.errors import StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.store.database import Store
from butler_tui.store.schema import SCHEMA_VERSION, check_version

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "sshfs", "fuse.sshfs", "afs", "9p",
                       "glusterfs", "ceph", "fuse.glusterfs", "davfs", "fuse.davfs2"}


@dataclass
class CheckReport:
    path: Path
    integrity: list[str] = field(default_factory=list)
    schema_version: int = 0
    journal_mode: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"]


def filesystem_type(path: Path) -> str | None:
    """The mount type holding ``path`` (Linux /proc/mounts), or None when unknown."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def placement_warnings(path: Path) -> list[str]:
    warnings = []
    fs = filesystem_type(path)
    if fs and fs.lower() in NETWORK_FILESYSTEMS:
        warnings.append(tr("{path} is on a network filesystem ({fs}): WAL needs every station on the host that"
                           " holds the file — move it to a local disk and connect remote stations by SSH",
                           path=path, fs=fs))
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return warnings
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        warnings.append(tr("{path} is readable by other users (mode {mode}): it holds guest data — run"
                           " `chmod 600 {path}`", path=path, mode=stat.filemode(mode)))
    return warnings


Progress = Callable[[int, int], None]
"""Told ``(done, total)`` as a long check or backup goes on (the CLI draws a bar with it)."""


def _tables(store: Store) -> list[str]:
    return [r[0] for r in store.db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall()]


def check(store: Store, *, full: bool = False, progress: Progress | None = None) -> CheckReport:
    """``quick_check`` table by table (seconds on a year of history), the schema version and the
    journal mode; ``full`` runs ``integrity_check`` (which also compares every index with its table)
    and the foreign-key check, both of which read the whole file."""
    report = CheckReport(path=store.path)
    conn = store.db.conn
    tables = _tables(store)
    steps = len(tables) + (1 if full else 0)
    problems: list[str] = []
    if full:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
        if progress:
            progress(1, steps)
    else:
        for done, table in enumerate(tables, 1):
            problems += [row[0] for row in conn.execute(f'PRAGMA quick_check("{table}")').fetchall()
                         if row[0] != "ok"]
            if progress:
                progress(done, steps)
    report.integrity = problems or ["ok"]
    report.schema_version = check_version(store.db)
    if report.schema_version < SCHEMA_VERSION:
        report.warnings.append(tr("schema version {version} is behind {latest}: run `butler init`",
                                  version=report.schema_version, latest=SCHEMA_VERSION))
    report.journal_mode = str(store.scalar("PRAGMA journal_mode"))
    if report.journal_mode != "wal":
        report.warnings.append(tr("journal mode is {mode}, expected wal", mode=report.journal_mode))
    if full:
        fk = store.rows("PRAGMA foreign_key_check")
        if fk:
            report.integrity.append(tr("{n} rows break foreign keys (first: {first})", n=len(fk), first=fk[0]))
    if full and progress:
        progress(steps, steps)
    report.warnings.extend(placement_warnings(store.path))
    return report


def backup(store: Store, dest: str | os.PathLike[str], *, progress: Progress | None = None) -> Path:
    """Copy the live database with SQLite's online backup API (stations may keep writing)."""
    target = Path(dest)
    if target.is_dir():
        target = target / store.path.name
    if target.resolve() == store.path.resolve():
        raise StoreUnavailable(tr("backup destination is the database itself"))
    if not target.parent.exists():
        raise StoreUnavailable(tr("directory {parent} does not exist", parent=target.parent))
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        dst = sqlite3.connect(str(tmp))
        try:
            store.db.conn.backup(
                dst, pages=1024,
                progress=(lambda _status, remaining, total: progress(total - remaining, total)) if progress else None)
            dst.execute("PRAGMA journal_mode = DELETE")
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
        if result != "ok":
            raise StoreUnavailable(tr("backup failed its integrity check: {result}", result=result))
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise StoreUnavailable(tr("backup to {target} failed: {exc}", target=target, exc=exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
