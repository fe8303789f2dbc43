"""Schema, created and upgraded by sqlite-utils ``Migrations``.

Opening a file that is up to date costs two small reads (``PRAGMA user_version`` and the names in
``_sqlite_migrations``): sqlite-utils and the seed data are imported only when a migration is pending,
so a command starts quickly (the steps are registered here and handed to ``Migrations`` then).

Migrations run inside ``BEGIN IMMEDIATE`` so that ten stations starting at once serialise on the
write lock: the first applies them, the others find nothing pending. ``PRAGMA user_version`` holds
the schema version; a file whose version is higher than this code knows is refused.

Conventions: tables are the plural snake_case nouns; a thing with a name has a ``name`` column;
instants are integer milliseconds since the epoch in columns declared ``INSTANT`` (store/instants.py; the
services see ``2026-11-24T08:30:00.000Z``), calendar days are local
``YYYY-MM-DD``; lists are JSON text. The ``acks`` table holds one row per addressed station,
created with the message; ``acked_at`` is filled when that station acknowledges.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from butler_tui import clock
from butler_tui.errors import SchemaTooNew, StoreUnavailable
from butler_tui.i18n import t as tr

if TYPE_CHECKING:
    import sqlite_utils

SET_NAME = "butler"
Step = Callable[["sqlite_utils.Database"], None]


class _Steps:
    """The migrations of this code, in order: ``@MIGRATIONS(name="0001_initial")`` registers one."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Step]] = []

    def __call__(self, *, name: str) -> Callable[[Step], Step]:
        def register(fn: Step) -> Step:
            if any(known == name for known, _ in self.steps):
                raise ValueError(tr("migration {name!r} registered twice", name=name))
            self.steps.append((name, fn))
            return fn

        return register

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.steps]

    def migration_set(self) -> Any:
        """These steps as a sqlite-utils ``Migrations`` set (imported only now: a migration is due)."""
        from sqlite_utils import Migrations

        migrations = Migrations(SET_NAME)
        for name, fn in self.steps:
            migrations(name=name)(fn)
        return migrations


MIGRATIONS = _Steps()

_INITIAL = """
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL DEFAULT ''
);

CREATE TABLE stations (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL DEFAULT '',
    team_code TEXT NOT NULL REFERENCES teams(code),
    floors TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE staff (
    staff_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    team_code TEXT REFERENCES teams(code),
    role TEXT NOT NULL CHECK (role IN ('butler','lead','supervisor','manager','director','admin')),
    title TEXT NOT NULL DEFAULT '',
    registered_butler INTEGER NOT NULL DEFAULT 0,
    pin_hash TEXT,
    failed_pins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE rooms (
    number TEXT PRIMARY KEY,
    floor INTEGER NOT NULL,
    type TEXT NOT NULL,
    occupancy TEXT NOT NULL DEFAULT 'vacant'
        CHECK (occupancy IN ('vacant','occupied','expected','due_out')),
    hk_status TEXT NOT NULL DEFAULT 'clean'
        CHECK (hk_status IN ('dirty','cleaning','clean','inspected','out_of_order')),
    dnd INTEGER NOT NULL DEFAULT 0,
    dnd_since TEXT
);
CREATE INDEX rooms_floor ON rooms(floor);

CREATE TABLE guests (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    salutation TEXT NOT NULL DEFAULT '',
    member_no TEXT UNIQUE,
    mobile TEXT,
    id_no TEXT,
    vip_level INTEGER NOT NULL DEFAULT 0 CHECK (vip_level BETWEEN 0 AND 5),
    member_level TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'zh',
    butler_no TEXT REFERENCES staff(staff_no),
    car_plate TEXT,
    wechat TEXT,
    last_visit TEXT,
    visit_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX guests_name ON guests(name);
CREATE INDEX guests_car_plate ON guests(car_plate);

CREATE TABLE guest_notes (
    id INTEGER PRIMARY KEY,
    guest_id INTEGER NOT NULL REFERENCES guests(id),
    kind TEXT NOT NULL CHECK (kind IN ('preference','habit','life_trace','dietary','special_date',
                                       'dislike','complaint','suggestion')),
    text TEXT NOT NULL,
    author_no TEXT REFERENCES staff(staff_no),
    station_code TEXT REFERENCES stations(code),
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX guest_notes_guest ON guest_notes(guest_id);

CREATE TABLE stays (
    id INTEGER PRIMARY KEY,
    reservation_no TEXT NOT NULL UNIQUE,
    guest_id INTEGER NOT NULL REFERENCES guests(id),
    room_number TEXT REFERENCES rooms(number),
    room_type TEXT NOT NULL DEFAULT '',
    arrival_date TEXT NOT NULL,
    eta TEXT,
    departure_date TEXT NOT NULL,
    etd TEXT,
    party_size INTEGER NOT NULL DEFAULT 1,
    car_plate TEXT,
    parking_bay TEXT,
    butler_no TEXT REFERENCES staff(staff_no),
    booked_by TEXT REFERENCES staff(staff_no),
    status TEXT NOT NULL DEFAULT 'expected'
        CHECK (status IN ('expected','room_ready','arrived','in_house','due_out','departed','cancelled')),
    remarks TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX stays_arrival ON stays(arrival_date, status);
CREATE INDEX stays_departure ON stays(departure_date, status);
CREATE INDEX stays_guest ON stays(guest_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    room_number TEXT REFERENCES rooms(number),
    area TEXT,
    guest_id INTEGER REFERENCES guests(id),
    priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new','acknowledged','in_progress','done','verified','closed',
                          'on_hold','deferred','cancelled','reopened')),
    station_code TEXT REFERENCES stations(code),
    owner_no TEXT REFERENCES staff(staff_no),
    owner_team TEXT REFERENCES teams(code),
    second_team TEXT REFERENCES teams(code),
    assignee_no TEXT REFERENCES staff(staff_no),
    created_at TEXT NOT NULL,
    due_at TEXT,
    acknowledged_at TEXT,
    started_at TEXT,
    done_at TEXT,
    verified_at TEXT,
    closed_at TEXT,
    hold_reason TEXT,
    held_since TEXT,
    held_seconds INTEGER NOT NULL DEFAULT 0,
    deferred_until TEXT,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    ladder TEXT,
    repeat_count INTEGER NOT NULL DEFAULT 0,
    resolution TEXT,
    cancel_reason TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_status ON tasks(status, due_at);
CREATE INDEX tasks_room ON tasks(room_number);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    from_station TEXT NOT NULL REFERENCES stations(code),
    from_staff TEXT REFERENCES staff(staff_no),
    audience_kind TEXT NOT NULL CHECK (audience_kind IN ('all','stations','team')),
    audience TEXT NOT NULL DEFAULT '[]',
    priority TEXT NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine','urgent','emergency')),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    room_number TEXT REFERENCES rooms(number),
    guest_id INTEGER REFERENCES guests(id),
    task_id INTEGER REFERENCES tasks(id),
    parent_id INTEGER REFERENCES messages(id),
    requires_ack INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_parent ON messages(parent_id);

CREATE TABLE acks (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    station_code TEXT NOT NULL REFERENCES stations(code),
    staff_no TEXT REFERENCES staff(staff_no),
    acked_at TEXT,
    PRIMARY KEY (message_id, station_code)
);
CREATE INDEX acks_station ON acks(station_code, acked_at);

CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    shift TEXT NOT NULL,
    shift_date TEXT NOT NULL,
    station_code TEXT REFERENCES stations(code),
    team_code TEXT REFERENCES teams(code),
    author_no TEXT REFERENCES staff(staff_no),
    report TEXT,
    signed_out_by TEXT REFERENCES staff(staff_no),
    signed_out_at TEXT,
    signed_in_by TEXT REFERENCES staff(staff_no),
    signed_in_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT,
    station TEXT,
    entity TEXT NOT NULL,
    entity_id TEXT,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX events_entity ON events(entity, entity_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
"""


