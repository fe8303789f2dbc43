"""Cleaning text that comes from a user, a CSV or another system.

Control characters (C0, DEL, C1 — which includes ESC, so no ANSI escape sequence survives) are
removed; tabs become spaces; newlines are kept only where a field allows several lines. Markup is
not touched here: it is stored as typed and rendered literally by the UI.
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


def display_width(value: str) -> int:
    """Terminal cells taken by ``value`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
