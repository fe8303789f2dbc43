"""No argument ends in a traceback: every command of ``butler``, found by walking the Click group, with
hostile values in each of its parameters — huge and negative ids, invalid UTF-8 in argv (surrogate
escapes), NUL, a megabyte of text, empty strings, escape sequences. Each gets one clear message and an
exit code, or does what it was asked.

The sweep is property-based (Hypothesis picks the command, the parameter and the value); ``python -m
tests.test_hostile_args`` runs it exhaustively (every command × parameter × value) instead."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from butler_tui.cli import cli
from tests.conftest import signed_env

HOSTILE = [
    str(2**63), str(-(2**63) - 1), "-1", "0", str(10**30), "1e309", "\udcff", "\udcffname\udc80", "a\x00b",
    "x" * 1_000_000, "", " ", "\x1b[2J\x1b]0;pwned\x07", "\u202e", "../../../../etc/passwd",
]
"""What a careless script, a fuzzer or a hostile user passes."""

# Plausible values for the parameters that are not under test, so that a command gets as far as
# its own checks (the station and staff exist, the PIN is the demo's, the ids exist).
BENIGN = {
    "station": "floors-mid", "from_station": "lobby", "staff_no": "2003", "by": "0009", "by_pin": "1234",
    "pin": "5678", "task_id": "1", "guest_id": "1", "item_id": "1", "message_id": "1", "routine_id": "1",
    "stay_id": "1", "parent_id": "1", "repair_task": "1", "corrects": "1", "number": "908", "type_": "repair",
    "type_code": "repair", "kind": "preference", "text": "hello", "query": "Smith", "name": "Water",
    "reason": "guest asleep", "until": "+1h", "at": "+1h", "day": "2026-11-30", "shift": "early",
    "shift_name": "early", "status": "clean", "state": "on", "key": "auto_lock_minutes", "value": "10",
    "before": "2020-01-01", "what": "watch", "where": "lobby", "to": "all", "id_shown": "passport",
    "title": "Turndown", "every": "daily", "rooms": "908", "due": "+30m", "priority": "2",
}
SKIP = {("run", "keymap_file")}  # a keymap path is read before the terminal check: tested in test_cli_start


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``group``, with the words that reach it."""
    yield path, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(commands())


def _benign(param: click.Parameter, files: Path) -> str:
    name = param.name or ""
    if name in ("file", "keymap_file"):
        return str(files / "input.csv")
    if name in ("dest", "out", "to") and isinstance(param.type, click.Path):
        return str(files / "out")
    if name in BENIGN:
        return BENIGN[name]
    if isinstance(param.type, click.Choice):
        return str(param.type.choices[0])
    if isinstance(param.type, click.IntRange) and param.type.min is not None:
        return str(param.type.min)
    return "1" if isinstance(param.type, click.types.IntParamType) else "x"