def _grant(db: sqlite_utils.Database, *actions: str) -> None:
    """Give a migration's new ``actions`` to the roles that have them by default (defaults.py)."""
    from butler_tui.defaults import DEFAULT_PERMISSIONS

    db.conn.executemany("INSERT OR IGNORE INTO permissions (role, action) VALUES (?, ?)",
                        [(role, action) for action in actions for role in DEFAULT_PERMISSIONS[action]])


def _executescript_in_tx(db: sqlite_utils.Database, script: str) -> None:
    """``executescript`` would COMMIT first; run statement by statement inside the transaction."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.conn.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(tr("incomplete SQL statement in migration: {sql!r}", sql=buffer[:80]))


@MIGRATIONS(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    _executescript_in_tx(db, _INITIAL)


_ARRIVALS = """
ALTER TABLE stays ADD COLUMN arrived_at TEXT;
ALTER TABLE stays ADD COLUMN departed_at TEXT;
ALTER TABLE stays ADD COLUMN cancel_reason TEXT;
ALTER TABLE stays ADD COLUMN wakeup_time TEXT;
ALTER TABLE stays ADD COLUMN breakfast_time TEXT;
ALTER TABLE stays ADD COLUMN luggage_time TEXT;
ALTER TABLE stays ADD COLUMN departure_time TEXT;
ALTER TABLE stays ADD COLUMN airport_car TEXT;
ALTER TABLE stays ADD COLUMN guest_feedback TEXT;

CREATE TABLE checklist_items (
    id INTEGER PRIMARY KEY,
    stay_id INTEGER NOT NULL REFERENCES stays(id),
    stage TEXT NOT NULL CHECK (stage IN ('pre_arrival','arrival','pre_departure','departure','follow_up')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL DEFAULT '',
    mandatory INTEGER NOT NULL,
    position INTEGER NOT NULL,
    done_at TEXT,
    done_by TEXT REFERENCES staff(staff_no),
    done_station TEXT REFERENCES stations(code),
    note TEXT,
    UNIQUE (stay_id, code)
);

CREATE TABLE stay_stages (
    stay_id INTEGER NOT NULL REFERENCES stays(id),
    stage TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    completed_by TEXT REFERENCES staff(staff_no),
    completed_station TEXT REFERENCES stations(code),
    PRIMARY KEY (stay_id, stage)
);

CREATE TABLE vip_notices (
    id INTEGER PRIMARY KEY,
    stay_id INTEGER NOT NULL UNIQUE REFERENCES stays(id),
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    teams TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','approved','sent')),
    created_by TEXT REFERENCES staff(staff_no),
    created_at TEXT NOT NULL,
    approved_by TEXT REFERENCES staff(staff_no),
    approved_at TEXT,
    sent_at TEXT,
    message_id INTEGER REFERENCES messages(id)
);
"""


@MIGRATIONS(name="0002_arrivals")
def _arrivals(db: sqlite_utils.Database) -> None:
    from butler_tui.defaults import build_items

    _executescript_in_tx(db, _ARRIVALS)
    # Stays that already exist get their checklist now (new ones get it when they are created).
    for stay_id, car_plate, vip_level in db.conn.execute(
        "SELECT s.id, s.car_plate, g.vip_level FROM stays s JOIN guests g ON g.id = s.guest_id"
    ).fetchall():
        for item in build_items({"id": stay_id, "car_plate": car_plate}, vip_level):
            cols = ", ".join(item)
            db.conn.execute(f"INSERT INTO checklist_items ({cols}) VALUES ({', '.join('?' for _ in item)})",
                            list(item.values()))


_TASKS = """
CREATE TABLE task_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    due_minutes INTEGER,
    team_code TEXT,
    ladder TEXT NOT NULL
);

ALTER TABLE tasks ADD COLUMN hold_from TEXT;
ALTER TABLE tasks ADD COLUMN clock_started_at TEXT;
ALTER TABLE tasks ADD COLUMN last_progress_at TEXT;
ALTER TABLE tasks ADD COLUMN next_check_at TEXT;
ALTER TABLE tasks ADD COLUMN escalation_repeats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN last_escalated_at TEXT;
CREATE INDEX tasks_next_check ON tasks(next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX tasks_escalated ON tasks(escalation_level) WHERE escalation_level > 0;

CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    level INTEGER NOT NULL,
    repeat_no INTEGER NOT NULL DEFAULT 0,
    fired_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    notify TEXT NOT NULL,
    by_staff TEXT REFERENCES staff(staff_no),
    message_id INTEGER REFERENCES messages(id),
    UNIQUE (task_id, level, repeat_no)
);
"""


@MIGRATIONS(name="0003_tasks_sla")
def _tasks_sla(db: sqlite_utils.Database) -> None:
    from butler_tui.defaults import DEFAULT_TYPES

    _executescript_in_tx(db, _TASKS)
    for t in DEFAULT_TYPES:
        db.conn.execute(
            "INSERT INTO task_types (code, name, name_zh, priority, due_minutes, team_code, ladder)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.code, t.name, t.name_zh, t.priority, t.due_minutes, t.team_code, t.ladder.model_dump_json()),
        )
    # Tasks already open are looked at by the next sweep, which snapshots their type's ladder.
    db.conn.execute("UPDATE tasks SET clock_started_at = created_at, last_progress_at = updated_at,"
                    " next_check_at = CASE WHEN status IN ('done','verified','closed','cancelled') THEN NULL"
                    " ELSE created_at END")


_GUEST_SEARCH = """
CREATE TABLE guest_search (
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    guest_id INTEGER NOT NULL REFERENCES guests(id)
);
CREATE INDEX guest_search_key ON guest_search(key);
CREATE INDEX guest_search_guest ON guest_search(guest_id);
CREATE INDEX stays_room ON stays(room_number, status);

