"""``m`` from any screen: say something on the channel (or reply under a message)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select

from butler_tui.errors import ButlerError
from butler_tui.i18n import N_, pick, t
from butler_tui.services import messaging
from butler_tui.services.messaging import MessageView
from butler_tui.text import shown
from butler_tui.ui.base import AtStation

MAX_BODY = 500


class ComposeScreen(AtStation, ModalScreen[int | None]):
    """Dismisses with the new message id, or None when cancelled."""

    DEFAULT_CSS = """
    ComposeScreen {
        align: center middle;
    }
    ComposeScreen > Vertical {
        width: 96;
        max-width: 100%;
        max-height: 100%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    ComposeScreen .field-label {
        margin-top: 1;
        color: $text-muted;
    }
    ComposeScreen Horizontal {
        height: auto;
    }
    ComposeScreen #compose-priority {
        width: 30;
    }
    ComposeScreen #compose-room {
        width: 14;
    }
    ComposeScreen #compose-error {
        color: $error;
        height: auto;
    }
    ComposeScreen #compose-count {
        color: $text-muted;
    }
    ComposeScreen #compose-buttons {
        margin-top: 1;
        align-horizontal: right;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="compose.cancel"),
        Binding("ctrl+s", "send", N_("Send"), priority=True, id="compose.send"),
    ]

    def __init__(self, codes: list[str], parent: MessageView | None = None, room: str | None = None) -> None:
        super().__init__()
        self.codes = codes
        self.parent_message = parent
        self.room = room or (parent.room_number if parent else None)

    def compose(self) -> ComposeResult:
        parent = self.parent_message
        title = (t("Reply to #{id} from {station}", id=parent.id, station=parent.from_station) if parent
                 else t("New message 发消息"))
        with Vertical():
            yield Label(Text(title), classes="field-label")
            if parent:
                yield Label(Text(shown(parent.body), overflow="ellipsis", no_wrap=True))
            yield Label(Text(t("To: all · station codes (lobby,fo) · team:ROOMS") +
                             (t(" — empty replies to the thread") if parent else "")), classes="field-label")
            yield Input(
                value="" if parent else "all", id="compose-to",
                suggester=SuggestFromList(["all", *self.codes], case_sensitive=False),
            )
            with Horizontal():
                yield Select(
                    [(t(label), key) for label, key in (("routine 普通", "routine"), ("urgent 加急", "urgent"),
                                                         ("emergency 紧急", "emergency"))],
                    value="routine", allow_blank=False, id="compose-priority",
                )
                yield Input(value=self.room or "", placeholder=t("room"), id="compose-room", max_length=4)
                yield Select(
                    [(pick(text.split(" · ")[0], text.split(" · ")[-1]), key) for key, text in messaging.QUICK_PHRASES],
                    prompt=t("Quick phrase 常用语"), id="compose-phrase",
                )
            yield Label(Text(t("Message text")), classes="field-label")
            yield Input(placeholder=t("What do you want to say? (Enter sends)"), id="compose-body")
            yield Label(Text(f"0/{MAX_BODY}"), id="compose-count")
            yield Label(Text(""), id="compose-error")
            with Horizontal(id="compose-buttons"):
                yield Button(Text(t("Cancel (esc)")), id="compose-cancel")
                yield Button(Text(t("Send (ctrl+s)")), variant="primary", id="compose-send")

    def on_mount(self) -> None:
        self.query_one("#compose-body", Input).focus()

    @on(Select.Changed, "#compose-phrase")
    def _phrase_picked(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        room = self.query_one("#compose-room", Input).value.strip()
        body = self.query_one("#compose-body", Input)
        body.value = messaging.fill_known(messaging.phrase_text(str(event.value)), room=room)
        body.focus()
        # Put the cursor on the first placeholder left to fill.
        start = body.value.find("{")
        if start >= 0:
            body.cursor_position = start

    @on(Input.Changed, "#compose-body")
    def _count(self, event: Input.Changed) -> None:
        n = len(event.value)
        label = Text(f"{n}/{MAX_BODY}", style="bold red" if n > MAX_BODY else "")
        self.query_one("#compose-count", Label).update(label)

    @on(Input.Submitted, "#compose-body")
    def _submitted(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#compose-send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#compose-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_send(self) -> None:
        to = self.query_one("#compose-to", Input).value.strip()
        body = self.query_one("#compose-body", Input).value
        if "{" in body and "}" in body:
            self.show_error(ButlerError(t("fill in the blanks (in braces) of the quick phrase first")))
            return
        priority = str(self.query_one("#compose-priority", Select).value)
        room = self.query_one("#compose-room", Input).value.strip() or None
        self.query_one("#compose-error", Label).update("")
        self.station.send_message_from_station(
            body=body, to=to or ("" if self.parent_message else "all"), priority=priority, room=room,
            parent_id=self.parent_message.id if self.parent_message else None,
            then=self.dismiss, on_error=self.show_error,
        )

    def show_error(self, error: Exception) -> None:
        self.query_one("#compose-error", Label).update(Text(str(error)))
