"""English and 简体中文: chosen by --lang, $BUTLER_LANG or the locale."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from textual.widgets import Static

from butler_tui import context, i18n
from butler_tui.app import ButlerApp
from butler_tui.cli import cli
from butler_tui.ui.arrivals import ArrivalsScreen
from butler_tui.ui.help import HelpScreen
from butler_tui.ui.messages import MessagesScreen
from butler_tui.ui.station_bar import StationBar
from butler_tui.ui.table import KeyedTable
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen, signed_env


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


def _text(app: ButlerApp, selector, widget=Static) -> str:
    return str(app.screen.query_one(selector, widget).content)


async def _station_output(app: ButlerApp) -> str:
    """What the station shows, screen by screen, one line each: the bar, the keys, the arrivals board's
    columns and head, the task list's head, the help."""
    async with app.run_test(size=(120, 36)) as pilot:
        bar = await await_until(pilot, lambda: "李晓莉" in _text(app, StationBar, StationBar)
                                and _text(app, StationBar, StationBar))
        keys = " ".join(b.binding.description for b in app.screen.active_bindings.values())
        await pilot.press("r")
        await await_until(pilot, lambda: on_screen(app, ArrivalsScreen))
        columns = " ".join(str(c.label) for c in app.screen.query_one(KeyedTable).columns.values())
        head = await await_until(pilot, lambda: "抵店" in _text(app, "#arrivals-day") and _text(app, "#arrivals-day"))
        await pilot.press("escape")
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        tasks = await await_until(pilot, lambda: "任务" in _text(app, "#tasks-head") and _text(app, "#tasks-head"))
        await pilot.press("question_mark")
        await await_until(pilot, lambda: on_screen(app, HelpScreen))
        help_text = " ".join(str(w.content) for w in app.screen.query(Static)).replace("\n", " ")
    return "\n".join([f"BAR {bar}", f"KEYS {keys}", f"COLUMNS {columns}", f"HEAD {head}", f"TASKS {tasks}",
                      f"HELP {help_text}"])


async def test_station_speaks_chinese(demo_db: Path, monkeypatch):
    monkeypatch.setenv("BUTLER_LANG", "zh")
    with context.using(context.Context(language=i18n.detect(None))):
        app = ButlerApp(demo_db, "lobby", "1002")
    out = await _station_output(app)
    assert "班次" in out and "李晓莉" in out  # the station bar
    assert "帮助" in out and "发消息" in out and "抵店" in out  # the keys
    assert "预抵" in out and "管家" in out and "状态" in out  # the arrivals board's columns
    head = next(line for line in out.splitlines() if line.startswith("HEAD"))
    assert "年" in head and "周" in head and "待抵" in head and "回访" in head and "arrivals" not in head
    tasks_head = next(line for line in out.splitlines() if line.startswith("TASKS"))
    assert "任务 · 本岗位" in tasks_head and "未完成" in tasks_head and "open" not in tasks_head
    help_text = next(line for line in out.splitlines() if line.startswith("HELP"))
    assert "光标下移" in help_text and "新建" in help_text and "Cursor" not in help_text  # Textual's keys too


def _footer(app: ButlerApp) -> set[str]:
    """The key labels the footer shows."""
    return {key.description for key in app.screen.query("FooterKey")}


async def test_two_stations_in_one_process_each_speak_their_own_language(demo_db: Path):
    """A Chinese and an English station side by side: key labels, titles, column heads and the bar
    each in the station's own language, and the test's own context left as it was."""
    zh = ButlerApp(demo_db, "lobby", "1002", language="zh")
    en = ButlerApp(demo_db, "floors-mid", "2003", language="en")
    assert (zh.title, en.title) == ("管家", "butler")
    async with zh.run_test(size=(120, 36)) as zh_pilot, en.run_test(size=(120, 36)) as en_pilot:
        for app, pilot in ((zh, zh_pilot), (en, en_pilot)):
            await await_until(pilot, lambda app=app: app.state is not None and _footer(app))
        assert {"发消息", "帮助", "抵店"} <= _footer(zh) and not {"Message", "Help"} & _footer(zh)
        assert {"Message", "Help", "Arrivals"} <= _footer(en) and not {"发消息", "帮助"} & _footer(en)
        assert "班次" in _text(zh, StationBar, StationBar) and "shift" in _text(en, StationBar, StationBar)
        for app, pilot in ((zh, zh_pilot), (en, en_pilot)):
            await pilot.press("l")
            await await_until(pilot, lambda app=app: on_screen(app, MessagesScreen) and _footer(app))
        assert (zh.screen.title, en.screen.title) == ("消息", "Messages 消息")
        assert {"回复", "对话", "只看未确认"} <= _footer(zh) and "Reply" not in _footer(zh)
        assert {"Reply", "Thread", "Unacked only"} <= _footer(en) and "回复" not in _footer(en)
        zh_columns = [str(c.label) for c in zh.screen.query_one(KeyedTable).columns.values()]
        en_columns = [str(c.label) for c in en.screen.query_one(KeyedTable).columns.values()]
        assert "时间" in zh_columns and "消息内容" in zh_columns and "Time" in en_columns
        await zh_pilot.press("question_mark")
        await await_until(zh_pilot, lambda: on_screen(zh, HelpScreen))
        assert "回复" in " ".join(str(w.content) for w in zh.screen.query(Static))
        assert context.current().language == "en" and i18n.t("Reply") == "Reply"  # the test's own context
    assert context.current().language == "en"


