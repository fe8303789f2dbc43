"""Sessions of the command line, and service accounts (issue 18).

``butler login`` proves a person with their staff no. and PIN (:func:`butler_tui.services.auth.sign_in`:
wrong PINs count and lock as at a station) and opens a session at a station, which ends at the end of
the shift they are rostered on (else after ``session_hours``, a setting, default 8) or after the hours
asked for. A service account (the PMS import, cron's sweep) holds a token that may do only what it was
given, until an admin revokes it.

A token is ``secrets.token_urlsafe(32)`` (256 random bits): only its SHA-256 is kept in the ``sessions``
table, so whoever reads the file cannot act with it. Opening and ending a session, adding and revoking a
service account are each an event in the same transaction. What a command may do is decided here
(:func:`acting`, :func:`may_service`), never by the command line.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from butler_tui import clock
from butler_tui.errors import AuthFailed, InvalidInput, NotFound, PermissionDenied
from butler_tui.i18n import t as tr
from butler_tui.services.auth import require, sign_in
from butler_tui.store import Store

#: What a service account may be given, each the command it opens.
SERVICE_RIGHTS = {"import": "butler import …", "sweep": "butler sweep", "send": "butler send"}
DEFAULT_SESSION_HOURS = 8
MAX_HOURS = 24
SERVICE_NAME = re.compile(r"[a-z][a-z0-9_-]{1,31}")


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as it is stored: tokens are random enough that no salt or stretching is needed."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Session:
    """Who a token signs in: a person at a station until ``expires``, or a service account and its rights."""

    id: int
    staff_no: str | None
    name: str
    role: str
    station: str | None
    expires: str | None
    service: str | None = None
    rights: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"staff": self.staff_no, "name": self.name, "role": self.role,
                                 "station": self.station, "expires": self.expires}
        if self.service:
            found["service"] = self.service
            found["may"] = sorted(self.rights)
        return found


def _hours(store: Store) -> float:
    from butler_tui.services.settings import setting_number

    return setting_number(store, "session_hours", DEFAULT_SESSION_HOURS)


def session_end(store: Store, staff_no: str, hours: float | None = None, now: datetime | None = None) -> datetime:
    """When a session opened now ends: after ``hours`` when asked, else at the end of the shift ``staff_no``
    is rostered on, else after ``session_hours``."""
    from butler_tui.services.roster import shift_end

    now = now or clock.now()
    if hours is not None:
        if not 0 < hours <= MAX_HOURS:
            raise InvalidInput(tr("--hours must be more than 0 and at most {most}", most=MAX_HOURS))
        return now + timedelta(hours=hours)
    end = shift_end(store, staff_no, now)
    return end if end is not None and end > now else now + timedelta(hours=_hours(store))


def login(store: Store, staff_no: str, pin: str, *, station: str, hours: float | None = None) -> tuple[str, Session]:
    """Prove ``staff_no`` with ``pin`` and open a session at ``station``; returns the token (shown or kept
    once, never stored) and the session."""
    code = (station or "").strip().lower()
    if not store.db.conn.execute("SELECT 1 FROM stations WHERE code = ? AND active", (code,)).fetchone():
        raise NotFound(tr("unknown station {station!r}", station=station))
    if hours is not None and not 0 < hours <= MAX_HOURS:
        raise InvalidInput(tr("--hours must be more than 0 and at most {most}", most=MAX_HOURS))
    person = sign_in(store, staff_no, pin, station=code)
    return open_for(store, person.staff_no, code, hours)


def open_for(store: Store, staff_no: str, station: str | None, hours: float | None = None) -> tuple[str, Session]:
    """Open a session for a person already proven (:func:`login` after their PIN; the suite's fixtures):
    returns the token and the session."""
    token = _new_token()
    now = clock.now()
    expires = clock.iso(session_end(store, staff_no, hours, now))
    with store.write(actor=staff_no, station=station) as tx:
        row = tx.execute("SELECT name, role FROM staff WHERE staff_no = ? AND active", (staff_no,)).fetchone()
        if row is None:
            raise NotFound(tr("unknown staff no. {staff_no!r}", staff_no=staff_no))
        session_id = tx.insert("sessions", {"token_hash": token_hash(token), "staff_no": staff_no,
                                            "station_code": station, "created_at": clock.iso(now),
                                            "expires_at": expires})
        tx.event("sessions", staff_no, "login", after={"session": session_id, "station": station, "expires": expires})
    return token, Session(session_id, staff_no, str(row[0]), str(row[1]), station, expires)


def resolve(store: Store, token: str) -> Session:
    """The open session of ``token``; refused when it is unknown, ended, expired, or its person or service
    account is no longer active."""
    row = store.db.conn.execute(
        "SELECT s.id, s.staff_no, s.service, s.station_code, s.expires_at, s.ended_at, p.name, p.role, p.active,"
        " a.may, a.revoked_at FROM sessions s LEFT JOIN staff p ON p.staff_no = s.staff_no"
        " LEFT JOIN service_accounts a ON a.name = s.service WHERE s.token_hash = ?", (token_hash(token),)).fetchone()
    if row is None:
        raise AuthFailed(tr("this session token is not known here: sign in with `butler login`"))
    session_id, staff_no, service, station, expires, ended, name, role, active, rights, revoked = row
    if service is not None:
        if revoked is not None or ended is not None:
            raise AuthFailed(tr("service account {name} was revoked", name=service))
        return Session(session_id, None, service, "service", None, None, service,
                       frozenset(r for r in str(rights).split(",") if r))
    if ended is not None:
        raise AuthFailed(tr("this session was ended (logged out): sign in again with `butler login`"))
    if expires is not None and clock.parse(expires) <= clock.now():
        raise AuthFailed(tr("the session of {name} ended at {when}: sign in again with `butler login`",
                            name=name or staff_no, when=clock.show_local(expires)))
    if not active:
        raise AuthFailed(tr("{staff_no} is no longer active: the session is refused", staff_no=staff_no))
    return Session(session_id, staff_no, name, role, station, expires)


def logout(store: Store, token: str) -> Session:
    """End the session of ``token`` (a service account's token is revoked with ``staff revoke-service``)."""
    session = resolve(store, token)
    if session.service is not None:
        raise InvalidInput(tr("a service account's token is not logged out: an admin revokes it"
                              " (butler staff revoke-service {name})", name=session.service))
    with store.write(actor=session.staff_no, station=session.station) as tx:
        tx.execute("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (clock.now_iso(), session.id))
        tx.event("sessions", session.staff_no, "logout", after={"session": session.id, "station": session.station})
    return session


@dataclass(frozen=True)
class Acting:
    """Who a command acts as, and at which station (``staff_no`` is ``None`` for a service account)."""

    staff_no: str | None
    station: str | None
    service: str | None = None


def acting(session: Session, *, staff: str | None, station: str | None, right: str) -> Acting:
    """What a command given ``--staff``/``--station`` acts as under ``session``: the session's person and
    station, or a refusal when the options name someone or somewhere else; a service account only for
    what it was given (``right``), at the station the command names."""
    if session.service is not None:
        if right not in session.rights:
            raise PermissionDenied(tr("service account {name} may not {right}: it may only {rights}",
                                      name=session.service, right=right,
                                      rights=", ".join(sorted(session.rights)) or tr("nothing")),
                                   action=right)
        if staff:
            raise PermissionDenied(tr("service account {name} acts as itself, not as staff no. {staff_no}",
                                      name=session.service, staff_no=staff), action=right)
        return Acting(None, station.strip().lower() if station else None, session.service)
    if staff and staff.strip().upper() != session.staff_no:
        raise PermissionDenied(tr("signed in as {staff_no} ({name}): --staff {other} is not you; `butler login`"
                                  " as {other} first", staff_no=session.staff_no, name=session.name,
                                  other=staff.strip()), action=right, staff_no=session.staff_no)
    if station and session.station and station.strip().lower() != session.station:
        raise PermissionDenied(tr("signed in at {station}: --station {other} is not where this session is;"
                                  " `butler login` there first", station=session.station, other=station.strip()),
                               action=right, staff_no=session.staff_no)
    return Acting(session.staff_no, session.station or (station.strip().lower() if station else None))


def _service_rights(may: str) -> list[str]:
    rights = sorted({r.strip().lower() for r in may.split(",") if r.strip()})
    unknown = [r for r in rights if r not in SERVICE_RIGHTS]
    if not rights or unknown:
        raise InvalidInput(tr("--may is a list of: {choices} (got {value!r})", choices=", ".join(SERVICE_RIGHTS),
                              value=may))
    return rights


def add_service(store: Store, name: str, may: str, *, by: str) -> str:
    """A new service account ``name`` that may do ``may`` (``import,sweep,send``); returns its token, which
    is shown once: only its hash is kept (admins: ``manage_staff``)."""
    code = (name or "").strip().lower()
    if not SERVICE_NAME.fullmatch(code):
        raise InvalidInput(tr("a service account's name is 2–32 of a-z, 0-9, - and _, starting with a letter"))
    rights = _service_rights(may)
    token = _new_token()
    with store.write(actor=by) as tx:
        require(tx, by, "manage_staff")
        if tx.execute("SELECT 1 FROM service_accounts WHERE name = ?", (code,)).fetchone():
            raise InvalidInput(tr("service account {name} already exists", name=code))
        now = clock.now_iso()
        tx.insert("service_accounts", {"name": code, "may": ",".join(rights), "created_at": now, "created_by": by})
        tx.insert("sessions", {"token_hash": token_hash(token), "service": code, "created_at": now})
        tx.event("service_accounts", code, "add", after={"may": rights})
    return token


def revoke_service(store: Store, name: str, *, by: str) -> None:
    """Revoke a service account: its token is refused from now on (admins: ``manage_staff``)."""
    code = (name or "").strip().lower()
    with store.write(actor=by) as tx:
        require(tx, by, "manage_staff")
        row = tx.execute("SELECT revoked_at FROM service_accounts WHERE name = ?", (code,)).fetchone()
        if row is None:
            raise NotFound(tr("unknown service account {name!r}", name=name))
        if row[0] is not None:
            raise InvalidInput(tr("service account {name} was already revoked", name=code))
        now = clock.now_iso()
        tx.execute("UPDATE service_accounts SET revoked_at = ? WHERE name = ?", (now, code))
        tx.execute("UPDATE sessions SET ended_at = ? WHERE service = ? AND ended_at IS NULL", (now, code))
        tx.event("service_accounts", code, "revoke")


__all__ = ["SERVICE_RIGHTS", "Acting", "Session", "acting", "add_service", "login", "logout", "open_for",
           "resolve", "revoke_service", "session_end", "token_hash"]
