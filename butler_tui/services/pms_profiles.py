"""Column mapping profiles of PMS exports (TOML): which header names a field goes by, the date formats,
which fields the PMS owns (a re-import overwrites them even when changed at the hotel), and whether a
column the profile does not know is refused (``strict``). Shipped in ``butler_tui/profiles/``;
``--profile`` takes a shipped name or a TOML file of one's own."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from butler_tui.errors import InvalidInput
from butler_tui.i18n import t as tr

FIELDS = ["reservation_no", "guest_name", "salutation", "member_no", "mobile", "vip_level", "arrival_date", "eta",
          "departure_date", "room_type", "room_number", "party_size", "car_plate", "booked_by", "remarks"]
REQUIRED = ["reservation_no", "guest_name", "arrival_date", "departure_date"]
DEFAULT = "butler"


def header_key(name: str) -> str:
    """Header names compare without case, spacing or underscores: ``Guest Name`` = ``guest_name``."""
    return re.sub(r"[\s_]+", "", name.removeprefix("\ufeff")).casefold()


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    columns: dict[str, list[str]]  # field -> header names it goes by
    date_formats: list[str] = field(default_factory=lambda: ["%Y-%m-%d"])
    pms_owns: frozenset[str] = frozenset()
    strict: bool = False
    source: str = ""

    def mapping(self, header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
        """(field -> column index, required fields missing, header names unknown to the profile)."""
        by_key = {header_key(alias): name for name, aliases in self.columns.items() for alias in aliases}
        found: dict[str, int] = {}
        unknown: list[str] = []
        for i, h in enumerate(header):
            name = by_key.get(header_key(h))
            if name is None:
                unknown.append(h)
            elif name not in found:
                found[name] = i
        missing = [f for f in REQUIRED if f not in found]
        return found, missing, unknown


def _parse(doc: dict[str, Any], source: str) -> Profile:
    try:
        columns = {str(k): [str(a) for a in (v if isinstance(v, list) else [v])] for k, v in doc["columns"].items()}
        unknown = [k for k in columns if k not in FIELDS]
        if unknown:
            raise InvalidInput(tr("profile {source}: unknown field(s) {fields}; fields: {known}", source=source,
                                  fields=", ".join(unknown), known=", ".join(FIELDS)))
        owns = [str(f) for f in doc.get("pms_owns", [])]
        if any(f not in FIELDS for f in owns):
            raise InvalidInput(tr("profile {source}: pms_owns names unknown field(s)", source=source))
        return Profile(name=str(doc.get("name") or Path(source).stem), description=str(doc.get("description", "")),
                       columns=columns, date_formats=[str(f) for f in doc.get("date_formats", ["%Y-%m-%d"])],
                       pms_owns=frozenset(owns), strict=bool(doc.get("strict", False)), source=source)
    except (KeyError, AttributeError, TypeError) as exc:
        raise InvalidInput(tr("profile {source}: not a column mapping profile ({exc})", source=source,
                              exc=exc)) from None


def shipped() -> list[Profile]:
    """The profiles that come with butler-tui, by name."""
    out = []
    for entry in sorted(resources.files("butler_tui").joinpath("profiles").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(_parse(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name))
    return out


def load(name_or_file: str | None) -> Profile:
    """A shipped profile by name, or a TOML file."""
    wanted = name_or_file or DEFAULT
    for profile in shipped():
        if profile.name == wanted:
            return profile
    path = Path(wanted)
    if path.suffix == ".toml" or path.exists():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidInput(tr("cannot read profile {path}: {strerror}", path=path, strerror=exc.strerror)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(tr("profile {path}: not TOML ({exc})", path=path, exc=exc)) from None
        return _parse(doc, str(path))
    raise InvalidInput(tr("no profile {name!r}; shipped: {known} (or give a .toml file)", name=wanted,
                          known=", ".join(p.name for p in shipped())))
