"""The language of one ``butler`` invocation, and Click's own words and every help text in it.

The language is chosen from ``--lang`` before Click parses anything (``--help`` is answered while
parsing), so :class:`~butler_tui.cli.ButlerGroup` can make the invocation's
:class:`~butler_tui.context.Context` first and let Click speak it.
"""

from __future__ import annotations

import os

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

from butler_tui.i18n import LANGUAGES, detect
from butler_tui.i18n import t as tr
from butler_tui.userconfig import UserConfig, read_quietly

_CLICK_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types)


def lang_in(args: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` among the group's options, before Click has parsed them."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def configured(config: UserConfig | None = None) -> str | None:
    """``$BUTLER_LANG``, else the ``language`` of the user's config file (``None``: neither says)."""
    if os.environ.get("BUTLER_LANG"):
        return os.environ["BUTLER_LANG"]
    return (config or read_quietly()).language


def chosen(args: list[str]) -> str:
    """The language ``args`` ask for (else ``$BUTLER_LANG``, else the config file's, else the locale's);
    English when that is no language of ours — the group's callback then reports the bad value, in English."""
    lang = detect(lang_in(args) or configured())
    return lang if lang in LANGUAGES else "en"


def _ngettext(one: str, many: str, n: int) -> str:
    return tr(one if n == 1 else many)


def speak(group: click.Group) -> None:
    """Click's own words (through :func:`~butler_tui.i18n.t`, which reads the current context) and every
    command's and option's help in the current language."""
    for module in _CLICK_MODULES:
        names = vars(module)  # Click's modules look up their own ``_`` and ``ngettext`` when they speak
        names["_"] = tr
        if "ngettext" in names:
            names["ngettext"] = _ngettext
    _localise(group)


def _localise(command: click.Command) -> None:
    command._help_option = None  # Click keeps the --help option it made, in the language of then
    command.help = _in_language(command, command.help)
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = _in_language(param, param.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _localise(sub)


def _in_language(owner: click.Command | click.Parameter, current: str | None) -> str | None:
    """``owner``'s help in the current language, from the English it was written in (kept on first use)."""
    english: str | None = owner.__dict__.setdefault("_help_en", current)
    return tr(english) if english else english
