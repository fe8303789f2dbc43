"""English and 简体中文 for the station's labels, sentences and reports.

The language is chosen once, before the UI is imported: ``butler --lang zh|en``, else
``$BUTLER_LANG``, else the locale (``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` starting with ``zh``), else
English. Labels and sentences are written in English in the code and looked up in
:mod:`butler_tui.zh`; a sentence is a template whose ``{placeholders}`` are filled after the lookup
(``t("no stay {id}", id=7)``). English keeps the hotel's own Chinese terms where the team uses them
(交班本, 首问责任制).

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
from typing import Any

from butler_tui.context import current
from butler_tui.zh import ZH

LANGUAGES = ("en", "zh")


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


def N_(text: str) -> str:
    """Mark ``text`` as a label to translate later, where it is shown (a key label, a screen title):
    it is written in English where it is defined, and ``t()`` gives it in the reader's language."""
    return text


def t(text: str, /, **params: Any) -> str:
    """The label or sentence in the chosen language (English when there is no translation), with
    ``params`` filled into its ``{placeholders}``. Parameters are inserted as they are: text from a
    user or the database is never read as a template."""
    if current().language == "zh":
        text = ZH.get(text) or _chinese_part(text)
    return text.format(**params) if params else text


_BILINGUAL = re.compile(r"[^\u3400-\u9fff]*[A-Za-z][^\u3400-\u9fff]* ([\u3400-\u9fff][^A-Za-z]*)")


def _chinese_part(text: str) -> str:
    """Labels the hotel writes in both languages — ``"in progress 处理中"`` — show their Chinese part."""
    found = _BILINGUAL.fullmatch(text)
    return found.group(1) if found else text


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
    text = lookup(stored["t"])
    return text.format(**params) if params else text


def english(stored: Said) -> str:
    """A stored sentence in English, whatever language this process speaks."""
    return _fill(stored, str)


def render(stored: Said | str | None) -> str:
    """A sentence stored with :func:`said` (or its JSON) in the chosen language."""
    if stored is None:
        return ""
    return _fill(json.loads(stored) if isinstance(stored, str) else stored, t)
