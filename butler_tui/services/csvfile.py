"""Reading the rows of a CSV file an import takes (the PMS arrivals, the duty roster): every data row
with its line number, blank rows skipped, a row with the wrong number of fields recorded as a problem
of its line, and a file over the import's size refused before anything is written."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr


def data_rows(reader: csv.DictReader[str], header: list[str], path: str | Path, problems: list[tuple[int, str]],
              max_rows: int) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, values)`` for each non-blank row, values stripped; wrong-width rows go to ``problems``."""
    taken = 0
    for raw in reader:
        line = reader.line_num
        if taken >= max_rows:
            raise InvalidInput(tr("{path}: more than {max_rows:,} rows; split the file", path=path, max_rows=max_rows))
        if None in raw:
            taken += 1
            problems.append((line, tr("{n} fields, expected {expected}", n=len(raw[None]) + len(header),
                                        expected=len(header))))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue
        taken += 1
        yield line, values
