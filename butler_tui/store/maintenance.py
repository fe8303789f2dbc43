"""Integrity check, schema check, online backup, restore's file handling and file-placement warnings."""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from butler_tui.errors import StoreUnavailable
from butler_tui.i18n import t as tr
from butler_tui.store import chain
from butler_tui.store.database import Connection, Store
from butler_tui.store.schema import SCHEMA_VERSION, check_version, migrate

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "sshfs", "fuse.sshfs", "afs", "9p",
                       "glusterfs", "ceph", "fuse.glusterfs", "davfs", "fuse.davfs2"}


@dataclass
class CheckReport:
    path: Path | str  # a file's path, or a server's address without its password
    integrity: list[str] = field(default_factory=list)
    schema_version: int = 0
    journal_mode: str = ""
    warnings: list[str] = field(default_factory=list)
    chain_checked: int = 0  # events whose hash was checked
    chain_break: int | None = None  # the first event whose hash does not follow the one before
    schema_diffs: list[str] = field(default_factory=list)  # tables, indexes, triggers unlike this version's
    chain_error: str = ""  # the chain could not be walked (its column or table is gone)

    @property
    def ok(self) -> bool:
        return (self.integrity == ["ok"] and self.chain_break is None and not self.chain_error
                and not self.schema_diffs)


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


_CHAIN_STEP = 20_000  # events walked between two reports of progress

Progress = Callable[[int, int], None]
"""Told ``(done, total)`` as a long check or backup goes on (the CLI draws a bar with it)."""


def _tables(store: Store) -> list[str]:
    return [r[0] for r in store.db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall()]


_Entry = tuple[str, str]  # (type, name) in sqlite_master


