"""Looking after the database file — the integrity check, the online backup (rotated or not) and the
restore from a backup — for the command line, which reaches the store only through its package API and
the services."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound, PermissionDenied, StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.store import Store
from butler_tui.store import maintenance as _maintenance
from butler_tui.store.maintenance import CheckReport, Progress

__all__ = ["CheckReport", "Progress", "RestoreResult", "backup", "backup_rotated", "check", "check_backup",
           "refuse_open_stations", "restore", "restore_missing", "stations_open"]

RESTORE_ROLES = ("director", "admin")
"""Who may put a backup in place of the hotel's file (everything since the backup is set aside)."""
LET_GO_SECONDS = 30.0
"""``restore --force``: how long the open stations have to notice and let go of the file."""


def check(store: Store, *, full: bool = False, progress: Progress | None = None) -> CheckReport:
    """Integrity and schema check of ``store``'s file, with warnings about where it lives: quick by
    default, the whole file (integrity_check, foreign keys) with ``full``."""
    return _maintenance.check(store, full=full, progress=progress)


def backup(store: Store, dest: str | os.PathLike[str], *, progress: Progress | None = None) -> Path:
    """Copy the live database to ``dest`` with SQLite's online backup API (on a server: pg_dump's custom
    format); the file written."""
    return _maintenance.backup(store, dest, progress=progress)


def _stamp() -> str:
    return clock.local_now().strftime("%Y%m%d-%H%M%S")


def rotation_pattern(path: Path) -> re.Pattern[str]:
    """The names :func:`backup_rotated` writes for the database at ``path``: ``hotel-YYYYMMDD-HHMMSS.db``."""
    return re.compile(re.escape(path.stem) + r"-\d{8}-\d{6}" + re.escape(path.suffix) + r"\Z")


def backup_rotated(store: Store, directory: Path, keep: int, *,
                   progress: Progress | None = None) -> tuple[Path, list[Path]]:
    """A backup named for the hotel's time (``hotel-YYYYMMDD-HHMMSS.db``) in ``directory``; then the
    oldest of the backups so named beyond the ``keep`` newest are deleted (no other file is touched).
    The file written and the files deleted."""
    if keep < 1:
        raise InvalidInput(tr("--keep must be at least 1, not {keep}", keep=keep))
    if not directory.is_dir():
        raise InvalidInput(tr("{path} is not a directory (--keep writes dated backups into a directory)",
                              path=directory))
    name = _maintenance.backup_name(store)  # the file's name; on a server the database's, ``.dump``
    target = _maintenance.backup(store, directory / f"{name.stem}-{_stamp()}{name.suffix}", progress=progress)
    pattern = rotation_pattern(name)
    ours = sorted(p for p in directory.iterdir() if pattern.match(p.name) and p.is_file())
    gone = [p for p in ours[:-keep] if p != target]
    for old in gone:
        old.unlink(missing_ok=True)
    return target, gone


def check_backup(backup_file: Path, *, full: bool = False, server: bool = False) -> int:
    """Refuse a backup that is damaged, not a butler database or newer than this code; its schema version.
    ``server``: the hotel is on PostgreSQL, and its backup a ``pg_dump`` archive (``butler backup`` there)."""
    if server:
        return _maintenance.check_server_backup(backup_file, full=full)
    return _maintenance.check_backup(backup_file, full=full)


def refuse_open_stations(where: Path | Store) -> None:
    """Refuse (unless there is nobody) while other processes have the database open: a file's path, or the
    store of a hotel on a server (its other connections)."""
    others = stations_open(where)
    if others is None:
        raise StoreUnavailable(tr("cannot tell here whether stations have the file open: close them all, then"
                                  " run again with --force"))
    if others:
        raise StoreUnavailable(tr("{n} station(s) or command(s) have the database open: close them first (or"
                                  " --force to stop them: they will show the stop screen)", n=others))


def stations_open(where: Path | Store) -> int | None:
    """How many other processes (stations, commands) have the database open; ``None``: cannot tell here.
    ``where``: the file's path, or the store of a hotel on a server."""
    if isinstance(where, Store):
        return _maintenance.server_connections(where)
    return _maintenance.open_elsewhere(where)


