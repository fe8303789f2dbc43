"""Large JSON documents kept compressed (a signed handover's frozen report: 8–18 KB of JSON each,
written once a shift per station: ~190 MB a year as text, ~35 MB packed).

Packed with LZMA (raw LZMA2, its settings fixed here): ~12 % smaller than zlib on these reports, and
that decides how many fit in a page: ~2.9 KB zlib'd, two rows filled an 8 KB page; ~2.5 KB, three do
(a year of reports 46 → 37 MB). Packing costs ~2 ms once, at sign-out; unpacking ~0.3 ms. What was
packed with zlib before (``z1:``) reads as it was.

:func:`pack_fast` packs with zlib (``z1:``) what is unpacked often: a year's report reads ~730 kept days
(services/reports.py ``report_days``, ~4.7 KB of JSON, ~1.5 KB packed each): unpacking them takes ~14 ms with
zlib, ~52 ms with the LZMA above, which packs them only ~5 % smaller."""

from __future__ import annotations

import json
import lzma
import zlib
from typing import Any

_MAGIC = b"z1:"  # packed with zlib (until issue 15's last round)
_LZMA_MAGIC = b"x1:"  # packed with _LZMA; anything without either prefix is JSON text as written before
_LZMA = [{"id": lzma.FILTER_LZMA2, "preset": 6, "dict_size": 1 << 20}]  # never change: what is stored needs it


def pack(document: Any) -> bytes:
    """``document`` as compressed JSON (a BLOB in the database)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return _LZMA_MAGIC + lzma.compress(text, format=lzma.FORMAT_RAW, filters=_LZMA)


def pack_fast(document: Any) -> bytes:
    """``document`` as zlib-compressed JSON: a little larger than :func:`pack`, unpacked ~7x faster."""
    return _MAGIC + zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack(stored: bytes | str | None) -> Any:
    """What :func:`pack` or :func:`pack_fast` stored — or JSON text stored before packing existed (as text, or
    as its UTF-8 bytes: a server column turned into BYTEA); ``None`` for nothing."""
    if stored is None or stored in ("", b""):
        return None
    if isinstance(stored, bytes) and stored.startswith(_LZMA_MAGIC):
        return json.loads(lzma.decompress(stored[len(_LZMA_MAGIC):], format=lzma.FORMAT_RAW, filters=_LZMA).decode())
    if isinstance(stored, bytes) and stored.startswith(_MAGIC):
        return json.loads(zlib.decompress(stored[len(_MAGIC):]).decode())
    return json.loads(stored)