CREATE VIRTUAL TABLE guests_fts USING fts5(name, content='guests', content_rowid='id', tokenize='trigram');
CREATE TRIGGER guests_fts_insert AFTER INSERT ON guests BEGIN
    INSERT INTO guests_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER guests_fts_delete AFTER DELETE ON guests BEGIN
    INSERT INTO guests_fts(guests_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER guests_fts_update AFTER UPDATE OF name ON guests BEGIN
    INSERT INTO guests_fts(guests_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO guests_fts(rowid, name) VALUES (new.id, new.name);
END;
INSERT INTO guests_fts(guests_fts) VALUES ('rebuild');
"""


@MIGRATIONS(name="0004_guest_search")
def _guest_search(db: sqlite_utils.Database) -> None:
    from butler_tui.search_keys import search_keys

    _executescript_in_tx(db, _GUEST_SEARCH)
    rows = db.conn.execute("SELECT id, name, mobile, member_no, car_plate FROM guests").fetchall()
    db.conn.executemany(
        "INSERT INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)",
        [(key, kind, r[0]) for r in rows for key, kind in search_keys(r[1], r[2], r[3], r[4])],
    )


_HANDOVER = """
CREATE TABLE log_entries (
    id INTEGER PRIMARY KEY,
    station_code TEXT NOT NULL REFERENCES stations(code),
    shift TEXT NOT NULL,
    shift_date TEXT NOT NULL,
    author_no TEXT REFERENCES staff(staff_no),
    created_at TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    high_priority INTEGER NOT NULL DEFAULT 0,
    room_number TEXT REFERENCES rooms(number),
    guest_id INTEGER REFERENCES guests(id),
    task_id INTEGER REFERENCES tasks(id),
    corrects_id INTEGER REFERENCES log_entries(id)
);
CREATE INDEX log_entries_shift ON log_entries(station_code, shift_date, shift);
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'duty log entries are never edited: add a correction'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'duty log entries are never deleted: add a correction'); END;

ALTER TABLE handovers ADD COLUMN next_shift TEXT;
ALTER TABLE handovers ADD COLUMN next_shift_date TEXT;
CREATE UNIQUE INDEX handovers_one_per_shift ON handovers(coalesce(station_code, ''), shift, shift_date);
"""


@MIGRATIONS(name="0005_duty_log_handover")
def _duty_log_handover(db: sqlite_utils.Database) -> None:
    _executescript_in_tx(db, _HANDOVER)


_PERMISSIONS = """
CREATE TABLE permissions (
    role TEXT NOT NULL CHECK (role IN ('butler','lead','supervisor','manager','director','admin')),
    action TEXT NOT NULL,
    PRIMARY KEY (role, action)
);
"""


@MIGRATIONS(name="0006_permissions")
def _permissions(db: sqlite_utils.Database) -> None:
    from butler_tui.defaults import DEFAULT_PERMISSIONS

    _executescript_in_tx(db, _PERMISSIONS)
    db.conn.executemany("INSERT INTO permissions (role, action) VALUES (?, ?)",
                        [(role, action) for action, roles in DEFAULT_PERMISSIONS.items() for role in roles])


@MIGRATIONS(name="0007_message_templates")
def _message_templates(db: sqlite_utils.Database) -> None:
    """Messages the services write (escalations, arrivals) keep their sentence as a template and
    parameters, so each station reads them in its own language; ``body`` keeps the English text."""
    _executescript_in_tx(db, "ALTER TABLE messages ADD COLUMN body_said TEXT;")


_HISTORY_INDEXES = """
-- What a station re-reads on every change must cost what today's work costs, not what a year of
-- history costs (issue 15; bench/history.py measures both). Partial indexes hold only the rows that
-- are still open, so they stay small however long the hotel runs.
CREATE INDEX acks_open ON acks(station_code, acked_at, message_id) WHERE acked_at IS NULL;
CREATE INDEX acks_open_message ON acks(message_id) WHERE acked_at IS NULL;
CREATE INDEX acks_station_message ON acks(station_code, message_id);
CREATE INDEX messages_from ON messages(from_station, id);
CREATE INDEX stays_status ON stays(status, room_number);
CREATE INDEX checklist_follow_up_open ON checklist_items(stay_id)
    WHERE code = 'follow_up_call' AND done_at IS NULL;
CREATE INDEX handovers_station ON handovers(station_code, id);
CREATE INDEX handovers_pending ON handovers(station_code, id)
    WHERE signed_out_at IS NOT NULL AND signed_in_at IS NULL;
CREATE INDEX tasks_type_created ON tasks(type, created_at);
CREATE INDEX tasks_board_order ON tasks(priority, due_at IS NULL, due_at, id);
CREATE INDEX log_entries_day ON log_entries(shift_date, shift);
CREATE INDEX log_entries_corrects ON log_entries(corrects_id) WHERE corrects_id IS NOT NULL;
"""


@MIGRATIONS(name="0008_history_indexes")
def _history_indexes(db: sqlite_utils.Database) -> None:
    _executescript_in_tx(db, _HISTORY_INDEXES)


_COMPACT_ACKS = """
-- One row per (message, station), stored in its primary key's order (WITHOUT ROWID): no separate
-- rowid b-tree beside the key index, ~40 % less space for the most numerous rows of the file.
CREATE TABLE acks_compact (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    station_code TEXT NOT NULL REFERENCES stations(code),
    staff_no TEXT REFERENCES staff(staff_no),
    acked_at TEXT,
    PRIMARY KEY (message_id, station_code)
) WITHOUT ROWID;
INSERT INTO acks_compact SELECT message_id, station_code, staff_no, acked_at FROM acks;
DROP TABLE acks;
ALTER TABLE acks_compact RENAME TO acks;
CREATE INDEX acks_open ON acks(station_code, acked_at, message_id) WHERE acked_at IS NULL;
CREATE INDEX acks_open_message ON acks(message_id) WHERE acked_at IS NULL;
CREATE INDEX acks_station_message ON acks(station_code, message_id);
"""


@MIGRATIONS(name="0009_packed_handovers")
def _packed_handovers(db: sqlite_utils.Database) -> None:
    """Signed handover reports kept compressed (see store/packing.py); the acks' station index is
    covered by the open-acks index and the (station, message) index, so it goes."""
    from butler_tui.store.packing import pack, unpack

    rows = db.conn.execute("SELECT id, report FROM handovers WHERE report IS NOT NULL").fetchall()
    db.conn.executemany("UPDATE handovers SET report = ? WHERE id = ?",
                        [(pack(unpack(report)), handover_id) for handover_id, report in rows])
    _executescript_in_tx(db, _COMPACT_ACKS)


_TASK_ROUTING = """
-- A notice of a task is closed unacknowledged when its task is resolved, or is born closed when it
-- needs no acknowledgement: ``acked_at`` is set either way (so it leaves the open-acks index and stops
-- re-alerting), and ``closed_as`` says why, so nobody reads it as a station's acknowledgement.
ALTER TABLE acks ADD COLUMN closed_as TEXT CHECK (closed_as IN ('info', 'resolved'));
CREATE INDEX messages_task ON messages(task_id) WHERE task_id IS NOT NULL;
CREATE INDEX tasks_owner ON tasks(owner_no, status) WHERE owner_no IS NOT NULL;
CREATE INDEX tasks_assignee ON tasks(assignee_no, status) WHERE assignee_no IS NOT NULL;

-- A reopened task escalates again by its ladder: each escalation is unique per round (the task's
-- reopen count at the time), level and reminder, so reopening re-arms the ladder.
CREATE TABLE escalations_rounds (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    reopen_no INTEGER NOT NULL DEFAULT 0,
    level INTEGER NOT NULL,
    repeat_no INTEGER NOT NULL DEFAULT 0,
    fired_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    notify TEXT NOT NULL,
    by_staff TEXT REFERENCES staff(staff_no),
    message_id INTEGER REFERENCES messages(id),
    UNIQUE (task_id, reopen_no, level, repeat_no)
);
INSERT INTO escalations_rounds (id, task_id, reopen_no, level, repeat_no, fired_at, reason, notify, by_staff,
                                message_id)
    SELECT id, task_id, 0, level, repeat_no, fired_at, reason, notify, by_staff, message_id FROM escalations;
DROP TABLE escalations;
ALTER TABLE escalations_rounds RENAME TO escalations;
"""


@MIGRATIONS(name="0010_task_routing")
def _task_routing(db: sqlite_utils.Database) -> None:
    """Task notices (closed acks, the task's messages by index), ``task list --mine``, a ladder re-armed
    by a reopen, and who may close a safety emergency outside Security."""

    _executescript_in_tx(db, _TASK_ROUTING)
    # 0006 seeds every default action a new file knows, this one among them: only what is missing.
    _grant(db, "close_safety_emergency")



_DUTY_ROSTER = """
-- Who is on which shift on which date (a shift of the hotel's ``shifts`` setting, by name; the date is
-- the local day the shift starts), and each shift's duty manager (值班经理): at most one per shift.
CREATE TABLE roster (
    shift_date TEXT NOT NULL,
    shift TEXT NOT NULL,
    staff_no TEXT NOT NULL REFERENCES staff(staff_no),
    duty_manager INTEGER NOT NULL DEFAULT 0 CHECK (duty_manager IN (0, 1)),
    set_by TEXT REFERENCES staff(staff_no),
    set_at TEXT NOT NULL,
    PRIMARY KEY (shift_date, shift, staff_no)
) WITHOUT ROWID;
CREATE UNIQUE INDEX roster_one_duty_manager ON roster(shift_date, shift) WHERE duty_manager = 1;

-- Who an escalation was meant for: the staff nos. (a JSON list) on duty it named, or NULL when it went
-- to the role by its label (nobody rostered).
ALTER TABLE escalations ADD COLUMN notify_staff TEXT;
"""


@MIGRATIONS(name="0011_duty_roster")
def _duty_roster(db: sqlite_utils.Database) -> None:
    """The duty roster, who may set it, and whom an escalation named."""

    _executescript_in_tx(db, _DUTY_ROSTER)
    _grant(db, "set_roster")


_LADDERS = """
-- Each task keeps the ladder it started with (a snapshot: editing a type's ladder does not rewrite tasks
-- in flight), but by reference: most tasks share a handful of ladders, so one row per distinct ladder
-- instead of ~300 bytes of JSON on every task of the year (issue 15). A ladder row never changes;
-- editing a type's ladder makes a new one when a task next snapshots it.
CREATE TABLE ladders (
    id INTEGER PRIMARY KEY,
    json TEXT NOT NULL UNIQUE
);
INSERT OR IGNORE INTO ladders (json) SELECT DISTINCT ladder FROM tasks WHERE ladder IS NOT NULL ORDER BY ladder;
ALTER TABLE tasks ADD COLUMN ladder_id INTEGER REFERENCES ladders(id);
UPDATE tasks SET ladder_id = (SELECT l.id FROM ladders l WHERE l.json = tasks.ladder) WHERE ladder IS NOT NULL;
ALTER TABLE tasks DROP COLUMN ladder;
"""


@MIGRATIONS(name="0012_ladders_by_reference")
def _ladders_by_reference(db: sqlite_utils.Database) -> None:
    """Tasks' ladder snapshots move to a table of distinct ladders."""
    _executescript_in_tx(db, _LADDERS)


_CHECKLIST_TEMPLATE = """
-- A checklist item's names are its code's (the hotel's checklist template), read by reference: 1.3 M
-- items a year each repeating an English and a Chinese sentence cost more than all the ticks (issue 15).
CREATE TABLE checklist_template (
    code TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    name TEXT NOT NULL,
    name_zh TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL
) WITHOUT ROWID;
"""


@MIGRATIONS(name="0013_checklist_names_by_reference")
def _checklist_names_by_reference(db: sqlite_utils.Database) -> None:
    """Checklist items lose their copies of the names; the template (defaults.TEMPLATE) holds them, and
    an item whose code the template no longer has keeps the names it was stored with there."""
    from butler_tui.defaults import TEMPLATE

    _executescript_in_tx(db, _CHECKLIST_TEMPLATE)
    db.conn.executemany("INSERT INTO checklist_template (code, stage, name, name_zh, position) VALUES (?, ?, ?, ?, ?)",
                        [(code, stage, name, name_zh, position)
                         for position, (stage, code, name, name_zh, _rule) in enumerate(TEMPLATE)])
    db.conn.execute("INSERT OR IGNORE INTO checklist_template (code, stage, name, name_zh, position)"
                    " SELECT code, stage, name, name_zh, min(position) FROM checklist_items GROUP BY code")
    _executescript_in_tx(db, "ALTER TABLE checklist_items DROP COLUMN name;\n"
                             "ALTER TABLE checklist_items DROP COLUMN name_zh;\n")



_ROOMS_LIVE = """
-- A room out of order (repair) or out of service (not sold for a while) keeps hk_status 'out_of_order'
-- and says which, why, since when and until when; a make-up-room request is a flag (issue 17).
ALTER TABLE rooms ADD COLUMN ooo_kind TEXT CHECK (ooo_kind IN ('out_of_order','out_of_service'));
ALTER TABLE rooms ADD COLUMN ooo_reason TEXT;
ALTER TABLE rooms ADD COLUMN ooo_until TEXT;
ALTER TABLE rooms ADD COLUMN ooo_since TEXT;
ALTER TABLE rooms ADD COLUMN makeup_requested INTEGER NOT NULL DEFAULT 0 CHECK (makeup_requested IN (0, 1));
UPDATE rooms SET ooo_kind = 'out_of_order', ooo_reason = '' WHERE hk_status = 'out_of_order';
"""


@MIGRATIONS(name="0014_rooms_live")
def _rooms_live(db: sqlite_utils.Database) -> None:
    """Rooms' out-of-order details and make-up flag; who may inspect a room and change the settings."""

    _executescript_in_tx(db, _ROOMS_LIVE)
    _grant(db, "inspect_room", "change_settings")


_DND_AUDIT = """
-- The DND checks raised (004 art. 1: a DND room is phoned at 12:00 and again at 14:00, hotel time): one
-- row per room, hotel day and slot, taken inside the sweep's write transaction with INSERT OR IGNORE, so
-- however many stations sweep at once each check is raised once.
CREATE TABLE dnd_checks (
    room_number TEXT NOT NULL REFERENCES rooms(number),
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (room_number, day, slot)
) WITHOUT ROWID;

-- The night audit closes each hotel day once (the same guarantee): what it found.
CREATE TABLE night_audits (
    day TEXT PRIMARY KEY,
    ran_at TEXT NOT NULL,
    no_shows INTEGER NOT NULL DEFAULT 0,
    overdue INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- A stay past its departure and not checked out, as the night audit flagged it (the departures board
-- finds them among the stays in house, by stays_status). The no-shows of a few days are read by status
-- and arrival day, not among every no-show the hotel ever had.
ALTER TABLE stays ADD COLUMN overdue_at TEXT;
CREATE INDEX stays_status_arrival ON stays(status, arrival_date);
"""

_STAY_STATUS_OLD = "CHECK (status IN ('expected','room_ready','arrived','in_house','due_out','departed','cancelled'))"
_STAY_STATUS_NEW = ("CHECK (status IN ('expected','room_ready','arrived','in_house','due_out','departed','cancelled',"
                    "'no_show'))")


@MIGRATIONS(name="0015_dnd_audit")
def _dnd_audit(db: sqlite_utils.Database) -> None:
    """DND checks once per room and slot, the night audit once per day; a stay may be a no-show.

    A CHECK constraint cannot be altered, and rebuilding ``stays`` (referenced by checklists, notices and
    stages) is not possible inside this transaction with foreign keys on; widening the CHECK's list is the
    edit SQLite documents for loosening a constraint (``writable_schema``; every existing row still
    satisfies it), followed by a bump of ``schema_version`` so every connection re-reads the schema."""
    conn = db.conn
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stays'").fetchone()[0]
    if _STAY_STATUS_OLD not in sql:
        raise ValueError(tr("migration {name!r}: the stays status CHECK is not the one expected", name="0015"))
    _redeclare(conn, {"stays": sql.replace(_STAY_STATUS_OLD, _STAY_STATUS_NEW)})
    _executescript_in_tx(db, _DND_AUDIT)


def _redeclare(conn: sqlite3.Connection, tables: dict[str, str]) -> None:
    """Give each of ``tables`` the ``CREATE TABLE`` text it names, for a change that leaves its stored rows as
    they are (the ``writable_schema`` edit SQLite documents), inside the caller's transaction; then bump
    ``schema_version`` so that every connection reads the schema again."""
    version = int(conn.execute("PRAGMA schema_version").fetchone()[0])
    conn.execute("PRAGMA writable_schema = ON")
    try:
        for table, sql in tables.items():
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")



_LOST_FOUND = """
-- The lost & found register (004 art. 5, issue 17): an item is found (what, in a room or at a place, by
-- whom, when; linked to the stay in the room then and its guest) -> stored (where it is kept) -> returned
-- (to whom, the ID they showed, by whom) or disposed of after the hotel's ``found_dispose_days``.
CREATE TABLE found_items (
    id INTEGER PRIMARY KEY,
    what TEXT NOT NULL CHECK (length(what) BETWEEN 1 AND 200),
    room_number TEXT REFERENCES rooms(number),
    place TEXT,
    stay_id INTEGER REFERENCES stays(id),
    guest_id INTEGER REFERENCES guests(id),
    found_by TEXT NOT NULL REFERENCES staff(staff_no),
    found_at TEXT NOT NULL,
    station_code TEXT REFERENCES stations(code),
    status TEXT NOT NULL DEFAULT 'found' CHECK (status IN ('found','stored','returned','disposed')),
    kept_at TEXT,
    stored_by TEXT REFERENCES staff(staff_no),
    stored_at TEXT,
    returned_to TEXT,
    id_shown TEXT,
    returned_by TEXT REFERENCES staff(staff_no),
    returned_at TEXT,
    disposed_by TEXT REFERENCES staff(staff_no),
    disposed_at TEXT,
    CHECK (room_number IS NOT NULL OR place IS NOT NULL)
);
CREATE INDEX found_items_found_at ON found_items(found_at);
CREATE INDEX found_items_guest ON found_items(guest_id) WHERE guest_id IS NOT NULL;
CREATE INDEX found_items_room ON found_items(room_number) WHERE room_number IS NOT NULL;
CREATE INDEX found_items_open ON found_items(status, id) WHERE status IN ('found','stored');
"""


@MIGRATIONS(name="0016_lost_found")
def _lost_found(db: sqlite_utils.Database) -> None:
    """The lost & found register, and who may dispose of an item."""

    _executescript_in_tx(db, _LOST_FOUND)
    _grant(db, "dispose_found_item")
_SCHEDULED = """
-- Scheduled and recurring work (issue 17). A task due at a time waits in scheduled_tasks (seen by no
-- board as a task) until its raise time, when the sweep raises it; a routine (a lead's daily or weekly
-- job) raises its tasks at each occurrence, once: routine_runs is the once-per-occurrence key.
ALTER TABLE task_types ADD COLUMN lead_minutes INTEGER NOT NULL DEFAULT 10 CHECK (lead_minutes >= 0);

CREATE TABLE routines (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL REFERENCES task_types(code),
    station_code TEXT NOT NULL REFERENCES stations(code),
    at TEXT NOT NULL,
    days TEXT NOT NULL,
    rooms TEXT NOT NULL DEFAULT '',
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes >= 0),
    created_by TEXT REFERENCES staff(staff_no),
    created_at TEXT NOT NULL,
    removed_at TEXT,
    next_at TEXT,
    raise_at TEXT
);
CREATE INDEX routines_due ON routines(raise_at) WHERE raise_at IS NOT NULL;

CREATE TABLE routine_runs (
    routine_id INTEGER NOT NULL REFERENCES routines(id),
    occurrence TEXT NOT NULL,
    ran_at TEXT NOT NULL,
    tasks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (routine_id, occurrence)
) WITHOUT ROWID;

CREATE TABLE scheduled_tasks (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    room_number TEXT REFERENCES rooms(number),
    station_code TEXT REFERENCES stations(code),
    team_code TEXT,
    created_by TEXT REFERENCES staff(staff_no),
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    raise_at TEXT NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','raised','failed')),
    task_id INTEGER REFERENCES tasks(id),
    failure TEXT
);
CREATE INDEX scheduled_tasks_due ON scheduled_tasks(raise_at) WHERE state = 'pending';
"""


@MIGRATIONS(name="0017_scheduled_tasks")
def _scheduled_tasks(db: sqlite_utils.Database) -> None:
    """Tasks due at a time and raised ahead of it; leads' daily and weekly routines; the wake-up call
    type; who may set routines."""
    from butler_tui.defaults import DEFAULT_TYPES

    _executescript_in_tx(db, _SCHEDULED)
    for t in DEFAULT_TYPES:
        db.conn.execute(
            "INSERT OR IGNORE INTO task_types (code, name, name_zh, priority, due_minutes, team_code, ladder,"
            " lead_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (t.code, t.name, t.name_zh, t.priority, t.due_minutes, t.team_code, t.ladder.model_dump_json(),
             t.lead_minutes),
        )
    _grant(db, "manage_routines")


_COMPACT_HISTORY = """
-- A year of history in less room (issue 15). A checklist item is found by its stay (about 27 items
-- each, in a row of ids): an index on stay_id alone instead of the (stay_id, code) unique index, which
-- repeated every code of 1.3 M items a year. Search keys and stage completions are stored in their key's
-- order (WITHOUT ROWID): no rowid b-tree beside the key; a guest's keys are found by the keys themselves
-- (services/guests.py index_guest), so no index by guest either.
CREATE TABLE checklist_items_compact (
    id INTEGER PRIMARY KEY,
    stay_id INTEGER NOT NULL REFERENCES stays(id),
    stage TEXT NOT NULL CHECK (stage IN ('pre_arrival','arrival','pre_departure','departure','follow_up')),
    code TEXT NOT NULL,
    mandatory INTEGER NOT NULL,
    position INTEGER NOT NULL,
    done_at TEXT,
    done_by TEXT REFERENCES staff(staff_no),
    done_station TEXT REFERENCES stations(code),
    note TEXT
);
INSERT INTO checklist_items_compact (id, stay_id, stage, code, mandatory, position, done_at, done_by, done_station,
                                     note)
    SELECT id, stay_id, stage, code, mandatory, position, done_at, done_by, done_station, note
    FROM checklist_items ORDER BY id;
DROP TABLE checklist_items;
ALTER TABLE checklist_items_compact RENAME TO checklist_items;
CREATE INDEX checklist_items_stay ON checklist_items(stay_id);
CREATE INDEX checklist_follow_up_open ON checklist_items(stay_id)
    WHERE code = 'follow_up_call' AND done_at IS NULL;

CREATE TABLE guest_search_compact (
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    guest_id INTEGER NOT NULL REFERENCES guests(id),
    PRIMARY KEY (key, kind, guest_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO guest_search_compact (key, kind, guest_id) SELECT key, kind, guest_id FROM guest_search;
DROP TABLE guest_search;
ALTER TABLE guest_search_compact RENAME TO guest_search;

-- Lost & found of a shift (the handover report) is the only read of tasks by type and time.
DROP INDEX tasks_type_created;
CREATE INDEX tasks_lost_found ON tasks(created_at) WHERE type = 'lost_found';

CREATE TABLE stay_stages_compact (
    stay_id INTEGER NOT NULL REFERENCES stays(id),
    stage TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    completed_by TEXT REFERENCES staff(staff_no),
    completed_station TEXT REFERENCES stations(code),
    PRIMARY KEY (stay_id, stage)
) WITHOUT ROWID;
INSERT INTO stay_stages_compact SELECT stay_id, stage, completed_at, completed_by, completed_station FROM stay_stages;
DROP TABLE stay_stages;
ALTER TABLE stay_stages_compact RENAME TO stay_stages;

-- A task's values as created, kept from their first change on (by this trigger, whoever changes them), so
-- that the task's ``create`` event refers to the task instead of repeating them (store/history.py).
CREATE TABLE task_origins (
    task_id INTEGER PRIMARY KEY REFERENCES tasks(id),
    type TEXT,
    name TEXT,
    room_number TEXT,
    priority INTEGER,
    owner_no TEXT,
    owner_team TEXT,
    second_team TEXT,
    due_at TEXT
);
CREATE TRIGGER tasks_origin BEFORE UPDATE OF type, name, room_number, priority, owner_no, owner_team, second_team,
    due_at ON tasks
WHEN old.type IS NOT new.type OR old.name IS NOT new.name OR old.room_number IS NOT new.room_number
    OR old.priority IS NOT new.priority OR old.owner_no IS NOT new.owner_no OR old.owner_team IS NOT new.owner_team
    OR old.second_team IS NOT new.second_team OR old.due_at IS NOT new.due_at
BEGIN
    INSERT OR IGNORE INTO task_origins (task_id, type, name, room_number, priority, owner_no, owner_team, second_team,
                                        due_at)
    VALUES (old.id, old.type, old.name, old.room_number, old.priority, old.owner_no, old.owner_team, old.second_team,
            old.due_at);
END;

-- A task's clock runs from its creation unless it was restarted (a reopen, a fallback): NULL says so.
UPDATE tasks SET clock_started_at = NULL WHERE clock_started_at = created_at;

-- The checklist of a stay that is over, packed in one row (store/history.py).
CREATE TABLE checklists_packed (
    stay_id INTEGER PRIMARY KEY REFERENCES stays(id),
    follow_up_done_at TEXT,
    items BLOB NOT NULL
);

-- ``butler archive`` moves closed history to an archive file. Events stay append-only: a DELETE is
-- refused unless an archive run, open in the same transaction (it is finished before its COMMIT, so no
-- other connection ever sees it open), covers the event's instant.
CREATE TABLE archive_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    before_at TEXT NOT NULL,
    archive_path TEXT NOT NULL,
    finished_at TEXT,
    counts TEXT
);
DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM archive_runs r WHERE r.finished_at IS NULL AND old.at < r.before_at)
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
"""


@MIGRATIONS(name="0018_compact_history")
def _compact_history(db: sqlite_utils.Database) -> None:
    """Checklists, search keys and stage completions in less room; the events of a message sent and of a
    task created refer to its row instead of repeating it (store/history.py reads them back the same);
    the archive runs that alone may remove events."""
    from butler_tui.store.history import REF, compact_after, pack_checklists

    _executescript_in_tx(db, _COMPACT_HISTORY)
    _grant(db, "archive_history")
    conn = db.conn
    conn.execute("DROP TRIGGER events_no_update")
    rows = conn.execute("SELECT id, entity, action, entity_id, after FROM events"
                        " WHERE (entity = 'messages' AND action = 'send') OR (entity = 'tasks' AND action = 'create')"
                        ).fetchall()
    updates = []
    for event_id, entity, action, entity_id, after in rows:
        if after is None or entity_id is None:
            continue
        stored = compact_after(conn, entity, action, entity_id, json.loads(after))
        if stored is None or f'"{REF}": "tasks"' in stored:  # else kept as it is
            updates.append((stored, event_id))
    conn.executemany("UPDATE events SET after = ? WHERE id = ?", updates)
    pack_checklists(conn)
    conn.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
                 "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END")


