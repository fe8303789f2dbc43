"""The one way the command line writes: every line passes through :func:`~butler_tui.text.shown`, so
text from the database (whoever wrote it) cannot drive the terminal, and JSON escapes what JSON allows
raw but a terminal would obey."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from butler_tui.text import shown

# JSON (ensure_ascii=False) escapes C0 itself; DEL, C1, direction overrides and lone surrogates it
# writes raw. They occur only inside strings, where \uXXXX stands for the same character.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def say(message: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for everything a command prints: placeholders for control characters."""
    click.echo(shown(str(message), multiline=True), err=err, nl=nl)


def json_text(value: Any) -> str:
    """``value`` as indented JSON, non-ASCII kept as it is, nothing in it a terminal would act on."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


__all__ = ["json_text", "say"]
