"""A DataTable whose rows are keyed, so a live refresh updates cells in place and the cursor stays
on the row it was on (``clear()`` would send it back to the top)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from butler_tui.i18n import t
from butler_tui.ui.shown import shown_text

Signature = tuple[tuple[str, str, int], ...]
"""What a row looks like, cheap to compare (:meth:`KeyedTable.signature`)."""


class KeyedTable(DataTable[Text]):
    def __init__(self, columns: Sequence[tuple[str, str, int | None]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns_spec = columns
        self._cells: dict[str, dict[str, Text]] = {}
        self._signatures: dict[str, Signature] = {}

    def on_mount(self) -> None:
        for key, label, width in self._columns_spec:
            self.add_column(t(label), key=key, width=width)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    @staticmethod
    def signature(cells: dict[str, Text]) -> Signature:
        """What a row looks like, cheap to compare (compute it in the worker for big tables)."""
        return tuple((c.plain, str(c.style), len(c.spans)) for c in cells.values())

    def show(self, rows: dict[str, dict[str, Text]], *, rebuild: bool = False,
             signatures: dict[str, Signature] | None = None) -> None:
        """Make the table show ``rows`` in this order, touching only what changed. When the order
        itself changed (a new row sorts into the middle), rows are laid out again and the cursor is
        put back on the row it was on. Text from the file goes in with placeholders for control characters
        (:func:`~butler_tui.ui.shown.shown_text`)."""
        kept = [k for k in self._cells if k in rows]
        desired = list(rows)
        if kept != [k for k in desired if k in self._cells]:
            rebuild = True  # existing rows changed order
        elif kept and any(k not in self._cells for k in desired[: desired.index(kept[-1])]):
            rebuild = True  # a new row belongs above an existing one
        selected = self.selected_key
        if rebuild:
            self.clear()
            self._cells.clear()
            self._signatures.clear()
        for key in [k for k in self._cells if k not in rows]:
            self.remove_row(key)
            del self._cells[key]
            del self._signatures[key]
        for key, cells in rows.items():
            signature = signatures[key] if signatures is not None else self.signature(cells)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*map(shown_text, cells.values()), key=key)
            elif signature != self._signatures[key]:
                for column, value in cells.items():
                    if value != old.get(column):
                        self.update_cell(key, column, shown_text(value))
            self._cells[key] = cells
            self._signatures[key] = signature
        if rebuild and selected in self._cells:
            self.move_cursor(row=self.get_row_index(selected), animate=False)
