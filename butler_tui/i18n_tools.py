"""The translation catalogue, kept the gettext way with Babel: extract → update → compile.

The one command, from the repository's root, after changing or adding a sentence::

    python -m butler_tui.i18n_tools

1. *extract*: every message of the code into ``butler_tui/locale/butler.pot`` (the template; which files
   and how, in ``babel.cfg``; the method is :func:`extract` below);
2. *update*: ``butler_tui/locale/zh_CN/LC_MESSAGES/butler.po`` from the template — new messages come in
   empty (or *fuzzy*, with Babel's guess from a similar one), messages gone from the code leave;
3. *compile*: the ``.po`` into ``butler.mo``, the file the station reads.

It then lists what still needs a translator — empty, fuzzy, or ``{placeholders}`` not the same as the
English — and exits 1 while anything does: write the Chinese in the ``.po`` (drop the ``#, fuzzy`` line
once checked) and run it again. ``--check`` writes nothing and exits 1 when the files are not what the
command would write (for CI). ``pybabel extract -F babel.cfg -o butler_tui/locale/butler.pot .`` reads the
same configuration, but only this command keeps the files' layout (no line numbers, sorted) stable.
``--from-zh-py FILE`` also takes the translations of a copy of the old hand-written ``butler_tui/zh.py``
(for merging a branch that still adds its sentences there).

Needs Babel (the ``test`` extra); the station never imports this module.
"""

from __future__ import annotations

import argparse
import ast
import re
import string
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from butler_tui.i18n import LOCALES, _chinese_part

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "butler"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
MAPPING = ROOT / "babel.cfg"
HEADER = """\
# {what} for butler-tui.
# Refresh after changing the code: python -m butler_tui.i18n_tools (extract → update → compile).
# Keep each {{placeholder}} of the English as it is in the translation.
#"""
WIDTH = 76  # Babel's default, so `pybabel update` by hand wraps the same way

# Calls whose arguments are translated by the callee: the form's title, hint and field labels.
FORMS = {"FormScreen", "_form"}
# Click's decorators: a ``help=`` of theirs, or the decorated function's docstring, is a command's help.
CLICK = {"command", "group", "option", "argument"}


