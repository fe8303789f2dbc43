"""Reading a PMS export: its encoding, its separator and its rows — and refusing a file that is not sound.

* Encoding: a byte-order mark says UTF-8 / UTF-16 and is believed; otherwise UTF-8 when the bytes are
  UTF-8; otherwise a legacy encoding (GB18030 or Windows-1252) only when charset-normalizer lists it among
  its candidates *and* the decoded text is plausible for it (Chinese text in GB2312's common range; Latin
  letters and punctuation for Windows-1252) *and* only one of the two is. In doubt: refused, asking for
  ``--encoding`` — mojibake is never stored.
* Separator: comma, semicolon or tab, whichever the header line has most of (outside quotes).
* Rows: a quoted field running across lines (a stray quote swallowing rows), a row with the wrong
  number of fields, an oversized field or a NUL byte is a problem of its line; the file is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from butler_tui.errors import ButlerError, InvalidInput
from butler_tui.i18n import t as tr

SEPARATORS = (",", ";", "\t")
_WESTERN = {"cp1252", "cp1250", "cp1257", "latin_1", "iso8859_15", "iso8859_2", "iso8859_10", "iso8859_14",
            "iso8859_13", "iso8859_4", "iso8859_9", "cp775", "cp850", "cp852", "mac_latin2", "mac_roman",
            "mac_iceland", "hp_roman8", "cp1254", "cp437", "cp858"}
_CHINESE = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
_LATIN_PUNCT = set("‘’‚“”„–—€•…°·«»×÷§©®™¹²³½¼¾¿¡ªº†‡‰")


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name.lower()


def _plausible_chinese(text: str) -> bool:
    others = [c for c in text if ord(c) > 127]
    if not others:
        return False
    good = 0
    for c in others:
        try:
            c.encode("gb2312")
            good += 1
        except UnicodeEncodeError:
            pass
    return good >= 0.9 * len(others)


def _plausible_western(text: str) -> bool:
    others = [c for c in text if ord(c) > 127]
    if not others:
        return False
    for c in others:
        if c in _LATIN_PUNCT or c == "\xa0":
            continue
        if not ("\u00c0" <= c <= "\u024f" and unicodedata.category(c).startswith("L")):
            return False
    runs = [len(m.group()) for m in re.finditer(r"[^\x00-\x7f]+", text)]
    return sum(n for n in runs if n >= 3) <= 0.1 * len(others)


def decode(raw: bytes, path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """The text of the file and the encoding it was read in."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(tr("unknown encoding {encoding!r}", encoding=encoding)) from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise InvalidInput(tr("{path}: line {line} is not {encoding} text", path=path, line=line,
                                  encoding=encoding)) from None
        return text.removeprefix("\ufeff"), encoding
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(name).removeprefix("\ufeff"), name
            except UnicodeDecodeError as exc:
                raise InvalidInput(tr("{path}: marked {encoding} but byte {at} is not", path=path,
                                      encoding=name, at=exc.start)) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    found = {_canonical(m.encoding) for m in from_bytes(raw)}
    plausible: list[tuple[str, str]] = []
    for family, encoding, reads_right in ((_CHINESE, "gb18030", _plausible_chinese),
                                          (_WESTERN, "cp1252", _plausible_western)):
        if not found & family:
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if reads_right(text):
            plausible.append((encoding, text))
    if len(plausible) == 1:
        return plausible[0][1], plausible[0][0]
    raise InvalidInput(tr("{path}: not UTF-8, and its encoding cannot be told for sure; give it with --encoding"
                          " (e.g. --encoding gb18030 or --encoding cp1252)", path=path))


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ButlerError(tr("cannot read {path}: {strerror}", path=path, strerror=exc.strerror)) from exc
    return decode(raw, path, encoding)


def sniff_separator(text: str) -> str:
    """The separator the header line uses most (outside quotes); a comma when it has none."""
    first = text.split("\n", 1)[0]
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


@dataclass
class Table:
    separator: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, values) of every non-blank data row
    problems: list[tuple[int, str]]


def read_table(text: str, path: str | Path, max_rows: int) -> Table:
    """The header and rows of ``text``; every unsound line is in ``problems`` (nothing is guessed)."""
    separator = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    problems: list[tuple[int, str]] = []
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            message = str(exc)
            if "field larger than field limit" in message:
                problems.append((line, tr("a field longer than {n:,} characters (a stray quote?)",
                                          n=csv.field_size_limit())))
            elif "unexpected end of data" in message or "EOF" in message:
                problems.append((start, tr("a quote opened here is never closed (a stray quote swallows the rest"
                                           " of the file)")))
            else:
                problems.append((line, tr("not a CSV row: {reason}", reason=message)))
            break  # the reader cannot be trusted past a broken line
        end = reader.line_num
        if end > start:
            problems.append((start, tr("a quoted field runs across lines {start}–{end} (a stray quote swallowing"
                                       " rows?)", start=start, end=end)))
        elif not header:
            header = [h.strip().removeprefix("\ufeff") for h in values]
        elif any(v.strip() for v in values):
            if len(values) != len(header):
                problems.append((start, tr("{n} fields, expected {expected}", n=len(values), expected=len(header))))
            elif len(rows) >= max_rows:
                raise InvalidInput(tr("{path}: more than {max_rows:,} rows; split the file", path=path,
                                      max_rows=max_rows))
            else:
                rows.append((start, [v.strip() for v in values]))
        start = end + 1
    return Table(separator, header, rows, problems)
