"""Guest preferences (客史档案): find a guest in two keystrokes, read the profile, keep the notes.

Finding: part of a name (Chinese or Latin), pinyin or pinyin initials of a Chinese name ("lxl" →
李晓莉; every reading of a heteronym surname is indexed, so 曾 is found as zeng and ceng), a room
number (the guest staying in it), the last digits of a mobile, a member number or a car plate.

Indexes: ``guests_fts`` (FTS5, trigram) for name substrings of 3+ characters; ``guest_search``
holds one row per key (pinyin and its suffixes, initials, the simplified Chinese name and its tails,
reversed mobile digits, member no., plate both ways) for prefix range scans. Keys and queries are folded
alike (butler_tui.search_keys.fold): full-width forms, accents, traditional characters.

Privacy: mobile and ID numbers are masked unless the caller says the person may see them (the
permission comes with sign-in and roles); opening a profile and a finished lookup are audit events.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from butler_tui import clock
from butler_tui.errors import InvalidInput, NotFound
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.search_keys import CJK as CJK
from butler_tui.search_keys import digits as _digits
from butler_tui.search_keys import fold as fold
from butler_tui.search_keys import latin as _latin
from butler_tui.search_keys import pinyin_keys as pinyin_keys
from butler_tui.search_keys import plate_key as _plate
from butler_tui.search_keys import search_keys as search_keys
from butler_tui.services.auth import may
from butler_tui.store import Store, Tx
from butler_tui.vocab import NOTE_KINDS

if TYPE_CHECKING:
    from butler_tui.services.found import FoundItem

# Kinds in the order a butler must read them: allergies and dislikes first.
KIND_ORDER = ["dietary", "dislike", "preference", "habit", "life_trace", "special_date", "complaint", "suggestion"]
KIND_LABEL = {
    "dietary": "Dietary / allergy 饮食过敏", "dislike": "Dislikes 忌讳", "preference": "Preferences 喜好",
    "habit": "Living habits 起居习惯", "life_trace": "Life traces 生活痕迹", "special_date": "Special dates 纪念日",
    "complaint": "Complaints 投诉", "suggestion": "Suggestions 建议",
}
WARN_KINDS = {"dietary", "dislike"}
CURRENT_STAY = ("arrived", "in_house", "due_out")
MAX_RESULTS = 20


# --------------------------------------------------------------------------------------------
# The search index
# --------------------------------------------------------------------------------------------


def index_guest(tx: Tx, guest_id: int, before: tuple[str, str | None, str | None, str | None] | None = None) -> None:
    """(Re)build one guest's search keys — call after inserting a guest, or after changing one with its
    ``(name, mobile, member_no, car_plate)`` from before the change: its old keys are found by themselves
    (the keys are stored in their own order, with no index by guest: issue 15)."""
    row = tx.execute("SELECT name, mobile, member_no, car_plate FROM guests WHERE id = ?", (guest_id,)).fetchone()
    if before is not None:
        tx.db.conn.executemany("DELETE FROM guest_search WHERE key = ? AND kind = ? AND guest_id = ?",
                               [(key, kind, guest_id) for key, kind in search_keys(*before)])
    if row is None:
        return
    tx.db.conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)",
                           [(key, kind, guest_id) for key, kind in search_keys(*row)])


# --------------------------------------------------------------------------------------------
# Finding
# --------------------------------------------------------------------------------------------


def mask_mobile(mobile: str | None) -> str:
    digits = _digits(mobile)
    if not digits:
        return ""
    if len(digits) <= 4:
        return "*" * len(digits)
    head = 3 if len(digits) >= 10 else 0
    return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    return value[:2] + "*" * max(0, len(value) - 6) + value[-4:] if len(value) > 6 else "*" * len(value)


@dataclass
class GuestHit:
    id: int
    name: str
    salutation: str
    vip_level: int
    member_no: str | None
    mobile: str
    room: str | None
    stay_status: str | None
    matched: str
    score: int

    @property
    def label(self) -> str:
        return address(self.name, self.salutation)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "salutation": self.salutation, "vip_level": self.vip_level,
                "member_no": self.member_no, "mobile": self.mobile, "room": self.room, "stay_status": self.stay_status,
                "matched": self.matched}


def address(name: str, salutation: str) -> str:
    """王先生 / Mr John Smith: how the hotel addresses the guest."""
    if salutation in ("先生", "女士"):
        return f"{name}{salutation}"
    return f"{salutation} {name}".strip()


def _prefix(store: Store, key: str, kinds: tuple[str, ...], limit: int = 200) -> list[tuple[int, str, str]]:
    marks = ",".join("?" for _ in kinds)
    return [(r["guest_id"], r["key"], r["kind"]) for r in store.rows(
        f"SELECT guest_id, key, kind FROM guest_search WHERE key >= ? AND key < ? AND kind IN ({marks}) LIMIT ?",
        [key, key + "\uffff", *kinds, limit])]


def find(store: Store, query: str, *, limit: int = MAX_RESULTS, viewer: str | None = None) -> list[GuestHit]:
    """Guests matching ``query``, best first. Mobiles are masked unless ``viewer`` — a person signed
    in with a PIN — may see them."""
    if len(query.strip()) > 60:
        raise InvalidInput(tr("search for at most 60 characters"))
    q = re.sub(r"\s+", " ", fold(query)).strip()  # folded as the keys were (full-width, accents, 繁→简)
    if not q:
        return []
    scores: dict[int, tuple[int, str]] = {}

    def hit(guest_id: int, score: int, why: str) -> None:
        if score > scores.get(guest_id, (-1, ""))[0]:
            scores[guest_id] = (score, why)

    by_name = tr("name")  # why a guest was found: the same words for every row of a kind
    if q.isdigit():
        by_room, by_mobile = tr("room {room}", room=q), tr("mobile …{digits}", digits=q)
        for r in store.rows("SELECT guest_id FROM stays WHERE room_number = ? AND (status IN ('arrived','in_house',"
                            "'due_out') OR (status IN ('expected','room_ready') AND arrival_date = ?))",
                            (q, clock.today().isoformat())):
            hit(r["guest_id"], 100, by_room)
        if len(q) >= 3:
            for gid, _key, _kind in _prefix(store, q[::-1], ("mob",)):
                hit(gid, 80, by_mobile)
            for gid, key, _kind in _prefix(store, q[::-1], ("memr",)):
                hit(gid, 70, tr("member no. {number}", number=key[::-1]))
    if CJK.search(q):
        cjk = q.replace(" ", "")
        # The name in simplified characters and each of its tails: any part of a name, traditional or
        # simplified, is the start of one key (a range scan, however short the part).
        for gid, key, kind in _prefix(store, cjk, ("zh", "zhs")):
            hit(gid, 98 if kind == "zh" and key == cjk else 90 if kind == "zh" else 75, by_name)
        if len(cjk) >= 3:
            phrase = '"' + cjk.replace('"', '""') + '"'
            for r in store.rows("SELECT rowid AS id, name FROM guests_fts WHERE guests_fts MATCH ? LIMIT 200",
                                (phrase,)):
                hit(r["id"], 98 if r["name"] == cjk else 90 if r["name"].startswith(cjk) else 75, by_name)
        plate = _plate(q)
        for gid, key, _kind in _prefix(store, plate, ("car",)):
            hit(gid, 85, tr("car {plate}", plate=key))
    else:
        latin = _latin(q)
        if latin and not q.isdigit():
            by_pinyin, by_initials = tr("name / pinyin"), tr("initials")
            for gid, key, kind in _prefix(store, latin, ("py", "pyi")):
                if kind == "py":
                    hit(gid, 95 if key == latin else 72, by_pinyin)
                else:
                    hit(gid, 92 if key == latin else 60, by_initials)
            for gid, key, _kind in _prefix(store, q.upper().replace(" ", ""), ("mem",)):
                hit(gid, 97 if key == q.upper() else 85, tr("member no. {number}", number=key))
            plate = _plate(q)
            if len(plate) >= 3:
                for gid, key, kind in _prefix(store, plate, ("car",)) + _prefix(store, plate[::-1], ("carr",)):
                    hit(gid, 85, tr("car {plate}", plate=key if kind == "car" else key[::-1]))
            if len(q) >= 3:
                phrase = '"' + q.replace('"', '""') + '"'
                for r in store.rows("SELECT rowid AS id FROM guests_fts WHERE guests_fts MATCH ? LIMIT 200", (phrase,)):
                    hit(r["id"], 88, by_name)
    if not scores:
        return []
    unmasked = may(store, viewer, "see_guest_contact")
    ids = list(scores)
    marks = ",".join("?" for _ in ids)
    by_id = {r["id"]: r for r in store.rows(
        f"""SELECT g.id, g.name, g.salutation, g.vip_level, g.member_no, g.mobile, g.last_visit,
                   (SELECT s.room_number FROM stays s WHERE s.guest_id = g.id AND s.status IN
                        ('expected','room_ready','arrived','in_house','due_out') ORDER BY s.arrival_date LIMIT 1)
                       AS room,
                   (SELECT s.status FROM stays s WHERE s.guest_id = g.id AND s.status IN
                        ('expected','room_ready','arrived','in_house','due_out') ORDER BY s.arrival_date LIMIT 1)
                       AS stay_status
            FROM guests g WHERE g.id IN ({marks}) AND g.merged_into IS NULL""", ids)}
    hits = [
        GuestHit(id=gid, name=r["name"], salutation=r["salutation"], vip_level=r["vip_level"],
                 member_no=r["member_no"], mobile=r["mobile"] or "" if unmasked else mask_mobile(r["mobile"]),
                 room=r["room"], stay_status=r["stay_status"], matched=scores[gid][1], score=scores[gid][0])
        for gid, r in by_id.items()
    ]
    hits.sort(key=lambda h: (-h.score, h.room is None, -h.vip_level, h.name))
    return hits[:limit]


def audit_lookup(store: Store, query: str, results: int, *, staff_no: str | None, station: str | None) -> None:
    """A lookup is itself a record: who looked for whom, where, when."""
    with store.write(actor=staff_no, station=station) as tx:
        tx.event("guests", None, "lookup", after={"query": query[:60], "results": results})


# --------------------------------------------------------------------------------------------
# The profile
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    id: int
    kind: str
    text: str
    author_no: str | None
    author_name: str | None
    station_code: str | None
    created_at: str

    @property
    def warn(self) -> bool:
        return self.kind in WARN_KINDS


@dataclass
class Profile:
    id: int
    name: str
    salutation: str
    member_no: str | None
    mobile: str
    id_no: str
    vip_level: int
    member_level: str
    company: str
    language: str
    butler_name: str | None
    car_plate: str | None
    wechat: str | None
    last_visit: str | None
    visit_count: int
    stays_recorded: int
    current_stay: dict[str, Any] | None
    notes: list[Note] = field(default_factory=list)
    butler_no: str | None = None
    special_dates: list[dict[str, str]] = field(default_factory=list)
    merged_into: int | None = None  # this record was merged into that guest's (issue 19)
    found_items: list[FoundItem] = field(default_factory=list)  # the lost & found register's, newest first

    @property
    def label(self) -> str:
        return address(self.name, self.salutation)

    def grouped(self) -> list[tuple[str, list[Note]]]:
        """Notes by kind, allergies and dislikes first, newest first within a kind."""
        out = []
        for kind in KIND_ORDER:
            notes = sorted((n for n in self.notes if n.kind == kind), key=lambda n: n.created_at, reverse=True)
            if notes:
                out.append((kind, notes))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "salutation": self.salutation, "member_no": self.member_no,
            "mobile": self.mobile, "id_no": self.id_no, "vip_level": self.vip_level, "member_level": self.member_level,
            "company": self.company, "language": self.language, "dedicated_butler": self.butler_name,
            "butler_no": self.butler_no, "special_dates": self.special_dates, "merged_into": self.merged_into,
            "car_plate": self.car_plate, "last_visit": self.last_visit, "visit_count": self.visit_count,
            "stays_recorded": self.stays_recorded, "current_stay": self.current_stay,
            "notes": {kind: [{"id": n.id, "text": n.text, "author": n.author_no, "station": n.station_code,
                              "created_at": n.created_at} for n in notes] for kind, notes in self.grouped()},
            "found_items": [i.to_json() for i in self.found_items],
        }


def profile(store: Store, guest_id: int, *, staff_no: str | None = None, station: str | None = None,
            audit: bool = True, query: str | None = None, signed_in: bool = False) -> Profile:
    """A guest's profile. Mobile and ID are unmasked only for a person signed in with a PIN whose
    role may see them; opening a profile is an audited read (recording whether they were shown)."""
    unmasked = signed_in and may(store, staff_no, "see_guest_contact")
    g = store.row("SELECT g.*, b.name AS butler_name FROM guests g LEFT JOIN staff b ON b.staff_no = g.butler_no"
                  " WHERE g.id = ?", (guest_id,))
    if g is None:
        raise NotFound(tr("no guest {guest_id}", guest_id=guest_id))
    current = store.row(
        "SELECT reservation_no, room_number, status, arrival_date, departure_date FROM stays WHERE guest_id = ?"
        " AND status IN ('expected','room_ready','arrived','in_house','due_out') ORDER BY arrival_date LIMIT 1",
        (guest_id,))
    stays_recorded = store.scalar("SELECT count(*) FROM stays WHERE guest_id = ? AND status != 'cancelled'",
                                  (guest_id,))
    notes = [Note(id=r["id"], kind=r["kind"], text=r["text"], author_no=r["author_no"], author_name=r["author_name"],
                  station_code=r["station_code"], created_at=r["created_at"])
             for r in store.rows("SELECT n.*, s.name AS author_name FROM guest_notes n LEFT JOIN staff s"
                                 " ON s.staff_no = n.author_no WHERE n.guest_id = ? AND n.retired_at IS NULL",
                                 (guest_id,))]
    from butler_tui.services.found import list_items

    found_items = list_items(store, guest_id=guest_id, limit=50)
    if audit:
        with store.write(actor=staff_no, station=station) as tx:
            tx.event("guests", guest_id, "view", after={"unmasked": unmasked, "query": (query or "")[:60] or None})
    return Profile(
        id=g["id"], name=g["name"], salutation=g["salutation"], member_no=g["member_no"],
        mobile=(g["mobile"] or "") if unmasked else mask_mobile(g["mobile"]),
        id_no=(g["id_no"] or "") if unmasked else mask_id(g["id_no"]), vip_level=g["vip_level"],
        member_level=g["member_level"], company=g["company"], language=g["language"], butler_name=g["butler_name"],
        car_plate=g["car_plate"], wechat=g["wechat"], last_visit=g["last_visit"], visit_count=g["visit_count"],
        stays_recorded=stays_recorded, current_stay=current, notes=notes, found_items=found_items,
        butler_no=g["butler_no"], special_dates=json.loads(g["special_dates"] or "[]"), merged_into=g["merged_into"],
    )


# A note's kind as a butler may type it: the code, a short English word, or its Chinese name.
KIND_ALIASES = {"allergy": "dietary", "diet": "dietary", "pref": "preference", "trace": "life_trace",
                "date": "special_date", "living": "habit",
                "饮食过敏": "dietary", "过敏": "dietary", "饮食": "dietary", "忌讳": "dislike", "喜好": "preference",
                "偏好": "preference", "起居习惯": "habit", "习惯": "habit", "生活痕迹": "life_trace", "纪念日": "special_date",
                "投诉": "complaint", "建议": "suggestion"}


def kinds_hint() -> str:
    """The kinds a note may have, each with its Chinese name (for the note forms)."""
    return ", ".join(f"{k} {KIND_LABEL[k].rsplit(' ', 1)[-1]}" for k in KIND_ORDER)


def parse_kind(kind: str) -> str:
    kind = kind.strip().lower().replace("-", "_").replace(" ", "_")
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in NOTE_KINDS:
        raise InvalidInput(tr("note kind {kind!r} is not one of: {choices}", kind=kind, choices=", ".join(NOTE_KINDS)))
    return kind


def add_note(store: Store, guest_id: int, kind: str, text: str, *, staff_no: str | None,
             station: str | None) -> int:
    from butler_tui.models import GuestNote, validate  # pydantic only when a note is written

    note = validate(GuestNote, {"guest_id": guest_id, "kind": parse_kind(kind), "text": text,
                                "author_no": staff_no, "station_code": station}, "note")
    with store.write(actor=note.author_no, station=note.station_code) as tx:
        if not tx.execute("SELECT 1 FROM guests WHERE id = ?", (guest_id,)).fetchone():
            raise NotFound(tr("no guest {guest_id}", guest_id=guest_id))
        if note.author_no and not tx.execute("SELECT 1 FROM staff WHERE staff_no = ?", (note.author_no,)).fetchone():
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=note.author_no))
        if note.station_code and not tx.execute("SELECT 1 FROM stations WHERE code = ?",
                                                (note.station_code,)).fetchone():
            raise NotFound(tr("unknown station {station!r}", station=note.station_code))
        row = note.model_dump(exclude={"id", "created_at", "retired_at"})
        note_id = tx.insert("guest_notes", {**row, "created_at": clock.now_iso()})
        tx.event("guest_notes", note_id, "add", after={"guest_id": guest_id, "kind": row["kind"], "text": row["text"]})
    return note_id


def edit_note(store: Store, note_id: int, text: str, *, kind: str | None = None, staff_no: str | None,
              station: str | None) -> None:
    """Change a note's text (and kind); the event keeps what it said before."""
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT guest_id, kind, text, retired_at FROM guest_notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no note {note_id}", note_id=note_id))
        if row[3]:
            raise InvalidInput(tr("that note was retired; add a new one"))
        from butler_tui.models import GuestNote, validate

        note = validate(GuestNote, {"guest_id": row[0], "kind": parse_kind(kind) if kind else row[1], "text": text},
                        "note")
        if (note.kind, note.text) == (row[1], row[2]):
            tx.abandon()
        tx.execute("UPDATE guest_notes SET kind = ?, text = ?, author_no = coalesce(?, author_no),"
                   " station_code = coalesce(?, station_code) WHERE id = ?",
                   (note.kind, note.text, staff_no, station, note_id))
        tx.event("guest_notes", note_id, "edit", before={"kind": row[1], "text": row[2]},
                 after={"kind": note.kind, "text": note.text})


