"""The arrivals board: a day's arrivals by ETA with room readiness and preparation progress; the
departures with the evening-before answers; the follow-up-call queue (overdue highlighted)."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from butler_tui import clock
from butler_tui.i18n import N_, day_label, t
from butler_tui.services import stays
from butler_tui.services.stays import StayRow
from butler_tui.store import Store
from butler_tui.ui.board import DayBoard, board_keys, day_keys
from butler_tui.ui.cells import STAY_ENTITIES, vip_mark
from butler_tui.ui.table import KeyedTable


def ready_cell(s: StayRow) -> Text:
    if s.status in ("arrived", "in_house", "due_out", "departed"):
        return Text(t("in room"), style="dim")
    if not s.room_number:
        return Text(t("— no room"), style="yellow")
    if s.room_ready:
        return Text(f"✓ {t(s.hk_status) if s.hk_status else ''}", style="green")
    return Text(f"✗ {t(s.hk_status) if s.hk_status else ''}", style="bold red")


def stage_cell(s: StayRow, stage: str) -> Text:
    p = s.stage(stage)
    if p is None:
        return Text("")
    if p.completed_at:
        return Text(t("✓ done"), style="green")
    text = Text(f"{p.done}/{p.total}")
    if p.open_mandatory:
        text.append(f" ●{p.open_mandatory}", style="bold yellow")
    return text


def arrival_cells(s: StayRow) -> dict[str, Text]:
    car = s.car_plate or ""
    if s.parking_bay:
        car += f" @{s.parking_bay}"
    return {
        "eta": Text(clock.show_local(s.eta) or "—"),
        "guest": Text(s.guest_label),
        "vip": vip_mark(s.vip_level),
        "room": Text(s.room_number or "—"),
        "ready": ready_cell(s),
        "butler": Text(s.butler_name or ""),
        "car": Text(car),
        "prep": stage_cell(s, "pre_arrival"),
        "status": Text(t(stays.STATUS_LABEL[s.status]), style="bold red" if s.status == "no_show" else ""),
    }


def departure_cells(s: StayRow) -> dict[str, Text]:
    return {
        "time": Text(s.leaves or "—"),
        "guest": Text(s.guest_label),
        "vip": vip_mark(s.vip_level),
        "room": Text(s.room_number or "—"),
        # Next to the room: an overdue departure shows at 80 columns too.
        "status": (Text(t("OVERDUE"), style="bold white on red") if s.overdue
                   else Text(t(stays.STATUS_LABEL[s.status]))),
        "wakeup": Text(s.wakeup_time or "?", style="" if s.wakeup_time else "yellow"),
        "breakfast": Text(s.breakfast_time or "?", style="" if s.breakfast_time else "yellow"),
        "luggage": Text(s.luggage_time or "?", style="" if s.luggage_time else "yellow"),
        "car": Text(s.airport_car or ""),
        "evening": stage_cell(s, "pre_departure"),
        "checkout": stage_cell(s, "departure"),
    }


def follow_up_cells(s: StayRow) -> dict[str, Text]:
    due = s.follow_up_due
    now = clock.now()
    if due is None:
        state = Text("")
    elif clock.parse(due) < now:
        hours = (now - clock.parse(due)).total_seconds() / 3600
        state = Text(t("OVERDUE {hours:.0f} h", hours=hours), style="bold white on red")
    else:
        hours = (clock.parse(due) - now).total_seconds() / 3600
        state = Text(t("in {hours:.0f} h", hours=hours), style="yellow" if hours < 4 else "")
    return {
        "due": Text(clock.show_local(due, "%m-%d %H:%M") if due else "—"),
        "state": state,
        "guest": Text(s.guest_label),
        "vip": vip_mark(s.vip_level),
        "room": Text(s.room_number or "—"),
        "departed": Text(clock.show_local(s.departed_at, "%m-%d %H:%M")),
        "butler": Text(s.butler_name or ""),
    }


ARRIVAL_COLUMNS = [("eta", "ETA", 5), ("guest", "Guest", 18), ("vip", "VIP", 5), ("room", "Room", 4),
                   ("ready", "Room ready", 12), ("butler", "Butler", 8), ("car", "Car / bay", 16),
                   ("prep", "Prep ●", 8), ("status", "Status", 18)]
# Status (OVERDUE: past the departure time, or flagged so by the night audit, and not checked out) next to
# the room, so it is on the screen at 80 columns.
DEPARTURE_COLUMNS = [("time", "Leaves", 6), ("guest", "Guest", 18), ("vip", "VIP", 5), ("room", "Room", 4),
                     ("status", "Status", 14), ("wakeup", "Wake-up", 7), ("breakfast", "Breakfast", 9),
                     ("luggage", "Luggage", 7), ("car", "Airport car", 14), ("evening", "Evening ●", 9),
                     ("checkout", "Check-out ●", 11)]
FOLLOW_UP_COLUMNS = [("due", "Call due", 11), ("state", "", 12), ("guest", "Guest", 20), ("vip", "VIP", 5),
                     ("room", "Room", 4), ("departed", "Departed", 11), ("butler", "Butler", 10)]


class ArrivalsScreen(DayBoard):
    TITLE = N_("Arrivals 抵离店")
    DEFAULT_CSS = """
    ArrivalsScreen #arrivals-day {
        height: 1;
        padding: 0 1;
    }
    ArrivalsScreen TabbedContent, ArrivalsScreen TabPane, ArrivalsScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS = [
        *day_keys("arrivals"),
        Binding("1", "tab('arrivals')", N_("Arrivals"), show=False, id="arrivals.tab_arrivals"),
        Binding("2", "tab('departures')", N_("Departures"), show=False, id="arrivals.tab_departures"),
        Binding("3", "tab('follow-up')", N_("Follow-up calls"), show=False, id="arrivals.tab_follow_up"),
        Binding("slash", "filter", N_("Filter"), id="arrivals.filter"),
        Binding("G", "guest", N_("Guest profile"), id="arrivals.guest"),
        Binding("N", "guest_note", N_("Guest note"), id="arrivals.guest_note"),
        *board_keys("arrivals"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[StayRow]] = {"arrivals": [], "departures": [], "follow-up": []}

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="arrivals-day")
        yield self.filter_box(t("Filter by guest, room, plate or reservation — Esc clears"))
        with TabbedContent(initial="arrivals"):
            with TabPane(t("Arrivals 抵店 (1)"), id="arrivals"):
                yield KeyedTable(ARRIVAL_COLUMNS, id="table-arrivals")
            with TabPane(t("Departures 离店 (2)"), id="departures"):
                yield KeyedTable(DEPARTURE_COLUMNS, id="table-departures")
            with TabPane(t("Follow-up calls 回访 (3)"), id="follow-up"):
                yield KeyedTable(FOLLOW_UP_COLUMNS, id="table-follow-up")
        yield Footer()

    ENTITIES = STAY_ENTITIES

    def load(self) -> None:
        self.station.run_db(self._load, self.day, then=self._show, group="arrivals", exclusive=True)

    @staticmethod
    def _load(store: Store, day: date) -> dict[str, list[StayRow]]:
        # Today's board ends with last night's no-shows, for the front desk to take back if they turn up.
        no_shows = stays.no_shows(store, day - timedelta(days=1), day) if day == clock.today() else []
        return {"arrivals": stays.arrivals(store, day) + no_shows, "departures": stays.departures(store, day),
                "follow-up": stays.follow_up_queue(store, progress=False)}  # its columns show no checklist

    def _matches(self, s: StayRow) -> bool:
        needle = self.filter_text.lower()
        if not needle:
            return True
        hay = " ".join(str(x) for x in (s.guest_name, s.room_number, s.car_plate, s.reservation_no, s.butler_name))
        return needle in hay.lower()

    def _show(self, data: dict[str, list[StayRow]], rebuild: bool = False) -> None:
        self.rows = data
        builders = {"arrivals": arrival_cells, "departures": departure_cells, "follow-up": follow_up_cells}
        for tab, build in builders.items():
            table = self.query_one(f"#table-{tab}", KeyedTable)
            table.show({str(s.id): build(s) for s in data[tab] if self._matches(s)}, rebuild=rebuild)
        arrivals, vip = data["arrivals"], sum(1 for s in data["arrivals"] if s.vip_level)
        pending = sum(1 for s in arrivals if s.status in ("expected", "room_ready"))
        overdue = sum(1 for s in data["follow-up"] if s.follow_up_due and clock.parse(s.follow_up_due) < clock.now())
        missed = sum(1 for s in arrivals if s.status == "no_show")
        head = Text()
        head.append(day_label(self.day), style="bold")
        if self.day == clock.today():
            head.append(t(" (today)"))
        head.append(" · " + t("{arrivals} arrivals, {pending} to come, {vip} VIP · {departures} departures ·"
                              " {calls} follow-up calls", arrivals=sum(1 for s in arrivals if s.arrival_date == self.day.isoformat()), pending=pending, vip=vip,
                              departures=len(data["departures"]), calls=len(data["follow-up"])))
        if overdue:
            head.append(t(", {n} OVERDUE", n=overdue), style="bold red")
        if missed:
            head.append(" · " + t("{n} no-show(s)", n=missed), style="bold red")
        head.append(t("  ·  [ ] day · t today · enter open · / filter"), style="dim")
        self.query_one("#arrivals-day", Static).update(head)

    def active_table(self) -> KeyedTable:
        tab = self.query_one(TabbedContent).active or "arrivals"
        return self.query_one(f"#table-{tab}", KeyedTable)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.station.open_stay(int(str(event.row_key.value)))

    def _selected_guest(self) -> int | None:
        key = self.active_table().selected_key
        for rows in self.rows.values():
            for s in rows:
                if str(s.id) == key:
                    return s.guest_id
        return None

    def action_guest(self) -> None:
        guest_id = self._selected_guest()
        if guest_id is not None:
            self.station.open_guest(guest_id)

    def action_guest_note(self) -> None:
        guest_id = self._selected_guest()
        if guest_id is not None:
            self.station.add_guest_note(guest_id)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.active_table().focus()

    def filter_changed(self) -> None:
        self._show(self.rows, rebuild=True)
