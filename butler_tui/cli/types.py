"""Parameter types that turn a hostile argument into one clear usage error (exit 2) before a command runs.

* :data:`ID` — a row id: a whole number SQLite can hold (beyond ±2**63 SQLite would raise); 0 and
  negative ids are left to the command, which answers "no task 0" as it always did.
* :data:`INTEGER` — the same bounds for any other whole number.
* :data:`TEXT` — text that is Unicode: an argument that was not valid UTF-8 (Python hands it over with
  surrogate escapes) or holds a NUL cannot be stored or printed, so it is refused by name.

:func:`harden` gives every plain ``str``/``int`` parameter of every command these types, and makes every
file-name parameter refuse a NUL, so a command added later is covered without remembering to."""

from __future__ import annotations

import re
from typing import Any

import click

from butler_tui.i18n import t as tr

SQLITE_MIN, SQLITE_MAX = -(2**63), 2**63 - 1
_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")


class Integer(click.types.IntParamType):
    """A whole number SQLite can store."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not SQLITE_MIN <= number <= SQLITE_MAX:
            shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"
            self.fail(tr("{value} is out of range ({min} to {max})", value=shown, min=SQLITE_MIN, max=SQLITE_MAX),
                      param, ctx)
        return number


class Text(click.types.StringParamType):
    """Text that is Unicode and has no NUL."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        found = _NOT_TEXT.search(text)
        if found is not None:
            self.fail(tr("a NUL character in it") if found.group() == "\x00"
                      else tr("not valid UTF-8 text (check the terminal's encoding)"), param, ctx)
        return text


class SafePath(click.Path):
    """A file name without NUL (the operating system cannot take one)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail(tr("a NUL character in it"), param, ctx)
        return super().convert(value, param, ctx)


ID = Integer()
INTEGER = ID
TEXT = Text()


def harden(command: click.Command) -> None:
    """Give ``command`` and every command under it the types above in place of Click's plain ones."""
    for param in command.params:
        if type(param.type) is click.types.StringParamType:
            param.type = TEXT
        elif type(param.type) is click.types.IntParamType:
            param.type = INTEGER
        elif type(param.type) is click.Path:
            safe = SafePath.__new__(SafePath)
            safe.__dict__.update(param.type.__dict__)
            param.type = safe
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            harden(sub)


__all__ = ["ID", "INTEGER", "TEXT", "Integer", "SafePath", "Text", "harden"]