def retire_note(store: Store, note_id: int, *, staff_no: str | None, station: str | None) -> None:
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT retired_at, text FROM guest_notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise NotFound(tr("no note {note_id}", note_id=note_id))
        if row[0]:
            tx.abandon()
        tx.execute("UPDATE guest_notes SET retired_at = ? WHERE id = ?", (clock.now_iso(), note_id))
        tx.event("guest_notes", note_id, "retire", before={"text": row[1]})


# --------------------------------------------------------------------------------------------
# Keeping the record (issue 19): edits at a station, merging two records of one guest
# --------------------------------------------------------------------------------------------

EDITABLE = ("vip_level", "butler_no", "language", "car_plate", "special_dates")
SPECIAL_DATE_KINDS = ("birthday", "anniversary", "other")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_DAY = re.compile(r"(?:(\d{4})-)?(\d{2})-(\d{2})")


FIELD_LABEL = {"vip_level": N_("VIP level"), "butler_no": N_("dedicated butler"), "language": N_("language"),
               "car_plate": N_("car plate"), "special_dates": N_("special dates")}
DATE_LABEL = {"birthday": N_("birthday"), "anniversary": N_("anniversary"), "other": N_("other date")}


def dates_text(dates: list[dict[str, str]]) -> str:
    """``birthday 03-12, anniversary 2010-06-01`` in the reader's language."""
    return ", ".join(f"{tr(DATE_LABEL.get(d['kind'], d['kind']))} {d['date']}" for d in dates)


