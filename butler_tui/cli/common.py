"""What the commands share: the invocation's options, the store, an admin's proof of identity."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from butler_tui.cli.output import json_text
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr
from butler_tui.store import Store

if TYPE_CHECKING:
    from butler_tui.services.auth import Person


@dataclass(frozen=True)
class Options:
    """The group's options, for its commands (``ctx.obj``)."""

    db: Path


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
    from butler_tui.services.settings import use_hotel_shifts
    from butler_tui.services.training import check_clock_allowed

    path = options(ctx).db
    if create and not Path(path).exists():
        check_clock_allowed(None, making_training=training, path=path)
    store = Store(path, create=create, migrate=False)
    try:
        check_clock_allowed(store, making_training=training)
        if migrate:
            store.migrate()
            use_hotel_shifts(store)
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


def echo_json(value: Any) -> None:
    """``value`` as indented JSON, non-ASCII kept as it is (the shapes are in the README)."""
    click.echo(json_text(value))
