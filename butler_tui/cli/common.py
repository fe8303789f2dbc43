"""What the commands share: the invocation's options, the store, an admin's proof of identity, and the
session a command acts under (``BUTLER_TOKEN``, else the one ``butler login`` kept for this database)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from butler_tui.cli.output import json_text, say
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr
from butler_tui.store import Store
from butler_tui.userconfig import UserConfig

if TYPE_CHECKING:
    from butler_tui.services.auth import Person
    from butler_tui.services.sessions import Acting, Session


@dataclass(frozen=True)
class Options:
    """The group's options, for its commands (``ctx.obj``)."""

    db: Path | str
    """The database: a file's path, or a PostgreSQL address (``postgresql://…``, a ``str``)."""
    config: UserConfig = field(default_factory=UserConfig)  # the user's config file (butler_tui.userconfig)


def shown_db(db: Path | str) -> Path | str:
    """The database as a message names it: a server's address without its password."""
    from butler_tui.config import redact

    return redact(db) if isinstance(db, str) else db


def options(ctx: click.Context) -> Options:
    found = ctx.find_object(Options)
    if found is None:
        raise RuntimeError("a butler command runs under the butler group")
    return found


@contextmanager
def opened_store(ctx: click.Context, *, create: bool = False, migrate: bool = True,
                 training: bool = False) -> Iterator[Store]:
    """The database of ``--db``, with the hotel's shifts read into the current context; closed at the end
    of the ``with`` block, whatever happens in it. A ``BUTLER_NOW`` is refused before anything is written
    unless the file is a training database (``training``: the command makes one, on a new file or one that
    holds no hotel)."""
    from butler_tui.services.settings import use_hotel_settings
    from butler_tui.services.training import check_clock_allowed

    path = options(ctx).db
    if create and not Path(path).exists():
        check_clock_allowed(None, making_training=training, path=path)
    store = Store(path, create=create, migrate=False)
    try:
        check_clock_allowed(store, making_training=training)
        if migrate:
            store.migrate()
            use_hotel_settings(store)
        yield store
    finally:
        store.close()


def use_store(ctx: click.Context, *, create: bool = False, migrate: bool = True, training: bool = False) -> Store:
    """:func:`opened_store` for the rest of the command: Click closes it when the command ends."""
    return ctx.with_resource(opened_store(ctx, create=create, migrate=migrate, training=training))


def admin_sign_in(store: Store, by: str, by_pin: str | None) -> Person:
    """Admin commands: the admin proves who they are with their own PIN (option, $BUTLER_PIN, or prompt)."""
    from butler_tui.services import auth

    pin = by_pin or os.environ.get("BUTLER_PIN")
    if pin is None:
        if not sys.stdin.isatty():
            raise ButlerError(tr("give the admin's PIN with --by-pin or $BUTLER_PIN (no terminal to ask)"))
        pin = click.prompt(tr("PIN of {staff_no}", staff_no=by), hide_input=True)
    return auth.sign_in(store, by, pin, station=None)


def _db_name(db: Path | str) -> str:
    """The database's real path, or its server address as given (a PostgreSQL one is text)."""
    return db if isinstance(db, str) else str(Path(db).resolve())


def session_file(db: Path | str) -> Path:
    """Where ``butler login`` keeps this OS user's session for the database ``db``: the user's state
    directory, ``butler-tui/sessions/<SHA-256 of the database's real path>.json``."""
    from platformdirs import user_state_dir

    key = hashlib.sha256(_db_name(db).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return Path(user_state_dir("butler-tui")) / "sessions" / f"{key}.json"


def keep_token(db: Path | str, token: str, session: Session) -> Path:
    """Write the session file (mode 0600, in a directory of mode 0700), replacing any earlier one."""
    path = session_file(db)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"db": _db_name(db), "token": token, **session.to_json()}, out)
    os.replace(temp, path)
    return path


