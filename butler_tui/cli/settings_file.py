"""``butler config``: the user's own settings file (database, station, language, theme, keymap).

Not the hotel's settings (``butler settings``, kept in the database for every station): these are one
user's defaults on one machine. See :mod:`butler_tui.userconfig` for the file and which setting wins.
"""

from __future__ import annotations

import click

from butler_tui import userconfig
from butler_tui.cli.output import json_text, say
from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr

GROUP_NAME = "config"


@click.group(name=GROUP_NAME)
def config_group() -> None:
    """Your own settings file: database, station, language, theme, keymap (options and $BUTLER_* win)."""


@config_group.command(name="path")
def path_cmd() -> None:
    """Where the settings file is (whether or not it exists yet)."""
    say(userconfig.config_path())


@config_group.command(name="show")
@click.option("--json", "as_json", is_flag=True, help='{"database", "station", "language", "theme", "keymap"} (null: not set)')
def show_cmd(as_json: bool) -> None:
    """The settings in the file (a broken file: one message naming it and the line)."""
    config = userconfig.read()
    if as_json:
        say(json_text(config.as_dict()))
        return
    for key, value in config.as_dict().items():
        say(f"{key:<10} {value if value is not None else '-':<40} {tr(userconfig.KEYS[key][1])}")


@config_group.command(name="set")
@click.argument("key", metavar="KEY")
@click.argument("value", metavar="VALUE")
def set_cmd(key: str, value: str) -> None:
    """Keep VALUE for KEY (database, station, language, theme, keymap) in the settings file."""
    # The themes are Textual's: asked where one is set, not at every start.
    if key == "theme" and userconfig.check_value(key, value):
        from textual.theme import BUILTIN_THEMES

        if value.strip() not in BUILTIN_THEMES:
            raise InvalidInput(tr("unknown theme {theme!r}; themes: {known}", theme=value.strip(),
                                  known=", ".join(sorted(BUILTIN_THEMES))))
    path = userconfig.set_value(key, value)
    say(tr("{key} = {value} (in {path})", key=key, value=userconfig.read(path).as_dict()[key], path=path))


COMMANDS: list[click.Command] = [config_group]