_OOO_REPAIR = """
-- A room out of order can name the repair task that puts it back (issue 17): linked to a task for the
-- room, or one raised when the room is taken out of order; cleared with the room.
ALTER TABLE rooms ADD COLUMN ooo_task_id INTEGER REFERENCES tasks(id);
"""


@MIGRATIONS(name="0019_ooo_repair_task")
def _ooo_repair_task(db: sqlite_utils.Database) -> None:
    """The repair task linked to a room out of order."""
    _executescript_in_tx(db, _OOO_REPAIR)


_SESSIONS = """
-- Signed-in sessions of the command line and service accounts (issue 18). Only the SHA-256 of a token
-- is kept: the token itself is shown once (login --print, staff add-service) or kept in the user's file.
-- A person's session has a staff no., a station and an end (their shift's); a service account's has its
-- name and no end until it is revoked.
CREATE TABLE service_accounts (
    name TEXT PRIMARY KEY,
    may TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    revoked_at TEXT
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    staff_no TEXT REFERENCES staff(staff_no),
    service TEXT REFERENCES service_accounts(name),
    station_code TEXT REFERENCES stations(code),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    ended_at TEXT,
    CHECK ((staff_no IS NULL) <> (service IS NULL))
);
CREATE INDEX sessions_staff ON sessions(staff_no) WHERE staff_no IS NOT NULL;
"""


