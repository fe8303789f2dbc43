"""The floor station's room board, one row a room, and the routines leads set (issue 17).

Room board: the rooms of the station's floors (every room for a station without floors) — occupancy,
housekeeping status, do-not-disturb, out of order, open tasks. On the selected room: ``s`` sets its
housekeeping status (a small form, refused inline in the service's words — e.g. inspection is for
supervisors and up), ``d`` turns DND on or off, ``n`` raises a task for the room (the new-task form
with the room filled in). Routines: the daily and weekly jobs, ``n`` adds one, ``x`` removes one
(leads and up; anyone else is told why at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from butler_tui import clock
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services import rooms, scheduling, tasks
from butler_tui.services.rooms import RoomRow
from butler_tui.services.scheduling import Routine
from butler_tui.store import Store
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.forms import ConfirmScreen, FormScreen
from butler_tui.ui.new_task import open_new_task
from butler_tui.ui.table import KeyedTable

HK_STYLE = {"dirty": "bold red", "cleaning": "yellow", "clean": "cyan", "inspected": "bold green",
            "out_of_order": "dim"}
NEXT_STEP = {"dirty": "cleaning", "cleaning": "clean", "clean": "inspected", "inspected": "dirty"}
ROOM_COLUMNS = [("room", N_("Room"), 5), ("type", N_("Type"), 10), ("occ", N_("Occupancy"), 10),
                ("hk", N_("Housekeeping"), 12), ("dnd", N_("DND"), 9), ("tasks", N_("Tasks"), 10), ("note", N_("Note"), 30)]


@dataclass(frozen=True)
class RoomBoardData:
    rooms: list[RoomRow]
    open_tasks: dict[str, int]
    overdue: dict[str, int]


def load_rooms(store: Store, station: str) -> RoomBoardData:
    """The station's rooms (every room when it covers no floors) and their open and overdue tasks."""
    found = rooms.list_rooms(store, floors=tasks.station_scope(store, station).floors)
    open_tasks: dict[str, int] = {}
    overdue: dict[str, int] = {}
    for task in tasks.open_tasks(store):
        if task.room_number:
            open_tasks[task.room_number] = open_tasks.get(task.room_number, 0) + 1
            if task.overdue:
                overdue[task.room_number] = overdue.get(task.room_number, 0) + 1
    return RoomBoardData(found, open_tasks, overdue)


def room_cells(r: RoomRow, data: RoomBoardData) -> dict[str, Text]:
    note = ""
    if r.ooo:
        note = tr("{kind} until {until}: {reason}", kind=tr(r.ooo), until=r.ooo_until or "?", reason=r.ooo_reason or "-")
    elif r.makeup_requested:
        note = tr("make up room")
    n, over = data.open_tasks.get(r.number, 0), data.overdue.get(r.number, 0)
    task_text = Text(tr("{n} open", n=n) if n else "", style="bold red" if over else "")
    if over:
        task_text.append(" ‼")
    return {
        "room": Text(r.number, style="bold"),
        "type": Text(r.type, no_wrap=True, overflow="ellipsis"),
        "occ": Text(tr(r.occupancy)),
        "hk": Text(tr(r.hk_status), style=HK_STYLE.get(r.hk_status, "")),
        "dnd": Text(tr("DND {since}", since=clock.show_local(r.dnd_since)) if r.dnd else "", style="bold magenta"),
        "tasks": task_text,
        "note": Text(note, no_wrap=True, overflow="ellipsis"),
    }