# -- extraction --------------------------------------------------------------------------------------------


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literals(expr: ast.expr) -> Iterator[tuple[int, str]]:
    """The string literals an argument can be: ``"a"``, ``"a" if x else "b"``, ``x or "a"``,
    ``{"k": "a", …}[k]``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.lineno, expr.value
    elif isinstance(expr, ast.IfExp):
        yield from _literals(expr.body)
        yield from _literals(expr.orelse)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _literals(value)
    elif isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Dict):
        for value in expr.value.values:
            yield from _literals(value)


def _keywords(keywords: Iterable[str], options: dict[str, Any]) -> set[str]:
    """The translating functions: Babel's ``-k`` and the ``keywords`` of the file's section in babel.cfg
    (a string, or already parsed into a dict, by Babel's version)."""
    names = set(keywords)
    extra = options.get("keywords") or ()
    names |= set(extra.split() if isinstance(extra, str) else extra)
    return names


def _messages(tree: ast.AST, keywords: set[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            texts: list[ast.expr] = []
            if name in keywords and node.args:
                texts.append(node.args[0])
            elif name in FORMS:
                texts += node.args[:1] + [k.value for k in node.keywords if k.arg == "hint"]
                if len(node.args) > 1 and isinstance(node.args[1], ast.List):
                    texts += [e.elts[1] for e in node.args[1].elts if isinstance(e, ast.Tuple) and len(e.elts) > 1]
            if name in CLICK:
                texts += [k.value for k in node.keywords if k.arg == "help"]
            for text in texts:
                yield from _literals(text)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _name(d.func if isinstance(d, ast.Call) else d) in {"command", "group"} for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=False)  # Click keeps it as it is written
            if doc:
                yield node.body[0].lineno, doc.split("\f", 1)[0]


def extract(fileobj: IO[bytes], keywords: Iterable[str], comment_tags: Iterable[str],
            options: dict[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method for butler-tui's code (``babel.cfg`` names it).

    Read from the syntax tree, as ``tests/test_catalogue.py`` reads it, rather than by Babel's token
    scanner (which takes ``t["id"]`` of a loop variable ``t`` for a call):

    * the first argument of a call to a keyword (``t``, ``tr``, ``said``, ``N_``), when it is a literal —
      or a choice of literals (``"a" if x else "b"``, ``x or "a"``, ``{…}[key]``);
    * what a form translates itself: its title, ``hint=`` and field labels;
    * a command's help: Click's ``help=`` and a command's docstring.
    """
    tree = ast.parse(fileobj.read())
    for lineno, text in sorted(set(_messages(tree, _keywords(keywords, options)))):
        yield lineno, None, text, []  # funcname None: the text is the msgid whatever the keyword's spec


def template() -> Any:
    """The messages of the code, as a Babel ``Catalog`` (the ``.pot``)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(MAPPING))  # type: ignore[no-untyped-call]
    catalog = Catalog(project="butler-tui", version=_version(), header_comment=HEADER.format(what="The messages"),
                      fuzzy=False, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords={}):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _version() -> str:
    from butler_tui import __version__

    return __version__


# -- update and compile ------------------------------------------------------------------------------------


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def fields(text: str) -> set[str]:
    """The placeholders of a template: ``{value!r}``, ``{size:,}`` are ``value``, ``size``; Click's
    ``%(prog)s`` is ``%(prog)``."""
    return ({f for _, f, _, _ in string.Formatter().parse(text) if f}
            | {f"%({name})" for name in re.findall(r"%\((\w+)\)", text)})


def read(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with path.open("rb") as fileobj:
        return read_po(fileobj, abort_invalid=True)


def _render(catalog: Any) -> bytes:
    from babel.messages.pofile import write_po

    out = BytesIO()
    write_po(out, catalog, width=WIDTH, sort_output=True, ignore_obsolete=True, include_previous=True,
             include_lineno=False)
    return out.getvalue()


_DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\n', re.MULTILINE)


def _same(a: bytes, b: bytes) -> bool:
    """The same file but for its dates and Babel's version (so a run that changes nothing writes nothing)."""
    return _DATES.sub(b"", a) == _DATES.sub(b"", b)


def update(locale: str, pot: Any, legacy: dict[str, str] | None = None) -> Any:
    """The locale's catalogue brought up to the template: Babel's update (fuzzy matching on), then a
    bilingual label — ``"Assign room 分房"`` — given its Chinese part when it has no translation yet.
    ``legacy``: translations from the old hand-written dict (see :func:`legacy_translations`) put in
    first, theirs winning."""
    catalog = read(po_path(locale))
    for english, chinese in (legacy or {}).items():
        known = catalog.get(english)
        if known is None:
            catalog.add(english, chinese)
        elif known.string != chinese or known.fuzzy:
            if known.string and known.string != chinese:
                print(f"from the old dict: {english!r}: {known.string!r} → {chinese!r}")
            known.string = chinese
            known.flags.discard("fuzzy")
    catalog.update(pot, update_header_comment=False)
    for message in catalog:
        if message.id and locale.startswith("zh") and (not message.string or message.fuzzy):
            part = _chinese_part(message.id)
            if part != message.id:
                message.string = part
                message.flags.discard("fuzzy")
    return catalog


def problems(catalog: Any) -> list[str]:
    """What a translator still has to do: empty, fuzzy, or placeholders not the English ones."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        if not message.string:
            found.append(f"untranslated: {message.id!r}")
        elif message.fuzzy:
            found.append(f"fuzzy (check, then drop the flag): {message.id!r} → {message.string!r}")
        elif fields(message.string) != fields(message.id):
            found.append(f"placeholders differ: {message.id!r} → {message.string!r}")
    return found


def mo_translations(data: bytes) -> dict[Any, str]:
    """What the station reads from a ``.mo``: every msgid with its translation, the header (``""``)
    without the line naming Babel's version."""
    import gettext

    catalog = dict(gettext.GNUTranslations(BytesIO(data))._catalog)  # type: ignore[attr-defined]
    catalog[""] = re.sub(r"(?m)^Generated-By: .*\n", "", catalog.get("", ""))
    return catalog


def compile_bytes(po: bytes) -> bytes:
    """The ``.mo`` of a ``.po``'s text: its translations, fuzzy and empty ones left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = BytesIO()
    write_mo(out, read_po(BytesIO(po), abort_invalid=True), use_fuzzy=False)
    return out.getvalue()


def legacy_translations(path: Path) -> dict[str, str]:
    """The ``ZH`` dict of a copy of the old ``butler_tui/zh.py`` (English -> 简体中文): for merging a
    branch that still adds its translations there. Remove once no branch does."""
    import runpy

    return dict(runpy.run_path(str(path))["ZH"])


def run(check: bool = False, legacy: Path | None = None) -> int:
    now = datetime.now(UTC)
    writes: list[tuple[Path, bytes]] = []

    def keep(path: Path, data: bytes, restamp: Callable[[], bytes]) -> bytes:
        """``data`` for ``path``; when it differs from the file but for the dates, stamped ``now``."""
        if path.exists() and _same(path.read_bytes(), data):
            return data
        data = restamp()
        writes.append((path, data))
        return data

    pot = template()
    if TEMPLATE.exists():
        pot.creation_date = read(TEMPLATE).creation_date

    def stamp_pot() -> bytes:
        pot.creation_date = now
        return _render(pot)

    keep(TEMPLATE, _render(pot), stamp_pot)
    todo: list[str] = []
    for locale in LOCALES.values():
        catalog = update(locale, pot, legacy_translations(legacy) if legacy and locale == "zh_CN" else None)
        catalog.header_comment = HEADER.format(what=f"The {locale} translation")

        def stamp_po(catalog: Any = catalog) -> bytes:
            catalog.revision_date = now
            return _render(catalog)

        mo = compile_bytes(keep(po_path(locale), _render(catalog), stamp_po))
        if not mo_path(locale).exists() or mo_translations(mo_path(locale).read_bytes()) != mo_translations(mo):
            writes.append((mo_path(locale), mo))
        todo += [f"{locale}: {p}" for p in problems(catalog)]
    for path, data in writes:
        print(("stale: " if check else "wrote ") + str(path.relative_to(ROOT)))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for line in todo:
        print(line)
    if todo:
        print(f"{len(todo)} message(s) to translate in the .po; then run this again.")
    return 1 if todo or (check and writes) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m butler_tui.i18n_tools", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is stale")
    parser.add_argument("--from-zh-py", type=Path, metavar="FILE",
                        help="also take the translations of FILE, a copy of the old butler_tui/zh.py (merging a"
                             " branch that still edits it: git show BRANCH:butler_tui/zh.py > FILE)")
    args = parser.parse_args(argv)
    return run(check=args.check, legacy=args.from_zh_py)


if __name__ == "__main__":
    sys.exit(main())
