"""Signing in on the command line: ``login``, ``logout``, ``whoami``; service accounts are under ``staff``."""

from __future__ import annotations

import os
import sys

import click

from butler_tui.cli.common import (
    current_session,
    echo_json,
    forget_token,
    keep_token,
    kept_token,
    options,
    use_store,
)
from butler_tui.cli.output import say
from butler_tui.i18n import t as tr
from butler_tui.logs import log


def _read_pin(staff_no: str) -> str:
    """The PIN from the terminal (not echoed), or the first line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return str(click.prompt(tr("PIN of {staff_no}", staff_no=staff_no), hide_input=True))
    return sys.stdin.readline().strip()


@click.command()
@click.option("--station", required=True, help="The station you work at, e.g. lobby.")
@click.option("--staff", "staff_no", required=True, help="Your staff no.")
@click.option("--hours", type=click.FloatRange(min=0, min_open=True, max=24), default=None,
              help="End the session after this many hours (default: the end of your shift, else session_hours).")
@click.option("--print", "print_token", is_flag=True,
              help="Print the token (for BUTLER_TOKEN) instead of keeping it in your session file.")
@click.pass_context
def login(ctx: click.Context, station: str, staff_no: str, hours: float | None, print_token: bool) -> None:
    """Sign in (PIN from the terminal, or the first line of stdin): the commands that change data act as you."""
    from butler_tui import clock
    from butler_tui.errors import ButlerError
    from butler_tui.services import sessions

    store = use_store(ctx)
    try:
        token, session = sessions.login(store, staff_no, _read_pin(staff_no), station=station, hours=hours)
    except ButlerError as exc:  # the reason, never the PIN
        log.warning("sign-in refused: staff %s at %s (butler login): %s", staff_no, station, type(exc).__name__)
        raise
    log.info("signed in: staff %s at %s (butler login)", session.staff_no, session.station)
    if print_token:
        say(token)
        return
    path = keep_token(options(ctx).db, token, session)
    say(tr("signed in as {staff_no} {name} at {station} until {until} (session kept in {path})",
                  staff_no=session.staff_no, name=session.name, station=session.station,
                  until=clock.show_local(session.expires or ""), path=path))


@click.command()
@click.pass_context
def logout(ctx: click.Context) -> None:
    """End your session (here and in the database)."""
    from butler_tui.errors import ButlerError
    from butler_tui.services import sessions

    db = options(ctx).db
    token = kept_token(db)
    if token is None:
        raise ButlerError(tr("not signed in"))
    store = use_store(ctx)
    try:
        session = sessions.logout(store, token)
    finally:
        if not os.environ.get("BUTLER_TOKEN"):
            forget_token(db)  # the kept one: ended, expired or unknown, it is of no use either
    log.info("signed out: staff %s (butler logout)", session.staff_no)
    say(tr("signed out {staff_no} {name}", staff_no=session.staff_no, name=session.name))


@click.command()
@click.option("--json", "as_json", is_flag=True, help='{"staff", "name", "role", "station", "expires"}')
@click.pass_context
def whoami(ctx: click.Context, as_json: bool) -> None:
    """Who the commands act as: the session of BUTLER_TOKEN, else the one `butler login` kept."""
    from butler_tui import clock

    session = current_session(ctx, use_store(ctx))
    if as_json:
        echo_json(session.to_json())
        return
    if session.service:
        say(tr("service account {name}, may {rights}", name=session.service,
                      rights=", ".join(sorted(session.rights))))
        return
    say(tr("{staff_no} {name} ({role}) at {station} until {until}", staff_no=session.staff_no,
                  name=session.name, role=tr(session.role), station=session.station or "-",
                  until=clock.show_local(session.expires or "")))


COMMANDS: list[click.Command] = [login, logout, whoami]