def with_special_dates(store: Store, guest_id: int, given: str | None, **by_kind: str | None) -> list[dict[str, str]]:
    """The guest's special dates (or ``given``) with the date of each kind in ``by_kind`` replaced
    (``-`` or empty removes that kind)."""
    if given is not None:
        dates = parse_special_dates(given)
    else:
        row = store.scalar("SELECT special_dates FROM guests WHERE id = ?", (guest_id,))
        if row is None:
            raise NotFound(tr("no guest {guest_id}", guest_id=guest_id))
        dates = parse_special_dates(json.loads(row or "[]"))
    for kind, day in by_kind.items():
        if day is None:
            continue
        dates = [d for d in dates if d["kind"] != kind]
        if day.strip() not in ("", "-"):
            dates.append({"kind": kind, "date": day})
    return parse_special_dates(dates)


def parse_special_dates(value: str | list[dict[str, str]] | None) -> list[dict[str, str]]:
    """``birthday=03-12, anniversary=2010-06-01`` (or the JSON list itself) as a sorted list of
    ``{"kind", "date"}``; a date is ``MM-DD`` or ``YYYY-MM-DD``; an empty value clears them."""
    items: list[tuple[str, str]] = []
    if isinstance(value, list):
        items = [(str(d.get("kind", "")), str(d.get("date", ""))) for d in value]
    elif value and value.strip() not in ("", "-"):
        for part in re.split(r"[,;，；]", value):
            if not part.strip():
                continue
            kind, sep, day = part.partition("=")
            if not sep:
                raise InvalidInput(tr("special date {part!r}: write it as birthday=03-12", part=part.strip()))
            items.append((kind, day))
    out: list[dict[str, str]] = []
    for kind, day in items:
        kind, day = kind.strip().lower(), fold(day).strip()
        if kind not in SPECIAL_DATE_KINDS:
            raise InvalidInput(tr("special date kind {kind!r} is not one of: {choices}", kind=kind,
                                  choices=", ".join(SPECIAL_DATE_KINDS)))
        m = _DAY.fullmatch(day)
        if m is not None:
            try:  # a real day (29 February: of a leap year when no year is given)
                date(int(m.group(1) or 2000), int(m.group(2)), int(m.group(3)))
            except ValueError:
                m = None
        if m is None:
            raise InvalidInput(tr("{kind}: {day!r} is not a date like 03-12 or 1980-03-12", kind=tr(kind), day=day))
        entry = {"kind": kind, "date": day}
        if entry not in out:
            out.append(entry)
    return sorted(out, key=lambda d: (SPECIAL_DATE_KINDS.index(d["kind"]), d["date"][-5:], d["date"]))


