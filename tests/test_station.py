"""What makes a station pleasant: remappable keys, the palette finding guests and rooms, the browser."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from butler_tui.app import ButlerApp
from butler_tui.errors import InvalidInput
from butler_tui.keymap import all_bindings, load_keymap
from butler_tui.ui.guests import GuestLookupScreen, GuestProfileScreen
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen


def test_every_binding_has_an_id_and_a_description():
    bindings = all_bindings()
    assert {"app.guest", "app.compose", "messages.ack", "tasks.new", "stay.tick"} <= set(bindings)
    assert all(description for _key, description in bindings.values())


def test_keymap_file_is_checked(tmp_path: Path):
    good = tmp_path / "good.toml"
    good.write_text('[keymap]\n"app.guest" = "f2"\n', encoding="utf-8")
    assert load_keymap(good) == {"app.guest": "f2"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[keymap]\n"app.nope" = "f2"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown binding id"):
        load_keymap(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[keymap\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_keymap(broken)


async def test_remapped_key_works_and_the_old_one_does_not(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002", keymap={"app.guest": "f2"})
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press("g")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, GuestLookupScreen)
        await pilot.press("f2")
        await await_until(pilot, lambda: on_screen(app, GuestLookupScreen))


async def test_palette_finds_guests_and_rooms(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press("ctrl+p")
        await await_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"lxl")
        await await_until(pilot, lambda: _palette_shows(app, "李晓莉"))
        await pilot.press("enter")
        await await_until(pilot, lambda: on_screen(app, GuestProfileScreen) and app.screen.profile)
        assert app.screen.profile.name == "李晓莉"
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await await_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"908")
        await await_until(pilot, lambda: _palette_shows(app, "908"))
        await pilot.press("enter")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        assert app.screen.filter_text == "908"


def _palette_shows(app, text: str) -> bool:
    """The palette's highlighted hit mentions ``text`` (its search runs in the background)."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found:
        return False
    options = found.first()
    index = options.highlighted
    return index is not None and text in str(options.get_option_at_index(index).prompt)


@pytest.mark.parametrize("keys,screen,placeholder", [("l", "MessagesScreen", "Search"), ("r", "ArrivalsScreen", "Filter"),
                                                     ("tS", "RoomsScreen", "Filter")])
async def test_slash_filters_enter_keeps_it_esc_clears_then_leaves(demo_db: Path, keys, screen, placeholder):
    from textual.widgets import Input

    from butler_tui.ui.table import KeyedTable

    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press(*keys)  # (the rooms board shows every station's tasks with S)
        await await_until(pilot, lambda: type(app.screen).__name__ == screen)
        table = app.screen.query_one(KeyedTable)
        await await_until(pilot, lambda: table.row_count > 1)
        everything = table.row_count
        await pilot.press("slash")
        box = app.screen.query_one("#board-filter", Input)
        assert box.has_focus and box.placeholder.startswith(placeholder)
        await pilot.press(*"zzzz")  # typing goes to the box, not to the board's keys
        await await_until(pilot, lambda: table.row_count == 0)
        assert type(app.screen).__name__ == screen and app.screen.filter_text == "zzzz"
        await pilot.press("enter")
        assert table.has_focus and box.display and app.screen.filter_text == "zzzz"
        await pilot.press("escape")
        await await_until(pilot, lambda: table.row_count == everything)
        assert type(app.screen).__name__ == screen and not box.display
        await pilot.press("escape")
        await await_until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.tui
def test_serve_answers_with_the_station_page(demo_db: Path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "butler_tui", "--db", str(demo_db), "serve", "--station", "lobby",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
                    status = response.status
                break
            except OSError as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    output = proc.stdout.read().decode() if proc.poll() else ""
                    raise AssertionError(f"serve did not answer: {output}") from exc
                time.sleep(0.1)  # polling a server that is starting: the loop has a deadline
        assert status == 200 and "textual.js" in page and "butler · lobby" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.tui
def test_serve_refuses_an_unknown_station(demo_db: Path):
    proc = subprocess.run([sys.executable, "-m", "butler_tui", "--db", str(demo_db), "serve", "--station", "spa"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "unknown station 'spa'" in proc.stderr


@pytest.mark.tui
def test_the_real_command_paints_in_a_terminal_and_quits_cleanly(demo_address: Path | str):
    """`butler demo` in a pseudo-terminal: the path a person takes, not run_test() (on a file, and on a
    PostgreSQL server: the command hands the app the server's address)."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "butler_tui", "--db", str(demo_address), "demo"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))

    def read_until(needle: bytes, timeout: float) -> bytes:
        seen, deadline = b"", time.monotonic() + timeout
        while needle not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return seen

    try:
        painted = read_until(b"Lobby / GRO desk", 30)
        assert b"Lobby / GRO desk" in painted and b"Traceback" not in painted
        for key in (b"l", b"h", b"g", b"\x1b", b"t", b"h"):  # a few boards, as a person would
            os.write(fd, key)
            read_until(b"\x00", 0.3)
        os.write(fd, b"\x11")  # ctrl+q
        rest = read_until(b"\x00", 3)
        assert b"Traceback" not in rest
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