@MIGRATIONS(name="0020_sessions")
def _sessions(db: sqlite_utils.Database) -> None:
    """Sessions and service accounts; cancelling a task someone else raised is for leads and up."""

    _executescript_in_tx(db, _SESSIONS)
    _grant(db, "cancel_task")


_EVENT_CHAIN = """
-- Tamper evidence (issue 18): every event carries a hash chained to the one before it (store/chain.py).
-- An event written without one is refused. Where ``butler archive`` removes events in the middle of the
-- chain, the hash of the event before each event left is kept here: insert-only, inside an archive run.
ALTER TABLE events ADD COLUMN hash BLOB;
CREATE TRIGGER events_hashed BEFORE INSERT ON events
WHEN new.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'an event needs its hash (store/chain.py)'); END;
CREATE TABLE event_chain_anchors (
    event_id INTEGER PRIMARY KEY,
    prev_hash BLOB NOT NULL
);
CREATE TRIGGER event_chain_anchors_in_archive BEFORE INSERT ON event_chain_anchors
WHEN NOT EXISTS (SELECT 1 FROM archive_runs r WHERE r.finished_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'chain anchors are written only by an archive run'); END;
CREATE TRIGGER event_chain_anchors_no_update BEFORE UPDATE ON event_chain_anchors
BEGIN SELECT RAISE(ABORT, 'chain anchors are append-only: UPDATE refused'); END;
CREATE TRIGGER event_chain_anchors_no_delete BEFORE DELETE ON event_chain_anchors
BEGIN SELECT RAISE(ABORT, 'chain anchors are append-only: DELETE refused'); END;
"""


