"""The keys a guest is found by: pinyin (every reading of a heteronym surname) and initials, reversed
mobile digits, member number and car plate both ways (see services/guests.py for how they are searched).

Pure text functions, below the store: the migration that creates the ``guest_search`` index fills it
with them, and the services index each new or changed guest the same way.
"""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def latin(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def pinyin_keys(name: str) -> set[tuple[str, str]]:
    """Full pinyin (and from each syllable on), initials, for every reading of the surname."""
    from pypinyin import Style, lazy_pinyin, pinyin  # ~20 MB of dictionaries: loaded only to index a name

    keys: set[tuple[str, str]] = set()
    if not CJK.search(name):
        words = [w for w in re.split(r"[\s\-'.]+", name.lower()) if w]
        full = latin(name)
        if full:
            keys.add((full, "py"))
        for i in range(1, len(words)):
            keys.add((latin("".join(words[i:])), "py"))
        if len(words) > 1:
            keys.add(("".join(w[0] for w in words if w), "pyi"))
        return keys
    chars = [c for c in name if not c.isspace()]
    first = pinyin(chars[0], style=Style.NORMAL, heteronym=True)[0] if chars else []
    rest = lazy_pinyin(chars[1:], style=Style.NORMAL)
    for surname in first or [chars[0]]:
        syllables = [surname, *rest]
        variants = {tuple(syllables), tuple(s.replace("v", "u") for s in syllables)}  # 吕: lv or lu
        for sy in variants:
            for i in range(len(sy)):
                key = latin("".join(sy[i:]))
                if key:
                    keys.add((key, "py"))
            keys.add(("".join(s[0] for s in sy if s), "pyi"))
    return keys


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def plate_key(value: str | None) -> str:
    return re.sub(r"[\s·.\-]", "", value or "").upper()


def search_keys(name: str, mobile: str | None, member_no: str | None, car_plate: str | None) -> set[tuple[str, str]]:
    keys = pinyin_keys(name)
    if digits(mobile):
        keys.add((digits(mobile)[::-1], "mob"))
    if member_no:
        keys.add((member_no.upper(), "mem"))
        keys.add((member_no.upper()[::-1], "memr"))
    if plate_key(car_plate):
        keys.add((plate_key(car_plate), "car"))
        keys.add((plate_key(car_plate)[::-1], "carr"))
    return keys
