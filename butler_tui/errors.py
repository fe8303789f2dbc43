"""Errors a user may see. Each carries one clear sentence; the CLI prints it and exits non-zero."""

from __future__ import annotations


class ButlerError(Exception):
    """Base for every error that is the user's to read (bad input, refused action, bad file)."""

    exit_code = 1


class NotFound(ButlerError):
    """A station, staff member, room, guest, task or message that does not exist."""


class InvalidInput(ButlerError):
    """Input that fails validation; the message says which field and why."""

    exit_code = 2


class SchemaTooNew(ButlerError):
    """The database was written by a newer butler-tui than this one."""

    exit_code = 3


class StoreUnavailable(ButlerError):
    """The database cannot be opened or written (missing directory, read-only, disk full, locked)."""

    exit_code = 4


class PermissionDenied(ButlerError):
    """The signed-in person's role may not do this. The refusal itself is recorded as an event."""

    exit_code = 5

    def __init__(self, message: str, *, action: str = "", staff_no: str | None = None):
        super().__init__(message)
        self.action = action
        self.staff_no = staff_no


class AuthFailed(ButlerError):
    """Wrong staff no. or PIN, or a locked account."""

    exit_code = 5


class DatabaseFileChanged(StoreUnavailable):
    """The database file was deleted, replaced or moved while it was open: nothing more is written to it.
    ``reason`` is ``deleted``, ``moved``, ``replaced`` or ``gone`` (deleted or moved: no way to tell)."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason
