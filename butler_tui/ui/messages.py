"""The channel log: every message this station sent or received (or all stations'), with who has
acknowledged. Rows update in place: a live refresh never moves the cursor."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from butler_tui import clock
from butler_tui.services import messaging
from butler_tui.services.messaging import MessageView
from butler_tui.ui.alerts import PRIORITY_STYLE, UnackedBanner, sender_label
from butler_tui.ui.station_bar import StationBar
from butler_tui.i18n import t

COLUMNS = [("id", "#"), ("time", "Time"), ("priority", "Priority"), ("from", "From"), ("to", "To"),
           ("body", "Message"), ("acks", "Acks"), ("me", "This station")]
COLUMN_WIDTHS = {"time": 5, "priority": 9, "from": 11, "to": 12, "body": 44, "acks": 11, "me": 12}
PRIORITY_FILTERS = [None, "emergency", "urgent", "routine"]


def when(stamp: str) -> str:
    """HH:MM today, MM-DD otherwise."""
    local = clock.parse(stamp).astimezone()
    return local.strftime("%H:%M") if local.date() == clock.today() else local.strftime("%m-%d")


def _cells(m: MessageView, station: str) -> dict[str, Text]:
    priority = Text(t(m.priority), style=PRIORITY_STYLE[m.priority])
    acks = Text(f"{len(m.acked)}/{len(m.recipients)}")
    if m.pending and m.from_station == station:
        acks.append(t(" waiting"), style="yellow")
    if m.from_station == station:
        me = Text(t("sent"))
    elif m.is_unacked_by(station):
        me = Text(t("● ACK NEEDED"), style="bold red")
    elif m.ack_of(station):
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


class MessagesScreen(Screen):
    TITLE = t("Messages 消息")
    DEFAULT_CSS = """
    MessagesScreen #filters {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    MessagesScreen #search {
        display: none;
    }
    MessagesScreen #search.-visible {
        display: block;
    }
    MessagesScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("a", "ack", t("Ack"), id="messages.ack"),
        Binding("r", "reply", t("Reply"), id="messages.reply"),
        Binding("t", "open", t("Thread"), id="messages.open"),
        Binding("u", "toggle_unacked", t("Unacked only"), id="messages.unacked"),
        Binding("p", "cycle_priority", t("Priority"), id="messages.priority"),
        Binding("s", "toggle_scope", t("This station/all"), id="messages.scope"),
        Binding("slash", "search", t("Search"), id="messages.search"),
        Binding("escape", "back", t("Back"), id="messages.back"),
        Binding("j", "cursor_down", t("Down"), show=False, id="messages.down"),
        Binding("k", "cursor_up", t("Up"), show=False, id="messages.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unacked_only = False
        self.priority_index = 0
        self.all_stations = False
        self.search_text = ""
        self.messages: dict[int, MessageView] = {}

    @property
    def station(self) -> str:
        return self.app.station_code  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield StationBar()
        yield UnackedBanner()
        yield Static(id="filters")
        yield Input(placeholder=t("Search text, room or sending station — Enter keeps it, Esc clears"), id="search")
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True, id="messages-table")
        for key, label in COLUMNS:
            table.add_column(t(label), key=key, width=COLUMN_WIDTHS.get(key))
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self._show_filters()
        self.refresh_data()
        self.query_one(DataTable).focus()

    # -- data ----------------------------------------------------------------------------------
    def refresh_data(self, events: list | None = None) -> None:
        if events is not None and not any(e.entity in ("messages", "acks") for e in events):
            return
        self.app.run_db(  # type: ignore[attr-defined]
            messaging.list_messages,
            then=self.show_messages, group="messages-list", exclusive=True,
            **self._query(),
        )

    def _query(self) -> dict:
        return {
            "station": None if self.all_stations else self.station,
            "unacked": self.unacked_only,
            "priority": PRIORITY_FILTERS[self.priority_index],
            "search": self.search_text or None,
        }

    def show_messages(self, found: list[MessageView], rebuild: bool = False) -> None:
        table = self.query_one(DataTable)
        ordered = sorted(found, key=lambda m: m.id)  # a radio log reads top to bottom
        wanted = {m.id for m in ordered}
        at_bottom = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        if rebuild:
            table.clear()
            self.messages.clear()
        for key in [k for k in self.messages if k not in wanted]:
            table.remove_row(str(key))
            del self.messages[key]
        for m in ordered:
            cells = _cells(m, self.station)
            if m.id in self.messages:
                old = _cells(self.messages[m.id], self.station)
                for column, value in cells.items():
                    if value != old[column]:
                        table.update_cell(str(m.id), column, value)
            else:
                table.add_row(*cells.values(), key=str(m.id))
            self.messages[m.id] = m
        if at_bottom and table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def _show_filters(self) -> None:
        priority = t(PRIORITY_FILTERS[self.priority_index] or "any")
        text = Text()
        text.append(t("Showing: "))
        text.append(t("all stations") if self.all_stations else t("to/from {station}", station=self.station),
                    style="bold")
        text.append(" · ")
        text.append(t("unacked only") if self.unacked_only else t("acked and unacked"), style="bold")
        text.append(t(" · priority "))
        text.append(priority, style="bold")
        if self.search_text:
            text.append(t(" · search "))
            text.append(repr(self.search_text), style="bold")
        text.append(t("   (s scope · u unacked · p priority · / search)"))
        self.query_one("#filters", Static).update(text)

    def _refilter(self) -> None:
        self._show_filters()
        self.app.run_db(  # type: ignore[attr-defined]
            messaging.list_messages,
            then=lambda found: self.show_messages(found, rebuild=True), group="messages-list", exclusive=True,
            **self._query(),
        )

    def selected(self) -> MessageView | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.messages.get(int(key)) if key else None

    # -- actions -------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_ack(self) -> None:
        m = self.selected()
        if m is None:
            return
        if not m.is_unacked_by(self.station):
            self.notify(t("#{id} needs no acknowledgement from {station}", id=m.id, station=self.station), markup=False)
            return
        self.app.acknowledge(m.id)  # type: ignore[attr-defined]

    def action_reply(self) -> None:
        m = self.selected()
        if m is not None:
            self.app.action_compose(parent=m)  # type: ignore[attr-defined]

    def action_open(self) -> None:
        m = self.selected()
        if m is not None:
            self.app.run_db(messaging.thread, m.id, then=lambda t: self.app.push_screen(ThreadScreen(t)))  # type: ignore[attr-defined]

    def action_toggle_unacked(self) -> None:
        self.unacked_only = not self.unacked_only
        self._refilter()

    def action_cycle_priority(self) -> None:
        self.priority_index = (self.priority_index + 1) % len(PRIORITY_FILTERS)
        self._refilter()

    def action_toggle_scope(self) -> None:
        self.all_stations = not self.all_stations
        self._refilter()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-visible")
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value.strip()
        self._refilter()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus or self.search_text:
            search.value = ""
            search.remove_class("-visible")
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()


class ThreadScreen(ModalScreen[None]):
    """A message, its replies, and per station who acknowledged it and when."""

    DEFAULT_CSS = """
    ThreadScreen {
        align: center middle;
    }
    ThreadScreen > Vertical {
        width: 100;
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
        Binding("escape", "dismiss", t("Close"), id="thread.close"),
        Binding("r", "reply", t("Reply"), id="thread.reply"),
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
                    head.append(f"  {sender_label(m)} → {m.audience_label}")
                    if m.room_number:
                        head.append(" · " + t("room {room}", room=m.room_number))
                    yield Label(head)
                    yield Static(Text(m.body))
                    acks = Text("  ")
                    for r in m.recipients:
                        if r.acked_at:
                            who = f" {r.staff_name}" if r.staff_name else ""
                            acks.append(f"✓ {r.station}{who} {clock.show_local(r.acked_at)}  ", style="green")
                        else:
                            acks.append(f"✗ {r.station}{t(' waiting')}  ", style="bold red")
                    yield Static(acks)
            yield Label(Text(t("r reply · esc close")))

    def action_reply(self) -> None:
        self.dismiss(None)
        self.app.action_compose(parent=self.thread[0])  # type: ignore[attr-defined]
