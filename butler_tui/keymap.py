"""Remapping keys by binding id (Textual keymaps) from a TOML file.

    [keymap]
    "app.guest" = "f2"            # guest lookup on F2 instead of g
    "messages.ack" = "space,a"    # several keys: comma-separated

The file is ``--keymap FILE``, else ``$BUTLER_KEYMAP``, else the ``keymap`` of the config file
(``butler config set keymap FILE``), else ``~/.config/butler-tui/keymap.toml`` when it exists. ``butler keys`` lists every binding id with its key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr

DEFAULT_PATH = Path("~/.config/butler-tui/keymap.toml")


def all_bindings() -> dict[str, tuple[str, str]]:
    """binding id -> (key, description in the current language), over the app and every screen."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    from butler_tui.app import ButlerApp
    from butler_tui.ui import (
        alerts,
        arrivals,
        compose,
        forms,
        guests,
        handover,
        help,
        messages,
        room_board,
        roster,
        stay,
        tasks,
    )
    from butler_tui.ui.found import FoundScreen
    from butler_tui.ui.pms_import import ImportScreen

    classes: list[type[DOMNode]] = [
        ButlerApp, alerts.EmergencyScreen, arrivals.ArrivalsScreen, compose.ComposeScreen, forms.FormScreen, forms.ConfirmScreen,
        guests.GuestLookupScreen, guests.GuestProfileScreen, handover.HandoverScreen, help.HelpScreen,
        messages.MessagesScreen, messages.ThreadScreen, roster.RosterScreen, stay.StayScreen, tasks.RoomsScreen, tasks.EscalationScreen,
        tasks.TaskDetailScreen, FoundScreen, room_board.RoomBoardScreen, room_board.RoutinesScreen, ImportScreen,
    ]
    found: dict[str, tuple[str, str]] = {}
    for cls in classes:
        for binding in Binding.make_bindings(cls.BINDINGS):
            if binding.id:
                found[binding.id] = (binding.key, tr(binding.description))
    return dict(sorted(found.items()))


def find_keymap_file(explicit: str | os.PathLike[str] | None = None, configured: str | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("BUTLER_KEYMAP"):
        return Path(os.environ["BUTLER_KEYMAP"])
    if configured:
        return Path(configured).expanduser()
    default = DEFAULT_PATH.expanduser()
    return default if default.exists() else None


def load_keymap(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(tr("cannot read keymap {path}: {strerror}", path=path, strerror=exc.strerror)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(tr("keymap {path} is not valid TOML: {exc}", path=path, exc=exc)) from None
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) and v.strip() for v in keymap.values()):
        raise InvalidInput(tr('keymap {path}: put `"binding.id" = "key"` lines under [keymap]', path=path))
    known = all_bindings()
    unknown = sorted(set(keymap) - set(known))
    if unknown:
        raise InvalidInput(tr("keymap {path}: unknown binding id(s) {unknown} (see `butler keys`)",
                              path=path, unknown=", ".join(unknown)))
    return {k: v.strip() for k, v in keymap.items()}
