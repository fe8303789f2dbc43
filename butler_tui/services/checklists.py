"""Per-stay checklists, built from the service design's steps (shared/seeds/001 §1C, §3).

● items are mandatory: a stage cannot be completed while one is open. ★ items are optional.
Some items are mandatory only for some stays (VIP passage for a VIP, the parking bay when the guest
comes by car). Each tick records who, at which station, and when. "Whoever booked checks"
(谁预订谁检查): the ``prep_verified`` item can only be ticked by the staff member who booked the stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from butler_tui import clock
from butler_tui.defaults import STAGES as STAGES
from butler_tui.defaults import TEMPLATE as TEMPLATE
from butler_tui.defaults import build_items as build_items
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import pick
from butler_tui.i18n import t as tr
from butler_tui.store import Store, Tx, pack_checklists, packed_checklist, unpack_checklist
from butler_tui.text import clean_text

STAGE_NAMES = {code: (en, zh) for code, en, zh in STAGES}


def stage_name(stage: str) -> str:
    """The stage's name in the station's language, for sentences ("the arrival stage …")."""
    en, zh = STAGE_NAMES[stage]
    return pick(en.lower(), zh)

BOOKER_ITEM = "prep_verified"
NOTE_REQUIRED = {"follow_up_call": "what the guest said on the follow-up call"}


FOLLOW_UP = "follow_up_call"


def follow_up_score(value: int | str | None) -> int | None:
    """The follow-up call's score: a whole number 1–5, or none (blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 5:
        raise InvalidInput(tr("score: a whole number from 1 to 5 (got {value!r})", value=str(value)))
    return number


def ensure_checklist(tx: Tx, stay_id: int) -> int:
    """Create the checklist of a stay that has none (unpack it when it was packed, to change it: see
    :func:`butler_tui.store.history.pack_checklists`); returns how many items were created."""
    if tx.execute("SELECT 1 FROM checklist_items WHERE stay_id = ? LIMIT 1", (stay_id,)).fetchone():
        return 0
    if unpack_checklist(tx.db.conn, stay_id):
        return 0
    row = tx.execute(
        "SELECT s.id, s.car_plate, g.vip_level FROM stays s JOIN guests g ON g.id = s.guest_id WHERE s.id = ?",
        (stay_id,),
    ).fetchone()
    if row is None:
        raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
    items = build_items({"id": row[0], "car_plate": row[1]}, row[2])
    for item in items:  # the names stay in checklist_template (by the item's code)
        tx.insert("checklist_items", {k: v for k, v in item.items() if k not in ("name", "name_zh")})
    return len(items)


@dataclass(frozen=True)
class Item:
    id: int
    stage: str
    code: str
    name: str
    name_zh: str
    mandatory: bool
    done_at: str | None
    done_by: str | None
    done_by_name: str | None
    done_station: str | None
    note: str | None

    @property
    def mark(self) -> str:
        return "●" if self.mandatory else "★"


@dataclass(frozen=True)
class StageProgress:
    stage: str
    done: int
    total: int
    open_mandatory: int
    completed_at: str | None
    completed_by: str | None

    @property
    def label(self) -> str:
        en, zh = STAGE_NAMES[self.stage]
        return f"{en} {zh}"


def items(store: Store, stay_id: int) -> list[Item]:
    rows = store.rows(
        "SELECT c.*, coalesce(t.name, c.code) AS name, coalesce(t.name_zh, '') AS name_zh, s.name AS done_by_name"
        " FROM checklist_items c LEFT JOIN checklist_template t ON t.code = c.code"
        " LEFT JOIN staff s ON s.staff_no = c.done_by WHERE c.stay_id = ? ORDER BY c.position",
        (stay_id,),
    )
    packed = None if rows else packed_checklist(store.db.conn, stay_id)
    if packed is not None:  # a closed stay's: the same rows, read from its packed copy
        names = {r["code"]: (r["name"], r["name_zh"]) for r in store.rows(
            "SELECT code, name, name_zh FROM checklist_template")}
        staff = {r["staff_no"]: r["name"] for r in store.rows(
            "SELECT staff_no, name FROM staff WHERE staff_no IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({i["done_by"] for i in packed["items"] if i["done_by"]})),))}
        rows = [i | {"name": names.get(i["code"], (i["code"], ""))[0], "name_zh": names.get(i["code"], ("", ""))[1],
                     "done_by_name": staff.get(i["done_by"])}
                for i in sorted(packed["items"], key=lambda i: i["position"])]
    return [
        Item(id=r["id"], stage=r["stage"], code=r["code"], name=r["name"], name_zh=r["name_zh"],
             mandatory=bool(r["mandatory"]), done_at=r["done_at"], done_by=r["done_by"],
             done_by_name=r["done_by_name"], done_station=r["done_station"], note=r["note"])
        for r in rows
    ]


def progress(store: Store, stay_ids: list[int]) -> dict[int, dict[str, StageProgress]]:
    """Per stay, per stage: done / total, open ● items, completion."""
    if not stay_ids:
        return {}
    out: dict[int, dict[str, StageProgress]] = {}
    marks = ",".join("?" for _ in stay_ids)
    completed = {
        (r["stay_id"], r["stage"]): r
        for r in store.rows(f"SELECT * FROM stay_stages WHERE stay_id IN ({marks})", stay_ids)
    }
    counted = store.rows(
        f"""SELECT stay_id, stage, count(*) AS total, count(done_at) AS done,
                   sum(mandatory AND done_at IS NULL) AS open_mandatory
            FROM checklist_items WHERE stay_id IN ({marks}) GROUP BY stay_id, stage""",
        stay_ids,
    )
    rows_of = {r["stay_id"] for r in counted}
    for stay_id in [i for i in stay_ids if i not in rows_of]:  # closed stays' packed checklists
        packed = packed_checklist(store.db.conn, stay_id)
        if packed is None:
            continue
        completed |= {(stay_id, s["stage"]): s for s in packed["stages"]}
        per_stage: dict[str, dict[str, Any]] = {}
        for i in packed["items"]:
            c = per_stage.setdefault(i["stage"], {"stay_id": stay_id, "stage": i["stage"], "total": 0, "done": 0,
                                                  "open_mandatory": 0})
            c["total"] += 1
            c["done"] += i["done_at"] is not None
            c["open_mandatory"] += bool(i["mandatory"]) and i["done_at"] is None
        counted += sorted(per_stage.values(), key=lambda c: str(c["stage"]))
    for r in counted:
        done = completed.get((r["stay_id"], r["stage"]))
        out.setdefault(r["stay_id"], {})[r["stage"]] = StageProgress(
            stage=r["stage"], done=r["done"], total=r["total"], open_mandatory=r["open_mandatory"] or 0,
            completed_at=done["completed_at"] if done else None, completed_by=done["completed_by"] if done else None,
        )
    return out


def _staff_role(tx: Tx, staff_no: str | None) -> str:
    if not staff_no:
        raise InvalidInput(tr("sign in first: a checklist tick records who did it"))
    row = tx.execute("SELECT role FROM staff WHERE staff_no = ? AND active", (staff_no,)).fetchone()
    if row is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
    return str(row[0])


def tick(
    store: Store, stay_id: int, code: str, *, staff_no: str | None, station: str | None, note: str | None = None,
    done: bool = True, score: int | str | None = None,
) -> None:
    """Tick (or untick) one item of a stay's checklist. The follow-up call may carry the guest's score, 1–5
    (stored on the stay with the note as the guest's comment: the manager's satisfaction figure)."""
    note = clean_text(note, multiline=True) if note else None
    score = follow_up_score(score)
    if score is not None and code != FOLLOW_UP:
        raise InvalidInput(tr("a score (1–5) is recorded only with the follow-up call"))
    if note and len(note) > 500:
        raise InvalidInput(tr("note: must be at most 500 characters (got {n})", n=len(note)))
    with store.write(actor=staff_no, station=station) as tx:
        _staff_role(tx, staff_no)
        ensure_checklist(tx, stay_id)
        row = tx.execute(
            "SELECT c.id, c.stage, c.done_at, c.note, s.booked_by, st.completed_at FROM checklist_items c"
            " JOIN stays s ON s.id = c.stay_id"
            " LEFT JOIN stay_stages st ON st.stay_id = c.stay_id AND st.stage = c.stage"
            " WHERE c.stay_id = ? AND c.code = ?",
            (stay_id, code),
        ).fetchone()
        if row is None:
            raise NotFound(tr("stay {stay_id} has no checklist item {code!r}", stay_id=stay_id, code=code))
        item_id, stage, done_at, old_note, booked_by, stage_completed = row
        if stage_completed:
            raise InvalidInput(tr("the {stage} stage is already completed", stage=stage_name(stage)))
        if code == BOOKER_ITEM and done:
            if booked_by and staff_no != booked_by:
                booker = tx.execute("SELECT name FROM staff WHERE staff_no = ?", (booked_by,)).fetchone()
                who = f"{booker[0]} ({booked_by})" if booker else booked_by
                raise InvalidInput(tr("only {who}, who booked this stay, can verify its preparation (谁预订谁检查)",
                                      who=who))
            if not booked_by:
                from butler_tui.services.auth import require

                require(tx, staff_no, "verify_preparation_for_others")
        if done and code in NOTE_REQUIRED and not note:
            raise InvalidInput(tr("record {what} (a note is required)", what=tr(NOTE_REQUIRED[code])))
        if bool(done_at) == done and (note or None) == (old_note or None) and score is None:
            tx.abandon()
        now = clock.now_iso()
        if done:
            tx.execute(
                "UPDATE checklist_items SET done_at = ?, done_by = ?, done_station = ?, note = ? WHERE id = ?",
                (now, staff_no, station, note, item_id),
            )
        else:
            tx.execute(
                "UPDATE checklist_items SET done_at = NULL, done_by = NULL, done_station = NULL WHERE id = ?",
                (item_id,),
            )
        after = {"stay_id": stay_id, "code": code, "done_at": now if done else None, "note": note}
        if code == FOLLOW_UP:
            tx.execute("UPDATE stays SET follow_up_score = ?, follow_up_comment = ? WHERE id = ?",
                       (score if done else None, note if done else None, stay_id))
            after["score"] = score if done else None
        tx.event("checklist_items", item_id, "tick" if done else "untick",
                 before={"done_at": done_at}, after=after)
        pack_checklists(tx.db.conn, [stay_id])  # the follow-up call of a departed stay made: it is over


def complete_stage(store: Store, stay_id: int, stage: str, *, staff_no: str | None, station: str | None) -> None:
    if stage not in STAGE_NAMES:
        raise InvalidInput(tr("unknown stage {stage!r}; stages: {choices}",
                              stage=stage, choices=", ".join(STAGE_NAMES)))
    with store.write(actor=staff_no, station=station) as tx:
        _staff_role(tx, staff_no)
        ensure_checklist(tx, stay_id)
        if tx.execute("SELECT 1 FROM stay_stages WHERE stay_id = ? AND stage = ?", (stay_id, stage)).fetchone():
            tx.abandon()
        open_items = [r[0] for r in tx.execute(
            "SELECT coalesce(t.name, c.code) FROM checklist_items c LEFT JOIN checklist_template t ON t.code = c.code"
            " WHERE c.stay_id = ? AND c.stage = ? AND c.mandatory AND c.done_at IS NULL ORDER BY c.position",
            (stay_id, stage)).fetchall()]
        if open_items:
            raise InvalidInput(tr("cannot complete {stage}: {n} ● item(s) open — {items}", stage=stage_name(stage),
                                  n=len(open_items), items="; ".join(open_items)))
        now = clock.now_iso()
        tx.insert("stay_stages", {"stay_id": stay_id, "stage": stage, "completed_at": now, "completed_by": staff_no,
                                  "completed_station": station})
        tx.event("stays", stay_id, "complete_stage", after={"stage": stage})
        pack_checklists(tx.db.conn, [stay_id])


def stage_completed(tx: Tx, stay_id: int, stage: str) -> bool:
    return tx.execute("SELECT 1 FROM stay_stages WHERE stay_id = ? AND stage = ?", (stay_id, stage)).fetchone() is not None
