"""The room/floor board and the task list, and the escalation queue.

Room board: one line per floor, one token per room — occupancy letter, housekeeping letter, and a
mark (z = do not disturb, ! = open task, ‼ = overdue task). Colour repeats what the letters say;
it never carries meaning alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label, Static, TabbedContent, TabPane

from butler_tui import clock
from butler_tui.i18n import N_
from butler_tui.i18n import t as tr
from butler_tui.services import messaging, scheduling, tasks
from butler_tui.services.messaging import MessageView
from butler_tui.services.rooms import RoomRow, list_rooms
from butler_tui.services.scheduling import Scheduled
from butler_tui.services.tasks import TaskRow
from butler_tui.store import Store
from butler_tui.ui.base import AtStation
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.forms import ConfirmScreen, FormScreen
from butler_tui.ui.messages import ack_line
from butler_tui.ui.new_task import open_new_task
from butler_tui.ui.table import KeyedTable

TASK_ENTITIES = frozenset({"tasks", "rooms", "stays", "scheduled_tasks"})
OCC = {"vacant": "V", "occupied": "O", "expected": "E", "due_out": "D"}
HK = {"dirty": "d", "cleaning": "c", "clean": "C", "inspected": "I", "out_of_order": "X"}
HK_STYLE = {"dirty": "on dark_red", "cleaning": "black on yellow", "clean": "on dark_blue",
            "inspected": "black on green", "out_of_order": "on grey30"}
PRIORITY_STYLE = {1: "bold white on red", 2: "bold red", 3: "yellow", 4: "", 5: "dim"}
LEGEND = ("Occupancy V vacant · O occupied · E arriving · D due out   Housekeeping d dirty · c cleaning · C clean ·"
          " I inspected · X out of order   Mark z DND · ! open task · ‼ overdue")


def due_cell(t: TaskRow, now: datetime | None = None) -> Text:
    now = now or clock.now()
    if t.status == "done":
        return Text(tr("done {when}", when=clock.show_local(t.done_at, "%m-%d %H:%M")), style="green")
    if t.status in tasks.RESOLVED_STATUSES:
        return Text(tr("at {when}", when=clock.show_local(t.updated_at)), style="dim")
    due = t.clock.effective_due(now)
    if t.status == "on_hold":
        return Text(tr("held: {reason}", reason=t.hold_reason or ""), style="dim", no_wrap=True, overflow="ellipsis")
    if t.status == "deferred":
        return Text(tr("deferred {until}", until=clock.show_local(t.deferred_until)), style="dim")
    if due is None:
        return Text("—")
    over = t.clock.minutes_over(now) or 0
    if over > 0:
        return Text(tr("OVERDUE {minutes:.0f}m", minutes=over), style="bold white on red")
    if over > -10:
        return Text(tr("due {when}", when=f"{clock.show_local(clock.iso(due))} ({-over:.0f}m)"), style="bold yellow")
    on_another_day = clock.local(due).date() != clock.today()
    return Text(tr("due {when}", when=clock.show_local(clock.iso(due), "%m-%d %H:%M" if on_another_day else "%H:%M")))


def task_cells(t: TaskRow, now: datetime | None = None) -> dict[str, Text]:
    return {
        "id": Text(str(t.id)),
        "p": Text(f"P{t.priority}", style=PRIORITY_STYLE.get(t.priority, "")),
        "task": Text(t.shown_name, no_wrap=True, overflow="ellipsis"),
        "room": Text(t.room_number or t.area or "—"),
        "status": Text(tr(tasks.STATUS_LABEL[t.status])),
        "owner": Text(f"{t.owner_name or t.owner_no or '—'} {t.owner_team or ''}".strip(), no_wrap=True,
                      overflow="ellipsis"),
        "second": Text(t.second_team or ""),
        "assignee": Text(t.assignee_name or ""),
        "due": due_cell(t, now),
        "level": Text(f"L{t.escalation_level}" if t.escalation_level else "", style="bold red"),
    }


TASK_COLUMNS = [("id", "#", 4), ("p", "P", 2), ("task", "Task", 26), ("room", "Room", 5), ("status", "Status", 17),
                ("owner", "First resp.", 13), ("second", "2nd", 5), ("assignee", "Doing it", 8),
                ("due", "Due", 16), ("level", "Esc", 3)]


def room_board(rooms: list[RoomRow], marks: dict[str, str], columns: int | None = None) -> Text:
    """One line a floor, one token a room. In ``columns`` too few for a floor's rooms (80: 18 of 25), each
    floor goes on in a block below, under a header of its own room numbers: every token stays in its column."""
    floors: dict[int, list[RoomRow]] = {}
    for r in rooms:
        floors.setdefault(r.floor, []).append(r)
    width = max((len(v) for v in floors.values()), default=0)
    per_line = max(1, (columns - 5) // 4) if columns else width
    text = Text(no_wrap=True)
    for first in range(0, max(width, 1), per_line):
        last = min(width, first + per_line)
        text.append("     " + "".join(f"{i:02d}  " for i in range(first + 1, last + 1)) + "\n", style="dim")
        for floor in sorted(floors, reverse=True):
            text.append(f"{floor:>3}F ", style="bold")
            for r in sorted(floors[floor], key=lambda x: x.number)[first:last]:
                mark = "z" if r.dnd else marks.get(r.number, "·")
                token = f"{OCC[r.occupancy]}{HK[r.hk_status]}{mark}"
                text.append(token, style=HK_STYLE[r.hk_status] + (" bold" if mark in "!‼" else ""))
                text.append(" ")
            text.append("\n")
    text.append(tr(LEGEND), style="dim")
    return text


BOARD_TABS = ("todo", "verify", "closed")
"""The task boards: to do (the open tasks the station sees), waiting for its verification, closed today."""


class BoardData:
    """What the board shows, read and turned into table cells in the worker thread, off the UI."""

    def __init__(self, rooms: list[RoomRow], boards: dict[str, list[TaskRow]], marks: dict[str, str],
                 scheduled: list[Scheduled] | None = None):
        self.rooms, self.boards, self.marks = rooms, boards, marks
        self.scheduled = scheduled or []
        now = clock.now()
        self.cells = {str(t.id): task_cells(t, now) for rows in boards.values() for t in rows}
        self.signatures = {key: KeyedTable.signature(cells) for key, cells in self.cells.items()}

    @property
    def tasks(self) -> list[TaskRow]:
        """The open tasks (the to-do board)."""
        return self.boards["todo"]


def load_board(store: Store, station: str, scope_all: bool, staff_no: str | None = None) -> BoardData:
    """Rooms of the station's floors (all floors if it covers none), the open tasks it sees, and a
    mark per room with an open (!) or overdue (‼) task. One read of the open tasks serves all three.
    Besides: the done tasks waiting for this station to verify them, and the tasks closed today."""
    rooms = list_rooms(store, floors=tasks.station_scope(store, station).floors)
    everything = tasks.open_tasks(store)
    task_rows = tasks.visible_to(store, station, scope_all=scope_all, among=everything)
    marks: dict[str, str] = {}
    for task in everything:
        if task.room_number:
            marks[task.room_number] = "‼" if task.overdue or marks.get(task.room_number) == "‼" else "!"
    boards = {"todo": task_rows, "verify": tasks.awaiting_verification(store, station, staff_no),
              "closed": tasks.closed_today(store, station, scope_all=scope_all)}
    scheduled = scheduling.pending(store, station=None if scope_all else station)
    return BoardData(rooms, boards, marks, scheduled)


Call = tuple[Callable[..., TaskRow], tuple[Any, ...], dict[str, Any]]
"""A service call a form makes of its values: (function, arguments after the task id, keywords)."""
TASK_ACTIONS = {*tasks.TRANSITIONS, *tasks.OPEN_TASK_ACTIONS}

TASK_BINDINGS = [
    Binding("y", "step('ack')", N_("Ack"), id="tasks.ack"),
    Binding("s", "step('start')", N_("Start"), id="tasks.start"),
    Binding("w", "step('hold')", N_("Hold"), id="tasks.hold"),
    Binding("u", "step('resume')", N_("Resume"), id="tasks.resume"),
    Binding("d", "step('done')", N_("Done"), id="tasks.done"),
    Binding("v", "step('verify')", N_("Verify"), id="tasks.verify"),
    Binding("c", "step('close')", N_("Close"), id="tasks.close"),
    Binding("o", "step('reopen')", N_("Reopen"), id="tasks.reopen"),
    Binding("D", "step('defer')", N_("Defer"), show=False, id="tasks.defer"),
    Binding("x", "step('cancel')", N_("Cancel"), show=False, id="tasks.cancel"),
    Binding("f", "hand_on", N_("Hand on"), id="tasks.hand_on"),
    Binding("R", "reassign", N_("Assign"), id="tasks.assign"),
    Binding("t", "take_over", N_("Take over"), show=False, id="tasks.take_over"),
    Binding("X", "resolve", N_("Resolve"), show=False, id="tasks.resolve"),
    Binding("E", "escalate", N_("Escalate"), id="tasks.escalate"),
    Binding("G", "guest", N_("Guest"), show=False, id="tasks.guest"),
    Binding("N", "guest_note", N_("Guest note"), show=False, id="tasks.guest_note"),
    Binding("enter", "detail", N_("Detail"), show=False, id="tasks.detail"),
]
"""The one table of task keys: the same key means the same action on every board of tasks (the room
board's task lists and the escalation queue); a keymap that moves one moves it on all of them."""


def task_keys(*shown: str) -> list[Binding]:
    """:data:`TASK_BINDINGS`, the footer showing those named in ``shown`` (their id after ``tasks.``): each
    board shows what it is mostly for; every key works on every board."""
    def name(b: Binding) -> str:
        return (b.id or "").removeprefix("tasks.")

    order = {n: i for i, n in enumerate(shown)}
    return sorted((replace(b, show=name(b) in order) for b in TASK_BINDINGS),
                  key=lambda b: order.get(name(b), len(order)))


class TaskBoard(Board):
    """A board of tasks with the lifecycle keys: the task lists and the escalation queue. A key the
    rule in services rules out for the selected task (its status, the person's role) is dimmed, and
    pressing it says why at once — no form is opened for a step that would be refused."""

    ENTITIES = TASK_ENTITIES

    def __init__(self) -> None:
        super().__init__()
        self.shown_tasks: dict[str, TaskRow] = {}

    def selected_task_id(self) -> int | None:
        key = self.active_table().selected_key
        return int(key) if key and key.isdigit() else None  # a scheduled entry (s12) is no task yet

    def selected_task(self) -> TaskRow | None:
        key = self.active_table().selected_key
        return self.shown_tasks.get(key) if key else None

    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        name = str(parameters[0]) if action == "step" and parameters else action
        if name not in TASK_ACTIONS:
            return False
        task = self.selected_task()
        return task is None or name not in tasks.allowed_actions(task, self.station.actor)

    def show_tasks(self, shown: list[TaskRow]) -> None:
        self.shown_tasks = {str(t.id): t for t in shown}
        self.rules_may_have_changed()

    def explain_no_task(self) -> None:
        """A task key was pressed on a row that is no task (a scheduled entry): say why nothing happens."""

    def _unless_refused(self, action: str, go: Callable[[int], Any]) -> None:
        """``go(task_id)`` for the selected task — unless the rule rules ``action`` out: then the
        service's sentence, at once, and nothing opened (asked again, in case the task moved on)."""
        task_id = self.selected_task_id()
        if task_id is None:
            self.explain_no_task()
            return
        if not self.ruled_out(action, ()):
            go(task_id)
            return

        def answer(sentence: str | None) -> None:
            if sentence:
                self.notify(sentence, severity="warning", markup=False, timeout=5)
            else:
                go(task_id)

        self.station.run_db(tasks.refusal, task_id, action, staff_no=self.station.staff_no, then=answer)

    def _do(self, fn: Callable[..., TaskRow], *args: Any, notice: str, action: str, **kwargs: Any) -> None:
        def run(task_id: int) -> None:
            def done(task: TaskRow) -> None:
                self.notify(f"#{task.id} {notice}", markup=False, timeout=3)
                self.refresh_data()

            self.station.run_db(fn, task_id, *args, **kwargs, **self.who, then=done)

        self._unless_refused(action, run)

    def _form(self, title: str, fields: list[tuple[str, str, str, bool]],
              call: Callable[[dict[str, str]], Call], *, action: str, hint: str = "") -> None:
        def open_form(task_id: int) -> None:
            def submit(values: dict[str, str], form: FormScreen) -> None:
                fn, args, kwargs = call(values)
                self.station.run_db(fn, task_id, *args, **kwargs, **self.who, on_error=form.show_error,
                                    then=form.close_and(self.refresh_data))

            self.app.push_screen(FormScreen(tr("{title} · task #{id}", title=tr(title), id=task_id), fields, submit,
                                            hint=hint))

        self._unless_refused(action, open_form)

    def action_step(self, action: str) -> None:
        if action in tasks.NEEDS_REASON:
            self._form(action.capitalize(), [("reason", tr("Reason: {what}", what=tr(tasks.NEEDS_REASON[action])),
                                              "", False)],
                       lambda v: (tasks.transition, (action,), {"reason": v["reason"]}), action=action)
        elif action == "defer":
            self._form("Defer", [("until", "Until (HH:MM, +30m, +2h)", "+30m", False)],
                       lambda v: (tasks.transition, ("defer",), {"until": tasks.parse_when(v["until"])}),
                       action=action)
        elif action == "done":
            self._form("Done", [("resolution", "What was done (optional)", "", False)],
                       lambda v: (tasks.transition, ("done",), {"resolution": v["resolution"] or None}),
                       action=action)
        else:
            self._do(tasks.transition, action, action=action,
                     notice=tr(tasks.STATUS_LABEL[tasks.TRANSITIONS[action][1]]) if action != "resume"
                     else tr("resumed"))

    def action_hand_on(self) -> None:
        self._form("Hand on to another department (second responsible)",
                   [("team", "Team code (ENG, SEC, FNB, ROOMS, CS, LOBBY, FO, CONF, ACCT)", "", False),
                    ("note", "Note", "", False)],
                   lambda v: (tasks.hand_on, (v["team"],), {"note": v["note"]}), action="hand_on")

    def action_escalate(self) -> None:
        self._form("Escalate now (首问责任制: at once to the manager, then the director)",
                   [("reason", "Why it cannot be solved here", "", False)],
                   lambda v: (tasks.escalate_now, (v["reason"],), {}), action="escalate")

    def action_take_over(self) -> None:
        """Take the task over; when someone else is doing it, ask first."""
        task = self.selected_task()
        me = self.station.staff_no
        if task is None or not task.assignee_no or task.assignee_no == me or self.ruled_out("take_over", ()):
            self._do(tasks.take_over, action="take_over", notice=tr("taken over"))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._do(tasks.take_over, action="take_over", notice=tr("taken over"))

        self.app.push_screen(ConfirmScreen(tr("{name} is doing task #{id} ({task}). Take it over?",
                                              name=task.assignee_name or task.assignee_no, id=task.id,
                                              task=task.shown_name)), answered)

    def action_reassign(self) -> None:
        """Assign the task to a person of its doing team (lead and up)."""
        def open_form(task_id: int) -> None:
            def with_staff(staff: list[tuple[str, str]]) -> None:
                hint = tr("Its doing team: {staff}", staff=", ".join(f"{no} {name}" for no, name in staff) or "—")

                def submit(values: dict[str, str], form: FormScreen) -> None:
                    self.station.run_db(tasks.assign, task_id, values["assignee"], **self.who,
                                        on_error=form.show_error, then=form.close_and(self.refresh_data))

                self.app.push_screen(FormScreen(tr("{title} · task #{id}", title=tr("Assign to a person"),
                                                   id=task_id),
                                                [("assignee", "Staff no. of who does it", "", False)], submit,
                                                hint=hint))

            self.station.run_db(tasks.assignable, task_id, then=with_staff)

        self._unless_refused("reassign", open_form)

    def action_resolve(self) -> None:
        self._form("Resolve with a note", [("note", "What was done", "", False)],
                   lambda v: (tasks.resolve, (v["note"],), {}), action="resolve")

    def _task_guest(self, then: Callable[[int], Any]) -> None:
        task_id = self.selected_task_id()
        if task_id is None:
            self.explain_no_task()
            return

        def got(task: TaskRow) -> None:
            if task.guest_id is None:
                self.notify(tr("Task #{id} has no guest", id=task.id), markup=False, timeout=3)
            else:
                then(task.guest_id)

        self.station.run_db(tasks.get_task, task_id, then=got)

    def action_guest(self) -> None:
        self._task_guest(self.station.open_guest)

    def action_guest_note(self) -> None:
        self._task_guest(self.station.add_guest_note)

    def action_detail(self) -> None:
        task_id = self.selected_task_id()
        if task_id is None:
            self.explain_no_task()
            return
        self.station.run_db(_task_detail, task_id, then=lambda d: self.app.push_screen(TaskDetailScreen(*d)))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_detail()


def _task_detail(store: Store, task_id: int) -> tuple[TaskRow, list[dict[str, Any]], list[MessageView]]:
    return tasks.get_task(store, task_id), tasks.history(store, task_id), messaging.task_notices(store, task_id)


class TaskDetailScreen(AtStation, ModalScreen[None]):
    """A task: what it is, its history (every step, who, where), and each notice it sent with who
    acknowledged it — or why nobody had to (for information, task resolved)."""

    DEFAULT_CSS = """
    TaskDetailScreen { align: center middle; }
    TaskDetailScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 90%; border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "dismiss", N_("Close"), id="task_detail.close")]

    def __init__(self, task: TaskRow, history: list[dict[str, Any]], notices: list[MessageView] | None = None) -> None:
        super().__init__()
        self.task_row, self.history, self.notices = task, history, notices or []

    def compose(self) -> ComposeResult:
        t = self.task_row
        with VerticalScroll():
            head = Text(f"#{t.id} P{t.priority} {t.type_name} · ", style="bold")
            head.append(t.shown_name)
            head.append("\n" + tr(tasks.STATUS_LABEL[t.status]) + " · " + tr("room {room}", room=t.room_number or "—")
                        + " · " + tr("first responsible {name} ({team})", name=t.owner_name or t.owner_no or "—",
                                     team=t.owner_team or "—")
                        + (" · " + tr("second department {team}", team=t.second_team) if t.second_team else "")
                        + " · " + tr("doing it {name} · escalation level {level} · reopened {n}×",
                                     name=t.assignee_name or "—", level=t.escalation_level, n=t.repeat_count)
                        + "\n")
            head.append_text(due_cell(t))
            if t.details:
                head.append("\n")
                head.append(t.details)
            if t.resolution:
                head.append("\n" + tr("Resolution: "))
                head.append(t.resolution)
            yield Static(head)
            lines = Text()
            for e in self.history:
                lines.append(f"{clock.show_local(e['at'], '%m-%d %H:%M')} {e['action']:<10} "
                             f"{e['actor_name'] or e['actor'] or '-'} @{e['station'] or '-'}  {e['after'] or ''}\n")
            yield Label(Text(tr("History"), style="bold"))
            yield Static(lines, id="task-history")
            yield Label(Text(tr("Notices ({n})", n=len(self.notices)), style="bold"))
            notices = Text()
            for m in self.notices:
                notices.append(f"#{m.id} {clock.show_local(m.created_at, '%m-%d %H:%M')} {m.from_station} → ")
                notices.append(m.body)
                notices.append("\n")
                notices.append_text(ack_line(m.recipients))
                notices.append("\n")
            if not self.notices:
                notices.append(tr("none"), style="dim")
            yield Static(notices, id="task-notices")
            yield Label(Text(tr("esc close")))


BOARD_TAB_TITLES = {"todo": N_("To do 待办 (1)"), "verify": N_("Waiting for my verification 待核实 (2)"),
                    "closed": N_("Closed today 今日已结 (3)"), "scheduled": N_("Scheduled 预约 (4)")}
SCHEDULED_COLUMNS = [("id", "#", 4), ("task", N_("Task"), 26), ("room", N_("Room"), 5), ("due", N_("Due"), 11),
                     ("raise", N_("Raised at"), 11), ("station", N_("Asked at"), 11), ("by", N_("By"), 6)]


def scheduled_cells(s: Scheduled) -> dict[str, Text]:
    """A task waiting for its raise time, dimmed: nobody has to act on it yet."""
    return {"id": Text(f"s{s.id}", style="dim"), "task": Text(s.name, style="dim", no_wrap=True, overflow="ellipsis"),
            "room": Text(s.room_number or "—", style="dim"),
            "due": Text(clock.show_local(s.due_at, "%m-%d %H:%M"), style="bold"),
            "raise": Text(clock.show_local(s.raise_at, "%m-%d %H:%M"), style="dim"),
            "station": Text(s.station_code or "", style="dim"), "by": Text(s.created_by or "", style="dim")}


class RoomsScreen(TaskBoard):
    TITLE = N_("Rooms & tasks 房务与任务")
    DEFAULT_CSS = """
    RoomsScreen #room-board-box { height: auto; max-height: 50%; }
    RoomsScreen #room-board { height: auto; padding: 0 1; }
    RoomsScreen #tasks-head { height: 1; padding: 0 1; background: $boost; }
    RoomsScreen TabbedContent, RoomsScreen TabPane, RoomsScreen KeyedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "new_task", N_("New"), id="tasks.new"),
        *task_keys("ack", "start", "hold", "resume", "done", "verify", "hand_on", "escalate"),
        Binding("1", "tab('todo')", N_("To do"), show=False, id="tasks.tab_todo"),
        Binding("2", "tab('verify')", N_("To verify"), show=False, id="tasks.tab_verify"),
        Binding("3", "tab('closed')", N_("Closed today"), show=False, id="tasks.tab_closed"),
        Binding("4", "tab('scheduled')", N_("Scheduled"), show=False, id="tasks.tab_scheduled"),
        Binding("x", "unschedule", N_("Cancel"), id="tasks.unschedule"),
        Binding("F", "room_board", N_("Room board"), id="tasks.room_board"),
        Binding("P", "routines", N_("Routines"), show=False, id="tasks.routines"),
        Binding("S", "toggle_scope", N_("All/mine"), id="tasks.scope"),
        Binding("slash", "filter", N_("Filter"), id="tasks.filter"),
        *board_keys("tasks"),
    ]

    def __init__(self, filter_text: str = "", tab: str = "todo") -> None:
        super().__init__()
        self.first_tab = tab
        self.scope_all = bool(filter_text)  # looking for one room: every station's tasks in it
        self.filter_text = filter_text
        self.data: BoardData | None = None
        self.shown_scheduled: dict[str, Scheduled] = {}

    def compose(self) -> ComposeResult:
        yield from self.top()
        # The floor grid takes at most half the screen and scrolls (a 12-floor station at 80×24 would leave
        # no row of its tasks in sight otherwise).
        with VerticalScroll(id="room-board-box", can_focus=False):
            yield Static(Text(tr("Loading rooms…")), id="room-board")
        yield Static(id="tasks-head")
        yield self.filter_box(tr("Filter tasks by text, room or team — Esc clears"))
        with TabbedContent(initial=self.first_tab):
            for tab in BOARD_TABS:
                with TabPane(tr(BOARD_TAB_TITLES[tab]), id=tab):
                    yield KeyedTable(TASK_COLUMNS, id="task-table" if tab == "todo" else f"task-table-{tab}")
            with TabPane(tr(BOARD_TAB_TITLES["scheduled"]), id="scheduled"):
                yield KeyedTable(SCHEDULED_COLUMNS, id="task-table-scheduled")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(load_board, self.station.station_code, self.scope_all, self.station.staff_no,
                            then=self._show, group="rooms-board", exclusive=True)

    def table_of(self, tab: str) -> KeyedTable:
        return self.query_one("#task-table" if tab == "todo" else f"#task-table-{tab}", KeyedTable)

    def active_table(self) -> KeyedTable:
        return self.table_of(self.query_one(TabbedContent).active or "todo")

    def _matches(self, t: TaskRow) -> bool:
        needle = self.filter_text.lower()
        return not needle or needle in " ".join(
            str(x) for x in (t.name, t.shown_name, t.room_number, t.owner_team, t.second_team, t.type, t.owner_name)).lower()

    def _show(self, data: BoardData) -> None:
        self.data = data
        self._show_room_board()
        everything: list[TaskRow] = []
        shown_on: dict[str, list[TaskRow]] = {}
        for tab in BOARD_TABS:
            shown_on[tab] = [t for t in data.boards[tab] if self._matches(t)]
            self.table_of(tab).show({str(t.id): data.cells[str(t.id)] for t in shown_on[tab]},
                                    signatures=data.signatures)
            everything += shown_on[tab]
        self.shown_scheduled = {f"s{s.id}": s for s in data.scheduled
                                if not self.filter_text or self.filter_text.lower() in
                                f"{s.name} {s.room_number or ''} {s.type}".lower()}
        self.table_of("scheduled").show({key: scheduled_cells(s) for key, s in self.shown_scheduled.items()})
        self.show_tasks(everything)
        shown = shown_on["todo"]
        overdue = sum(1 for t in shown if t.overdue)
        scope = tr("all stations") if self.scope_all else tr("this station: its teams, floors and requests")
        head = Text(tr("Tasks · {scope} · {n} open", scope=scope, n=len(shown)), style="bold")
        if overdue:
            head.append(tr(" · {n} OVERDUE", n=overdue), style="bold red")
        if shown_on["verify"]:
            head.append(tr(" · {n} to verify", n=len(shown_on["verify"])), style="bold yellow")
        head.append(tr("   o reopen · c close · x cancel · R assign · t take over · X resolve · D defer · enter history"
                       " · 4 scheduled · F room board · P routines"),
                    style="dim")
        self.query_one("#tasks-head", Static).update(head)

    def _show_room_board(self) -> None:
        if self.data is not None:
            board = self.query_one("#room-board", Static)
            board.update(room_board(self.data.rooms, self.data.marks, self.size.width - 2))  # padding 0 1

    def on_resize(self) -> None:
        self._show_room_board()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.active_table().focus()
        self.rules_may_have_changed()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.refresh_bindings()  # x cancels the task on the task tabs, the scheduled entry on the scheduled one
        self.rules_may_have_changed()

    def on_scheduled_tab(self) -> bool:
        return bool(self.is_mounted and self.query(TabbedContent) and self.query_one(TabbedContent).active == "scheduled")

    def selected_scheduled(self) -> Scheduled | None:
        if not self.on_scheduled_tab():
            return None
        key = self.active_table().selected_key
        return self.shown_scheduled.get(key) if key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        scheduled = self.on_scheduled_tab()
        if action == "unschedule":
            return scheduled
        return not (scheduled and action == "step" and parameters == ("cancel",))  # x is the scheduled entry's

    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action != "unschedule":
            return super().ruled_out(action, parameters)
        entry, actor = self.selected_scheduled(), self.station.actor
        return (entry is None or actor is None
                or (entry.created_by != actor.staff_no and not actor.may(scheduling.CANCEL_OTHERS)))

    def explain_no_task(self) -> None:
        entry = self.selected_scheduled()
        if entry is not None:
            self.notify(tr("A scheduled entry is not a task yet: it is raised at {when} (x cancels it)",
                           when=clock.show_local(entry.raise_at, "%m-%d %H:%M")), markup=False, timeout=4)

    def action_unschedule(self) -> None:
        """Cancel the selected scheduled entry before it is raised (who asked for it, or leads and up)."""
        entry = self.selected_scheduled()
        if entry is None:
            return

        def cancelled(_gone: Scheduled) -> None:
            self.notify(tr("Scheduled task #{id} cancelled", id=entry.id), markup=False, timeout=3)
            self.refresh_data()

        def answered(yes: bool | None) -> None:
            if yes:
                self.station.run_db(scheduling.cancel_scheduled, entry.id, **self.who, then=cancelled,
                                    on_error=lambda e: self.notify(str(e), severity="warning", markup=False, timeout=6))

        def ask(refused: str | None) -> None:
            if refused:
                self.notify(refused, severity="warning", markup=False, timeout=6)
                return
            self.app.push_screen(ConfirmScreen(tr("Cancel scheduled task #{id} {name}, due {due}? It will not be raised.",
                                                  id=entry.id, name=entry.name,
                                                  due=clock.show_local(entry.due_at, "%m-%d %H:%M"))), answered)

        self.station.run_db(scheduling.unschedule_refusal, entry.id, self.station.staff_no, then=ask)

    def action_new_task(self) -> None:
        open_new_task(self)

    def action_room_board(self) -> None:
        from butler_tui.ui.room_board import RoomBoardScreen

        self.app.push_screen(RoomBoardScreen())

    def action_routines(self) -> None:
        from butler_tui.ui.room_board import RoutinesScreen

        self.app.push_screen(RoutinesScreen())

    def action_toggle_scope(self) -> None:
        self.scope_all = not self.scope_all
        self.refresh_data()

    def filter_changed(self) -> None:
        if self.data:
            self._show(self.data)


