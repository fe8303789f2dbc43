"""The ``butler`` command line: a thin layer over the services, one module per group of commands.

Bad input gets one line on stderr and a non-zero exit — never a traceback, never a half-written
change (every write is one transaction). Errors become exit codes in one place, :mod:`.errors`; a
command gets its store from :func:`.common.use_store`, which Click closes when the command ends; each
invocation acts under a :class:`~butler_tui.context.Context` of its own (its language, the hotel's
shifts), so two invocations in one process — tests with CliRunner — share nothing but the clock.

* :mod:`.sessions` — login, logout, whoami (who the commands act as)
* :mod:`.admin` — init, check, backup, sweep
* :mod:`.station` — demo, run, serve, keys, screenshots (the station app)
* :mod:`.messages` — send, ack, messages (the radio channel)
* :mod:`.tasks` — task … (service orders, SLA, escalation ladders)
* :mod:`.guests` — guest … (preferences and notes)
* :mod:`.handover` — handover, log … (交班本 and the duty log)
* :mod:`.pms` — import … (data from the PMS)
* :mod:`.staff` — staff …, permissions
* :mod:`.roster` — roster … (the duty roster)
* :mod:`.rooms` — room …, settings … (housekeeping status, DND, out of order; the hotel's settings)
* :mod:`.found` — found … (the lost & found register)
* :mod:`.routines` — routine … (leads' daily and weekly routines)
* :mod:`.stays` — stay list, stay set (arrivals, departures, the night audit's no-shows)
* :mod:`.report` — report (the manager's service figures)
* :mod:`.settings_file` — config show, path, set (the user's config file: :mod:`butler_tui.userconfig`)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from butler_tui import __version__, context
from butler_tui.cli import (
    admin,
    found,
    guests,
    handover,
    language,
    messages,
    pms,
    report,
    rooms,
    roster,
    routines,
    sessions,
    settings_file,
    staff,
    station,
    stays,
    tasks,
)
from butler_tui.cli.common import Options
from butler_tui.cli.errors import reported
from butler_tui.cli.types import harden
from butler_tui.config import default_db_path
from butler_tui.i18n import detect, set_language


class ButlerGroup(click.Group):
    """Runs each invocation under its own context, in its language, with errors reported in one place."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        # The invocation's own settings; the clock stays shared (a test's frozen clock reaches the command).
        own = context.Context(language=language.chosen(argv), clock=context.current().clock)
        with context.using(own):
            language.speak(self)  # before Click parses: --help is answered while parsing
            return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with reported(ctx):
            return super().invoke(ctx)


class DatabaseOption(click.ParamType):  # type: ignore[type-arg]
    """``--db``: a database file, or a PostgreSQL server's address (``postgresql://…``), kept as written."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, str) and value.startswith(("postgresql://", "postgres://")):
            return value
        return click.Path(dir_okay=False, path_type=Path).convert(value, param, ctx)


@click.group(cls=ButlerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=DatabaseOption(),
    default=None,
    help="Database file, or a PostgreSQL server's postgresql://… address (default: $BUTLER_DB, else ./butler.db).",
)
@click.option("--lang", default=None, help="en or zh (default: $BUTLER_LANG, else the locale).")
@click.option("-v", "--verbose", count=True, help="Also write the log to stderr (-vv: debug too).")
@click.version_option(__version__, prog_name="butler")
@click.pass_context
def cli(ctx: click.Context, db: Path | str | None, lang: str | None, verbose: int) -> None:
    """butler-tui: the butler team's stations on one shared SQLite file."""
    from butler_tui import logs, userconfig

    logs.setup(verbose)
    # `butler config …` works on a broken file too (path, set); every other command refuses to guess.
    config = (userconfig.read_quietly() if ctx.invoked_subcommand == settings_file.GROUP_NAME
              else userconfig.read())
    ctx.obj = Options(db=db or default_db_path(config.database), config=config)
    # The language is already chosen; this refuses one we do not speak.
    set_language(detect(lang or language.configured(config)))


def _add_commands(group: click.Group) -> None:
    for module in (sessions, admin, station, messages, tasks, guests, handover, pms, staff, roster, rooms, found,
                   routines, stays, report, settings_file):
        for command in module.COMMANDS:
            group.add_command(command)


_add_commands(cli)
harden(cli)  # every argument: text that is Unicode, whole numbers SQLite can hold, file names without NUL


def main() -> None:
    cli(prog_name="butler")


__all__ = ["ButlerGroup", "cli", "main"]
