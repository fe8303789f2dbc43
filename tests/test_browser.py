"""`butler serve` in a real browser: Debian's Chromium driven by Playwright, nothing fetched from outside.

The page is what a tablet on a floor opens: it signs in with staff no. and PIN typed straight away (the
keyboard is in the terminal without a tap), opens every board by its key, sends a message a terminal
station on the same file receives, shows an emergency sent from elsewhere as the modal that takes over,
and locks again on sign-out. Every request the page makes is checked: anything not to the server itself
is blocked and fails the test.

The terminal's text is read from xterm.js's buffer. textual-serve keeps its terminal object private, so
the test's copy of textual.js (patched on the way, in the route below) also hands it to ``window``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from butler_tui.app import ButlerApp
from butler_tui.services import messaging
from butler_tui.services.demo import DEMO_PIN
from butler_tui.ui.messages import MessagesScreen

from .conftest import await_until, on_screen
from .test_station import _free_port

pytestmark = pytest.mark.tui

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000  # a loaded two-core machine starts a station process per connection

# The buffer's visible rows as text (wide characters come out once).
SCREEN_JS = """() => { const t = window.butlerTerminal; if (!t) return "";
  const b = t.buffer.active; const rows = [];
  for (let i = 0; i < t.rows; i++) { const line = b.getLine(b.viewportY + i);
    rows.push(line ? line.translateToString(true) : ""); }
  return rows.join("\\n"); }"""
SHOWS_JS = f"""([needle, present]) => ({SCREEN_JS})().includes(needle) === present"""
CURSOR_JS = "() => { const b = window.butlerTerminal.buffer.active; return [b.cursorX, b.cursorY]; }"
CURSOR_LEFT_ROW_JS = "([row]) => window.butlerTerminal.buffer.active.cursorY !== row"


def _chromium_or_skip() -> None:
    in_ci = os.environ.get("CI") == "true"
    missing = None if CHROMIUM.exists() else f"{CHROMIUM} is missing (apt-get install chromium)"
    if missing is None:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install -e '.[test]')"
    if missing is not None:
        if in_ci:
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)


@pytest.fixture
def served(demo_db: Path) -> Iterator[str]:
    """`butler serve` on the demo hotel on a free localhost port; its URL."""
    _chromium_or_skip()
    port = _free_port()
    butler = [sys.executable, "-m", "butler_tui", "--db", str(demo_db), "--lang", "en"]
    proc = subprocess.Popen([*butler, "serve", "--station", "lobby", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    output = proc.stdout.read().decode() if proc.poll() is not None and proc.stdout else ""
                    raise AssertionError(f"serve did not answer: {output}") from exc
                time.sleep(0.1)  # polling a server that is starting: the loop has a deadline
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
async def page(served: str) -> AsyncIterator[tuple[object, list[str]]]:
    """A Chromium page on the served station, and the list of requests it tried to make elsewhere."""
    from playwright.async_api import Route, async_playwright

    outside: list[str] = []

    async def only_this_server(route: Route) -> None:
        url = route.request.url
        if not url.startswith(served):
            outside.append(url)
            await route.abort()
        elif url.endswith("/js/textual.js"):
            response = await route.fetch()
            script = await response.text()
            patched = script.replace("this.terminal.open(e),", "this.terminal.open(e),window.butlerTerminal=this.terminal,")
            assert patched != script, "textual.js changed: the test can no longer reach the terminal"
            await route.fulfill(response=response, body=patched)
        else:
            await route.continue_()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            await context.route("**/*", only_this_server)
            tab = await context.new_page()
            tab.on("websocket", lambda ws: None if ws.url.startswith(served.replace("http", "ws", 1))
                   else outside.append(ws.url))
            tab.set_default_timeout(TIMEOUT_MS)
            await tab.goto(served)
            yield tab, outside
        finally:
            await browser.close()


async def _shows(tab, text: str, present: bool = True) -> None:
    try:
        await tab.wait_for_function(SHOWS_JS, arg=[text, present])
    except Exception as exc:
        screen = await tab.evaluate(SCREEN_JS)
        raise AssertionError(f"{text!r} {'never appeared' if present else 'stayed'}:\n{screen}") from exc


async def _type_field(tab, text: str) -> None:
    """Type into the focused box and press Enter, then wait until the cursor has gone to the next box (the
    station handles keys in order but moves focus a moment later: typing on at once would land in the old box)."""
    await tab.keyboard.type(text)
    await _shows(tab, text)
    _x, row = await tab.evaluate(CURSOR_JS)
    await tab.keyboard.press("Enter")
    await tab.wait_for_function(CURSOR_LEFT_ROW_JS, arg=[row])


BOARDS = [  # key, something only that board shows
    ("r", "Follow-up calls"),
    ("t", "14F"),
    ("e", "escalated or overdue"),
    ("g", "Find a guest"),
    ("b", "Handover 交班本"),
    ("D", "Duty manager"),
    ("f", "Open items"),
    ("l", "Showing: to/from lobby"),
    ("?", "Esc or ? closes this help."),
]
HOME = "Overdue tasks"


async def test_a_browser_station_signs_in_opens_every_board_and_talks_to_a_terminal_station(demo_db: Path, page):
    tab, outside = page
    started = time.monotonic()
    await _shows(tab, "Staff no. 工号")
    # The keyboard is already in the terminal: nobody tapped the page.
    assert await tab.evaluate("document.activeElement.classList.contains('xterm-helper-textarea')")
    await _type_field(tab, "1002")
    await tab.keyboard.type(DEMO_PIN)
    await tab.keyboard.press("Enter")
    await _shows(tab, HOME)
    await _shows(tab, "李晓莉 (1002)")

    for key, marker in BOARDS:
        await tab.keyboard.press(key)
        await _shows(tab, marker)
        await tab.keyboard.press("Escape")
        await _shows(tab, marker, present=False)
        await _shows(tab, HOME)

    terminal = ButlerApp(demo_db, "floors-high", "2001")
    async with terminal.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        await await_until(pilot, lambda: on_screen(terminal, MessagesScreen))
        # A message typed in the browser reaches the station in the terminal.
        await tab.keyboard.press("m")
        await _shows(tab, "New message 发消息")
        body = "Towels to 1208 from the browser"
        await tab.keyboard.type(body)
        await _shows(tab, body)
        await tab.keyboard.press("Enter")
        await _shows(tab, "New message 发消息", present=False)
        mid = await await_until(pilot, lambda: terminal.store.scalar("SELECT id FROM messages WHERE body = ?", [body]),
                                timeout=30)
        view = messaging.get_message(terminal.store, mid)
        assert (view.from_station, view.from_staff) == ("lobby", "1002")
        await await_until(pilot, lambda: str(mid) in [k.value for k in terminal.screen.query_one("DataTable").rows],
                          timeout=30)

        # An emergency from another station takes over the browser until acknowledged there.
        emergency = messaging.send(terminal.store, from_station="security", body="Smoke in corridor 9F",
                                   priority="emergency", to="lobby", room="908")
        await _shows(tab, "EMERGENCY 紧急")
        await _shows(tab, "Smoke in corridor 9F")
        await tab.keyboard.press("a")
        await _shows(tab, "EMERGENCY 紧急", present=False)
        ack = messaging.get_message(terminal.store, emergency).ack_of("lobby")
        assert ack is not None and ack.staff_no == "1002"

    # Signing out locks the browser station: the sign-in screen and nothing of the boards.
    await tab.keyboard.press("Control+o")
    await _shows(tab, "Staff no. 工号")
    await _shows(tab, HOME, present=False)
    assert outside == []
    print(f"browser station: {time.monotonic() - started:.1f} s from page load to locked again")


async def test_the_served_page_loads_nothing_from_outside_and_has_its_own_font(served: str, page):
    tab, outside = page
    await _shows(tab, "Staff no. 工号")
    html = await tab.content()
    assert "googleapis" not in html and "fonts/RobotoMono-VariableFont_wght.ttf" in html
    assert await tab.evaluate("document.fonts.check('16px \"Roboto Mono\"')")
    assert outside == []

