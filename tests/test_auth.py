"""Sign-in, PIN lockout, roles and permissions, refusals on the record, masking by role."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from butler_tui import clock
from butler_tui.app import ButlerApp
from butler_tui.cli import cli
from butler_tui.errors import AuthFailed, PermissionDenied
from butler_tui.services import auth, guests, tasks
from butler_tui.store import Store
from butler_tui.ui.sign_in import SignInScreen
from butler_tui.ui.station_bar import StationBar

from .conftest import await_until, on_screen, signed_env


def test_pins_are_salted_scrypt_hashes():
    a, b = auth.hash_pin("1234"), auth.hash_pin("1234")
    assert a != b and a.startswith("scrypt$16384$8$1$") and "1234" not in a
    assert auth.check_pin("1234", a) and not auth.check_pin("1235", a) and not auth.check_pin("1234", None)


def test_sign_in_and_five_wrong_pins_lock_for_five_minutes(demo_store: Store):
    assert auth.sign_in(demo_store, "1002", "1234", station="lobby").name == "李晓莉"
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthFailed, match=f"wrong PIN \\({left} tries left"):
            auth.sign_in(demo_store, "1002", "0000", station="lobby")
    with pytest.raises(AuthFailed, match="now locked for 5 minutes"):
        auth.sign_in(demo_store, "1002", "0000", station="lobby")
    with pytest.raises(AuthFailed, match="locked after 5 wrong PINs"):
        auth.sign_in(demo_store, "1002", "1234", station="lobby")  # even the right PIN
    clock.freeze(clock.now() + timedelta(minutes=5, seconds=1))
    try:
        assert auth.sign_in(demo_store, "1002", "1234", station="lobby").staff_no == "1002"
    finally:
        clock.freeze(None)
    actions = [r["action"] for r in demo_store.rows("SELECT action FROM events WHERE entity='sessions' ORDER BY id")]
    assert actions == ["sign_in"] + ["sign_in_failed"] * 5 + ["sign_in_refused", "sign_in"]


def test_unknown_staff_gets_the_same_answer_as_a_wrong_pin(demo_store: Store):
    with pytest.raises(AuthFailed, match=r"unknown staff no\. or wrong PIN"):
        auth.sign_in(demo_store, "9999", "1234", station="lobby")


def test_permission_table_decides_and_refusals_are_recorded(demo_store: Store):
    task_id = tasks.create(demo_store, type="repair", room="908", staff_no="2003", station="floors-mid")
    tasks.transition(demo_store, task_id, "start", staff_no="2003", station="floors-mid")
    tasks.transition(demo_store, task_id, "done", staff_no="2003", station="floors-mid")
    with pytest.raises(PermissionDenied, match=r"苏青青 \(butler\) may not verify a done task: that is for "):
        tasks.transition(demo_store, task_id, "verify", staff_no="2002", station="floors-low")
    refused = demo_store.row("SELECT * FROM events WHERE action = 'refused' ORDER BY id DESC")
    assert refused["actor"] == "2002" and refused["station"] == "floors-low" and "verify" in refused["after"]
    assert tasks.get_task(demo_store, task_id).status == "done"  # nothing half-written
    # The hotel changes the table: butlers may verify now.
    with demo_store.write("0009", None) as tx:
        tx.execute("INSERT INTO permissions (role, action) VALUES ('butler', 'verify_task')")
        tx.event("permissions", "verify_task", "grant", after={"role": "butler"})
    assert tasks.transition(demo_store, task_id, "verify", staff_no="2002", station="floors-low").status == "verified"


@pytest.mark.parametrize(("staff_no", "visible"), [("1002", False), ("0003", True), ("0009", True)])
def test_contact_data_unmasked_only_for_roles_that_may_see_it(demo_store: Store, staff_no: str, visible: bool):
    g = demo_store.row("SELECT id, mobile FROM guests WHERE mobile IS NOT NULL LIMIT 1")
    p = guests.profile(demo_store, g["id"], staff_no=staff_no, station="lobby", signed_in=True)
    assert (p.mobile == g["mobile"]) is visible
    hit = next(h for h in guests.find(demo_store, g["mobile"][-4:], viewer=staff_no) if h.id == g["id"])
    assert (hit.mobile == g["mobile"]) is visible
    view = demo_store.row("SELECT after FROM events WHERE action = 'view' ORDER BY id DESC")
    assert f'"unmasked": {"true" if visible else "false"}' in view["after"]
    # Without a PIN-checked sign-in (the command line), never.
    assert guests.profile(demo_store, g["id"], staff_no=staff_no, audit=False).mobile != g["mobile"]


def test_staff_admin_commands(demo_db: Path):
    def run(*args):
        return CliRunner().invoke(cli, ["--db", str(demo_db), *args], env=signed_env(demo_db, args))

    ok = run("staff", "add", "1010", "王小明", "--team", "LOBBY", "--by", "0009", "--by-pin", "1234", "--pin", "2468")
    assert ok.exit_code == 0, ok.output
    store = Store(demo_db)
    assert auth.sign_in(store, "1010", "2468", station="lobby").name == "王小明"
    store.close()
    refused = run("staff", "add", "1011", "X", "--by", "1002", "--by-pin", "1234", "--pin", "2468")
    assert refused.exit_code == 5 and "may not add staff" in refused.stderr
    bad_pin = run("staff", "reset-pin", "1010", "--pin", "12", "--by", "0009", "--by-pin", "1234")
    assert bad_pin.exit_code == 2 and "4–8 digits" in bad_pin.stderr
    assert run("staff", "reset-pin", "1010", "--pin", "1357", "--by", "0009", "--by-pin", "1234").exit_code == 0
    wrong_admin_pin = run("staff", "reset-pin", "1010", "--pin", "1357", "--by", "0009", "--by-pin", "0000")
    assert wrong_admin_pin.exit_code == 5 and "wrong PIN" in wrong_admin_pin.stderr


async def test_station_asks_for_the_pin_and_shows_who_signed_in(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002", ask_pin=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.screen.query("#sign-in-staff"))
        from textual.widgets import Input

        assert app.screen.query_one("#sign-in-staff", Input).value == "1002"
        await pilot.press(*"9999", "enter")
        error = app.screen.query_one("#sign-in-error")
        await await_until(pilot, lambda: "wrong PIN (4 tries left" in str(error.content))
        await pilot.press("escape")
        assert isinstance(app.screen, SignInScreen)  # cannot be dismissed
        await pilot.press(*"1234", "enter")
        await await_until(pilot, lambda: not isinstance(app.screen, SignInScreen) and app.staff_no == "1002")
        await await_until(pilot, lambda: "李晓莉" in str(app.screen.query_one(StationBar).content))


@pytest.mark.parametrize("between", ["\t", "\r"], ids=["tab", "enter"])
async def test_staff_no_tab_and_pin_typed_as_one_burst_sign_in(demo_db: Path, between: str):
    """A terminal hands a fast typist's keys over together: staff no., Tab, PIN, Enter in one burst. The PIN
    goes into the PIN box (never shown in clear in the staff box) and the person is signed in; Enter after the
    staff no. moves on the same way."""
    from textual import events
    from textual.widgets import Input

    app = ButlerApp(demo_db, "lobby", None, ask_pin=True)

    def burst(keys: str) -> None:
        for char in keys:
            key = {"\t": "tab", "\r": "enter"}.get(char, char)
            app.post_message(events.Key(key, None if key in ("tab", "enter") else char))

    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.screen.query("#sign-in-staff"))
        screen = app.screen
        burst(f"1003{between}12")
        await await_until(pilot, lambda: screen.query_one("#sign-in-pin", Input).value == "12")
        assert screen.query_one("#sign-in-staff", Input).value == "1003"
        burst("34\r")
        await await_until(pilot, lambda: not isinstance(app.screen, SignInScreen) and app.staff_no == "1003")


async def test_sign_out_switch_user_and_idle_lock(demo_db: Path):
    app = ButlerApp(demo_db, "lobby", "1002")
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: app.state is not None)
        await pilot.press("ctrl+u")
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.staff_no is None
                          and app.screen.query("#sign-in-staff"))
        await pilot.press(*"1001")
        await pilot.press("enter", *"1234", "enter")
        await await_until(pilot, lambda: app.staff_no == "1001")
        # Idle: nothing pressed for longer than auto_lock_minutes.
        app.last_activity -= 11 * 60
        app._check_idle()
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.staff_no is None)

        def sessions():
            return [(r["action"], r["actor"]) for r in app.store.rows(
                "SELECT action, actor FROM events WHERE entity = 'sessions' ORDER BY id")]

        await await_until(pilot, lambda: len(sessions()) == 3)
        assert sessions() == [("sign_out", "1002"), ("sign_in", "1001"), ("sign_out", "1001")]
        assert "idle" in app.store.scalar("SELECT after FROM events WHERE entity='sessions' ORDER BY id DESC")


async def test_a_wrong_pin_and_the_right_one_typed_on_its_heels_are_two_tries(demo_db: Path):
    """Enter hands the PIN box's text over and empties the box in the box's own turn: the right PIN typed
    before the wrong one's error shows is the next try, not glued to the wrong one."""
    from textual import events

    app = ButlerApp(demo_db, "lobby", None, ask_pin=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await await_until(pilot, lambda: on_screen(app, SignInScreen) and app.screen.query("#sign-in-staff"))
        for char in "1003\t0000\r1234\r":
            key = {"\t": "tab", "\r": "enter"}.get(char, char)
            app.post_message(events.Key(key, None if key in ("tab", "enter") else char))
        await await_until(pilot, lambda: not isinstance(app.screen, SignInScreen) and app.staff_no == "1003")
        store = Store(demo_db)
        try:
            def tries(action: str) -> int:
                return int(store.scalar("SELECT count(*) FROM events WHERE entity = 'sessions' AND entity_id = '1003'"
                                        " AND action = ?", (action,)) or 0)

            # the two tries run side by side: the wrong one may be written after the right one
            await await_until(pilot, lambda: tries("sign_in_failed") == 1 and tries("sign_in") == 1)
            await pilot.pause()
            assert (tries("sign_in_failed"), tries("sign_in")) == (1, 1)  # the wrong one alone, then the right one
        finally:
            store.close()
