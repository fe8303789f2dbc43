"""Sign-in at a station: staff no. + PIN. The screen cannot be dismissed without signing in; the
station keeps receiving messages underneath, but nothing of the boards shows through: the screen is
opaque, so Textual does not draw the screens below it."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from butler_tui.i18n import N_, t
from butler_tui.logs import log
from butler_tui.services import auth
from butler_tui.services.auth import Person
from butler_tui.ui.base import AtStation


class PinInput(Input):
    """The PIN box: Enter hands over exactly what was typed before it and empties the box, in the box's own turn
    among its keys. (Input's Enter is a binding, run once the key has gone round the app, after the keys that
    followed it: the next try, typed before the error showed, was taken with this one.)"""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            pin, self.value = self.value, ""
            self.post_message(self.Submitted(self, pin))
            return
        await super()._on_key(event)


class SignInScreen(AtStation, ModalScreen[Person]):
    DEFAULT_CSS = """
    SignInScreen { align: center middle; background: $background 100%; }
    SignInScreen > Vertical { width: 60; height: auto; border: heavy $primary; background: $surface; padding: 1 2; }
    SignInScreen .title { text-style: bold; margin-bottom: 1; }
    SignInScreen #sign-in-error { color: $error; height: auto; }
    SignInScreen .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "nothing", N_("Sign in to continue"), show=False, id="sign_in.escape"),
        # Tab or Enter after the staff no. moves to the PIN before the next key is routed (a priority binding
        # runs as the key arrives): typed fast — staff no., Tab, PIN in one burst — the PIN went into the staff
        # box in clear, behind the keys the box had not handled yet. (Focus moved by the box's own Enter, or by
        # the app's Tab, comes after them.)
        Binding("tab,enter", "to_pin", N_("PIN"), show=False, priority=True, id="sign_in.to_pin"),
    ]

    def __init__(self, station_label: str, staff_no: str = "", reason: str = "", hint: str = "") -> None:
        super().__init__()
        self.station_label = station_label
        self.prefill = staff_no
        self.reason = reason
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(t("Sign in 登录 · {station}", station=self.station_label)), classes="title",
                        id="sign-in-title")
            if self.reason:
                yield Label(Text(self.reason), classes="hint")
            yield Label(Text(t("Staff no. 工号")))
            yield Input(value=self.prefill, id="sign-in-staff", max_length=12)
            yield Label(Text(t("PIN 密码")))
            yield PinInput(password=True, id="sign-in-pin", max_length=8)
            yield Label(Text(""), id="sign-in-error")
            yield Label(Text(self.hint or t("Enter signs in · ctrl+q quits the station")), classes="hint")

    def on_mount(self) -> None:
        # Focus goes where the person types next. Looked up without query_one: a station closing
        # while this screen is still mounting has already removed the boxes, and that is no error.
        for box in self.query("#sign-in-pin" if self.prefill else "#sign-in-staff").results(Input):
            box.focus()
        station = self.station.station
        if station is not None and station.label != self.station_label:
            self.call_after_refresh(self.show_station, station.label)

    def show_station(self, label: str) -> None:
        """The station's name arrives after the screen may already be up."""
        self.station_label = label
        for title in self.query("#sign-in-title").results(Label):
            title.update(Text(t("Sign in 登录 · {station}", station=label)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_pin":  # only from the staff box: elsewhere Tab and Enter do what they always do
            return self.focused is not None and self.focused.id == "sign-in-staff"
        return True

    def action_to_pin(self) -> None:
        for box in self.query("#sign-in-pin").results(Input):
            self.set_focus(box)  # now, not after the keys already on their way (Widget.focus waits for those)

    @on(Input.Submitted, "#sign-in-pin")
    def _submit(self, event: Input.Submitted) -> None:
        staff_no = self.query_one("#sign-in-staff", Input).value
        pin = event.value  # the box emptied itself as it handed it over (PinInput)
        self.query_one("#sign-in-error", Label).update("")
        self.station.run_db(auth.sign_in, staff_no, pin, station=self.station.station_code,
                            then=self.dismiss, on_error=self._failed)

    def _failed(self, error: Exception) -> None:
        if self not in self.app.screen_stack:  # a later try, typed on this one's heels, signed in meanwhile
            return
        log.warning("sign-in refused: staff %s at %s (station): %s", self.query_one("#sign-in-staff", Input).value,
                    self.station.station_code, type(error).__name__)
        self.query_one("#sign-in-error", Label).update(Text(str(error)))
        self.query_one("#sign-in-pin", Input).focus()

    def action_nothing(self) -> None:
        self.app.bell()