def _objects(conn: sqlite3.Connection) -> dict[_Entry, str]:
    """The tables, indexes, triggers and views of ``conn``'s main file: (type, name) -> SQL, with spacing and
    identifier quotes normalised (a rename rewrites them differently in different SQLite versions); SQLite's
    own objects, ``sqlite_*``, left out."""
    return {(kind, name): " ".join((sql or "").replace('"', "").split()) for kind, name, sql in conn.execute(
        "SELECT type, name, sql FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()}


@lru_cache(maxsize=1)
def expected_schema() -> dict[_Entry, str]:
    """This version's schema: every migration run once on an empty database in memory."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(Connection(conn))
        return _objects(conn)
    finally:
        conn.close()


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, int, object, int]]:
    return {r[1]: (r[2], r[3], r[4], r[5]) for r in conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()}


def _table_diff(conn: sqlite3.Connection, table: str, sql: str) -> str:
    """What differs between the file's ``table`` and the one ``sql`` creates: its columns, else its SQL."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.execute(sql)
        want = _columns(mem, table)
    except sqlite3.Error:
        want = {}
    finally:
        mem.close()
    have = _columns(conn, table)
    parts = [tr("column {column} missing", column=c) for c in want if c not in have]
    parts += [tr("extra column {column}", column=c) for c in have if c not in want]
    parts += [tr("column {column} changed", column=c) for c in want if c in have and want[c] != have[c]]
    return ", ".join(parts) or tr("its SQL differs")


def schema_differences(conn: sqlite3.Connection) -> list[str]:
    """Every table, index, trigger and view that is missing, extra or unlike this version's schema, one
    sentence each (empty: the schema is exactly this version's)."""
    want, have = expected_schema(), _objects(conn)
    diffs = [tr("missing {kind} {name}", kind=kind, name=name) for kind, name in sorted(want) if (kind, name) not in have]
    diffs += [tr("extra {kind} {name}", kind=kind, name=name) for kind, name in sorted(have) if (kind, name) not in want]
    for (kind, name), sql in sorted(want.items()):
        found = have.get((kind, name))
        if found is None or found == sql:
            continue
        if kind == "table" and not sql.upper().startswith("CREATE VIRTUAL"):
            diffs.append(tr("changed table {name}: {what}", name=name, what=_table_diff(conn, name, sql)))
        else:
            diffs.append(tr("changed {kind} {name}: found {found!r}, expected {expected!r}", kind=kind, name=name,
                            found=found, expected=sql))
    return diffs


def _check_server(store: Store, report: CheckReport, progress: Progress | None) -> CheckReport:
    """:func:`check` on PostgreSQL: the server keeps its pages and keys whole itself (``integrity`` is its
    word); the schema is compared with the one this version makes (store/pg.py) and the chain is walked."""
    from butler_tui.store import pg

    conn: Any = store.db.conn
    report.schema_version = check_version(store.db)
    report.integrity = ["ok"]
    report.journal_mode = "postgresql"
    if report.schema_version < SCHEMA_VERSION:
        report.warnings.append(tr("schema version {version} is behind {latest}: run `butler init`",
                                  version=report.schema_version, latest=SCHEMA_VERSION))
        return report
    report.schema_diffs = pg.schema_differences(conn)
    events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    steps = max(1, -(-events // _CHAIN_STEP))
    report.chain_checked, report.chain_break = chain.verify(
        conn, (lambda done, _total: progress(-(-done // _CHAIN_STEP), steps)) if progress else None,
        batch=_CHAIN_STEP)
    if progress:
        progress(steps, steps)
    return report


def check(store: Store, *, full: bool = False, progress: Progress | None = None) -> CheckReport:
    """``quick_check`` table by table (seconds on a year of history), the schema version and the
    journal mode; ``full`` runs ``integrity_check`` (which also compares every index with its table)
    and the foreign-key check, both of which read the whole file. Then the tamper evidence: the events'
    hash chain, walked in full (linear), and every table, index and trigger compared with this version's
    schema (on a file at this version)."""
    if store.url is not None:
        from butler_tui.store import pg

        report = CheckReport(path=pg.redact(store.url))
        return _check_server(store, report, progress)
    report = CheckReport(path=store.path)
    conn = store.db.conn
    tables = _tables(store)
    report.schema_version = check_version(store.db)
    current = report.schema_version == SCHEMA_VERSION
    try:
        events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0]) if current else 0
    except sqlite3.DatabaseError:  # a damaged file: quick_check below says where
        events = 0
    chain_steps = -(-events // _CHAIN_STEP) if current else 0
    checked = len(tables) if not full else 1
    steps = checked + chain_steps + (1 if full else 0)
    problems: list[str] = []
    if full:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
        if progress:
            progress(1, steps)
    else:
        for done, table in enumerate(tables, 1):
            store.check_file()  # the file deleted or replaced meanwhile: stop and say so
            problems += [row[0] for row in conn.execute(f'PRAGMA quick_check("{table}")').fetchall()
                         if row[0] != "ok"]
            if progress:
                progress(done, steps)
    report.integrity = problems or ["ok"]
    if report.schema_version < SCHEMA_VERSION:
        report.warnings.append(tr("schema version {version} is behind {latest}: run `butler init`",
                                  version=report.schema_version, latest=SCHEMA_VERSION))
    elif report.integrity == ["ok"]:
        report.schema_diffs = schema_differences(conn)
        try:
            report.chain_checked, report.chain_break = chain.verify(
                conn, (lambda done, _total: progress(checked + -(-done // _CHAIN_STEP), steps)) if progress else None,
                batch=_CHAIN_STEP)
        except sqlite3.DatabaseError as exc:  # no hash column, no anchors table: the schema check says which
            report.chain_error = str(exc)
    report.journal_mode = str(store.scalar("PRAGMA journal_mode"))
    if report.journal_mode != "wal":
        report.warnings.append(tr("journal mode is {mode}, expected wal", mode=report.journal_mode))
    if full:
        fk = store.rows("PRAGMA foreign_key_check")
        if fk:
            report.integrity.append(tr("{n} rows break foreign keys (first: {first})", n=len(fk), first=fk[0]))
    if progress:
        progress(steps, steps)
    report.warnings.extend(placement_warnings(store.path))
    return report


def backup_name(store: Store) -> Path:
    """The name a backup of ``store`` takes in a directory (its stem and suffix name the dated, rotated ones):
    the file's own name, or on PostgreSQL the database's name with ``.dump`` (pg_dump's custom format)."""
    if store.url is None:
        return Path(store.path.name)
    conn: Any = store.db.conn  # a PgConnection (store/pg.py)
    name = str(conn.execute_pg("SELECT current_database()").fetchone()[0])
    return Path((name.replace("/", "_") or "butler") + ".dump")


def pg_program(name: str) -> str | None:
    """The PostgreSQL client program ``name`` to run (``pg_dump``, ``pg_restore``): the one on PATH, else the
    newest under /usr/lib/postgresql/*/bin (Debian's); None: none."""
    found = shutil.which(name)
    if found:
        return found
    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        program = os.path.join(bin_dir, name)
        if os.access(program, os.X_OK):
            return program
    return None


def pg_dump_program() -> str | None:
    """The ``pg_dump`` to run (:func:`pg_program`)."""
    return pg_program("pg_dump")


def pg_restore_program() -> str | None:
    """The ``pg_restore`` to run (:func:`pg_program`)."""
    return pg_program("pg_restore")


def _server_address(url: str) -> tuple[str, dict[str, str], str | None]:
    """What a PostgreSQL client program is given to reach ``url``: the address without its password (for
    ``--dbname``), the environment with the password in ``PGPASSWORD`` (never on a command line, where
    ``ps`` shows it), and the password (to blank it out of the program's messages)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env, password


def _program_says(done: subprocess.CompletedProcess[str], program: str, password: str | None) -> str:
    """A client program's own words on one line (``pg_dump: error: connection … failed: …`` and its detail
    lines), without the program's name and without the password."""
    from butler_tui.store import pg

    name = Path(program).name
    lines = [line.strip().removeprefix(f"{name}: ").removeprefix("error: ")
             for line in done.stderr.splitlines() if line.strip()]
    why = " ".join(lines) or tr("exit status {code}", code=done.returncode)
    if password:
        why = why.replace(password, "***")
    return pg.redact(why)


def _version_key(bin_dir: str) -> tuple[int, ...]:
    version = Path(bin_dir).parent.name
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _backup_server(store: Store, target: Path, progress: Progress | None) -> Path:
    """:func:`backup` on PostgreSQL: ``pg_dump -Fc`` of the database at the store's address (a consistent
    snapshot: stations may keep writing) into a temporary name, renamed to ``target`` once whole. The
    password goes to pg_dump in its environment, not on its command line."""
    assert store.url is not None
    program = pg_dump_program()
    if program is None:
        raise StoreUnavailable(tr("pg_dump not found (on PATH or in /usr/lib/postgresql/*/bin): install the"
                                  " PostgreSQL client programs to back up a hotel on a server"))
    address, env, password = _server_address(store.url)
    tmp = target.with_name(target.name + ".partial")
    try:
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_CREAT | os.O_WRONLY, 0o600))  # the owner's only: it holds guest data
        done = subprocess.run([program, "--format=custom", "--no-password", "--file", str(tmp),
                               "--dbname", address],
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise StoreUnavailable(tr("backup to {target} failed: {exc}", target=target,
                                      exc=_program_says(done, program, password)))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreUnavailable(tr("backup to {target} failed: {exc}", target=target, exc=exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        progress(1, 1)
    return target


def backup(store: Store, dest: str | os.PathLike[str], *, progress: Progress | None = None) -> Path:
    """Copy the live database with SQLite's online backup API (stations may keep writing); on PostgreSQL
    with ``pg_dump`` in its custom format (``pg_restore`` reads it)."""
    target = Path(dest)
    if target.is_dir():
        target = target / backup_name(store)
    if store.url is not None:
        if not target.parent.exists():
            raise StoreUnavailable(tr("directory {parent} does not exist", parent=target.parent))
        return _backup_server(store, target, progress)
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

        def step(_status: int, remaining: int, total: int) -> None:
            store.check_file()  # the file deleted or replaced meanwhile: a backup of it is no backup
            if progress:
                progress(total - remaining, total)

        try:
            store.db.conn.backup(dst, pages=1024, progress=step)
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


# -- restore ---------------------------------------------------------------------------------------
SHM_DMS_BYTE = 128
"""Every SQLite connection to a WAL database holds a read lock on this byte of its ``-shm`` file while it is
open (the "dead man switch" that tells the last one to leave)."""


def open_elsewhere(path: Path) -> int | None:
    """How many other processes have the database at ``path`` open: the processes holding the read lock
    on its ``-shm`` file's :data:`SHM_DMS_BYTE`, as Linux lists them in ``/proc/locks`` (read, not taken:
    opening and closing the ``-shm`` here would drop this process's own SQLite locks on it). ``None``
    where that cannot be told (no ``/proc/locks``)."""
    try:
        inode = os.stat(f"{path}-shm").st_ino
    except FileNotFoundError:
        return 0  # the last connection to leave removes it: nobody has the file open
    except OSError:
        return None
    try:
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    pids: set[str] = set()
    for line in table.splitlines():
        parts = line.split()
        if len(parts) < 8 or "->" in parts or not parts[5].endswith(f":{inode}"):
            continue
        start, end = parts[6], parts[7]
        if start.isdigit() and int(start) <= SHM_DMS_BYTE and (end == "EOF" or int(end) >= SHM_DMS_BYTE):
            pids.add(parts[4])
    pids.discard(str(os.getpid()))
    return len(pids)


def check_backup(path: Path, *, full: bool = False) -> int:
    """Refuse a file that is not a sound butler database — quick_check (``full``: integrity_check) not
    ok, not SQLite, no events — or one newer than this code; its schema version. The file is opened
    read-only and nothing is written to it."""
    from butler_tui.store.schema import check_version

    if not path.is_file():
        raise StoreUnavailable(tr("no backup at {path}", path=path))
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise StoreUnavailable(tr("cannot open backup {path}: {exc}", path=path, exc=exc)) from exc
    try:
        found = [row[0] for row in conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
        if found != ["ok"]:
            raise StoreUnavailable(tr("backup {path} failed its integrity check: {problems}", path=path,
                                      problems="; ".join(str(p) for p in found[:3])))
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone():
            raise StoreUnavailable(tr("{path} is not a butler database (no events table)", path=path))
        version = check_version(Connection(conn))
        if any(column[1] == "hash" for column in conn.execute("PRAGMA table_info(events)")):
            # A backup from before the chain (0021) has none to check: the restore's migration chains it.
            _checked, broken = chain.verify(conn)
            if broken is not None:
                raise StoreUnavailable(tr("backup {path}: its event chain breaks at event {id} — it was changed"
                                          " around the program; not restored", path=path, id=broken))
        return version
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(tr("backup {path} is damaged or not a database: {exc}", path=path, exc=exc)) from exc
    finally:
        conn.close()


def copy_private(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` (a new file, readable by its owner only), flushed to the disk."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def set_aside(store: Store, aside: Path) -> None:
    """Rename the live file to ``aside`` with everything in it: the WAL is checkpointed into the file and
    truncated, and the write lock is held across the rename, so no station adds to the WAL meanwhile (a
    station's next write finds the file gone and is refused). The store stops (the file is not at its
    path any more) and lets go of the file."""
    conn = store.db.conn
    wal = Path(f"{store.path}-wal")
    for _attempt in range(5):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        conn.execute("BEGIN IMMEDIATE")
        if not wal.exists() or wal.stat().st_size == 0:
            break
        conn.execute("ROLLBACK")
    else:
        raise StoreUnavailable(tr("could not empty the WAL of {path} (a station keeps reading): close the"
                                  " stations and try again", path=store.path))
    try:
        os.rename(store.path, aside)
    finally:
        conn.execute("ROLLBACK")
    store.stop("moved")
    store.close()


def put_in_place(ready: Path, path: Path) -> None:
    """Rename ``ready`` (a file in the same directory, nobody holding it) to ``path``; the journal files
    left at ``path``'s name by the file set aside (emptied, nobody holding them) go first, else SQLite
    would replay them onto the file put in place."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(ready, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)  # the rename itself survives a power cut
    finally:
        os.close(fd)


def migrate_to(store: Store, url: str) -> dict[str, int]:
    """Copy this SQLite hotel into the empty PostgreSQL database at ``url`` (store/pg.py: :func:`copy_hotel`),
    verified by every table's count and the events' chain; the rows per table."""
    from butler_tui.store import pg
    from butler_tui.store.schema import SET_NAME

    if store.url is not None:
        raise StoreUnavailable(tr("migrate-to copies a SQLite hotel: this one is on a server already"))
    if not pg.is_url(url):
        raise StoreUnavailable(tr("{url} is not a PostgreSQL address (postgresql://…)", url=url))
    return pg.copy_hotel(store.db.conn, url, SET_NAME)


# -- restore on a PostgreSQL server ----------------------------------------------------------------
_LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.MULTILINE)  # a table in `pg_restore --list`


def _run_pg_restore(args: list[str], env: dict[str, str] | None = None) -> tuple[str, subprocess.CompletedProcess[str]]:
    program = pg_restore_program()
    if program is None:
        raise StoreUnavailable(tr("pg_restore not found (on PATH or in /usr/lib/postgresql/*/bin): install the"
                                  " PostgreSQL client programs to restore a hotel on a server"))
    # UTF-8 whatever the locale (a dump's data is the hotel's UTF-8 text, Chinese included)
    return program, subprocess.run([program, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                   encoding="utf-8", errors="replace", check=False)


def dump_tables(path: Path) -> set[str]:
    """The tables a ``pg_dump -Fc`` archive holds (its table of contents); refused when it is not one."""
    program, listed = _run_pg_restore(["--list", str(path)])
    if listed.returncode != 0:
        # "… input file does not appear to be a valid archive": not what `butler backup` writes on a server
        raise StoreUnavailable(tr("backup {path} is damaged or not a database: {exc}", path=path,
                                  exc=_program_says(listed, program, None)))
    from butler_tui.store.archive import ARCHIVE_SCHEMA

    # the hotel's tables by name; the archive's (``butler archive`` on a server) as report_archive.NAME
    return {name if schema != ARCHIVE_SCHEMA else f"{schema}.{name}"
            for schema, name in _LISTED_TABLE.findall(listed.stdout)}


def check_server_backup(path: Path, *, full: bool = False) -> int:
    """:func:`check_backup` for a hotel on PostgreSQL: ``path`` must be a ``pg_dump -Fc`` archive
    (``pg_restore --list`` reads its table of contents) of a butler hotel (a ``_butler_migrations`` table)
    whose migrations this code knows; ``full`` reads every table's data too (``pg_restore -f /dev/null``).
    Its schema version. Nothing is written anywhere."""
    from butler_tui.errors import SchemaTooNew
    from butler_tui.store import pg
    from butler_tui.store.schema import KNOWN, SET_NAME

    if not path.is_file():
        raise StoreUnavailable(tr("no backup at {path}", path=path))
    tables = dump_tables(path)
    if "events" not in tables:
        raise StoreUnavailable(tr("{path} is not a butler database (no events table)", path=path))
    if pg.META not in tables:
        raise StoreUnavailable(tr("{path} is not a butler database (no {table} table)", path=path, table=pg.META))
    program, data = _run_pg_restore(["--data-only", f"--table={pg.META}", "--file=-", str(path)])
    if data.returncode != 0:
        raise StoreUnavailable(tr("backup {path} is damaged or not a database: {exc}", path=path,
                                  exc=_program_says(data, program, None)))
    names, copying = [], False
    for line in data.stdout.splitlines():  # COPY public._butler_migrations (migration_set, name, …) FROM stdin;
        if line.startswith("COPY ") and f".{pg.META} " in line:
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            fields = line.split("\t")
            if len(fields) >= 2 and fields[0] == SET_NAME:
                names.append(fields[1])
    version = len(names)
    unknown = [name for name in names if name not in KNOWN]
    if version > SCHEMA_VERSION or unknown:
        raise SchemaTooNew(
            tr("this database has schema version {version}, newer than this butler-tui understands ({known});"
               " upgrade butler-tui instead of opening it", version=max(version, SCHEMA_VERSION + len(unknown)),
               known=SCHEMA_VERSION))
    if full:
        program, whole = _run_pg_restore(["--file", os.devnull, str(path)])
        if whole.returncode != 0:
            raise StoreUnavailable(tr("backup {path} is damaged or not a database: {exc}", path=path,
                                      exc=_program_says(whole, program, None)))
    return version


_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))")
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_field(text: str) -> str | None:
    """One field of ``COPY … TO`` text format as its value (``\\N``: NULL)."""
    if text == "\\N":
        return None
    if "\\" not in text:
        return text
    return _COPY_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)) if m.group(1) else chr(int(m.group(2), 16))
                            if m.group(2) else _COPY_CHARS.get(m.group(3), m.group(3)), text)


def _bytea(text: str | None) -> bytes | None:
    return bytes.fromhex(text[2:]) if text is not None and text.startswith("\\x") else None


def _instant(value: str | None) -> int | str | None:
    """An event's instant as a dump holds it: milliseconds (its text when dumped before migration 0030)."""
    return int(value) if value is not None and value.isdigit() else value


def dump_chain_break(path: Path) -> int | None:
    """Walk the event chain of a ``pg_dump`` archive from its data, before anything is restored: the first event
    whose hash does not follow (None: the chain holds, or the dump has no events). The hotel's events and
    anchors only, not the archive schema's (``butler archive`` moved those out; the anchors bridge them)."""
    from butler_tui.store.archive import ARCHIVE_SCHEMA

    program, data = _run_pg_restore(["--data-only", "--table=events", "--table=event_chain_anchors", "--file=-",
                                     str(path)])
    if data.returncode != 0:
        raise StoreUnavailable(tr("backup {path} is damaged or not a database: {exc}", path=path,
                                  exc=_program_says(data, program, None)))
    rows: dict[str, list[dict[str, str | None]]] = {"events": [], "event_chain_anchors": []}
    target: list[dict[str, str | None]] | None = None
    names: list[str] = []
    for line in data.stdout.split("\n"):  # COPY public.events (id, at, …) FROM stdin; rows; \.
        if target is None:
            found = re.match(r'COPY "?(\w+)"?\."?(\w+)"? \((.*)\) FROM stdin;$', line)
            if found and found.group(1) != ARCHIVE_SCHEMA and found.group(2) in rows:
                target, names = rows[found.group(2)], [n.strip().strip('"') for n in found.group(3).split(",")]
        elif line == "\\.":
            target = None
        else:
            target.append(dict(zip(names, map(_copy_field, line.split("\t")), strict=True)))
    anchors = {int(a["event_id"] or 0): _bytea(a["prev_hash"]) for a in rows["event_chain_anchors"]}
    events = [[int(e["id"] or 0), _instant(e["at"]), *(e[c] for c in chain.COLUMNS[2:]), _bytea(e["hash"])]
              for e in sorted(rows["events"], key=lambda e: int(e["id"] or 0))]
    return chain.walk(events, anchors)[1]


def server_connections(store: Store) -> int:
    """How many stations have the hotel's database open on its server: the change feeds' connections (one
    per open station, ``butler-feed``); where none follows it, the other program connections (``butler``:
    commands, a station starting). This store's own connection is not counted."""
    from butler_tui.store.feed import FEED_APPLICATION

    conn: Any = store.db.conn
    counts = dict(conn.execute_pg(
        "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND application_name IN ('butler', %s) GROUP BY application_name",
        (FEED_APPLICATION,)).fetchall())
    return int(counts.get(FEED_APPLICATION) or counts.get("butler") or 0)


class RestoreFailed(StoreUnavailable):
    """``pg_restore`` failed: its one transaction rolled back, the database is as it was."""


def restore_dump(url: str, dump: Path) -> int | None:
    """Replace the database at ``url`` with the ``pg_dump -Fc`` archive ``dump``: ``pg_restore --clean
    --if-exists --single-transaction --exit-on-error`` (all of it or nothing: :class:`RestoreFailed` says
    nothing was changed; objects owned by whoever runs this, ``--no-owner``), the password in the
    environment. Then :func:`settle_restored`; the first event where the restored chain breaks (None: it
    holds). The caller's own connections to the database should be closed."""
    tables = dump_tables(dump)
    address, env, password = _server_address(url)
    program, done = _run_pg_restore(["--clean", "--if-exists", "--single-transaction", "--no-owner",
                                     "--exit-on-error", "--no-password", "--dbname", address, str(dump)], env)
    if done.returncode != 0:
        raise RestoreFailed(tr("restore of {backup} failed, nothing was changed: {exc}", backup=dump,
                               exc=_program_says(done, program, password)))
    return settle_restored(url, tables)


def settle_restored(url: str, tables: set[str]) -> int | None:
    """After ``pg_restore``: the tables the archive did not have (``tables``: those it had; the extra ones a
    newer schema's, still holding rows written after the backup) are dropped, so that the migration makes
    them anew; the stations' role, when it exists, is granted what :func:`pg.station_grants` says; the
    events' chain is walked. The first event where it breaks (None: it holds)."""
    from butler_tui.store import pg
    from butler_tui.store.archive import ARCHIVE_SCHEMA

    ref = pg.reference_schema()
    try:
        known = {name for (name,) in ref.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        ref.close()
    conn = pg.connect(url, application_name="butler-restore")
    try:
        with pg.writing(conn):
            for extra in sorted((pg.pg_tables(conn) - tables) & known):  # only this program's, never others'
                conn.execute_pg(f'DROP TABLE IF EXISTS "{extra}" CASCADE')
            if not any(name.startswith(f"{ARCHIVE_SCHEMA}.") for name in tables):
                # a backup from before the first archive: the archive made since would count its rows twice
                # (they are back in the hotel's tables); the dump set aside keeps it
                conn.execute_pg(f"DROP SCHEMA IF EXISTS {ARCHIVE_SCHEMA} CASCADE")
            pg.grant_station(conn)
        conn.load_rowid_keys()
        _checked, broken = chain.verify(conn)  # type: ignore[arg-type]
        return broken
    finally:
        conn.close()
