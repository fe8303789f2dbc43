"""Every sentence a user can read goes through ``t()`` and has its 简体中文.

Read from the source, so a new sentence without a translation fails here rather than showing in
English at a Chinese station: every string literal passed to ``t()``/``said()``/``N_()`` must be in the
catalogue with the same ``{placeholders}``; errors, notifications and validation messages may not be
built from bare literals or f-strings. The catalogue is the gettext one the station reads
(``butler_tui/locale``): its ``.pot``, ``.po`` and ``.mo`` must be what ``python -m butler_tui.i18n_tools``
writes from the code, every message translated.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from butler_tui import i18n, i18n_tools
from butler_tui.context import Context, using

PACKAGE = Path(__file__).resolve().parent.parent / "butler_tui"
SOURCES = sorted(PACKAGE.rglob("*.py"))
TRANSLATORS = {"t", "tr", "said", "N_"}
# the 简体中文 catalogue as the station reads it (the committed .mo): English -> Chinese
ZH: dict[str, str] = {k: v for k, v in i18n.catalogue("zh")._catalog.items() if k}  # type: ignore[attr-defined]
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
    return {f for _, f, _, _ in string.Formatter().parse(text) if f} | set(re.findall(r"%\(\w+\)", text))


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


def test_the_catalogue_is_what_the_refresh_command_writes(capsys):
    """``.pot``, ``.po`` and ``.mo`` up to date with the code: nothing new left out, nothing gone kept
    (the remedy for a failure: ``python -m butler_tui.i18n_tools``)."""
    status = i18n_tools.run(check=True)
    assert status == 0, capsys.readouterr().out


def test_every_message_of_the_code_has_chinese_with_the_same_placeholders():
    po = {m.id: m for m in i18n_tools.read(i18n_tools.po_path("zh_CN")) if m.id}
    messages = [m.id for m in i18n_tools.template() if m.id]
    assert len(messages) > 900  # the extraction found the code's messages (t, said, N_, forms, help)
    missing = [m for m in messages if m not in po or not po[m].string]
    fuzzy = [m for m in messages if m in po and po[m].fuzzy]
    mismatched = [f"{m!r} → {po[m].string!r}" for m in messages
                  if m in po and po[m].string and _fields(po[m].string) != _fields(m)]
    assert not missing, f"{len(missing)} without Chinese:\n" + "\n".join(missing)
    assert not fuzzy, "fuzzy (check the Chinese, then drop the flag):\n" + "\n".join(fuzzy)
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


def test_the_committed_mo_is_a_fresh_compile_of_the_po():
    """The station reads the .mo; it must say exactly what the .po says (header and every message;
    only the line naming Babel's version may differ)."""
    po, mo = i18n_tools.po_path("zh_CN"), i18n_tools.mo_path("zh_CN")
    fresh = i18n_tools.mo_translations(i18n_tools.compile_bytes(po.read_bytes()))
    committed = i18n_tools.mo_translations(mo.read_bytes())
    assert committed == fresh, "butler.mo is stale: run python -m butler_tui.i18n_tools"
    assert len(committed) > 900


def test_two_stations_in_one_process_read_one_catalogue_each_in_its_language():
    with using(Context(language="zh")):
        assert i18n.t("Help") == "帮助"
        assert i18n.t("") == ""  # gettext keeps its header under "": never shown for an empty label
        with using(Context(language="en")):
            assert i18n.t("Help") == "Help"
            assert i18n.t("in progress 处理中") == "in progress 处理中"
        assert i18n.t("in progress 处理中") == "处理中"
        assert i18n.N_("Help") == "Help"  # a mark for the extraction, translated where it is shown
    assert i18n.catalogue("zh") is i18n.catalogue("zh")  # read once per process


def test_the_station_and_the_cli_read_the_catalogue_without_babel():
    """Babel is a tool of the catalogue (the test extra), not of the station: nothing it runs imports it."""
    import subprocess
    import sys

    code = ("import sys; from butler_tui import i18n; import butler_tui.cli, butler_tui.app; i18n.set_language('zh');"
            " assert i18n.t('Help') == '帮助'; print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