ESCALATION_COLUMNS = [("id", "#", 4), ("p", "P", 2), ("level", "Esc", 3), ("task", "Task", 24), ("room", "Room", 5),
                      ("owner", "First resp.", 13), ("second", "2nd", 5), ("assignee", "Doing it", 8),
                      ("due", "Over by", 16), ("status", "Status", 17)]


class EscalationScreen(TaskBoard):
    TITLE = N_("Escalation queue 升级队列")
    DEFAULT_CSS = """
    EscalationScreen #esc-head { height: 1; padding: 0 1; }
    EscalationScreen KeyedTable { height: 1fr; }
    """
    BINDINGS = [*task_keys("take_over", "assign", "resolve", "escalate", "hand_on", "cancel"),
                *board_keys("escalations")]

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(id="esc-head")
        yield KeyedTable(ESCALATION_COLUMNS, id="escalation-table")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(tasks.escalation_queue, then=self._show, group="escalations", exclusive=True)

    def _show(self, rows: list[TaskRow]) -> None:
        self.query_one(KeyedTable).show({str(t.id): {
            "id": Text(str(t.id)), "p": task_cells(t)["p"], "level": task_cells(t)["level"],
            "task": Text(t.shown_name, no_wrap=True, overflow="ellipsis"), "room": Text(t.room_number or "—"),
            "owner": task_cells(t)["owner"], "second": Text(t.second_team or ""),
            "assignee": Text(t.assignee_name or ""), "due": due_cell(t), "status": Text(tr(tasks.STATUS_LABEL[t.status])),
        } for t in rows})
        self.show_tasks(rows)
        head = Text(tr("{n} escalated or overdue, most urgent first", n=len(rows)), style="bold")
        head.append(tr("   t take over · R assign · X resolve with a note · E escalate · f hand on · enter history"),
                    style="dim")
        self.query_one("#esc-head", Static).update(head)
