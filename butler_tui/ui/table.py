"""A DataTable whose rows are keyed, so a live refresh updates cells in place and the cursor stays
on the row it was on (``clear()`` would send it back to the top). Its text column (the widest of fixed
width, or the one named ``grow``) takes the room a wider terminal gives: at 200 columns a task's name or a
guest's name is shown whole instead of cut at the width chosen for 120 (and gives some back at 80, when that
makes the table fit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from butler_tui.i18n import t
from butler_tui.ui.shown import shown_text

Signature = tuple[tuple[str, str, int], ...]
"""What a row looks like, cheap to compare (:meth:`KeyedTable.signature`)."""


GROW_LIMIT = 4  # the growing column is at most this many times its width as given


class KeyedTable(DataTable[Text]):
    def __init__(self, columns: Sequence[tuple[str, str, int | None]], *, grow: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns_spec = columns
        self._cells: dict[str, dict[str, Text]] = {}
        self._signatures: dict[str, Signature] = {}
        widths = {key: width for key, _label, width in columns if width}
        self._grow = grow if grow is not None else max(widths, key=lambda k: widths[k], default=None)
        self._base_width = widths.get(self._grow or "", 0)

    def on_mount(self) -> None:
        for key, label, width in self._columns_spec:
            self.add_column(t(label), key=key, width=width)
        self._fit_columns()

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The growing column: its own width plus what the table has to spare; on a narrow terminal, down to
        half its width when that makes every column fit (no sideways scrolling, no scrollbar taking a row)."""
        grow = self._grow
        if grow is None or grow not in self.columns or not self._base_width:
            return
        # Room for the vertical scrollbar kept either way: rows arriving later must not make it scroll sideways.
        available = self.scrollable_content_region.width - (
            0 if self.show_vertical_scrollbar else self.styles.scrollbar_size_vertical)
        if available <= 0:
            return
        others = sum(column.get_render_width(self) for key, column in self.columns.items() if key != grow)
        spare = available - others - self._base_width - 2 * self.cell_padding
        width = min(self._base_width + spare, self._base_width * GROW_LIMIT)
        if width < max(self._base_width // 2, 8):  # it would not fit even so: keep the width, scroll sideways
            width = self._base_width
        column = self.columns[grow]  # type: ignore[index]
        if column.width != width:
            column.width = width
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

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
