"""Cleaning text that comes from a user, a CSV or another system.

Control characters (C0, DEL, C1 — which includes ESC, so no ANSI escape sequence survives) are
removed; tabs become spaces; newlines are kept only where a field allows several lines. Markup is
not touched here: it is stored as typed and rendered literally by the UI.

Cleaning guards what this program writes; :func:`shown` guards what it shows, whoever wrote the file
(another tool may write straight into the SQLite file). Every place where stored text reaches a terminal
— the CLI's one output function, the TUI's tables and panels, the handover Markdown — passes it through
:func:`shown`, which puts a visible placeholder in place of each character that could drive the terminal.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")  # direction overrides can disguise text


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Normalise to NFC, drop escape sequences and control characters, trim the ends."""
    value = unicodedata.normalize("NFC", value)
    value = _ANSI.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not multiline:
        value = value.replace("\n", " ")
    value = _CONTROL.sub("", value)
    value = _BIDI.sub("", value)
    return value.strip()


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}  # ␀ … ␟, ␡
_REPLACEMENT = 0xFFFD  # "�": C1 controls, direction overrides, lone surrogates (no picture exists)
_SHOWN_ONE_LINE = _PICTURES | dict.fromkeys(
    (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xD800, 0xE000)), _REPLACEMENT)
_SHOWN_LINES = {k: v for k, v in _SHOWN_ONE_LINE.items() if k not in (0x09, 0x0A)}


def shown(value: str, *, multiline: bool = False) -> str:
    """``value`` as it may reach a terminal: each control character (C0, DEL, C1 — ESC is "␛", so no escape
    sequence survives), direction override and lone surrogate becomes one visible placeholder character,
    so widths and offsets are kept. Tabs and newlines are kept only where ``multiline`` text is shown."""
    if not _UNSAFE.search(value):
        return value  # the common case, without building a new string
    return value.translate(_SHOWN_LINES if multiline else _SHOWN_ONE_LINE)


def display_width(value: str) -> int:
    """Terminal cells taken by ``value`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