def clean_guest_changes(tx: Tx, changes: dict[str, Any]) -> dict[str, Any]:
    """The fields of a guest edit, checked: one clear sentence for the first that is wrong."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(tr("unknown guest field(s): {fields}", fields=", ".join(sorted(unknown))))
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if key == "vip_level":
            try:
                level = int(str(value))
            except ValueError:
                level = -1
            if not 0 <= level <= 5:
                raise InvalidInput(tr("VIP level: {value!r} is not a number from 0 to 5", value=str(value)))
            out[key] = level
        elif key == "butler_no":
            staff = str(value or "").upper()
            if staff in ("", "-"):
                out[key] = None
                continue
            if not tx.execute("SELECT 1 FROM staff WHERE staff_no = ? AND active", (staff,)).fetchone():
                raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff))
            out[key] = staff
        elif key == "language":
            language = str(value or "").lower().replace("_", "-")
            if not _LANGUAGE.fullmatch(language):
                raise InvalidInput(tr("language: {value!r} is not a language code like zh, en or pt-br",
                                      value=str(value)))
            out[key] = language
        elif key == "car_plate":
            plate = re.sub(r"\s+", " ", fold(str(value or ""))).strip().upper()
            if plate in ("", "-"):
                out[key] = None
                continue
            if len(plate) > 12:
                raise InvalidInput(tr("car plate: at most 12 characters"))
            out[key] = plate
        else:
            out[key] = parse_special_dates(value)
    return out


def _refuse_merged(tx: Tx, guest_id: int) -> dict[str, Any]:
    """The guest's row, or a refusal: no such guest, or one merged into another."""
    cur = tx.execute("SELECT * FROM guests WHERE id = ?", (guest_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(tr("no guest {guest_id}", guest_id=guest_id))
    found = dict(zip([d[0] for d in cur.description], row, strict=True))
    if found["merged_into"] is not None:
        raise InvalidInput(tr("guest {guest_id} was merged into guest {into}: change that one",
                              guest_id=guest_id, into=found["merged_into"]))
    return found


def edit_guest(store: Store, guest_id: int, *, staff_no: str | None, station: str | None,
               **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a guest's VIP level, dedicated butler, language, car plate or special dates at a station.
    Anyone signed in may, except the VIP level (``edit_guest_vip``: leads and up). Each field changed is
    one ``edit`` event in the same transaction (field, old value, new value; the actor is who). Returns
    ``{field: (old, new)}`` of what changed (nothing when every value was already so)."""
    from butler_tui.services.auth import actor_in, require

    changed: dict[str, tuple[Any, Any]] = {}
    with store.write(actor=staff_no, station=station) as tx:
        if not staff_no:
            raise InvalidInput(tr("sign in first"))
        if actor_in(tx, staff_no) is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        row = _refuse_merged(tx, guest_id)
        clean = clean_guest_changes(tx, changes)
        for key, new in clean.items():
            old = json.loads(row[key] or "[]") if key == "special_dates" else row[key]
            if old != new:
                changed[key] = (old, new)
        if not changed:
            tx.abandon()
        if "vip_level" in changed:
            require(tx, staff_no, "edit_guest_vip")
        sets = ", ".join(f"{k} = ?" for k in changed)
        values = [json.dumps(new, ensure_ascii=False) if k == "special_dates" else new
                  for k, (_old, new) in changed.items()]
        tx.execute(f"UPDATE guests SET {sets}, updated_at = ? WHERE id = ?", [*values, clock.now_iso(), guest_id])
        for key, (old, new) in changed.items():
            tx.event("guests", guest_id, "edit", before={"field": key, "value": old},
                     after={"field": key, "value": new})
        if "car_plate" in changed:
            index_guest(tx, guest_id, before=(row["name"], row["mobile"], row["member_no"], row["car_plate"]))
    return changed


MERGED_TABLES = ("guest_notes", "stays", "tasks", "messages", "found_items")
"""The tables whose rows name a guest (``guest_id``) that merging moves to the guest kept. The duty log
(``log_entries``) is append-only (a trigger refuses an UPDATE): its entries keep naming the retired record,
which says whom it was merged into."""


def merge_guests(store: Store, keep: int, retire: int, *, staff_no: str | None,
                 station: str | None) -> dict[str, int]:
    """Two records of one guest made one (leads and up, ``merge_guests``): ``retire``'s notes, stays,
    tasks, messages, lost & found items and search keys move to ``keep`` (duty-log entries, append-only,
    keep naming ``retire``); its empty fields
    fill ``keep``'s, its special dates join them. ``retire`` stays, marked merged into ``keep`` (old
    references explain themselves), and is found no more. One ``merge`` event; returns the rows moved."""
    from butler_tui.services.auth import require

    if keep == retire:
        raise InvalidInput(tr("a guest cannot be merged into itself"))
    with store.write(actor=staff_no, station=station) as tx:
        require(tx, staff_no, "merge_guests")
        kept = _refuse_merged(tx, keep)
        gone = _refuse_merged(tx, retire)
        moved: dict[str, int] = {}
        for table in MERGED_TABLES:
            moved[table] = tx.execute(f"UPDATE {table} SET guest_id = ? WHERE guest_id = ?", (keep, retire)).rowcount
        # Its keys find the guest kept (its name as the other record spelled it, its mobile, its plate).
        old_keys = search_keys(gone["name"], gone["mobile"], gone["member_no"], gone["car_plate"])
        tx.db.conn.executemany("DELETE FROM guest_search WHERE key = ? AND kind = ? AND guest_id = ?",
                               [(key, kind, retire) for key, kind in old_keys])
        tx.db.conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)",
                               [(key, kind, keep) for key, kind in old_keys])
        moved["search_keys"] = len(old_keys)
        filled = {k: gone[k] for k in ("salutation", "mobile", "id_no", "member_level", "company", "butler_no",
                                       "car_plate", "wechat") if not kept[k] and gone[k]}
        if gone["vip_level"] > kept["vip_level"]:
            filled["vip_level"] = gone["vip_level"]
        dates = parse_special_dates(json.loads(kept["special_dates"] or "[]")
                                    + json.loads(gone["special_dates"] or "[]"))
        if dates != json.loads(kept["special_dates"] or "[]"):
            filled["special_dates"] = json.dumps(dates, ensure_ascii=False)
        if (gone["last_visit"] or "") > (kept["last_visit"] or ""):
            filled["last_visit"] = gone["last_visit"]
        filled["visit_count"] = kept["visit_count"] + gone["visit_count"]
        now = clock.now_iso()
        # A member no. is unique: the retired record lets go of it (the event keeps it).
        tx.execute("UPDATE guests SET merged_into = ?, merged_at = ?, member_no = NULL, former_member_no = ?,"
                   " updated_at = ? WHERE id = ?", (keep, now, gone["member_no"], now, retire))
        if "member_no" not in filled and not kept["member_no"] and gone["member_no"]:
            filled["member_no"] = gone["member_no"]
        tx.execute("UPDATE guests SET merged_into = ? WHERE merged_into = ?", (keep, retire))
        sets = ", ".join(f"{k} = ?" for k in filled)
        tx.execute(f"UPDATE guests SET {sets}, updated_at = ? WHERE id = ?", [*filled.values(), now, keep])
        if {"member_no", "mobile", "car_plate"} & set(filled):
            index_guest(tx, keep, before=(kept["name"], kept["mobile"], kept["member_no"], kept["car_plate"]))
        tx.event("guests", retire, "merge", before={"name": gone["name"], "member_no": gone["member_no"],
                                                    "mobile": gone["mobile"]},
                 after={"merged_into": keep, "moved": moved,
                        "filled": {k: v for k, v in filled.items() if k not in ("mobile", "id_no")}})
    return moved


def merged_into(store: Store, guest_id: int) -> int | None:
    """The guest ``guest_id`` was merged into, if it was."""
    found = store.scalar("SELECT merged_into FROM guests WHERE id = ?", (guest_id,))
    return int(found) if found is not None else None


@dataclass(frozen=True)
class Duplicate:
    """Two records that may be one guest, and why."""

    a: int
    a_name: str
    b: int
    b_name: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "a_name": self.a_name, "b": self.b, "b_name": self.b_name, "why": self.why}


def _similar(a: str, b: str) -> bool:
    """The same name folded, one inside the other (王伟 / 王伟明), or the same full pinyin (张伟 / 章伟)."""
    fa, fb = _latin(fold(a)) or fold(a).replace(" ", ""), _latin(fold(b)) or fold(b).replace(" ", "")
    if fa == fb or fa in fb or fb in fa:
        return True
    full_a = {k for k, kind in pinyin_keys(a) if kind == "py"}
    full_b = {k for k, kind in pinyin_keys(b) if kind == "py"}
    return bool(full_a) and max(full_a, key=len) in full_b


def duplicates(store: Store, *, limit: int = 100) -> list[Duplicate]:
    """Candidates for a merge: guests with the same mobile and a similar name (the same name folded,
    one inside the other, or the same pinyin), the older record first."""
    out: list[Duplicate] = []
    rows = store.rows("SELECT id, name, mobile FROM guests WHERE mobile IS NOT NULL AND merged_into IS NULL"
                      " AND mobile IN (SELECT mobile FROM guests WHERE mobile IS NOT NULL AND merged_into IS NULL"
                      " GROUP BY mobile HAVING count(*) > 1) ORDER BY mobile, id")
    by_mobile: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_mobile.setdefault(_digits(r["mobile"]), []).append(r)
    for group in by_mobile.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if _similar(a["name"], b["name"]):
                    out.append(Duplicate(a["id"], a["name"], b["id"], b["name"], "mobile"))
    return out[:limit]


def guest_of_stay(store: Store, stay_id: int) -> int:
    gid = store.scalar("SELECT guest_id FROM stays WHERE id = ?", (stay_id,))
    if gid is None:
        raise NotFound(tr("no stay {stay_id}", stay_id=stay_id))
    return int(gid)


__all__ = ["add_note", "duplicates", "edit_guest", "edit_note", "find", "index_guest", "merge_guests", "profile",
           "retire_note"]