@dataclass
class RestoreResult:
    path: Path | str  # the file, or the server's address (without its password)
    backup: Path
    kept: Path | None  # where the file that was in place is now (None: there was none)
    schema_version: int
    stations_stopped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "backup": str(self.backup), "kept": str(self.kept) if self.kept else None,
                "schema_version": self.schema_version, "stations_stopped": self.stations_stopped}


def _authorise(store: Store, staff_no: str, backup_file: Path) -> None:
    """Only :data:`RESTORE_ROLES`; the request is on the record of the file in place (a refusal too)."""
    from butler_tui.services import auth

    with store.write(actor=staff_no) as tx:
        who = auth.actor_in(tx, staff_no)
        if who is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        if who.role not in RESTORE_ROLES:
            raise PermissionDenied(
                tr("{name} ({role}) may not restore the database from a backup: that is for {roles}",
                   name=who.name, role=tr(who.role), roles=", ".join(tr(r) for r in RESTORE_ROLES)),
                action="restore_database", staff_no=staff_no)
        tx.event("database", None, "restore_requested", after={"backup": str(backup_file.resolve())})


def _prepare(path: Path, backup_file: Path, staff_no: str | Callable[[Store], str], *, kept: Path | None,
             version: int, stations: int) -> tuple[Path, str]:
    """The backup copied next to the database under a temporary name, migrated to this code's schema and
    with the restore on its record (who, from which backup, where the old file went): it is in place
    with its audit trail or not at all. ``staff_no`` may be a sign-in against the copy (no file in place
    to sign in against). The copy's path and who restored it."""
    ready = path.with_name(f".{path.name}.restoring-{os.getpid()}")
    ready.unlink(missing_ok=True)
    try:
        _maintenance.copy_private(backup_file, ready)
        copy = Store(ready, create=False)
        try:
            who = staff_no if isinstance(staff_no, str) else staff_no(copy)
            if not isinstance(staff_no, str):
                _authorise(copy, who, backup_file)
            with copy.write(actor=who) as tx:
                tx.event("database", None, "restore", after={
                    "backup": str(backup_file.resolve()), "kept": str(kept.resolve()) if kept else None,
                    "schema_version": version,
                    "stations_stopped": stations})
        finally:
            copy.close()  # the last connection: its WAL is checkpointed into the copy and removed
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ready}{suffix}").unlink(missing_ok=True)
        raise
    return ready, who


def restore(store: Store, backup_file: Path, *, staff_no: str, force: bool = False,
            let_go: float = LET_GO_SECONDS, version: int | None = None) -> RestoreResult:
    """Put ``backup_file`` in place of ``store``'s file, which is kept aside as
    ``hotel.db.before-restore-YYYYMMDD-HHMMSS``. Checked first: the backup (integrity, schema), who asks
    (:data:`RESTORE_ROLES`), and that no station has the file open — with ``force`` they are stopped
    instead: the file moves away, each shows its stop screen and lets go, then the backup goes in. The
    restore is recorded in the restored file. ``store`` is closed at the end. ``version``: the backup's,
    when :func:`check_backup` has just said it. On a server: :func:`_restore_server`."""
    if store.url is not None:
        return _restore_server(store, backup_file, staff_no=staff_no, force=force, version=version)
    path = store.path
    if backup_file.resolve() == path.resolve():
        raise InvalidInput(tr("the backup is the database itself"))
    if version is None:
        version = check_backup(backup_file)
    _authorise(store, staff_no, backup_file)
    if not force:
        refuse_open_stations(path)
    others = stations_open(path)
    kept = path.with_name(f"{path.name}.before-restore-{_stamp()}")
    if kept.exists():
        raise StoreUnavailable(tr("{path} exists already: wait a second and try again", path=kept))
    ready, _who = _prepare(path, backup_file, staff_no, kept=kept, version=version, stations=others or 0)
    try:
        _maintenance.set_aside(store, kept)
        holding = _wait_let_go(path, let_go)
        if holding:
            os.rename(kept, path)
            raise StoreUnavailable(tr("{n} station(s) still hold the old file after {seconds} s: nothing was"
                                      " restored (the stations have stopped: start them again)",
                                      n=holding, seconds=int(let_go)))
        _maintenance.put_in_place(ready, path)
    finally:
        ready.unlink(missing_ok=True)
    return RestoreResult(path=path, backup=backup_file, kept=kept, schema_version=version,
                         stations_stopped=others or 0)


