"""The PMS import screen (issue 19): a lead types the path, picks the profile, sees the dry run's table and
imports; a refused file is shown inline; a butler may not import."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from butler_tui.app import ButlerApp
from butler_tui.ui.pms_import import ImportScreen
from tests.test_pms_import import CHINESE, _file, _row, _text

from .conftest import await_until, on_screen


async def _open(app: ButlerApp, pilot) -> ImportScreen:
    await await_until(pilot, lambda: app.actor is not None)
    await pilot.press("U")
    return await await_until(pilot, lambda: on_screen(app, ImportScreen) and app.screen)


def _summary(screen: ImportScreen) -> str:
    return str(screen.query_one("#import-summary", Static).content)


async def test_a_lead_checks_then_imports_a_chinese_export(tmp_path: Path, demo_db: Path):
    path = _file(tmp_path, CHINESE, "gb18030")
    app = ButlerApp(demo_db, "floors-mid", "2001")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot)
        screen.query_one("#import-path", Input).value = str(path)
        screen.query_one("#import-profile", Select).value = "cn-pms"
        assert screen.query_one("#import-go", Button).disabled
        await pilot.press("ctrl+t")
        await await_until(pilot, lambda: "would import" in _summary(screen))
        assert "2 new" in _summary(screen) and "gb18030" in _summary(screen)
        assert app.store.scalar("SELECT count(*) FROM stays WHERE reservation_no LIKE 'CN%'") == 0
        await await_until(pilot, lambda: not screen.query_one("#import-go", Button).disabled)
        await pilot.press("ctrl+s")
        await await_until(pilot, lambda: "imported" in _summary(screen) and "would" not in _summary(screen))
        assert app.store.scalar("SELECT count(*) FROM stays WHERE reservation_no LIKE 'CN%'") == 2
        # Again: the table shows nothing to read and the summary says unchanged.
        await pilot.press("ctrl+t")
        await await_until(pilot, lambda: "2 unchanged" in _summary(screen))


async def test_a_refused_file_is_shown_inline_and_a_hand_edit_is_listed(tmp_path: Path, demo_db: Path):
    bad = _file(tmp_path, _text([_row(1), _row(2, remarks="QUOTE"), _row(3)]).replace("QUOTE", '"oops'), name="bad.csv")
    app = ButlerApp(demo_db, "floors-mid", "2001")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot)
        screen.query_one("#import-path", Input).value = str(bad)
        await pilot.press("ctrl+t")
        error = screen.query_one("#import-error", Label)
        await await_until(pilot, lambda: "nothing imported" in str(error.content))
        assert "line 3" in str(error.content) and screen.query_one("#import-go", Button).disabled
        good = _file(tmp_path, _text([_row(1, remarks="from PMS")]), name="good.csv")
        from butler_tui.services.pms_import import import_arrivals

        import_arrivals(app.store, good)
        with app.store.write("2001", "floors-mid") as tx:
            tx.execute("UPDATE stays SET remarks = 'hand' WHERE reservation_no = 'P900001'")
            tx.event("stays", 1, "edit")
        _file(tmp_path, _text([_row(1, remarks="PMS again")]), name="good.csv")
        screen.query_one("#import-path", Input).value = str(good)
        await pilot.press("ctrl+t")
        await await_until(pilot, lambda: "1 field(s) kept" in _summary(screen))
        table = screen.query_one("#import-table", DataTable)
        assert table.row_count == 1 and "edited at the hotel" in str(table.get_row_at(0)[3])
        assert str(error.content) == ""


async def test_a_butler_may_not_import(tmp_path: Path, demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot)
        assert "leads and up" in str(screen.query_one("#import-error", Label).content)
        screen.query_one("#import-path", Input).value = str(_file(tmp_path, _text([_row(1)])))
        await pilot.press("ctrl+t")
        assert app.store.scalar("SELECT count(*) FROM stays WHERE reservation_no = 'P900001'") == 0


def _exports(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    """Each kind of file the command line's tests take, made here: (file, profile, what the check says)."""
    from tests.test_pms_import import OPERA

    header, body = _text([_row(1)]).split("\n", 1)
    shouted = ",".join(" " + h.upper().replace("_", " ") + " " for h in header.split(",")) + "\n" + body
    lines = _text([_row(1), _row(2), _row(3)]).split("\n")
    lines[2] += ",extra"
    odd = tmp_path / "odd.csv"
    odd.write_bytes(_text([_row(1, guest_name="X")]).encode() + b"P900002,\x81\x8d\x9d\xff,,,,0,2026-11-25,,2026-11-27,,,1,,,\n")
    return {
        "cp1252": (_file(tmp_path, _text([_row(1, guest_name="José Müller", salutation="Mr")]), "cp1252", "w.csv"),
                   "", "cp1252"),
        "utf-16": (_file(tmp_path, _text([_row(1), _row(2)]), "utf-16", "u.csv"), "", "2 new"),
        "semicolon": (_file(tmp_path, _text([_row(1, remarks="a, b")], sep=";"), name="s.csv"), "", "1 new"),
        "tab": (_file(tmp_path, _text([_row(1)], sep="\t"), name="t.csv"), "", "1 new"),
        "upper-case headers": (_file(tmp_path, shouted, name="h.csv"), "", "1 new"),
        "opera": (_file(tmp_path, OPERA, name="o.csv"), "opera", "2 new"),
        "unknown encoding": (odd, "", "--encoding"),
        "stray quote": (_file(tmp_path, _text([_row(1), _row(2, remarks="QUOTE"), _row(3)]).replace("QUOTE", '"oops'),
                              name="q.csv"), "", "line 3"),
        "wrong field count": (_file(tmp_path, "\n".join(lines), name="f.csv"), "", "16 fields, expected 15"),
        "oversized field": (_file(tmp_path, _text([_row(1), _row(2, remarks="x" * 200_000)]), name="b.csv"), "",
                            "longer than"),
    }


CASES = ["cp1252", "utf-16", "semicolon", "tab", "upper-case headers", "opera", "unknown encoding", "stray quote",
         "wrong field count", "oversized field"]


@pytest.mark.parametrize("case", CASES)
async def test_the_import_view_checks_every_kind_of_export(tmp_path: Path, demo_db: Path, case: str):
    """The station's check says what the command line says of each kind of file: read and counted, or
    refused inline with the reason and its line, and nothing imported either way."""
    path, profile, says = _exports(tmp_path)[case]
    app = ButlerApp(demo_db, "floors-mid", "2001")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(app, pilot)
        before = app.store.scalar("SELECT count(*) FROM stays")
        screen.query_one("#import-path", Input).value = str(path)
        if profile:
            screen.query_one("#import-profile", Select).value = profile
        await pilot.press("ctrl+t")
        error = screen.query_one("#import-error", Label)
        await await_until(pilot, lambda: says in _summary(screen) or says in str(error.content))
        refused = says in str(error.content)
        assert refused == (case in ("unknown encoding", "stray quote", "wrong field count", "oversized field"))
        assert screen.query_one("#import-go", Button).disabled == refused
        assert app.store.scalar("SELECT count(*) FROM stays") == before