def kept_token(db: Path | str) -> str | None:
    """The token of ``BUTLER_TOKEN``, else of this user's session file for ``db``; ``None`` when neither."""
    token = os.environ.get("BUTLER_TOKEN")
    if token:
        return token
    try:
        found = json.loads(session_file(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found.get("token") if isinstance(found, dict) and isinstance(found.get("token"), str) else None


def forget_token(db: Path | str) -> bool:
    """Remove this user's session file for ``db``; whether there was one."""
    try:
        session_file(db).unlink()
    except FileNotFoundError:
        return False
    return True


def current_session(ctx: click.Context, store: Store) -> Session:
    """The session this command runs under, or a refusal saying how to sign in."""
    from butler_tui.errors import PermissionDenied
    from butler_tui.services import sessions

    token = kept_token(options(ctx).db)
    if token is None:
        raise PermissionDenied(tr("sign in first: `butler login --station CODE --staff NO` (or give --by-pin for"
                                  " this command)"))
    return sessions.resolve(store, token)


def acting_as(ctx: click.Context, store: Store, *, staff: str | None, station: str | None, right: str,
              by_pin: str | None = None) -> Acting:
    """Who a command that changes data (or shows a guest's file) acts as, and where: the signed-in session
    (a ``--staff``/``--station`` that disagrees is refused), or — with ``--by-pin`` — ``--staff`` proven by
    their PIN for this command only. ``right`` is what a service account must have been given."""
    from butler_tui.errors import InvalidInput
    from butler_tui.services.sessions import Acting, acting

    if by_pin is not None or (not os.environ.get("BUTLER_TOKEN") and os.environ.get("BUTLER_PIN") and staff
                              and kept_token(options(ctx).db) is None):
        if not staff:
            raise InvalidInput(tr("--by-pin proves --staff: give --staff NO too"))
        person = admin_sign_in(store, staff, by_pin)
        return Acting(person.staff_no, station.strip().lower() if station else None)
    return acting(current_session(ctx, store), staff=staff, station=station, right=right)


def guest_details_reader(ctx: click.Context, store: Store) -> Acting:
    """Who reads a list or report that names guests (the handover, stays, tasks, found items): a signed-in
    person, or a service account given the ``guest`` right — never nobody."""
    from butler_tui.services.sessions import acting

    return acting(current_session(ctx, store), staff=None, station=None, right="guest")


BY_PIN = click.option("--by-pin", default=None, help="Their PIN (else $BUTLER_PIN, else asked).")
"""``--by-pin`` of the commands that take ``--by NO``: the PIN that proves ``--by`` for this command."""


def by_pin_option(command: Any) -> Any:
    """``--by-pin``: the PIN of ``--staff``, proving them for this one command instead of a session."""
    return click.option("--by-pin", default=None,
                        help="PIN of --staff for this command only, instead of a session ($BUTLER_PIN too).")(command)


def signed_person(ctx: click.Context, store: Store, by: str | None, by_pin: str | None) -> Person:
    """Who does a ``--by`` command: ``--by`` proven by their PIN for this command, else the person of the
    session (a service account is never given these commands)."""
    from butler_tui.errors import PermissionDenied
    from butler_tui.services.auth import Person

    if by:
        return admin_sign_in(store, by, by_pin)
    session = current_session(ctx, store)
    if session.staff_no is None:
        raise PermissionDenied(tr("service account {name} may not {right}: it may only {rights}",
                                  name=session.service, right=ctx.command_path.split(" ", 1)[-1],
                                  rights=", ".join(sorted(session.rights))))
    return Person(session.staff_no, session.name, session.role, None)


def echo_json(value: Any) -> None:
    """``value`` as indented JSON, non-ASCII kept as it is (the shapes are in the README)."""
    click.echo(json_text(value))


def dash(value: object) -> str:
    """A value as a command shows it: ``-`` for none."""
    return "-" if value is None or value == "" else str(value)


def say_changes(changed: Mapping[str, tuple[Any, Any]], labels: Mapping[str, str], *, as_json: bool,
                shown_as: Callable[[Any], str] = dash) -> None:
    """What an edit changed (``{field: (old, new)}``): ``{field: {old, new}}`` as JSON, else a line per
    field under its label (``-`` for none), or that nothing changed."""
    if as_json:
        echo_json({k: {"old": old, "new": new} for k, (old, new) in changed.items()})
        return
    if not changed:
        say(tr("nothing changed"))
    for key, (old, new) in changed.items():
        say(f"{tr(labels[key])}: {shown_as(old)} → {shown_as(new)}")
