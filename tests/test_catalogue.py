"""Every sentence a user can read goes through ``t()`` and has its 简体中文.

Read from the source, so a new sentence without a translation fails here rather than showing in
English at a Chinese station: every string literal passed to ``t()``/``said()`` must be in the
catalogue with the same ``{placeholders}``; errors, notifications and validation messages may not be
built from bare literals or f-strings.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from butler_tui import i18n
from butler_tui.zh import ZH

PACKAGE = Path(__file__).resolve().parent.parent / "butler_tui"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "zh.py")
TRANSLATORS = {"t", "tr", "said"}
ERRORS = {"ButlerError", "NotFound", "InvalidInput", "SchemaTooNew", "StoreUnavailable", "PermissionDenied",
          "AuthFailed", "ValueError"}
TELLERS = {"notify", "show_error", "show_notice", "echo_error", "fail", "echo", "prompt"}
# what the station shows: widgets, palette commands, forms, rich Text built for a screen
SHOWN = {"SystemCommand", "Static", "Label", "FormScreen", "Text", "append", "Hit", "DiscoveryHit", "update", "TabPane",
         "Button", "_run", "_do"}
SHOWN_KEYWORDS = {"title", "placeholder", "prompt", "help", "hint", "notice", "text", "tooltip"}
UI = ("ui/", "app.py")
TRANSLATES_ITSELF = {"FormScreen", "_form"}  # t() of their title, hint and field labels


NOT_WORDS = re.compile(r"VIP|^butler: ")  # the same in both languages: the VIP mark, the program's name


def _english(arg: ast.expr) -> bool:
    if isinstance(arg, ast.JoinedStr):
        parts = [v.value for v in arg.values if isinstance(v, ast.Constant)]
    elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        parts = [arg.value]
    else:
        return False
    return any(re.search("[A-Za-z]{2}", NOT_WORDS.sub("", part)) for part in parts)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _calls():
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path, node


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _bilingual(text: str) -> str | None:
    """Labels written "English 中文" show their Chinese part (i18n's rule) and need no entry."""
    part = i18n._chinese_part(text)
    return part if part != text else None


def test_every_literal_given_to_t_has_chinese_with_the_same_placeholders():
    missing, mismatched, fstrings = [], [], []
    for path, node in _calls():
        if _name(node.func) not in TRANSLATORS or not node.args:
            continue
        arg = node.args[0]
        where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
        if isinstance(arg, ast.JoinedStr):
            fstrings.append(where)
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.search("[A-Za-z]", arg.value):
            zh = ZH.get(arg.value) or (_bilingual(arg.value))
            if zh is None:
                missing.append(f"{where}: {arg.value!r}")
            elif node.keywords and _fields(zh) != _fields(arg.value):
                mismatched.append(f"{where}: {arg.value!r} → {zh!r}")
    assert not fstrings, "f-strings given to t() are never translated: " + ", ".join(fstrings)
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)
    assert not missing, f"{len(missing)} without Chinese:\n" + "\n".join(missing)


def test_errors_and_notices_are_not_built_from_bare_english():
    bare = []
    for path, node in _calls():
        name = _name(node.func)
        where = path.relative_to(PACKAGE).as_posix()
        checked = name in ERRORS or name in TELLERS or (name in SHOWN and where.startswith(UI))
        args = list(node.args[:2] if name == "SystemCommand" else node.args[:1]) if checked else []
        if where.startswith(UI):
            args += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in args:
            if name in TRANSLATES_ITSELF and not isinstance(arg, ast.JoinedStr):
                continue  # looked up in the catalogue by the form itself (checked below)
            if _english(arg):
                bare.append(f"{where}:{node.lineno}: {name}({ast.unparse(arg)[:70]})")
    assert not bare, f"{len(bare)} sentences not given to t():\n" + "\n".join(bare)


def test_form_titles_and_field_labels_have_chinese():
    missing = []
    for path, node in _calls():
        if _name(node.func) not in TRANSLATES_ITSELF:
            continue
        texts = [node.args[0]] if node.args else []
        texts += [k.value for k in node.keywords if k.arg == "hint"]
        if len(node.args) > 1 and isinstance(node.args[1], ast.List):
            texts += [e.elts[1] for e in node.args[1].elts if isinstance(e, ast.Tuple) and len(e.elts) > 1]
        for arg in texts:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _english(arg) and arg.value not in ZH \
                    and not _bilingual(arg.value):
                missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {arg.value!r}")
    assert not missing, f"{len(missing)} form texts without Chinese:\n" + "\n".join(missing)


def test_t_fills_placeholders_after_the_lookup():
    try:
        i18n.set_language("zh")
        assert i18n.t("no stay {stay_id}", stay_id=7) == "没有入住记录 7"
        assert "{x}" in i18n.t("no stay {stay_id}", stay_id="{x}")  # a parameter is inserted as it is
        assert i18n.t("in progress 处理中") == "处理中"  # a bilingual label shows its Chinese part
        stored = i18n.said("still open, reminder {n}", n=2)
        nested = i18n.said("escalated by hand: {reason}", reason=stored)
        assert i18n.render(nested) == "人工升级：仍未完成，第 2 次提醒"
        assert i18n.english(nested) == "escalated by hand: still open, reminder 2"
    finally:
        i18n.set_language("en")
    assert i18n.render(nested) == "escalated by hand: still open, reminder 2"
    assert i18n.t("in progress 处理中") == "in progress 处理中"


@pytest.mark.parametrize("key", sorted(k for k in ZH if "{" in k))
def test_catalogue_placeholders_match(key):
    assert _fields(ZH[key]) == _fields(key)


def test_values_shown_inside_sentences_have_chinese():
    """Statuses, roles, permissions, reasons and field names are looked up at run time."""
    from butler_tui.models import NOTE_KINDS, PYDANTIC_MESSAGES, ROLES
    from butler_tui.services import auth, checklists, escalation, guests, stays, tasks
    from butler_tui.ui import alerts

    values = [*tasks.STATUS_LABEL.values(), *stays.STATUS_LABEL.values(), *guests.KIND_LABEL.values(),
              *escalation.NOTIFY_LABEL.values(), *alerts.PRIORITY_LABEL.values(), *auth.ACTIONS.values(),
              *tasks.NEEDS_REASON.values(), *checklists.NOTE_REQUIRED.values(), *ROLES, *tasks.TRANSITIONS,
              *PYDANTIC_MESSAGES.values(), "hand on", "escalate", "take over", "resolve", "routine", "urgent",
              "emergency", "dirty", "cleaning", "clean", "inspected", "out_of_order", "vacant", "occupied",
              "expected", "due_out", "early", "middle", "night"]
    values += [f.replace("_", " ") for f in stays.PLAN_FIELDS]
    values += [s.replace("_", " ") for s in (*tasks.STATUS_LABEL, *stays.STATUS_LABEL)]  # the handover report
    try:
        i18n.set_language("zh")
        untranslated = [v for v in values if i18n.t(v) == v]
    finally:
        i18n.set_language("en")
    assert not untranslated
    assert not [k for k in NOTE_KINDS if k not in guests.KIND_LABEL]


def test_every_command_and_option_help_has_chinese():
    import click

    from butler_tui.cli import cli

    missing = []

    def walk(command: click.Command) -> None:
        for owner in (command, *command.params):
            text = owner.__dict__.get("_help_en", getattr(owner, "help", None))
            if text and text not in ZH and not _bilingual(text):
                missing.append(text)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(cli)
    assert not missing, f"{len(missing)} help texts without Chinese:\n" + "\n".join(missing)
