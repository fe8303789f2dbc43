"""Staff accounts and who may do what: ``staff add | reset-pin | list``, ``permissions``."""

from __future__ import annotations

import sys

import click

from butler_tui.cli.common import signed_person, use_store
from butler_tui.cli.output import say
from butler_tui.errors import ButlerError
from butler_tui.i18n import t as tr


@click.group()
def staff() -> None:
    """Staff accounts (admins): add staff, reset PINs."""


@staff.command(name="add")
@click.argument("staff_no")
@click.argument("name")
@click.option("--role", type=click.Choice(["butler", "lead", "supervisor", "manager", "director", "admin"]),
              default="butler", show_default=True)
@click.option("--team", default=None, help="Team code, e.g. LOBBY, ROOMS.")
@click.option("--title", default="")
@click.option("--pin", default=None, help="The new person's PIN (4–8 digits); asked when omitted.")
@click.option("--by", default=None, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_add(ctx: click.Context, staff_no: str, name: str, role: str, team: str | None, title: str,
              pin: str | None, by: str | None, by_pin: str | None) -> None:
    """Add a staff member."""
    from butler_tui.services import auth

    store = use_store(ctx)
    admin = signed_person(ctx, store, by, by_pin)
    if pin is None and sys.stdin.isatty():
        pin = click.prompt(tr("PIN for {staff_no}", staff_no=staff_no), hide_input=True, confirmation_prompt=True)
    auth.add_staff(store, by=admin.staff_no, staff_no=staff_no, name=name, role=role, team=team, pin=pin,
                   title=title)
    say(tr("added {staff_no} {name} ({role})", staff_no=staff_no.upper(), name=name, role=tr(role))
               + ("" if pin else tr(" — no PIN yet: run staff reset-pin")))


@staff.command(name="reset-pin")
@click.argument("staff_no")
@click.option("--pin", default=None, help="The new PIN (4–8 digits); asked when omitted.")
@click.option("--by", default=None, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_reset_pin(ctx: click.Context, staff_no: str, pin: str | None, by: str | None, by_pin: str | None) -> None:
    """Set a new PIN for a staff member (and lift a lock)."""
    from butler_tui.services import auth

    store = use_store(ctx)
    admin = signed_person(ctx, store, by, by_pin)
    if pin is None:
        if not sys.stdin.isatty():
            raise ButlerError(tr("give the new PIN with --pin (no terminal to ask)"))
        pin = click.prompt(tr("new PIN for {staff_no}", staff_no=staff_no), hide_input=True, confirmation_prompt=True)
    auth.reset_pin(store, by=admin.staff_no, staff_no=staff_no, pin=pin)
    say(tr("PIN of {staff_no} reset", staff_no=staff_no.upper()))


@staff.command(name="add-service")
@click.argument("name")
@click.option("--may", required=True, help="What it may do, of: import, sweep, send (comma-separated).")
@click.option("--by", default=None, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_add_service(ctx: click.Context, name: str, may: str, by: str | None, by_pin: str | None) -> None:
    """Add a service account (the PMS import, cron): prints its token once — only its hash is kept."""
    from butler_tui.services import sessions

    store = use_store(ctx)
    admin = signed_person(ctx, store, by, by_pin)
    token = sessions.add_service(store, name, may, by=admin.staff_no)
    say(token)
    say(tr("service account {name} added: keep its token now (BUTLER_TOKEN), it is not shown again",
                  name=name.strip().lower()), err=True)


@staff.command(name="revoke-service")
@click.argument("name")
@click.option("--by", default=None, help="Staff no. of the admin doing this.")
@click.option("--by-pin", default=None, help="The admin's PIN (else $BUTLER_PIN, else asked).")
@click.pass_context
def staff_revoke_service(ctx: click.Context, name: str, by: str | None, by_pin: str | None) -> None:
    """Revoke a service account: its token is refused from now on."""
    from butler_tui.services import sessions

    store = use_store(ctx)
    admin = signed_person(ctx, store, by, by_pin)
    sessions.revoke_service(store, name, by=admin.staff_no)
    say(tr("service account {name} revoked", name=name.strip().lower()))


@staff.command(name="list")
@click.pass_context
def staff_list(ctx: click.Context) -> None:
    """Staff with their team and role."""
    from butler_tui.services.directory import list_staff

    for s in list_staff(use_store(ctx)):
        state = "" if s.active else tr(" (inactive)")
        say(f"{s.staff_no:<6} {s.name:<8} {s.team_code or '-':<6} {s.role:<10} {s.title}{state}")


@click.command()
@click.pass_context
def permissions(ctx: click.Context) -> None:
    """Who may do what (the permissions table)."""
    from butler_tui.services.auth import ACTIONS, permission_table

    for action, roles in permission_table(use_store(ctx)).items():
        say(f"{action:<30} {', '.join(roles):<40} {tr(ACTIONS.get(action, ''))}")


COMMANDS: list[click.Command] = [staff, permissions]
