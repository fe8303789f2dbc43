"""The keys a guest is found by: pinyin (every reading of a heteronym surname) and initials, the Chinese
name in simplified characters and each of its tails, reversed mobile digits, member number and car plate
both ways (see services/guests.py for how they are searched).

Every key is *folded* when it is written, and every query the same way when it is read (issue 19):
full-width forms to their plain ones (NFKC: ＷＡＮＧ is WANG), accents dropped (José is jose, Müller
muller), traditional characters to simplified (張 is 张, by OpenCC's t2s tables).

Pure text functions, below the store: the migration that creates the ``guest_search`` index fills it
with them, and the services index each new or changed guest the same way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


# Latin letters that no decomposition takes apart: how a person without them on the keyboard types them.
_SPELLED = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                          "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "ı": "i"})


@lru_cache(maxsize=1)
def _t2s() -> Any:
    # OpenCC's own dictionaries (the ``opencc`` wheel ships them, nothing is fetched) rather than a table of
    # our own: traditional→simplified is thousands of characters and variants, kept by that project.
    import opencc

    return opencc.OpenCC("t2s")


def fold(value: str) -> str:
    """``value`` as it is indexed and searched: NFKC (full-width → plain), traditional → simplified
    Chinese, accents dropped. Case is kept (``latin`` lowers it where a key wants that)."""
    value = unicodedata.normalize("NFKC", value)
    if CJK.search(value):
        value = _t2s().convert(value)
    if not value.isascii():
        value = "".join(c for c in unicodedata.normalize("NFKD", value.translate(_SPELLED))
                        if not unicodedata.combining(c))
        value = unicodedata.normalize("NFC", value)
    return value


def latin(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def pinyin_keys(name: str) -> set[tuple[str, str]]:
    """Full pinyin (and from each syllable on), initials, for every reading of the surname; for a
    Chinese name also the name itself (simplified) and each of its tails."""
    return set(_name_keys(name))


@lru_cache(maxsize=65536)
def _name_keys(name: str) -> frozenset[tuple[str, str]]:
    # Remembered: rebuilding 100,000 guests' keys (migration 0025) meets the same names again and again.
    from pypinyin import Style, lazy_pinyin, pinyin  # ~20 MB of dictionaries: loaded only to index a name

    keys: set[tuple[str, str]] = set()
    name = fold(name)
    if not CJK.search(name):
        words = [w for w in re.split(r"[\s\-'.]+", name.lower()) if w]
        full = latin(name)
        if full:
            keys.add((full, "py"))
        for i in range(1, len(words)):
            keys.add((latin("".join(words[i:])), "py"))
        if len(words) > 1:
            keys.add(("".join(w[0] for w in words if w), "pyi"))
        return frozenset(keys)
    chars = [c for c in name if not c.isspace()]
    zh = "".join(chars)
    keys.add((zh, "zh"))  # the whole name (simplified), and each tail: any part of it is a prefix of one
    keys.update((zh[i:], "zhs") for i in range(1, len(zh)))
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
    return frozenset(keys)


def digits(value: str | None) -> str:
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", value or ""))


def plate_key(value: str | None) -> str:
    return re.sub(r"[\s·.\-]", "", fold(value or "")).upper()


def search_keys(name: str, mobile: str | None, member_no: str | None, car_plate: str | None) -> set[tuple[str, str]]:
    keys = pinyin_keys(name)
    if digits(mobile):
        keys.add((digits(mobile)[::-1], "mob"))
    member = fold(member_no or "").upper()
    if member:
        keys.add((member, "mem"))
        keys.add((member[::-1], "memr"))
    if plate_key(car_plate):
        keys.add((plate_key(car_plate), "car"))
        keys.add((plate_key(car_plate)[::-1], "carr"))
    return keys
