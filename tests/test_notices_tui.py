"""Issue 20 at the station: a burst of notices folds into a few toasts instead of covering the board, and
the theme chosen in the palette is kept in the user's config file."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from butler_tui import userconfig
from butler_tui.app import MAX_TOASTS, ButlerApp
from butler_tui.ui.tasks import RoomsScreen

from .conftest import await_until, on_screen

BUTLER = "2003"  # a floor butler of floors-mid


def toasts(app: ButlerApp) -> list[Toast]:
    return [t for t in app.screen.query(Toast) if t.display]


async def test_ten_notices_show_as_three_toasts_in_the_lower_half(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("t")
        await await_until(pilot, lambda: on_screen(app, RoomsScreen))
        for i in range(10):
            app.notify(f"notice number {i}", timeout=30, markup=False)
        await await_until(pilot, lambda: any("notice number 9" in str(t._notification.message) for t in toasts(app)))
        await await_until(pilot, lambda: len(toasts(app)) <= MAX_TOASTS)
        await pilot.pause()
        shown = toasts(app)
        said = [str(t._notification.message) for t in shown]
        live = len(list(app._notifications))
        assert live >= 10  # folded, not lost (the station's own alerts of the demo's messages among them)
        assert said == [f"{live - 2} more notices — l: the message log", "notice number 8", "notice number 9"]
        # The toasts keep to the lower half, and to the right half: the board's rows above them and its
        # left-hand columns (room, what) stay in sight.
        assert all(t.region.y >= 12 and t.region.x >= 38 for t in shown), [t.region for t in shown]
        # Dismissing the summary (a click, or its time running out) dismisses what it stands for.
        summary = shown[0]
        await pilot.click(summary)
        await await_until(pilot, lambda: len(list(app._notifications)) == 2)


async def test_a_few_notices_each_get_their_toast(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.clear_notifications()  # the station's alerts of the demo's unread messages
        for i in range(MAX_TOASTS):
            app.notify(f"notice number {i}", timeout=30, markup=False)
        await await_until(pilot, lambda: len(toasts(app)) == MAX_TOASTS)
        assert not any("more notices" in str(t._notification.message) for t in toasts(app))


async def test_the_theme_chosen_is_kept_in_the_config_file(demo_db: Path):
    userconfig.set_value("theme", "nord")
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    app.remember_theme(userconfig.read().theme)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "nord"  # opened in the config file's theme
        app.theme = "gruvbox"  # what the palette's theme picker does
        await await_until(pilot, lambda: userconfig.read().theme == "gruvbox")


async def test_a_station_not_started_by_butler_run_keeps_no_theme(demo_db: Path):
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        app.theme = "gruvbox"
        await pilot.pause()
    assert not userconfig.config_path().exists()


async def test_a_theme_this_textual_does_not_know_opens_the_default_and_stays_in_the_file(demo_db: Path):
    userconfig.set_value("theme", "no-such-theme")
    app = ButlerApp(demo_db, "floors-mid", BUTLER)
    app.remember_theme(userconfig.read().theme)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.pause()
    assert userconfig.read().theme == "no-such-theme"  # not overwritten until a theme is chosen
