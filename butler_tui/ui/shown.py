"""Text from the file reaches the screen as :func:`~butler_tui.text.shown` makes it: every control
character, escape and direction override a visible placeholder, whoever wrote the row.

Two layers. The tables pass every cell through :func:`shown_text` as it goes in (so a cell's text, and
its width, already carry the placeholders); and :class:`ShownFilter`, a line filter the app adds to
Textual's own, passes every rendered line — labels, panels, inputs, notifications, the palette —
through the same function, so that nothing a screen forgot can drive the terminal."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from butler_tui.text import shown


def shown_text(cell: Text) -> Text:
    """``cell`` with placeholders in place of control characters; the same object when it has none.
    A placeholder is one character for one, so the spans (styles) stay where they were."""
    plain = cell.plain
    safe = shown(plain)
    if safe is plain:
        return cell
    copy = cell.copy()
    copy.plain = safe
    return copy


class ShownFilter(LineFilter):
    """Every segment of every rendered line through :func:`~butler_tui.text.shown`."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = segments
        for index, segment in enumerate(segments):
            safe = shown(segment.text)
            if safe is not segment.text:
                if out is segments:
                    out = list(segments)
                out[index] = Segment(safe, segment.style, segment.control)
        return out


__all__ = ["ShownFilter", "shown_text"]