def argv(path: tuple[str, ...], command: click.Command, db: Path, files: Path, target: str | None,
         value: str, flags: frozenset[str] = frozenset(), dashdash: bool = True) -> list[str]:
    """The command line for ``command`` with ``value`` in parameter ``target`` and plausible values elsewhere."""
    root = ["--db", str(db)] if not path or target not in ("db",) else []
    options: list[str] = []
    arguments: list[str] = []
    for param in command.params:
        if isinstance(param, click.Option) and (param.is_flag or param.name in ("help", "version")):
            if param.name in flags and param.opts[0].startswith("--"):
                options.append(param.opts[0])
            continue
        chosen = param.name == target
        if not (chosen or param.required):
            continue
        text = value if chosen else _benign(param, files)
        if isinstance(param, click.Option):
            options += [param.opts[0], text]
        else:
            arguments.append(text)
    if not path:  # the group's own options
        return [*options, *(["--db", str(db)] if target != "db" else []), "keys"]
    return [*root, *path, *options, *(["--"] if dashdash and arguments else []), *arguments]


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def failure(result: Result) -> str | None:
    """Why ``result`` is a traceback rather than an answer; ``None`` when it is an answer."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"{type(result.exception).__name__}: {str(result.exception)[:200]}"
    if "Traceback" in result.output:
        return "a traceback in the output"
    return None


@pytest.fixture
def sandbox(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The demo hotel, a directory for files the commands read and write (also the working
    directory), and no station app or web server actually started."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "input.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.chdir(files)
    monkeypatch.delenv("BUTLER_FORCE_TUI", raising=False)
    monkeypatch.delenv("BUTLER_PIN", raising=False)
    import textual_serve.server

    import butler_tui.screenshots

    monkeypatch.setattr(textual_serve.server.Server, "serve", lambda self, *a, **k: None)
    monkeypatch.setattr(butler_tui.screenshots, "capture_languages", lambda out: [out])
    return demo_db, files


TARGETS = [(path, command, param.name) for path, command in COMMANDS for param in command.params
           if param.name not in ("help", "version") and (path[-1:] or ("",))[0] + "." + str(param.name) not in SKIP
           and not (isinstance(param, click.Option) and param.is_flag)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), value=st.sampled_from(HOSTILE), dashdash=st.booleans(),
       flags=st.sets(st.sampled_from(["as_json", "include_closed", "signed", "no_vacuum", "full"])))
def test_no_argument_ends_in_a_traceback(sandbox: tuple[Path, Path], target, value: str, dashdash: bool,
                                         flags: set[str]):
    db, files = sandbox
    path, command, name = target
    args = argv(path, command, db, files, name, value, frozenset(flags), dashdash)
    result = invoke(args)
    assert failure(result) is None, (args[:12], failure(result))


def test_the_sweep_reaches_every_command():
    assert len(COMMANDS) > 60
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"task show", "guest show", "messages", "handover", "room ooo", "stay set"} <= names


def test_commands_print_through_one_function():
    """Every line a command prints passes through ``say`` (placeholders for control characters)."""
    cli_dir = Path(__file__).parent.parent / "butler_tui" / "cli"
    offenders = [p.name for p in cli_dir.glob("*.py") if p.name not in ("output.py", "common.py")
                 and "click.echo(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def main() -> int:
    """Every command × parameter × hostile value: print each that ends in a traceback."""
    import tempfile

    from butler_tui.services.demo import load_demo
    from butler_tui.store import Store

    os.environ["BUTLER_LANG"] = "en"
    os.environ.pop("BUTLER_FORCE_TUI", None)
    base = Path(tempfile.mkdtemp())
    template = base / "template.db"
    store = Store(template)
    load_demo(store)
    store.close()
    files = base / "files"
    files.mkdir()
    (files / "input.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    os.chdir(files)
    import textual_serve.server

    import butler_tui.screenshots

    textual_serve.server.Server.serve = lambda self, *a, **k: None  # type: ignore[method-assign]
    butler_tui.screenshots.capture_languages = lambda out: [out]  # type: ignore[assignment]
    db = base / "butler.db"
    shutil.copy(template, db)
    bad = 0
    for path, command, name in TARGETS:
        for value in HOSTILE:
            for dashdash in (True, False):
                args = argv(path, command, db, files, name, value, frozenset(), dashdash)
                why = failure(invoke(args))
                if why:
                    bad += 1
                    shown = [a if len(a) < 40 else a[:10] + f"…({len(a)})" for a in args[2:]]
                    print(f"{' '.join(path) or '(butler)'} {name}={value[:20]!r}{'' if dashdash else ' (no --)'}: "
                          f"{why}  {shown}", flush=True)
    print(f"{bad} tracebacks", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())


@pytest.mark.parametrize(("args", "code", "says"), [
    (["task", "show", str(2**63)], 2, "out of range"),
    (["task", "show", "0"], 1, "no task 0"),  # a row that cannot exist is still "not found", as before
    (["task", "verify", "1", "--station", "floors-mid", "--staff", "\udcff"], 2, "not valid UTF-8"),
    (["guest", "find", "a\x00b"], 2, "NUL"),
    (["backup", "x" * 5000], 1, "File name too long"),
    (["roster", "export", "--out", ""], 1, "cannot use"),
    # days and moments the calendar's arithmetic runs out on (a day's window, an instant's milliseconds)
    (["task", "add", "--type", "repair", "--room", "908", "--due", "9999-12-31T23:59:59Z", "--station", "lobby",
      "--staff", "1002", "Tap"], 2, "out of range"),
    (["task", "add", "--type", "repair", "--room", "908", "--due", "0001-01-01T00:00:00Z", "--station", "lobby",
      "--staff", "1002", "Tap"], 2, "out of range"),
    (["task", "defer", "1", "--until", "9999-12-31T23:59:59Z", "--station", "lobby", "--staff", "1002"], 2,
     "out of range"),
    (["report", "--from", "9999-01-01", "--to", "9999-12-31", "--staff", "0009", "--by-pin", "1234"], 2,
     "out of range"),
    (["report", "--from", "0001-01-01", "--to", "0001-01-07", "--staff", "0009", "--by-pin", "1234"], 2,
     "out of range"),
    (["archive", "--before", "0001-01-01", "--by", "0009", "--by-pin", "1234"], 2, "out of range"),
])
def test_a_hostile_argument_gets_one_clear_line(sandbox: tuple[Path, Path], args: list[str], code: int, says: str):
    db, _files = sandbox
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_env(db, args), catch_exceptions=True)
    assert failure(result) is None
    assert result.exit_code == code and says in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 3  # usage, hint, error