def test_handover_report_in_chinese(demo_db: Path):
    signed = signed_env(demo_db, ["handover"])
    zh = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "zh", "handover", "--station", "lobby"], env=signed)
    assert zh.exit_code == 0 and zh.output.startswith("# 交班本 — ")
    assert "**班次:**" in zh.output and "## 未完成任务" in zh.output and "## 值班日志" in zh.output
    en = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "en", "handover", "--station", "lobby"], env=signed)
    assert en.output.startswith("# Handover 交班本 — ") and "**Shift:**" in en.output
    bad = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "fr", "handover"], env=signed)
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


def _zh(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), "--lang", "zh", *args], env=signed_env(db, args))


def test_refusals_and_validation_in_chinese(demo_db: Path):
    missing = _zh(demo_db, "task", "show", "999999")
    assert missing.exit_code == 1 and missing.stderr == "butler: 没有任务 999999\n"
    nowhere = _zh(demo_db, "send", "--from", "lobby", "--to", "spa", "你好")
    assert nowhere.exit_code == 1 and "没有这些岗位：spa；现有：" in nowhere.stderr
    too_long = _zh(demo_db, "send", "--from", "lobby", "x" * 501)
    assert too_long.exit_code == 2 and "消息有误：内容：最多 500 个字（现在 501 个）" in too_long.stderr
    bad_room = _zh(demo_db, "send", "--from", "lobby", "--room", "12a", "hi")
    assert bad_room.exit_code == 2 and "房号是 3–4 位数字" in bad_room.stderr
    empty = _zh(demo_db, "send", "--from", "lobby", "   ")
    assert empty.exit_code == 2 and "消息有误：内容：不能为空" in empty.stderr
    # the same refusals in English
    en = CliRunner().invoke(cli, ["--db", str(demo_db), "--lang", "en", "task", "show", "999999"],
                            env=signed_env(demo_db, ["task", "show", "999999"]))
    assert en.stderr == "butler: no task 999999\n"


def test_a_refusal_by_role_names_the_roles_in_chinese(demo_store):
    from butler_tui.errors import PermissionDenied
    from butler_tui.services import tasks

    task_id = tasks.create(demo_store, type="complaint", room="908", staff_no="5003", station="cs")
    tasks.escalate_now(demo_store, task_id, "Guest demands the manager", staff_no="5003", station="cs")
    i18n.set_language("zh")
    try:
        tasks.take_over(demo_store, task_id, staff_no="5003", station="cs")
    except PermissionDenied as exc:
        text = str(exc)
    assert "无权接手或改派任务：这需要" in text and "领班" in text and "主管" in text


def test_an_escalation_reads_in_each_stations_language(demo_store):
    """The sweep or a butler writes the escalation once; a Chinese and an English station each read it
    in their own language, and the stored text (log, search, events) stays English."""
    from butler_tui.services import messaging, tasks

    task_id = tasks.create(demo_store, type="complaint", name="Noisy neighbours", room="908", staff_no="5003",
                           station="cs")
    tasks.escalate_now(demo_store, task_id, "Guest wants another room", staff_no="5003", station="cs")
    message_id = demo_store.row("SELECT message_id FROM escalations WHERE task_id = ?", (task_id,))["message_id"]
    english = messaging.get_message(demo_store, message_id).body
    assert english.startswith(f"ESCALATION L1 → supervisor 主管: task #{task_id} Noisy neighbours room 908"
                              f" — escalated by hand: Guest wants another room")
    i18n.set_language("zh")
    chinese = messaging.get_message(demo_store, message_id).body
    assert chinese.startswith(f"升级 L1 → 主管：任务 #{task_id} Noisy neighbours 908 房 — 人工升级：Guest wants another room")
    assert demo_store.row("SELECT body FROM messages WHERE id = ?", (message_id,))["body"] == english
    assert [m.id for m in messaging.list_messages(demo_store, search="escalated by hand")] == [message_id]


