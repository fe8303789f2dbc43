"""English and 简体中文 for the station's labels, sentences and reports.

The language is chosen once, before the UI is imported: ``butler --lang zh|en``, else
``$BUTLER_LANG``, else the locale (``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` starting with ``zh``), else
English. Labels and sentences are written in English in the code and looked up in a gettext
catalogue (``locale/zh_CN/LC_MESSAGES/butler.po``, compiled to ``butler.mo``); a sentence is a template
whose ``{placeholders}`` are filled after the lookup (``t("no stay {id}", id=7)``). English keeps the
hotel's own Chinese terms where the team uses them (交班本, 首问责任制). To add or change a
translation: ``python -m butler_tui.i18n_tools`` (see :mod:`butler_tui.i18n_tools`).

The catalogue is read with the standard library's :mod:`gettext` from the ``.mo`` committed next to its
``.po`` — not compiled by Babel when the station starts: start-up time matters at a station, Babel
is a large import, and a compile cache would need a writable place and its own staleness rule.
``tests/test_catalogue.py`` compiles the ``.po`` afresh and fails when the committed ``.mo`` differs, so
it cannot go stale. The ``.mo`` is read the first time a language other than English is asked for (an
English station never opens it) and then kept for the process: it is data that never changes, while
the *language* is read from :func:`butler_tui.context.current` on every call, so two stations in one
process each speak their own.

What the services *store* for other stations to read — the texts of escalation and arrival messages —
is kept as a template and its parameters (:func:`said`), and rendered by each reader in its own
language with :func:`render`: a station in Chinese and one in English read the same message each in
their language.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import Any

from butler_tui.context import current

LANGUAGES = ("en", "zh")
LOCALES = {"zh": "zh_CN"}  # language -> its catalogue under locale/ (English is the code's own)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "butler"


def detect(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get("BUTLER_LANG")):
        if value:
            return value.lower()[:2]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Choose the language of the current context (see :mod:`butler_tui.context`)."""
    chosen = (lang or "en").lower()[:2]
    if chosen not in LANGUAGES:
        from butler_tui.errors import InvalidInput

        raise InvalidInput(t("language {lang!r} is not one of: {choices}", lang=lang, choices=", ".join(LANGUAGES)))
    current().language = chosen
    return chosen


def language() -> str:
    return current().language


def N_(text: str, /) -> str:
    """``text`` unchanged: marks a label for the catalogue (the extraction finds it here) that is given
    to :func:`t` later, where it is shown — a key's label kept in a table, a status's name."""
    return text


_CATALOGUES: dict[str, NullTranslations] = {}


def catalogue(lang: str) -> NullTranslations:
    """The translations of ``lang``, read once per process (immutable data, shared by every context)."""
    found = _CATALOGUES.get(lang)
    if found is None:
        if lang in LOCALES:
            with (LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as mo:
                found = _Catalogue(mo)
        else:
            found = NullTranslations()
        found = _CATALOGUES.setdefault(lang, found)
    return found


def t(text: str, /, **params: Any) -> str:
    """The label or sentence in the chosen language (English when there is no translation), with
    ``params`` filled into its ``{placeholders}``. Parameters are inserted as they are: text from a
    user or the database is never read as a template."""
    lang = current().language
    if lang != "en" and text:  # "" is the catalogue's header in gettext, not a message
        text = (_CATALOGUES.get(lang) or catalogue(lang)).gettext(text)
    return text.format(**params) if params else text


_BILINGUAL = re.compile(r"[^\u3400-\u9fff]*[A-Za-z][^\u3400-\u9fff]* ([\u3400-\u9fff][^A-Za-z]*)")


def _chinese_part(text: str) -> str:
    """Labels the hotel writes in both languages — ``"in progress 处理中"`` — show their Chinese part."""
    found = _BILINGUAL.fullmatch(text)
    return found.group(1) if found else text


class _Catalogue(GNUTranslations):
    """A compiled catalogue (``.mo``). A text it does not have shows as written, or — a label the hotel
    writes in both languages — as its Chinese part. (Only ``gettext``: no plurals, no fallback chain.)"""

    def gettext(self, message: str) -> str:
        return self._catalog.get(message) or _chinese_part(message)  # type: ignore[attr-defined]


_CHINESE_FIRST = re.compile(r"([\u3400-\u9fff][^A-Za-z]*?) +([A-Za-z].*)")


def own_part(text: str) -> str:
    """Of a text a hotel keeps in both languages in one field — a job title ``"大堂管家领班 Lobby butler
    lead"`` or ``"Lobby butler lead 大堂管家领班"`` — the part in the chosen language; any other text whole."""
    found = _CHINESE_FIRST.fullmatch(text)
    if found:
        return found.group(1) if current().language == "zh" else found.group(2)
    found = _BILINGUAL.fullmatch(text)
    if found:
        return found.group(1) if current().language == "zh" else text[: found.start(1)].rstrip()
    return text


def pick(en: str, zh: str | None) -> str:
    """Of a name kept in both languages (a station, a team, a checklist item), the one to show."""
    return zh if current().language == "zh" and zh else en


WEEKDAYS_ZH = "一二三四五六日"
Said = dict[str, Any]
"""A sentence stored to be read later: ``{"t": English template, "p": parameters}`` (see :func:`said`)."""


def day_label(day: date) -> str:
    """A day as the station shows it: ``Tue 24 Nov 2026`` / ``2026年11月24日 周二``."""
    if current().language == "zh":
        return f"{day.year}年{day.month}月{day.day}日 周{WEEKDAYS_ZH[day.weekday()]}"
    return f"{day:%a %d %b %Y}"


def moment_label(moment: datetime) -> str:
    """The station bar's clock: ``Tue 24 Nov 10:30`` / ``11月24日 周二 10:30``."""
    if current().language == "zh":
        return f"{moment.month}月{moment.day}日 周{WEEKDAYS_ZH[moment.weekday()]} {moment:%H:%M}"
    return f"{moment:%a %d %b %H:%M}"


def said(text: str, /, **params: Any) -> Said:
    """A sentence to store and render later, in the reader's language (see :func:`render`).
    A parameter may itself be a ``said(...)`` (a reason inside an escalation notice)."""
    return {"t": text, "p": params}


def _fill(stored: Said, lookup: Any) -> str:
    """The stored sentence with its parameters — stored sentences among them too — filled in, each
    template first passed through ``lookup``."""
    params = {k: _fill(v, lookup) if isinstance(v, dict) and "t" in v else v for k, v in stored.get("p", {}).items()}
    text = str(lookup(stored["t"]))
    return text.format(**params) if params else text


def english(stored: Said) -> str:
    """A stored sentence in English, whatever language this process speaks."""
    return _fill(stored, str)


def render(stored: Said | str | None) -> str:
    """A sentence stored with :func:`said` (or its JSON) in the chosen language."""
    if stored is None:
        return ""
    return _fill(json.loads(stored) if isinstance(stored, str) else stored, t)
