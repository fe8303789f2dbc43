"""The store: one SQLite file shared by every station. No Textual here.

``Store`` opens one connection per thread (WAL, busy_timeout, synchronous=FULL) and runs every
write in ``BEGIN IMMEDIATE`` together with at least one ``events`` row.
"""

from butler_tui.store.database import NoChange, Store, Tx
from butler_tui.store.history import expand_rows, pack_checklists, packed_checklist, unpack_checklist
from butler_tui.store.packing import pack, unpack
from butler_tui.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "NoChange", "Store", "Tx", "expand_rows", "pack", "pack_checklists", "packed_checklist",
           "unpack", "unpack_checklist"]