class RoomBoardScreen(Board):
    """Every room of the station's floors, one a row; the floor's keys act on the selected room."""

    TITLE = N_("Room board 房态")
    ENTITIES = frozenset({"rooms", "tasks", "stays"})
    DEFAULT_CSS = """
    RoomBoardScreen #room-head { height: 1; padding: 0 1; background: $boost; }
    RoomBoardScreen KeyedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "set_status", N_("Status"), id="room_board.status"),
        Binding("d", "toggle_dnd", N_("DND on/off"), id="room_board.dnd"),
        Binding("n", "new_task", N_("New task"), id="room_board.new_task"),
        Binding("slash", "filter", N_("Filter"), id="room_board.filter"),
        *board_keys("room_board"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: RoomBoardData | None = None
        self.shown: dict[str, RoomRow] = {}

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="room-head")
        yield self.filter_box(tr("Filter rooms by number, status or type — Esc clears"))
        yield KeyedTable(ROOM_COLUMNS, id="room-table")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(load_rooms, self.station.station_code, then=self._show, group="room-board",
                            exclusive=True)

    def _matches(self, r: RoomRow) -> bool:
        needle = self.filter_text.lower()
        return not needle or needle in " ".join((r.number, r.type, r.occupancy, r.hk_status, tr(r.hk_status),
                                                 tr(r.occupancy), "dnd" if r.dnd else "")).lower()

    def _show(self, data: RoomBoardData) -> None:
        self.data = data
        shown = [r for r in data.rooms if self._matches(r)]
        self.shown = {r.number: r for r in shown}
        self.query_one("#room-table", KeyedTable).show({r.number: room_cells(r, data) for r in shown})
        counts = {step: sum(1 for r in shown if r.hk_status == step) for step in HK_STYLE}
        head = Text(tr("{n} rooms", n=len(shown)), style="bold")
        head.append(" · " + " · ".join(f"{tr(step)} {n}" for step, n in counts.items() if n))
        dnd = sum(1 for r in shown if r.dnd)
        if dnd:
            head.append(" · " + tr("DND {n}", n=dnd), style="bold magenta")
        head.append(tr("   s status · d DND · n task for the room"), style="dim")
        self.query_one("#room-head", Static).update(head)

    def filter_changed(self) -> None:
        if self.data:
            self._show(self.data)

    def selected_room(self) -> RoomRow | None:
        key = self.active_table().selected_key
        return self.shown.get(key) if key else None

    def action_set_status(self) -> None:
        room = self.selected_room()
        if room is None:
            return
        if room.ooo:
            self.notify(rooms.ooo_refusal(room.number, room.ooo, room.ooo_reason, room.ooo_until), severity="warning",
                        markup=False, timeout=5)
            return

        def submit(values: dict[str, str], form: FormScreen) -> None:
            self.station.run_db(rooms.set_status, room.number, values["status"].strip().lower(),
                                by=self.station.staff_no, station=self.station.station_code,
                                on_error=form.show_error, then=form.close_and(self.refresh_data))

        self.app.push_screen(FormScreen(
            tr("Housekeeping status · room {room} (now {status})", room=room.number, status=tr(room.hk_status)),
            [("status", "New status (inspected: supervisors and up)", NEXT_STEP.get(room.hk_status, "cleaning"),
              False)], submit, choices={"status": [(tr(step), step) for step in rooms.HK_STEPS]}))

    @on(DataTable.RowSelected, "#room-table")
    def _room_chosen(self) -> None:
        """enter on a room: its status form (as ``s``)."""
        self.action_set_status()

    def action_toggle_dnd(self) -> None:
        room = self.selected_room()
        if room is None:
            return

        def done(after: RoomRow) -> None:
            self.notify(tr("Room {room}: DND on", room=after.number) if after.dnd
                        else tr("Room {room}: DND off", room=after.number), markup=False, timeout=3)
            self.refresh_data()

        self.station.run_db(rooms.set_dnd, room.number, not room.dnd, by=self.station.staff_no,
                            station=self.station.station_code, then=done)

    def action_new_task(self) -> None:
        room = self.selected_room()
        open_new_task(self, room=room.number if room else "")


# -- routines ------------------------------------------------------------------------------------------

ROUTINE_COLUMNS = [("id", "#", 3), ("at", N_("At"), 5), ("every", N_("Every"), 11), ("title", N_("Routine"), 20),
                   ("rooms", N_("Rooms"), 11), ("next", N_("Next"), 11), ("type", N_("Type"), 12),
                   ("station", N_("Station"), 11)]


def routine_cells(r: Routine) -> dict[str, Text]:
    rooms_text = {"": tr("the station"), "vip": tr("VIP rooms")}.get(r.rooms, r.rooms)
    return {
        "id": Text(str(r.id)), "at": Text(r.at, style="bold"),
        "every": Text(tr("daily") if r.days == "daily" else r.days),
        "title": Text(r.title, no_wrap=True, overflow="ellipsis"),
        "rooms": Text(rooms_text, no_wrap=True, overflow="ellipsis"),
        "next": Text(clock.show_local(r.next_at, "%m-%d %H:%M")), "type": Text(r.type), "station": Text(r.station_code),
    }


class RoutinesScreen(Board):
    """The routines in force (daily and weekly jobs the sweep raises); leads and up add and remove them."""

    TITLE = N_("Routines 例行工作")
    ENTITIES = frozenset({"routines"})
    DEFAULT_CSS = """
    RoutinesScreen #routines-head { height: 1; padding: 0 1; background: $boost; }
    RoutinesScreen KeyedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "add", N_("Add"), id="routines.add"),
        Binding("x", "remove", N_("Remove"), id="routines.remove"),
        *board_keys("routines"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, Routine] = {}

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="routines-head")
        yield KeyedTable(ROUTINE_COLUMNS, id="routine-table")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(scheduling.list_routines, then=self._show, group="routines", exclusive=True)

    def _show(self, found: list[Routine]) -> None:
        self.shown = {str(r.id): r for r in found}
        self.query_one("#routine-table", KeyedTable).show({str(r.id): routine_cells(r) for r in found})
        head = Text(tr("{n} routines · the sweep raises their tasks ahead of each time", n=len(found)), style="bold")
        head.append(tr("   n add · x remove (leads and up)"), style="dim")
        self.query_one("#routines-head", Static).update(head)

    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action not in ("add", "remove"):
            return False
        actor = self.station.actor
        return actor is None or not actor.may("manage_routines") or (action == "remove" and not self.shown)

    def _unless_refused(self, go: object) -> None:
        def answer(sentence: str | None) -> None:
            if sentence:
                self.notify(sentence, severity="warning", markup=False, timeout=5)
            elif callable(go):
                go()

        self.station.run_db(scheduling.routine_refusal, self.station.staff_no, then=answer)

    def action_add(self) -> None:
        def open_form() -> None:
            def submit(values: dict[str, str], form: FormScreen) -> None:
                self.station.run_db(
                    scheduling.add_routine, title=values["title"], type=values["type"].strip().lower(),
                    station=values["station"], at=values["at"], every=values["every"], rooms=values["rooms"],
                    staff_no=self.station.staff_no, on_error=form.show_error, then=form.close_and(self.refresh_data))

            self.app.push_screen(FormScreen("New routine 新例行工作", [
                ("title", "What (e.g. Turndown)", "", False), ("type", "Task type (e.g. turndown)", "turndown", False),
                ("station", "For the station", self.station.station_code, False),
                ("at", "Due at (HH:MM, hotel time)", "18:00", False),
                ("every", "Every: daily, or days such as mon,wed,fri", "daily", False),
                ("rooms", "Rooms: vip, room numbers, or empty for one task for the station", "", False),
            ], submit))

        self._unless_refused(open_form)

    def action_remove(self) -> None:
        key = self.active_table().selected_key
        routine = self.shown.get(key) if key else None
        if routine is None:
            return

        def confirm() -> None:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.station.run_db(scheduling.remove_routine, routine.id, **self.who,
                                        then=lambda _r: self.refresh_data())

            self.app.push_screen(ConfirmScreen(tr("Remove routine #{id} {at} {title}? The tasks it raised stay.",
                                                  id=routine.id, at=routine.at, title=routine.title)), answered)

        self._unless_refused(confirm)
