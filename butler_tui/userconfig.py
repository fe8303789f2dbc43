"""The user's own settings, in a TOML file at the platform's config directory
(``~/.config/butler-tui/config.toml`` on Linux, ``$XDG_CONFIG_HOME`` honoured):

    database = "/srv/butler/butler.db"
    station = "lobby"
    language = "zh"
    theme = "nord"
    keymap = "/home/me/keys.toml"

Which one wins: a command-line option (``--db``, ``--lang``, ``--station``, ``--keymap``), then the
environment (``$BUTLER_DB``, ``$BUTLER_LANG``, ``$BUTLER_KEYMAP``), then this file, then the defaults.
``butler config show|path|set`` reads and writes it; the station saves the theme chosen in its command
palette here. The file is written whole (a temporary file renamed over it) with mode 0600.

Only the standard library is used to read it (``tomllib``) and a few lines to write it: every value is a
string, and a JSON string is a TOML basic string. No pydantic: every ``butler`` command reads this file
before it does anything, and a command's start-up time is kept small.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from butler_tui.errors import InvalidInput
from butler_tui.i18n import LANGUAGES, N_
from butler_tui.i18n import t as tr

APP_NAME = "butler-tui"
FILE_NAME = "config.toml"


def config_path() -> Path:
    """The config file of this user on this platform (whether or not it exists)."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / FILE_NAME


@dataclass(frozen=True)
class UserConfig:
    """What the file says; ``None``: not set there."""

    database: str | None = None
    station: str | None = None
    language: str | None = None
    theme: str | None = None
    keymap: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(tr("it must not be empty"))
    if "\x00" in value:
        raise ValueError(tr("it must not hold a NUL character"))
    return value.strip()


def _language(value: str) -> str:
    chosen = value.strip().lower()
    if chosen not in LANGUAGES:
        raise ValueError(tr("language {lang!r} is not one of: {choices}", lang=value, choices=", ".join(LANGUAGES)))
    return chosen


def _theme(value: str) -> str:
    name = _text(value)
    if not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(tr("a theme's name is letters, digits, - and _ (see the station's theme picker)"))
    return name


def _station(value: str) -> str:
    code = _text(value)
    if any(c.isspace() for c in code):
        raise ValueError(tr("a station code has no spaces (e.g. lobby, floors-high)"))
    return code


KEYS: dict[str, tuple[Callable[[str], str], str]] = {
    "database": (_text, N_("database file the commands and stations open")),
    "station": (_station, N_("station `butler run` opens without --station")),
    "language": (_language, N_("en or zh")),
    "theme": (_theme, N_("the station's colour theme")),
    "keymap": (_text, N_("TOML file remapping keys (see `butler keys`)")),
}
assert set(KEYS) == {f.name for f in fields(UserConfig)}


def check_value(key: str, value: str) -> str:
    """``value`` as it is kept for ``key``; :class:`InvalidInput` naming what is wrong."""
    if key not in KEYS:
        raise InvalidInput(tr("unknown setting {key!r}; settings: {known}", key=key, known=", ".join(KEYS)))
    try:
        return KEYS[key][0](value)
    except ValueError as exc:
        raise InvalidInput(tr("bad value for {key}: {reason}", key=key, reason=exc)) from None


def read(path: Path | None = None) -> UserConfig:
    """The settings in ``path`` (default: :func:`config_path`); all unset when there is no file.
    A file that is not TOML, or holds a setting we do not know or a bad value: :class:`InvalidInput`
    naming the file and, for bad TOML, the line."""
    path = path or config_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UserConfig()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InvalidInput(tr("cannot read the config file {path}: {reason}", path=path, reason=reason)) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(tr("the config file {path} is not valid TOML: {reason}", path=path, reason=exc)) from None
    found: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise InvalidInput(tr("the config file {path}: unknown setting {key!r}; settings: {known}",
                                  path=path, key=key, known=", ".join(KEYS)))
        if not isinstance(value, str):
            raise InvalidInput(tr('the config file {path}: {key} must be a string in quotes (key = "value")',
                                  path=path, key=key))
        try:
            found[key] = KEYS[key][0](value)
        except ValueError as exc:
            raise InvalidInput(tr("the config file {path}: bad value for {key}: {reason}",
                                  path=path, key=key, reason=exc)) from None
    return UserConfig(**found)


def read_quietly(path: Path | None = None) -> UserConfig:
    """:func:`read`, or no settings when the file cannot be read (for choosing a language before the
    command that reports the broken file has started)."""
    try:
        return read(path)
    except InvalidInput:
        return UserConfig()


def dumps(config: UserConfig) -> str:
    """The settings that are set, as TOML (a JSON string is a valid TOML basic string)."""
    lines = ["# butler-tui settings (`butler config set KEY VALUE`); command-line options and"
             " $BUTLER_* win over these", ""]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}"
              for key, value in config.as_dict().items() if value is not None]
    return "\n".join(lines) + "\n"


def write(config: UserConfig, path: Path | None = None) -> Path:
    """Write ``config`` whole: a temporary file (0600) in the same directory, renamed over the old one."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(dumps(config))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def set_value(key: str, value: str, path: Path | None = None) -> Path:
    """Check ``value`` for ``key`` and keep it in the file (the other settings unchanged)."""
    kept = check_value(key, value)
    return write(replace(read(path), **{key: kept}), path)


__all__ = ["KEYS", "UserConfig", "check_value", "config_path", "read", "read_quietly", "set_value", "write"]
