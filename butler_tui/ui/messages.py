"""The channel log: every message this station sent or received (or all stations'), with who has
acknowledged. Rows update in place: a live refresh never moves the cursor."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label, Static

from butler_tui import clock
from butler_tui.i18n import N_, t
from butler_tui.services import messaging
from butler_tui.services.messaging import CLOSED_AS_LABEL, AckState, MessageView
from butler_tui.text import shown
from butler_tui.ui.alerts import PRIORITY_STYLE, sender_label
from butler_tui.ui.base import AtStation
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.table import KeyedTable

COLUMNS = [("id", "#", None), ("time", "Time", 5), ("priority", "Priority", 9), ("from", "From", 11), ("to", "To", 12),
           ("body", "Message text", 42), ("acks", "Acks", 13), ("me", "This station", 12)]
PRIORITY_FILTERS = [None, "emergency", "urgent", "routine"]


def when(stamp: str) -> str:
    """HH:MM today, MM-DD otherwise."""
    local = clock.local(clock.parse(stamp))
    return local.strftime("%H:%M") if local.date() == clock.today() else local.strftime("%m-%d")


def _cells(m: MessageView, station: str) -> dict[str, Text]:
    priority = Text(t(m.priority), style=PRIORITY_STYLE[m.priority])
    acks = Text(f"{len(m.acked)}/{len(m.recipients)}")
    if m.pending and m.from_station == station:
        acks.append(t(" waiting"), style="yellow")
    if m.is_unacked_by(station):  # also what this station sent to an audience it belongs to (team:LOBBY)
        me = Text(t("● ACK NEEDED"), style="bold red")
    elif m.from_station == station:
        me = Text(t("sent"))
    elif (mine := m.ack_of(station)) and mine.closed_as:
        me = Text(t(CLOSED_AS_LABEL.get(mine.closed_as, mine.closed_as)), style="dim")
    elif mine:
        me = Text(t("✓ acked"), style="green")
    else:
        me = Text("")
    body = Text(("↳ " if m.parent_id else "") + m.body + (t("  [{n} replies]",
                                                            n=m.reply_count) if m.reply_count else ""),
                no_wrap=True, overflow="ellipsis")
    return {
        "id": Text(str(m.id)),
        "time": Text(when(m.created_at)),
        "priority": priority,
        "from": Text(m.from_station),
        "to": Text(m.audience_label, no_wrap=True, overflow="ellipsis"),
        "body": body,
        "acks": acks,
        "me": me,
    }


# The log's newest lines, as `butler messages` lists them by default: a radio log is read at its end,
# and each line carries its acks (≈8 a line on a hotel-wide channel), so it is bounded by what is read.
LOG_ROWS = 200


def ack_line(recipients: list[AckState]) -> Text:
    """Per station: ✓ who acknowledged it and when, ✗ still waiting, or closed without an ack — for
    information, or because its task was resolved first."""
    acks = Text("  ")
    for r in recipients:
        if r.closed_as:
            acks.append(f"– {r.station} {t(CLOSED_AS_LABEL.get(r.closed_as, r.closed_as))}  ", style="dim")
        elif r.acked_at:
            who = f" {r.staff_name}" if r.staff_name else ""
            acks.append(f"✓ {r.station}{who} {clock.show_local(r.acked_at)}  ", style="green")
        else:
            acks.append(f"✗ {r.station}{t(' waiting')}  ", style="bold red")
    return acks


class MessagesScreen(Board):
    TITLE = N_("Messages 消息")
    DEFAULT_CSS = """
    MessagesScreen #filters {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    MessagesScreen KeyedTable {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("a", "ack", N_("Ack"), id="messages.ack"),
        Binding("r", "reply", N_("Reply"), id="messages.reply"),
        Binding("t", "open", N_("Thread"), id="messages.open"),
        Binding("u", "toggle_unacked", N_("Unacked only"), id="messages.unacked"),
        Binding("p", "cycle_priority", N_("Priority"), id="messages.priority"),
        Binding("s", "toggle_scope", N_("This station/all"), id="messages.scope"),
        Binding("slash", "filter", N_("Search"), id="messages.search"),
        *board_keys("messages"),
    ]
    ENTITIES = frozenset({"messages", "acks"})

    def __init__(self) -> None:
        super().__init__()
        self.unacked_only = False
        self.priority_index = 0
        self.all_stations = False
        self.messages: dict[int, MessageView] = {}

    @property
    def code(self) -> str:
        """This station's code."""
        return self.station.station_code

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="filters")
        yield self.filter_box(t("Search text, room or sending station — Enter keeps it, Esc clears"))
        yield KeyedTable(COLUMNS, id="messages-table")
        yield Footer()

    def on_mount(self) -> None:
        self._show_filters()
        super().on_mount()

    # -- data ----------------------------------------------------------------------------------
    def load(self, rebuild: bool = False) -> None:
        self.station.run_db(
            messaging.list_messages,
            then=lambda found: self.show_messages(found, rebuild=rebuild), group="messages-list", exclusive=True,
            **self._query(),
        )

    def _query(self) -> dict[str, Any]:
        return {
            "station": None if self.all_stations else self.code,
            "unacked": self.unacked_only,
            "priority": PRIORITY_FILTERS[self.priority_index],
            "search": self.filter_text or None,
            "limit": LOG_ROWS,
        }

    def show_messages(self, found: list[MessageView], rebuild: bool = False) -> None:
        """A radio log reads top to bottom; a cursor on the last line follows new messages down."""
        table = self.active_table()
        at_bottom = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        ordered = sorted(found, key=lambda m: m.id)
        table.show({str(m.id): _cells(m, self.code) for m in ordered}, rebuild=rebuild)
        self.messages = {m.id: m for m in ordered}
        if at_bottom and table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def _show_filters(self) -> None:
        priority = t(PRIORITY_FILTERS[self.priority_index] or "any")
        text = Text()
        text.append(t("Showing: "))
        text.append(t("all stations") if self.all_stations else t("to/from {station}", station=self.code),
                    style="bold")
        text.append(" · ")
        text.append(t("unacked only") if self.unacked_only else t("acked and unacked"), style="bold")
        text.append(t(" · priority "))
        text.append(priority, style="bold")
        if self.filter_text:
            text.append(t(" · search "))
            text.append(repr(self.filter_text), style="bold")
        text.append(t("   (s scope · u unacked · p priority · / search)"))
        self.query_one("#filters", Static).update(text)

    def filter_changed(self) -> None:
        self._show_filters()
        self.load(rebuild=True)

    def selected(self) -> MessageView | None:
        key = self.active_table().selected_key
        return self.messages.get(int(key)) if key else None

    # -- actions -------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_ack(self) -> None:
        m = self.selected()
        if m is None:
            return
        if not m.is_unacked_by(self.code):
            self.notify(t("#{id} needs no acknowledgement from {station}", id=m.id, station=self.code),
                        markup=False)
            return
        self.station.acknowledge(m.id)

    def action_reply(self) -> None:
        m = self.selected()
        if m is not None:
            self.station.action_compose(parent=m)

    def action_open(self) -> None:
        m = self.selected()
        if m is not None:
            self.station.run_db(messaging.thread, m.id,
                                then=lambda thread: self.app.push_screen(ThreadScreen(thread)))

    def action_toggle_unacked(self) -> None:
        self.unacked_only = not self.unacked_only
        self.filter_changed()

    def action_cycle_priority(self) -> None:
        self.priority_index = (self.priority_index + 1) % len(PRIORITY_FILTERS)
        self.filter_changed()

    def action_toggle_scope(self) -> None:
        self.all_stations = not self.all_stations
        self.filter_changed()