def _restore_server(store: Store, backup_file: Path, *, staff_no: str, force: bool,
                    version: int | None) -> RestoreResult:
    """:func:`restore` on PostgreSQL. ``backup_file`` is a ``pg_dump`` archive; the database as it is now is
    dumped first next to it (``NAME.before-restore-YYYYMMDD-HHMMSS.dump``), then replaced in one
    transaction by ``pg_restore`` (it fails whole: nothing changed, the dump just made is removed). A
    backup whose event chain breaks is refused before anything changes (its data is read first); walked
    again once it is in (defence in depth), and the database put back as it was if that ever fails. Then the schema is
    brought to this version and the restore recorded. The open stations (``force``) are not waited for:
    each one's feed finds the event it saw last gone or different and stops the station."""
    from butler_tui.config import redact

    assert store.url is not None
    url = store.url
    if version is None:
        version = check_backup(backup_file, server=True)
    _authorise(store, staff_no, backup_file)
    broken = _maintenance.dump_chain_break(backup_file)  # before anything changes: never live for a moment
    if broken is not None:
        raise StoreUnavailable(tr("backup {path}: its event chain breaks at event {id} — it was changed"
                                  " around the program; not restored", path=backup_file, id=broken))
    if not force:
        refuse_open_stations(store)
    others = stations_open(store) or 0
    name = _maintenance.backup_name(store)
    kept = backup_file.resolve().parent / f"{name.stem}.before-restore-{_stamp()}{name.suffix}"
    if kept.exists():
        raise StoreUnavailable(tr("{path} exists already: wait a second and try again", path=kept))
    _maintenance.backup(store, kept)
    store.close()
    try:
        broken = _maintenance.restore_dump(url, backup_file)
    except _maintenance.RestoreFailed:
        kept.unlink(missing_ok=True)  # nothing was changed: the dump of it is the database itself
        raise
    if broken is not None:
        _maintenance.restore_dump(url, kept)
        kept.unlink(missing_ok=True)
        raise StoreUnavailable(tr("backup {path}: its event chain breaks at event {id} — it was changed"
                                  " around the program; not restored", path=backup_file, id=broken))
    restored = Store(url)  # an older backup is migrated to this code's schema here
    try:
        with restored.write(actor=staff_no) as tx:
            tx.event("database", None, "restore", after={
                "backup": str(backup_file.resolve()), "kept": str(kept), "schema_version": version,
                "stations_stopped": others})
    finally:
        restored.close()
    return RestoreResult(path=redact(url), backup=backup_file, kept=kept, schema_version=version,
                         stations_stopped=others)


def _wait_let_go(path: Path, seconds: float) -> int:
    """Until no process holds the journal files left at ``path``'s name (a stopped station lets go within
    about half a second); how many still do after ``seconds``. The station that leaves last empties
    and removes them: one still holding them when the backup goes in would remove the new file's."""
    deadline = time.monotonic() + seconds
    while (holding := stations_open(path) or 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    return holding


def restore_missing(path: Path, backup_file: Path, *, sign_in: Callable[[Store], str],
                    let_go: float = LET_GO_SECONDS, version: int | None = None) -> RestoreResult:
    """:func:`restore` where no file is in place (deleted, or moved away because it was damaged): the
    person signs in against the backup's staff."""
    if path.exists():
        raise InvalidInput(tr("{path} exists: restore it as usual", path=path))
    if not path.parent.is_dir():
        raise StoreUnavailable(tr("directory {parent} does not exist", parent=path.parent))
    if version is None:
        version = check_backup(backup_file)
    ready, _who = _prepare(path, backup_file, sign_in, kept=None, version=version, stations=0)
    try:
        holding = _wait_let_go(path, let_go)
        if holding:
            raise StoreUnavailable(tr("{n} station(s) still hold the deleted file after {seconds} s: quit them,"
                                      " then restore again", n=holding, seconds=int(let_go)))
        _maintenance.put_in_place(ready, path)
    finally:
        ready.unlink(missing_ok=True)
    return RestoreResult(path=path, backup=backup_file, kept=None, schema_version=version)


def migrate_to(store: Store, url: str) -> dict[str, int]:
    """``butler migrate-to``: this SQLite hotel copied into the empty PostgreSQL database at ``url``, every
    row and event, verified by counts and the events' chain; the rows per table."""
    return _maintenance.migrate_to(store, url)