@MIGRATIONS(name="0021_event_chain")
def _event_chain(db: sqlite_utils.Database) -> None:
    """Every event's hash, chained (the events there are get theirs now, in id order)."""
    from butler_tui.store.chain import rehash_all

    _executescript_in_tx(db, _EVENT_CHAIN)
    conn = db.conn
    conn.execute("DROP TRIGGER events_no_update")
    rehash_all(conn)
    conn.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
                 "BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END")


_CLOSED_TODAY = """
-- The task board's "closed today" tab reads tasks resolved since midnight: by status, then by the time
-- of their last change. The old (status, due_at) index made it read every task ever closed (225 ms on a
-- year's file); the open statuses are few rows either way, so nothing else needs due_at in this index.
DROP INDEX tasks_status;
CREATE INDEX tasks_status ON tasks(status, updated_at);
"""


@MIGRATIONS(name="0022_closed_today_index")
def _closed_today_index(db: sqlite_utils.Database) -> None:
    """Tasks by status and last change (the closed-today tab), instead of by status and due time."""
    _executescript_in_tx(db, _CLOSED_TODAY)


_OPEN_ORDER = """
-- The most-urgent-first order of a task list is asked of the open tasks (the boards, `task list`); a
-- list that takes in finished tasks shows those newest first (tasks_status). So the order's index holds
-- only the open rows: the same answers, ~11 MB less on a year's file (249,000 tasks, ~190 open).
DROP INDEX tasks_board_order;
CREATE INDEX tasks_open_order ON tasks(priority, due_at IS NULL, due_at, id)
    WHERE status IN ('new','acknowledged','in_progress','on_hold','deferred','reopened');
"""


@MIGRATIONS(name="0023_open_task_order")
def _open_task_order(db: sqlite_utils.Database) -> None:
    """The urgency order's index holds the open tasks only (issue 15: a year of history in 400 MB)."""
    _executescript_in_tx(db, _OPEN_ORDER)