class ThreadScreen(AtStation, ModalScreen[None]):
    """A message, its replies, and per station who acknowledged it and when."""

    DEFAULT_CSS = """
    ThreadScreen {
        align: center middle;
    }
    ThreadScreen > Vertical {
        width: 100;
        max-width: 100%;
        max-height: 90%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    ThreadScreen VerticalScroll {
        height: auto;
        max-height: 28;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", N_("Close"), id="thread.close"),
        Binding("r", "reply", N_("Reply"), id="thread.reply"),
    ]

    def __init__(self, messages: list[MessageView]) -> None:
        super().__init__()
        self.thread = messages

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                for m in self.thread:
                    head = Text(f"#{m.id} {clock.show_local(m.created_at, '%m-%d %H:%M')} ", style="bold")
                    head.append(t(m.priority), style=PRIORITY_STYLE[m.priority])
                    head.append(f"  {sender_label(m)} → {shown(m.audience_label)}")
                    if m.room_number:
                        head.append(" · " + t("room {room}", room=m.room_number))
                    yield Label(head)
                    yield Static(Text(shown(m.body, multiline=True)))
                    yield Static(ack_line(m.recipients))
            yield Label(Text(t("r reply · esc close")))

    def action_reply(self) -> None:
        self.dismiss(None)
        self.station.action_compose(parent=self.thread[0])
