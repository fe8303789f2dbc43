"""The store: one SQLite file shared by every station. No Textual here.

``Store`` opens one connection per thread (WAL, busy_timeout, synchronous=FULL) and runs every
write in ``BEGIN IMMEDIATE`` together with at least one ``events`` row.
"""

from butler_tui.store.database import EventBatch, NoChange, Store, Tx, event_batch
from butler_tui.store.history import (
                                     ITEM_COLUMNS,
                                     expand_rows,
                                     pack_checklist,
                                     pack_checklists,
                                     packed_checklist,
                                     unpack_checklist,
)
from butler_tui.store.packing import pack, pack_fast, unpack
from butler_tui.store.schema import SCHEMA_VERSION

__all__ = ["ITEM_COLUMNS", "SCHEMA_VERSION", "EventBatch", "NoChange", "Store", "Tx", "event_batch", "expand_rows", "pack",
           "pack_checklist", "pack_checklists", "pack_fast", "packed_checklist", "unpack", "unpack_checklist"]