_PMS_VALUES = """
-- The last value the PMS gave for each imported field of a guest and of a stay (a JSON object): a
-- re-import overwrites a field only when its value still equals that one (nobody changed it at the
-- hotel) or the import profile says the PMS owns the field. NULL: never imported with this record.
ALTER TABLE guests ADD COLUMN pms_values TEXT;
ALTER TABLE stays ADD COLUMN pms_values TEXT;
"""


@MIGRATIONS(name="0024_pms_values")
def _pms_values(db: sqlite_utils.Database) -> None:
    """The PMS's last values of imported guest and stay fields (hand edits survive a re-import); who may
    import at a station."""

    _executescript_in_tx(db, _PMS_VALUES)
    _grant(db, "import_arrivals")


_GUEST_RECORDS = """
-- Guest records kept at a station (issue 19): the guest's special dates (birthday, anniversary) as a JSON
-- list of {"kind", "date"}; a guest merged into another keeps its row, so old references explain
-- themselves ("merged into 12"), and is found no more.
ALTER TABLE guests ADD COLUMN special_dates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE guests ADD COLUMN merged_into INTEGER REFERENCES guests(id);
ALTER TABLE guests ADD COLUMN merged_at TEXT;
-- The member no. a merged record let go of (member no. is unique): the PMS keeps sending it, and the
-- import finds the record it was merged into by it.
ALTER TABLE guests ADD COLUMN former_member_no TEXT;
CREATE INDEX guests_former_member_no ON guests(former_member_no) WHERE former_member_no IS NOT NULL;
CREATE INDEX guests_mobile ON guests(mobile) WHERE mobile IS NOT NULL AND merged_into IS NULL;
"""


def fold_search_keys(conn: sqlite3.Connection) -> int:
    """The keys that folding (full-width forms, accents, traditional characters: issue 19) adds, written
    for the guests it changes; the number of keys written. Every Chinese name gets its simplified name and
    tails (``zh``/``zhs``: cheap, no pinyin); a guest any of whose values is not plain ASCII or changes
    when folded gets all its keys anew. The other guests' keys are what folding would give already, so
    they are not computed again (pinyin for 100,000 names is most of a minute on a busy 2-core machine);
    the few unfolded keys left behind (``josgarca`` for José García) still find the same guest. One
    ``executemany`` of the keys in their own order (the table is stored in key order), with a larger page
    cache for the while."""
    from butler_tui.search_keys import CJK, fold, search_keys

    keys: set[tuple[str, str, int]] = set()
    for gid, name, mobile, member_no, car_plate in conn.execute(
            "SELECT coalesce(merged_into, id), name, mobile, member_no, car_plate FROM guests"):
        values = (name, mobile or "", member_no or "", car_plate or "")
        if all(v.isascii() for v in values) and fold(name) == name:
            continue
        folded = fold(name)
        if folded == name and all(v.isascii() for v in values[1:]) and CJK.search(name):
            zh = "".join(folded.split())
            keys.add((zh, "zh", gid))
            keys.update((zh[i:], "zhs", gid) for i in range(1, len(zh)))
            continue
        keys.update((key, kind, gid) for key, kind in search_keys(name, mobile, member_no, car_plate))
    if not isinstance(conn, sqlite3.Connection):  # PostgreSQL: no page cache to widen
        conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)", sorted(keys))
        return len(keys)
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = -65536")
    try:
        conn.executemany("INSERT OR IGNORE INTO guest_search (key, kind, guest_id) VALUES (?, ?, ?)", sorted(keys))
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
    return len(keys)


@MIGRATIONS(name="0025_guest_records")
def _guest_records(db: sqlite_utils.Database) -> None:
    """Special dates and merges of guests; who may change a VIP level and merge guests; the search keys
    that folding adds (a guest written as 張偉 or ＷＡＮＧ or José is found as 张伟, wang, jose)."""

    _executescript_in_tx(db, _GUEST_RECORDS)
    _grant(db, "edit_guest_vip", "merge_guests")
    fold_search_keys(db.conn)
_REPORTS = """
-- The manager's figures (issue 21) read a period's tasks by creation time, its messages by sending time and
-- its departures by check-out time; the follow-up call after departure records the guest's score (1-5) and
-- what they said, on the stay (a departed stay's checklist is packed: services/reports.py reads the stay).
CREATE INDEX tasks_created ON tasks(created_at, updated_at);
CREATE INDEX tasks_open_created ON tasks(created_at) WHERE status NOT IN ('done', 'verified', 'closed', 'cancelled');
CREATE INDEX messages_created ON messages(created_at);
-- The figures of hotel days that are over, kept per grouping with a stamp of what they were worked out from
-- (services/reports.py): a cache of the record, not a record (no events; deleting it loses nothing). ``data``
-- is packed JSON (store/packing.py: a BLOB; JSON text in rows kept before 0029, BYTEA on a server).
CREATE TABLE report_days (
    day TEXT NOT NULL,
    part TEXT NOT NULL,
    stamp TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (day, part)
) WITHOUT ROWID;
CREATE INDEX stays_departed ON stays(departed_at) WHERE departed_at IS NOT NULL;
ALTER TABLE stays ADD COLUMN follow_up_score INTEGER CHECK (follow_up_score BETWEEN 1 AND 5);
ALTER TABLE stays ADD COLUMN follow_up_comment TEXT;
"""


@MIGRATIONS(name="0026_reports")
def _reports(db: sqlite_utils.Database) -> None:
    """Indexes for the manager's figures by period; the follow-up call's score and comment on the stay; who
    may read the figures."""

    _executescript_in_tx(db, _REPORTS)
    _grant(db, "see_reports")


_IMPORT_RUNS = """
-- A PMS import writes a large file in several short transactions (a station writing meanwhile waits a
-- fraction of a second, not the whole file): its run is 'running' while it writes, 'done' at its last
-- transaction, 'undone' when what it wrote was taken out again (a later part failed, or the process died:
-- beat_at, touched at every transaction, stops moving and the next import undoes it). The run owns the
-- guest ids in (guests_from, guests_to] and the stay ids in (stays_from, stays_to].
CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'undone')),
    started_at TEXT NOT NULL,
    beat_at TEXT NOT NULL,
    guests_from INTEGER NOT NULL,
    guests_to INTEGER NOT NULL,
    stays_from INTEGER NOT NULL,
    stays_to INTEGER NOT NULL
);
CREATE INDEX import_runs_running ON import_runs(status) WHERE status = 'running';
"""


@MIGRATIONS(name="0027_import_runs")
def _import_runs(db: sqlite_utils.Database) -> None:
    """The runs of a PMS import written in several transactions (all or nothing across them)."""
    _executescript_in_tx(db, _IMPORT_RUNS)


@MIGRATIONS(name="0028_server_report_bytes")
def _server_report_bytes(db: sqlite_utils.Database) -> None:
    """Nothing on a file. On a PostgreSQL server the schema build this migration sets off turns
    ``handovers.report`` into BYTEA with its signed reports as the bytes they were (store/pg.py ``_retype``):
    a server database made while that column was TEXT kept their text form, and the handover screen failed
    on it."""


@MIGRATIONS(name="0029_server_report_days_bytes")
def _server_report_days_bytes(db: sqlite_utils.Database) -> None:
    """Nothing on a file: a closed day's kept figures are now written packed (services/reports.py, a BLOB in
    the ``TEXT`` column), and the rows kept before as JSON text read as they are. On a PostgreSQL server the
    schema build this migration sets off turns ``report_days.data`` into BYTEA (store/pg.py ``_retype``), its
    JSON text into its UTF-8 bytes, which read as they were."""


