"""What makes an unacknowledged message impossible to miss: a banner on every screen, and for an
emergency a modal that takes over the screen until it is explicitly acknowledged."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from butler_tui import clock
from butler_tui.i18n import N_, t
from butler_tui.services.messaging import MessageView
from butler_tui.text import shown
from butler_tui.ui.base import AtStation

PRIORITY_LABEL = {"emergency": "EMERGENCY 紧急", "urgent": "URGENT 加急", "routine": "routine 普通"}
PRIORITY_STYLE = {"emergency": "bold white on red", "urgent": "bold black on yellow", "routine": ""}


def sender_label(m: MessageView) -> str:
    return shown(f"{m.from_station}" + (f" · {m.from_staff_name}" if m.from_staff_name else ""))


def message_line(m: MessageView) -> Text:
    """One line: priority badge, time, sender, room, body — all literal text."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f" {t(PRIORITY_LABEL[m.priority]).split()[0].upper()} ", style=PRIORITY_STYLE[m.priority] or "bold")
    line.append(f" {clock.show_local(m.created_at)} {sender_label(m)}")
    if m.room_number:
        line.append(" · " + t("room {room}", room=m.room_number))
    line.append(": ")
    line.append(shown(m.body))
    return line


class UnackedBanner(Static):
    """One line under the station bar while anything waits for this station's acknowledgement."""

    DEFAULT_CSS = """
    UnackedBanner {
        height: 1;
        background: $warning 40%;
        display: none;
    }
    UnackedBanner.-visible {
        display: block;
    }
    UnackedBanner.-emergency {
        background: $error;
    }
    """

    def show_unacked(self, unacked: list[MessageView]) -> None:
        self.set_class(bool(unacked), "-visible")
        self.set_class(any(m.priority == "emergency" for m in unacked), "-emergency")
        if not unacked:
            self.update("", layout=False)
            return
        first = unacked[0]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"🔔 {len(unacked)} {t('to acknowledge')} ", style="bold")
        text.append(t("· a ack · l log │ "))
        text.append_text(message_line(first))
        self.update(text, layout=False)  # one line (height 1): showing it or not is the class above


class EmergencyScreen(AtStation, ModalScreen[bool]):
    """Takes over the screen; only an explicit acknowledgement closes it."""

    DEFAULT_CSS = """
    EmergencyScreen {
        align: center middle;
        background: $error 30%;
    }
    EmergencyScreen > Vertical {
        width: 84;
        max-width: 100%;
        max-height: 100%;
        height: auto;
        border: heavy $error;
        background: $surface;
        padding: 1 2;
    }
    EmergencyScreen #emergency-title {
        text-style: bold;
        color: $error;
        margin-bottom: 1;
    }
    EmergencyScreen #emergency-body {
        margin-bottom: 1;
        text-style: bold;
    }
    EmergencyScreen #emergency-error {
        color: $error;
    }
    EmergencyScreen Button {
        width: 100%;
    }
    """
    BINDINGS = [
        Binding("a", "acknowledge", N_("Acknowledge"), id="emergency.ack"),
        Binding("escape", "nothing", N_("Must be acknowledged"), show=False, id="emergency.esc"),
    ]

    def __init__(self, message: MessageView) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        m = self.message
        with Vertical():
            yield Label(Text(t("⚠ EMERGENCY 紧急 · #{id} · {at}", id=m.id, at=clock.show_local(m.created_at))),
                        id="emergency-title")
            who = Text(t("From {sender}", sender=sender_label(m)))
            if m.room_number:
                who.append(" · " + t("room {room}", room=m.room_number))
            yield Label(who)
            yield Static(Text(shown(m.body, multiline=True)), id="emergency-body")
            yield Label(Text(""), id="emergency-error")
            yield Button(Text(t("Acknowledge 确认收到 (a)")), variant="error", id="emergency-ack")

    def on_mount(self) -> None:
        self.app.bell()
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_acknowledge()

    def action_nothing(self) -> None:
        self.app.bell()

    def action_acknowledge(self) -> None:
        self.station.acknowledge(self.message.id, then=lambda _: self.dismiss(True), on_error=self.show_error)

    def show_error(self, error: Exception) -> None:
        self.query_one("#emergency-error", Label).update(Text(str(error)))
