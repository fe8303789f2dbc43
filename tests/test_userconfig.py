"""The user's config file (``butler config``) and the log file (issue 20): which setting wins, a broken
file named with its line, a sign-in and a refused one in the log, ``--verbose`` on stderr."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import logs, userconfig
from butler_tui.cli import cli
from butler_tui.services.demo import DEMO_PIN


def butler(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, env=env)


def test_set_show_and_path_keep_the_settings_in_a_0600_file():
    path = userconfig.config_path()
    assert butler("config", "path").output.strip() == str(path)
    assert not path.exists()
    result = butler("config", "set", "station", "floors-high")
    assert result.exit_code == 0, result.output
    assert butler("config", "set", "language", "ZH").exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    shown = json.loads(butler("config", "show", "--json").output)
    assert shown == {"database": None, "station": "floors-high", "language": "zh", "theme": None, "keymap": None}
    table = butler("--lang", "en", "config", "show").output
    assert "floors-high" in table and "keymap" in table
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left behind


@pytest.mark.parametrize(("key", "value", "says"), [
    ("colour", "blue", "unknown setting 'colour'"),
    ("language", "fr", "bad value for language"),
    ("station", "front desk", "bad value for station"),
    ("theme", "", "bad value for theme"),
    ("theme", "nosuch", "unknown theme 'nosuch'; themes: ansi-dark"),
])
def test_a_bad_key_or_value_is_refused_with_one_message_and_exit_2(key: str, value: str, says: str):
    result = butler("config", "set", key, value)
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output
    assert not userconfig.config_path().exists()


def test_a_broken_file_is_named_with_its_line_and_no_command_guesses(db_path: Path):
    path = userconfig.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('language = "en"\nstation = lobby\n', encoding="utf-8")
    for args in (["config", "show"], ["--db", str(db_path), "init"]):
        result = butler(*args)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit | None)
        assert str(path) in result.output and "line 2" in result.output
        assert "Traceback" not in result.output
    assert butler("config", "path").exit_code == 0  # still says where the file is, to mend it


def test_an_option_beats_the_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    in_file, in_env, in_option = tmp_path / "file.db", tmp_path / "env.db", tmp_path / "option.db"
    assert butler("config", "set", "database", str(in_file)).exit_code == 0
    monkeypatch.delenv("BUTLER_DB", raising=False)
    assert butler("init").exit_code == 0 and in_file.exists()
    monkeypatch.setenv("BUTLER_DB", str(in_env))
    assert butler("init").exit_code == 0 and in_env.exists()
    assert butler("--db", str(in_option), "init").exit_code == 0 and in_option.exists()
    # The language: --lang, then $BUTLER_LANG (the suite sets en), then the file.
    assert butler("config", "set", "language", "zh").exit_code == 0
    assert "Usage" in butler("--help").output
    monkeypatch.delenv("BUTLER_LANG")
    assert butler("--help").output.startswith("用法")
    assert "Usage" in butler("--lang", "en", "--help").output


def test_run_takes_its_station_from_the_file(demo_db: Path):
    result = butler("--db", str(demo_db), "run")
    assert result.exit_code == 2 and "butler config set station" in result.output
    butler("config", "set", "station", "nowhere")
    result = butler("--db", str(demo_db), "run")
    assert result.exit_code != 0 and "nowhere" in result.output  # the file's station was the one asked for


def test_sign_ins_and_refusals_are_logged_without_the_pin(demo_db: Path):
    wrong = butler("--db", str(demo_db), "login", "--station", "lobby", "--staff", "1002", stdin="9876\n")
    assert wrong.exit_code != 0
    right = butler("--db", str(demo_db), "login", "--station", "lobby", "--staff", "1002", stdin=f"{DEMO_PIN}\n")
    assert right.exit_code == 0, right.output
    assert butler("--db", str(demo_db), "logout").exit_code == 0
    text = logs.log_path().read_text(encoding="utf-8")
    lines = text.splitlines()
    assert any("WARNING" in line and "sign-in refused: staff 1002 at lobby" in line for line in lines)
    assert any("INFO" in line and "signed in: staff 1002 at lobby" in line for line in lines)
    assert any("signed out: staff 1002" in line for line in lines)
    assert "9876" not in text and DEMO_PIN not in text


def test_verbose_also_writes_the_log_to_stderr(demo_db: Path):
    quiet = CliRunner().invoke(cli, ["--db", str(demo_db), "login", "--station", "lobby", "--staff", "1002"],
                               input="9876\n")
    assert "sign-in refused" not in quiet.stderr
    loud = CliRunner().invoke(cli, ["--db", str(demo_db), "-v", "login", "--station", "lobby", "--staff", "1002"],
                              input="9876\n")
    assert "sign-in refused: staff 1002 at lobby" in loud.stderr
    assert "9876" not in loud.stderr
