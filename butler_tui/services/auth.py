"""Sign-in with staff no. + PIN, roles and the permission table.

PINs are hashed with scrypt (n=2**14, r=8, p=1, 16-byte salt); five wrong PINs in a row lock that
staff member for five minutes. Who may do what is the ``permissions`` table (role, action), seeded
from :data:`butler_tui.defaults.DEFAULT_PERMISSIONS` and editable by the hotel. A refusal raises
:class:`~butler_tui.errors.PermissionDenied` with a clear sentence, and the store records it as a
``refused`` event after rolling the change back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from butler_tui import clock
from butler_tui.defaults import ACTIONS as ACTIONS
from butler_tui.defaults import DEFAULT_PERMISSIONS as DEFAULT_PERMISSIONS
from butler_tui.errors import AuthFailed, InvalidInput, NotFound, PermissionDenied
from butler_tui.i18n import t as tr
from butler_tui.store import Store, Tx
from butler_tui.vocab import ROLES

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MAX_TRIES = 5
LOCK_MINUTES = 5
PIN_RULE = re.compile(r"\d{4,8}")

def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=base64.b64encode(salt).decode(), digest=base64.b64encode(digest).decode())


def check_pin(pin: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def _valid_pin(pin: str) -> str:
    if not PIN_RULE.fullmatch(pin or ""):
        raise InvalidInput(tr("a PIN is 4–8 digits"))
    return pin


@dataclass(frozen=True)
class Person:
    staff_no: str
    name: str
    role: str
    team_code: str | None


def allowed_roles(conn: sqlite3.Connection, action: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT role FROM permissions WHERE action = ? ORDER BY role", (action,))]


@dataclass(frozen=True)
class Actor:
    """A person acting at a station or on the command line, with what their role may do (the
    ``permissions`` table, read once). The one permission check: :meth:`may`; :func:`require` asks it
    inside a write, the stations ask it to show which keys apply."""

    staff_no: str
    name: str
    role: str
    team_code: str | None
    permissions: frozenset[str]

    def may(self, action: str, *, or_team: str | None = None) -> bool:
        """The role may ``action`` — or, given ``or_team``, the person belongs to that team (Security
        ends a safety emergency whatever the role; anyone else needs the role)."""
        return action in self.permissions or (or_team is not None and self.team_code == or_team)


def _actor(conn: sqlite3.Connection, staff_no: str) -> Actor | None:
    row = conn.execute("SELECT staff_no, name, role, team_code FROM staff WHERE staff_no = ? AND active",
                       (staff_no,)).fetchone()
    if row is None:
        return None
    granted = frozenset(str(r[0]) for r in conn.execute("SELECT action FROM permissions WHERE role = ?", (row[2],)))
    return Actor(staff_no=row[0], name=row[1], role=row[2], team_code=row[3], permissions=granted)


def actor(store: Store, staff_no: str | None) -> Actor | None:
    """``staff_no`` with their permissions; ``None`` when nobody is signed in or the number is not an
    active member of staff."""
    return _actor(store.db.conn, staff_no) if staff_no else None


def actor_in(tx: Tx, staff_no: str) -> Actor | None:
    """:func:`actor`, read inside a write."""
    return _actor(tx.db.conn, staff_no)


def may(store: Store, staff_no: str | None, action: str) -> bool:
    found = actor(store, staff_no)
    return found is not None and found.may(action)


def require(tx: Tx, staff_no: str | None, action: str, *, or_team: str | None = None) -> tuple[str, str]:
    """Inside a write: refuse unless ``staff_no``'s role may do ``action`` (or, given ``or_team``, they
    belong to that team: :meth:`Actor.may`); returns (name, role)."""
    if not staff_no:
        raise InvalidInput(tr("sign in first"))
    who = _actor(tx.db.conn, staff_no)
    if who is None:
        raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
    refused = denial(tx.db.conn, who, action, or_team=or_team)
    if refused:
        raise PermissionDenied(refused, action=action, staff_no=staff_no)
    return who.name, who.role


def denial(conn: sqlite3.Connection, who: Actor, action: str, *, or_team: str | None = None) -> str | None:
    """Why ``who`` may not ``action`` (the sentence :func:`require` refuses with), or ``None`` when they may."""
    if who.may(action, or_team=or_team):
        return None
    roles = ", ".join(tr(r) for r in allowed_roles(conn, action)) or tr("nobody")
    what = tr(ACTIONS.get(action, action))
    if or_team:
        return tr("{name} ({role}, {team}) may not {action}: that is for {or_team} or {roles}",
                  name=who.name, role=tr(who.role), team=who.team_code or "-", action=what,
                  or_team=or_team, roles=roles)
    return tr("{name} ({role}) may not {action}: that is for {roles}", name=who.name,
              role=tr(who.role), action=what, roles=roles)


def sign_in(store: Store, staff_no: str, pin: str, *, station: str | None) -> Person:
    """Check a staff no. + PIN. Wrong PINs count; the fifth in a row locks for five minutes."""
    staff_no = (staff_no or "").strip().upper()
    if not staff_no:
        raise AuthFailed(tr("enter your staff no."))
    result: Person | None = None
    failure: str | None = None
    # The PIN hash (~80 ms of scrypt) is checked before the write lock is taken, so sign-ins do not
    # queue behind each other's hashing nor hold up other stations' writes; under the lock the row is
    # read again, and the answer is used only if the stored hash is still the one that was checked.
    stored = store.scalar("SELECT pin_hash FROM staff WHERE staff_no = ?", (staff_no,))
    checked: dict[str | None, bool] = {stored: check_pin(pin or "", stored)} if stored else {}
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT name, role, team_code, pin_hash, failed_pins, locked_until, active FROM staff"
                         " WHERE staff_no = ?", (staff_no,)).fetchone()
        now = clock.now()
        if row is not None and row[3] and row[3] not in checked:  # the PIN was reset meanwhile (rare)
            checked[row[3]] = check_pin(pin or "", row[3])
        if row is None or not row[6]:
            tx.event("sessions", staff_no, "sign_in_failed", after={"reason": "unknown staff no."})
            failure = tr("unknown staff no. or wrong PIN")
        elif row[5] and clock.parse(row[5]) > now:
            tx.event("sessions", staff_no, "sign_in_refused", after={"reason": "locked", "until": row[5]})
            failure = tr("{name} is locked after {tries} wrong PINs until {until}", name=row[0], tries=MAX_TRIES,
                         until=clock.show_local(row[5]))
        elif not row[3]:
            tx.event("sessions", staff_no, "sign_in_failed", after={"reason": "no PIN set"})
            failure = tr("{name} has no PIN yet: an admin sets it with `butler staff reset-pin`", name=row[0])
        elif not checked[row[3]]:
            tries = row[4] + 1
            locked = clock.iso(now + timedelta(minutes=LOCK_MINUTES)) if tries >= MAX_TRIES else None
            tx.execute("UPDATE staff SET failed_pins = ?, locked_until = ? WHERE staff_no = ?",
                       (0 if locked else tries, locked, staff_no))
            tx.event("sessions", staff_no, "sign_in_failed", after={"reason": "wrong PIN", "tries": tries,
                                                                    "locked_until": locked})
            failure = (tr("wrong PIN: {name} is now locked for {minutes} minutes", name=row[0], minutes=LOCK_MINUTES)
                       if locked else tr("wrong PIN ({left} tries left before a {minutes}-minute lock)",
                                         left=MAX_TRIES - tries, minutes=LOCK_MINUTES))
        else:
            tx.execute("UPDATE staff SET failed_pins = 0, locked_until = NULL WHERE staff_no = ?", (staff_no,))
            tx.event("sessions", staff_no, "sign_in")
            result = Person(staff_no, row[0], row[1], row[2])
    if failure:
        raise AuthFailed(failure)
    assert result is not None
    return result


def sign_out(store: Store, staff_no: str, *, station: str | None, reason: str = "sign out") -> None:
    with store.write(actor=staff_no, station=station) as tx:
        tx.event("sessions", staff_no, "sign_out", after={"reason": reason})


def add_staff(store: Store, *, by: str, staff_no: str, name: str, role: str, team: str | None, pin: str | None,
              station: str | None = None, name_en: str = "", title: str = "") -> None:
    if role not in ROLES:
        raise InvalidInput(tr("role {role!r} is not one of: {choices}", role=role, choices=", ".join(ROLES)))
    from butler_tui.models import Staff, validate  # pydantic only when staff are added

    model = validate(Staff, {"staff_no": staff_no, "name": name, "name_en": name_en, "team_code": team, "role": role,
                             "title": title}, "staff")
    pin_hash = hash_pin(_valid_pin(pin)) if pin else None
    with store.write(actor=by, station=station) as tx:
        require(tx, by, "manage_staff")
        if tx.execute("SELECT 1 FROM staff WHERE staff_no = ?", (model.staff_no,)).fetchone():
            raise InvalidInput(tr("staff no. {staff_no} already exists", staff_no=model.staff_no))
        if model.team_code and not tx.execute("SELECT 1 FROM teams WHERE code = ?", (model.team_code,)).fetchone():
            raise NotFound(tr("unknown team {team!r}", team=model.team_code))
        tx.insert("staff", {**model.model_dump(), "pin_hash": pin_hash})
        tx.event("staff", model.staff_no, "add", after={"name": model.name, "role": model.role,
                                                        "team": model.team_code, "pin_set": bool(pin)})


def reset_pin(store: Store, *, by: str, staff_no: str, pin: str, station: str | None = None) -> None:
    pin_hash = hash_pin(_valid_pin(pin))
    with store.write(actor=by, station=station) as tx:
        require(tx, by, "manage_staff")
        if not tx.execute("SELECT 1 FROM staff WHERE staff_no = ?", (staff_no.upper(),)).fetchone():
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        tx.execute("UPDATE staff SET pin_hash = ?, failed_pins = 0, locked_until = NULL WHERE staff_no = ?",
                   (pin_hash, staff_no.upper()))
        tx.event("staff", staff_no.upper(), "reset_pin", after={"by": by})


def authenticate_admin(store: Store, staff_no: str, pin: str, station: str | None = None) -> Person:
    """For CLI admin commands: the admin proves who they are with their own PIN."""
    return sign_in(store, staff_no, pin, station=station)


__all__ = ["ROLES", "Actor", "actor", "add_staff", "check_pin", "hash_pin", "may", "require", "reset_pin", "sign_in"]


def permission_table(store: Store) -> dict[str, list[str]]:
    """The ``permissions`` table read as who may do what: each action (in order) → the roles that may (in
    order). Actions nobody may do are not in it; :data:`ACTIONS` describes each action."""
    table: dict[str, list[str]] = {}
    for r in store.rows("SELECT action, role FROM permissions ORDER BY action, role"):
        table.setdefault(r["action"], []).append(r["role"])
    return table
