"""Large JSON documents kept compressed (a signed handover's frozen report: 8–18 KB of JSON each,
written twice a shift per station, so ~190 MB a year as text and ~25 MB packed)."""

from __future__ import annotations

import json
import zlib
from typing import Any

_MAGIC = b"z1:"  # a packed document starts with this; anything else is JSON text as written before


def pack(document: Any) -> bytes:
    """``document`` as compressed JSON (a BLOB in the database)."""
    return _MAGIC + zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack(stored: bytes | str | None) -> Any:
    """What :func:`pack` stored — or JSON text stored before packing existed; ``None`` for nothing."""
    if stored is None or stored in ("", b""):
        return None
    if isinstance(stored, bytes) and stored.startswith(_MAGIC):
        return json.loads(zlib.decompress(stored[len(_MAGIC):]).decode())
    return json.loads(stored)
