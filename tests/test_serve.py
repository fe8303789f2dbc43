"""`butler serve`'s guard rails, without a browser: localhost unless asked, the extra it needs, the
command each browser session runs (tests/test_browser.py drives the real thing in Chromium)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui.cli import cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """The servers `butler serve` would start (none is)."""
    import textual_serve.server

    servers: list[tuple[str, dict]] = []

    class Recorder:
        def __init__(self, command: str, **kwargs) -> None:
            servers.append((command, kwargs))

        def serve(self) -> None:
            pass

    monkeypatch.setattr(textual_serve.server, "Server", Recorder)
    return servers


def _serve(db: Path | str, *args: str):
    return CliRunner().invoke(cli, ["--lang", "en", "--db", str(db), "serve", "--station", "lobby", *args])


def test_serve_listens_on_localhost_and_each_session_starts_without_a_tty_check(
        demo_address: Path | str, started, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("BUTLER_DB", raising=False)  # serve sets it for its sessions: put back after the test
    result = _serve(demo_address)
    assert result.exit_code == 0, result.output
    [(command, kwargs)] = started
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 8000
    # The child is a station started for a browser: its terminal is textual-serve's pipes, not a TTY.
    assert command.endswith("run --station lobby --served") and sys.executable in command
    assert Path(kwargs["templates_path"], "app_index.html").is_file()
    # It opens the same database: a file by its path; a server by the address in its environment (textual-serve
    # passes the server's on), never on a command line that `ps` shows with its password.
    if isinstance(demo_address, Path):
        assert f" --db {shlex.quote(str(demo_address.resolve()))} " in command
    else:
        assert "--db" not in command and "postgresql" not in command and os.environ["BUTLER_DB"] == demo_address


def test_serve_refuses_another_address_unless_told_and_then_points_at_tls(demo_db: Path, started):
    refused = _serve(demo_db, "--host", "0.0.0.0")
    assert refused.exit_code == 1 and started == []
    assert "refusing to listen on 0.0.0.0" in refused.stderr and "--allow-remote" in refused.stderr
    allowed = _serve(demo_db, "--host", "0.0.0.0", "--allow-remote")
    assert allowed.exit_code == 0 and started[0][1]["host"] == "0.0.0.0"
    assert "TLS reverse proxy" in allowed.stderr and "deploy/nginx-butler.conf" in allowed.stderr


def test_serve_without_the_extra_says_how_to_install_it(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # import fails as if not installed
    result = _serve(demo_db)
    assert result.exit_code == 1
    assert "pip install 'butler-tui[serve]'" in result.stderr and "Traceback" not in result.output


def test_the_page_fetches_nothing_from_outside():
    page = (Path(__file__).parent.parent / "butler_tui" / "cli" / "web" / "app_index.html").read_text()
    assert "googleapis" not in page and "https://" not in page and "http://" not in page.replace("http://www.w3", "")


DEPLOY = Path(__file__).parent.parent / "deploy"


@pytest.mark.parametrize("unit", ["butler-serve.service", "butler-sweep.service", "butler-backup.service"])
def test_the_example_units_run_commands_that_exist(unit: str):
    """deploy/'s units name butler's real commands and options (Click refuses an unknown one before --help)."""
    import shlex

    [line] = [line for line in (DEPLOY / unit).read_text().splitlines() if line.startswith("ExecStart=")]
    args = shlex.split(line.removeprefix("ExecStart="))
    assert args[0] == "/opt/butler/bin/butler"
    result = CliRunner().invoke(cli, ["--lang", "en", *args[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert (DEPLOY / unit.replace(".service", ".timer")).is_file() or unit == "butler-serve.service"


def test_the_proxy_example_passes_the_websocket_upgrade():
    conf = (DEPLOY / "nginx-butler.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "proxy_pass http://127.0.0.1:8000;" in conf
    assert "https://butler.hotel.example" in (DEPLOY / "butler-serve.service").read_text()
