"""English and 简体中文: chosen by --lang, $BUTLER_LANG or the locale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from butler_tui import i18n
from butler_tui.cli import cli

ZH_APP = r"""
import asyncio, sys
from butler_tui.i18n import detect, set_language
set_language(detect(None))
from butler_tui.app import ButlerApp
from butler_tui.ui.station_bar import StationBar
from textual.widgets import Footer

async def main():
    app = ButlerApp(sys.argv[1], "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            bar = str(app.screen.query_one(StationBar).content)
            if "李晓莉" in bar:
                break
        print("BAR", bar)
        print("KEYS", " ".join(b.binding.description for b in app.screen.active_bindings.values()))
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "ArrivalsScreen":
                break
        from butler_tui.ui.table import KeyedTable
        print("COLUMNS", " ".join(str(c.label) for c in app.screen.query_one(KeyedTable).columns.values()))

asyncio.run(main())
"""


def test_detect_from_flag_env_and_locale(monkeypatch):
    monkeypatch.delenv("BUTLER_LANG", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.detect(None) == "zh"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.detect(None) == "en"
    monkeypatch.setenv("BUTLER_LANG", "zh")
    assert i18n.detect(None) == "zh"
    assert i18n.detect("en") == "en"


def test_station_speaks_chinese(demo_db: Path):
    env = {**os.environ, "BUTLER_LANG": "zh"}
    proc = subprocess.run([sys.executable, "-c", ZH_APP, str(demo_db)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "班次" in out and "李晓莉" in out  # the station bar
    assert "帮助" in out and "发消息" in out and "抵店" in out  # the keys
    assert "预抵" in out and "管家" in out and "状态" in out  # the arrivals board's columns


def test_handover_report_in_chinese(demo_db: Path):
    zh = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "zh", "handover", "--station", "lobby"])
    assert zh.exit_code == 0 and zh.output.startswith("# 交班本 — ")
    assert "**班次:**" in zh.output and "## 未完成任务" in zh.output and "## 值班日志" in zh.output
    en = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "en", "handover", "--station", "lobby"])
    assert en.output.startswith("# Handover 交班本 — ") and "**Shift:**" in en.output
    bad = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "fr", "handover"])
    assert bad.exit_code == 2 and "not one of: en, zh" in bad.stderr


def test_forms_and_notices_have_chinese_labels():
    try:
        i18n.set_language("zh")
        assert i18n.t("Assign room 分房") == "分房"
        assert i18n.t("ctrl+s save · esc cancel") == "ctrl+s 保存 · esc 取消"
        assert i18n.t("Note added") == "已添加备注"
        assert i18n.t("no such label") == "no such label"  # untranslated labels stay English
    finally:
        i18n.set_language("en")
    assert i18n.t("Assign room 分房") == "Assign room 分房"