@MIGRATIONS(name="0030_instants_ms")
def _instants_ms(db: sqlite_utils.Database) -> None:
    """Every instant as integer milliseconds (store/instants.py): 6 bytes where its ISO text took 24 (the
    generated year 418 → 318 MB, vacuumed). Each instant column is declared ``INSTANT`` with a CHECK that it
    holds an integer (or NULL), and its values are converted.

    The declarations are changed by the edit SQLite documents for changes that leave the stored rows as they
    are (``writable_schema``, as in 0015): no table is copied, no index or reference rebuilt. The rows there are
    not checked against the new CHECKs, so the same transaction converts every value before it commits (a
    value that is not an instant stops the migration: nothing is changed). The tables' triggers are lifted while their rows are rewritten
    (the events' and the duty log's refuse an UPDATE; ``tasks_origin`` would take a due time converted for a
    change of it) and put back as they were."""
    convert_instants(db.conn)


def _retyped(table: str, sql: str, columns: tuple[str, ...]) -> str:
    import re

    from butler_tui.store import instants

    for column in columns:
        pattern = re.compile(rf'((?:^|[(,])\s*"?{column}"?\s+)TEXT\b', re.MULTILINE)
        if len(pattern.findall(sql)) != 1:
            raise ValueError(tr("migration {name!r}: the column {column} of {table} is not declared as expected",
                                name="0030", column=column, table=table))
        sql = pattern.sub(rf"\g<1>{instants.DECLARED} {instants.check(column)}", sql)
    return sql


def convert_instants(conn: sqlite3.Connection) -> None:
    """Declare and convert the instant columns (inside the caller's transaction; see migration 0030)."""
    from butler_tui.store import instants

    tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    todo = {table: cols for table, cols in instants.COLUMNS.items() if table in tables}
    _redeclare(conn, {table: _retyped(table, tables[table], cols) for table, cols in todo.items()})
    conn.create_function("butler_ms", 1, instants.stored_ms, deterministic=True)
    for table, cols in todo.items():
        declared = {r[1]: r[2] for r in conn.execute(f"PRAGMA table_info({table})")}
        if any(declared.get(c) != instants.DECLARED for c in cols):
            raise ValueError(tr("migration {name!r}: the column {column} of {table} is not declared as expected",
                                name="0030", column=cols, table=table))
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                (table,)).fetchall()
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        sets = ", ".join(f"{c} = butler_ms({c})" for c in cols)
        texts = " OR ".join(f"typeof({c}) = 'text'" for c in cols)
        conn.execute(f"UPDATE {table} SET {sets} WHERE {texts}")
        for _name, sql in triggers:
            conn.execute(sql)


SCHEMA_VERSION = len(MIGRATIONS.steps)
KNOWN = set(MIGRATIONS.names)

# -- the migrations on a PostgreSQL server already in use ------------------------------------------
# A server's schema is made from the one these migrations give SQLite (store/pg.py ``build_schema``: the tables,
# columns, indexes and triggers it lacks). That is all a migration needs when it only adds things. One that also
# changes rows already there (fills a new column from old ones, moves data, rewrites values) must say how that is
# done on a server database in use: its ``SERVER_STEPS`` entry, a function of the connection run in the migrating
# transaction after ``build_schema`` (SQL in SQLite's dialect is translated as everywhere in store/). ``None``
# says the migration only adds; a test keeps every migration after ``SERVER_SINCE`` listed here, so a new one
# cannot forget.
ServerStep = Callable[[Any], None]
SERVER_SINCE = "0026_reports"
"""The last migration before PostgreSQL support: every server database was made at this version or later."""
SERVER_STEPS: dict[str, ServerStep | None] = {
    "0027_import_runs": None,  # a new table and its index
    "0028_server_report_bytes": None,  # the schema build retypes handovers.report (store/pg.py _retype)
    "0029_server_report_days_bytes": None,  # the schema build retypes report_days.data (store/pg.py _retype)
    "0030_instants_ms": None,  # the schema build retypes every instant column to BIGINT (store/pg.py _retype)
}


class _HasConn(Protocol):
    @property
    def conn(self) -> sqlite3.Connection: ...


def _on_server(db: _HasConn) -> bool:
    return getattr(db.conn, "dialect", "sqlite") == "postgresql"


def _read_version(db: _HasConn) -> int:
    if _on_server(db):
        return len(applied(db))
    return int(db.conn.execute("PRAGMA user_version").fetchone()[0])


def applied(db: _HasConn) -> list[str]:
    """Names of the migrations applied to this file, in the order they were applied."""
    conn = db.conn
    if _on_server(db):
        from butler_tui.store import pg

        return pg.applied(conn, SET_NAME)  # type: ignore[arg-type]
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone():
        return []
    return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                                       (SET_NAME,)).fetchall()]


def check_version(db: _HasConn) -> int:
    """Refuse a database written by a newer butler-tui; return its schema version."""
    version = _read_version(db)
    unknown = [name for name in applied(db) if name not in KNOWN]
    if version > SCHEMA_VERSION or unknown:
        raise SchemaTooNew(
            tr("this database has schema version {version}, newer than this butler-tui understands ({known});"
               " upgrade butler-tui instead of opening it", version=max(version, SCHEMA_VERSION + len(unknown)),
               known=SCHEMA_VERSION)
        )
    return version


def migrate(db: _HasConn) -> list[str]:
    """Apply pending migrations under the write lock; return the names applied."""
    if check_version(db) == SCHEMA_VERSION:
        return []
    if _on_server(db):
        return _migrate_server(db)
    import sqlite_utils

    conn = db.conn
    utils_db = sqlite_utils.Database(conn, execute_plugins=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        check_version(db)  # another process may have upgraded it while we waited
        done = set(applied(db))
        pending = [name for name in MIGRATIONS.names if name not in done]
        MIGRATIONS.migration_set().apply(utils_db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if pending:
            _record_migration(conn, pending)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return pending


def _migrate_server(db: _HasConn) -> list[str]:
    """PostgreSQL: the schema is made from the one these migrations give SQLite (store/pg.py), under the
    writers' lock so that stations starting at once apply it once. On a database in use, the rows the pending
    migrations change are changed by their :data:`SERVER_STEPS`, in the same transaction; then the schema must
    be this version's, or nothing is changed."""
    from butler_tui.store import pg

    conn: Any = db.conn
    with pg.writing(conn):
        check_version(db)
        done = set(applied(db))
        pending = [name for name in MIGRATIONS.names if name not in done]
        if pending:
            in_use = bool(done)
            if in_use:
                _server_steps_known(pending)
            pg.build_schema(conn)
            if in_use:
                for step in (SERVER_STEPS[name] for name in pending):
                    if step is not None:
                        step(conn)
                differences = pg.schema_differences(conn)
                if differences:
                    raise StoreUnavailable(tr(
                        "this version's schema could not be made on the server ({what}): nothing was changed",
                        what="; ".join(differences)))
            pg.record_applied(conn, SET_NAME, pending, clock.now_iso())
            _record_migration(conn, pending)
    return pending


def _record_migration(conn: Any, pending: list[str]) -> None:
    """The ``migrate`` event, in the migrating transaction (either backend)."""
    from butler_tui.store.chain import append

    append(conn, clock.now_iso(), None, None, "schema", str(SCHEMA_VERSION), "migrate", None,
           json.dumps({"applied": pending}))


def _server_steps_known(pending: list[str]) -> None:
    """Every migration pending on a server database in use says how it is done there (:data:`SERVER_STEPS`);
    one made before PostgreSQL support cannot be pending on a server."""
    names = MIGRATIONS.names
    since = names.index(SERVER_SINCE)
    early = [name for name in pending if names.index(name) <= since]
    unknown = [name for name in pending if names.index(name) > since and name not in SERVER_STEPS]
    if early or unknown:
        raise StoreUnavailable(tr(
            "this server database cannot be brought to this version: {names} cannot be applied on PostgreSQL"
            " (nothing was changed)", names=", ".join(early + unknown)))