def test_an_arrival_notice_reads_in_chinese(demo_store):
    from butler_tui.services import messaging, stays

    stay = demo_store.row("SELECT s.id FROM stays s JOIN guests g ON g.id = s.guest_id WHERE s.status = 'room_ready'"
                          " AND s.room_number IS NOT NULL AND g.vip_level > 0 LIMIT 1")
    stays.transition(demo_store, stay["id"], "arrived", staff_no="1002", station="lobby")
    message = demo_store.row("SELECT id FROM messages ORDER BY id DESC LIMIT 1")
    i18n.set_language("zh")
    body = messaging.get_message(demo_store, message["id"]).body
    assert "已抵店" in body and "（VIP " in body and "房" in body and "arrived" not in body


def test_help_in_chinese_then_english_again():
    zh = CliRunner().invoke(cli, ["--lang", "zh", "task", "add", "--help"])
    assert zh.exit_code == 0
    assert zh.output.startswith("用法：") and "选项" in zh.output and "新建任务" in zh.output
    assert "[必填]" in zh.output and "显示此帮助并退出" in zh.output
    top = CliRunner().invoke(cli, ["--lang", "zh", "--help"])  # answered while Click parses the group
    assert "管家团队各岗位" in top.output and "命令" in top.output
    en = CliRunner().invoke(cli, ["--lang", "en", "task", "add", "--help"])
    assert en.output.startswith("Usage:") and "Create a task" in en.output and "[required]" in en.output
    typo = CliRunner().invoke(cli, ["--lang", "zh", "task", "nope"])
    assert typo.exit_code == 2 and "没有命令 'nope'" in typo.stderr


def test_browser_sessions_speak_the_language_serve_was_started_in(demo_db: Path, monkeypatch):
    import textual_serve.server

    started = []

    class Recorder:
        def __init__(self, command, **kwargs):
            started.append(command)

        def serve(self):
            pass

    monkeypatch.setattr(textual_serve.server, "Server", Recorder)
    result = _zh(demo_db, "serve", "--station", "lobby")
    assert result.exit_code == 0, result.output
    assert "--lang zh run --station lobby" in started[0]


def test_a_job_title_kept_in_both_languages_shows_the_readers_part():
    i18n.set_language("en")
    assert i18n.own_part("大堂管家领班 Lobby butler lead") == "Lobby butler lead"
    assert i18n.own_part("Night manager") == "Night manager"  # an English-only title whole, not its last word
    i18n.set_language("zh")
    assert i18n.own_part("大堂管家领班 Lobby butler lead") == "大堂管家领班"
    assert i18n.own_part("Lobby butler lead 大堂管家领班") == "大堂管家领班"
    assert i18n.own_part("GRO") == "GRO"


def test_a_task_named_after_its_type_shows_the_types_chinese_name_and_the_zh_handover_has_no_english_words(
        demo_store):
    from butler_tui.services import handover, tasks

    task_id = tasks.create(demo_store, type="wake_up_call", room="807", staff_no="2003", station="floors-mid")
    written = tasks.create(demo_store, type="wake_up_call", name="Wake-up 0630", room="808", staff_no="2003",
                           station="floors-mid")
    assert tasks.get_task(demo_store, task_id).shown_name == "Wake-up call"
    report = {**handover.build_report(demo_store, "floors-mid"), "dnd_rooms": [{"room": "1018", "since": None}]}
    report["unacked_messages"] = [{"id": 1, "at": None, "from": "lobby", "priority": "urgent", "body": "x",
                                   "waiting": ["floors-mid"]}]
    report["open_tasks"] = [{**row, "minutes_over": 7} for row in report["open_tasks"][:1]]
    i18n.set_language("zh")
    try:
        assert tasks.get_task(demo_store, task_id).shown_name == "叫醒服务"
        assert tasks.get_task(demo_store, written).shown_name == "Wake-up 0630"  # a name someone wrote stays
        markdown = handover.to_markdown(report)
    finally:
        i18n.set_language("en")
    for english in ("OVERDUE", "Waiting", "Since", "urgent", " at "):
        assert english not in markdown
    assert "超时 7 分钟" in markdown and "待确认" in markdown and "加急" in markdown
