"""One stay: the guest, the booking, the checklists stage by stage, and the status steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from butler_tui import clock
from butler_tui.i18n import N_, pick, t
from butler_tui.services import checklists, stays, vip_notices
from butler_tui.services.checklists import Item
from butler_tui.services.stays import StayRow
from butler_tui.services.vip_notices import VipNotice
from butler_tui.store import Store
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.cells import STAY_ENTITIES, vip_mark
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.table import KeyedTable

COLUMNS = [("stage", "Stage", 13), ("mark", "", 1), ("item", "Item", 42), ("done", "Done by", 32), ("note", "Note", 22)]
# The stage column's English, short enough for it ("Evening before departure" is the stage's whole name)
STAGE_SHORT = {"pre_arrival": "Pre-arrival", "arrival": "Arrival", "pre_departure": "Eve of dep.",
               "departure": "Departure", "follow_up": "Follow-up"}


def item_label(item: Item) -> str:
    """English stations read both names (the team's own terms are Chinese); Chinese ones the Chinese."""
    return pick(f"{item.name} {item.name_zh}", item.name_zh)


def item_cells(item: Item, completed: bool) -> dict[str, Text]:
    en, zh = checklists.STAGE_NAMES[item.stage]
    stage = Text(pick(STAGE_SHORT.get(item.stage, en), zh) + (" ✓" if completed else ""),
                 style="green" if completed else "", no_wrap=True, overflow="ellipsis")
    if item.done_at:
        who = item.done_by_name or item.done_by or ""
        done = Text(f"✓ {who} @{item.done_station or '?'} {clock.show_local(item.done_at, '%m-%d %H:%M')}",
                    style="green")
    else:
        done = Text(t("● open") if item.mandatory else "", style="bold yellow" if item.mandatory else "")
    return {
        "stage": stage,
        "mark": Text(item.mark, style="bold" if item.mandatory else "dim"),
        "item": Text(item_label(item), no_wrap=True, overflow="ellipsis"),
        "done": done,
        "note": Text(item.note or "", no_wrap=True, overflow="ellipsis"),
    }


class StayScreen(Board):
    TITLE = N_("Stay 入住")
    DEFAULT_CSS = """
    StayScreen #stay-head {
        height: auto;
        padding: 0 1;
        border-bottom: solid $primary;
    }
    StayScreen KeyedTable {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("space", "tick", N_("Tick"), id="stay.tick"),
        Binding("c", "complete", N_("Complete stage"), id="stay.complete"),
        Binding("n", "next", N_("Next status"), id="stay.next"),
        Binding("A", "arrived", N_("Arrived"), id="stay.arrived"),
        Binding("o", "assign_room", N_("Room"), id="stay.room"),
        Binding("d", "departure_plan", N_("Departure plan"), id="stay.plan"),
        Binding("p", "edit_parking", N_("Car & parking"), id="stay.parking"),
        Binding("v", "vip_notice", N_("VIP notice"), id="stay.vip_notice"),
        Binding("V", "approve_notice", N_("Approve+send notice"), id="stay.approve_notice"),
        Binding("X", "cancel_stay", N_("Cancel stay"), show=False, id="stay.cancel"),
        Binding("G", "guest", N_("Guest profile"), id="stay.guest"),
        Binding("N", "guest_note", N_("Guest note"), id="stay.guest_note"),
        *board_keys("stay"),
    ]

    def __init__(self, stay_id: int) -> None:
        super().__init__()
        self.stay_id = stay_id
        self.stay: StayRow | None = None
        self.items: list[Item] = []
        self.notice: VipNotice | None = None

    ENTITIES = STAY_ENTITIES

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(Text(t("Loading…")), id="stay-head")
        yield KeyedTable(COLUMNS, id="stay-items")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(self._load, self.stay_id, then=self._show, group=f"stay-{self.stay_id}",
                            exclusive=True)

    @staticmethod
    def _load(store: Store, stay_id: int) -> tuple[StayRow, list[Item], VipNotice | None]:
        return stays.get_stay(store, stay_id), checklists.items(store, stay_id), vip_notices.get_notice(store, stay_id)

    def _show(self, loaded: tuple[StayRow, list[Item], VipNotice | None]) -> None:
        s, items, notice = loaded
        self.stay, self.items, self.notice = s, items, notice
        head = Text()
        head.append(s.guest_label, style="bold")
        head.append("  ")
        head.append_text(vip_mark(s.vip_level))
        head.append(f"  {s.member_level}  · " + t("reservation {number}", number=s.reservation_no)
                    + f" · {t(stays.STATUS_LABEL[s.status])}\n")
        room_type = s.room_type + (f", {t(s.hk_status)}" if s.hk_status else "")
        head.append(t("Arrival {arrival} {eta}  → departure {departure} {etd}  · room {room} ({room_type})"
                      " · party of {party}", arrival=s.arrival_date, eta=clock.show_local(s.eta),
                      departure=s.departure_date, etd=s.departure_time or clock.show_local(s.etd),
                      room=s.room_number or t("— not assigned"), room_type=room_type, party=s.party_size) + "\n")
        head.append(t("Dedicated butler: {butler} · booked by {booker} (verifies the preparation)",
                      butler=s.butler_name or "—", booker=s.booked_by_name or s.booked_by or "—"))
        if s.car_plate:
            head.append(" · " + t("car {plate}", plate=s.car_plate)
                        + (" " + t("bay {bay}", bay=s.parking_bay) if s.parking_bay else ""))
        if s.status in ("due_out", "departed") or s.wakeup_time:
            head.append("\n" + t("Wake-up {wakeup} · breakfast {breakfast} · luggage {luggage} · leaves {leaves}"
                                  " · car {car}", wakeup=s.wakeup_time or "?", breakfast=s.breakfast_time or "?",
                                  luggage=s.luggage_time or "?", leaves=s.departure_time or "?",
                                  car=s.airport_car or "—"))
        if s.remarks:
            head.append("\n" + t("Remarks: "))
            head.append(s.remarks)
        if notice:
            head.append("\n" + t("VIP notice: {status}", status=t(notice.status)), style="bold magenta")
        elif s.vip_level:
            head.append("\n" + t("VIP notice: not written yet (v)"), style="yellow")
        forward = self.forward_step()
        head.append("\n" + t("Next: n → {status}", status=t(stays.STATUS_LABEL[forward]) if forward else "—"))
        self.query_one("#stay-head", Static).update(head)
        completed = {stage for stage, p in s.progress.items() if p.completed_at}
        self.query_one(KeyedTable).show({i.code: item_cells(i, i.stage in completed) for i in items})
        self.rules_may_have_changed()

    # -- where the stay may go next (stays.next_steps) --------------------------------------------
    def next_steps(self) -> list[str]:
        return stays.next_steps(self.stay, self.station.actor) if self.stay else []

    def forward_step(self) -> str | None:
        """The usual next status (the n key), if the stay has one."""
        return next((step for step in self.next_steps() if step != "cancelled"), None)

    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        step = {"next": self.forward_step(), "arrived": "arrived", "cancel_stay": "cancelled"}
        return action in step and step[action] not in self.next_steps()

    def selected(self) -> Item | None:
        key = self.query_one(KeyedTable).selected_key
        return next((i for i in self.items if i.code == key), None)

    def _run(self, fn: Callable[..., Any], *args: Any, notice: str | None = None, **kwargs: Any) -> None:
        def ok(_: Any) -> None:
            if notice:
                self.notify(notice, markup=False, timeout=3)
            self.refresh_data()

        self.station.run_db(fn, *args, then=ok, **kwargs, **self.who)

    # -- actions -------------------------------------------------------------------------------
    def action_tick(self) -> None:
        item = self.selected()
        if item is None:
            return
        if not item.done_at and item.code in checklists.NOTE_REQUIRED:
            scored = item.code == checklists.FOLLOW_UP  # the guest's score: the manager's satisfaction figure

            def submit(values: dict[str, str], form: FormScreen) -> None:
                self.station.run_db(checklists.tick, self.stay_id, item.code, note=values["note"],
                                    score=values.get("score") if scored else None,
                                    then=form.close_and(self.refresh_data), on_error=form.show_error,
                                    **self.who)

            fields = [("note", t(checklists.NOTE_REQUIRED[item.code]), "", True)]
            if scored:
                fields.append(("score", t("the guest's score, 1 (poor) to 5 (excellent); blank if none"), "", False))
            self.app.push_screen(FormScreen(item_label(item), fields, submit))
            return
        self._run(checklists.tick, self.stay_id, item.code, done=not item.done_at)

    def action_complete(self) -> None:
        item = self.selected()
        if item is not None:
            self._run(checklists.complete_stage, self.stay_id, item.stage,
                      notice=t("{stage} completed", stage=checklists.stage_name(item.stage)))

    def action_next(self) -> None:
        to = self.forward_step()
        if to is not None:
            self._run(stays.transition, self.stay_id, to, notice=t("Now {status}", status=t(stays.STATUS_LABEL[to])))

    def action_arrived(self) -> None:
        self._run(stays.transition, self.stay_id, "arrived", notice=t("Arrived: floor and butler told"))

    def action_assign_room(self) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            self.station.run_db(stays.assign_room, self.stay_id, values["room"].strip() or None,
                                then=form.close_and(self.refresh_data), on_error=form.show_error,
                                **self.who)

        current = self.stay.room_number if self.stay and self.stay.room_number else ""
        self.app.push_screen(FormScreen("Assign room 分房", [("room", "Room number", current, False)], submit))

    def action_departure_plan(self) -> None:
        s = self.stay
        if s is None:
            return
        fields = [
            ("wakeup_time", "Wake-up call (HH:MM) 叫醒", s.wakeup_time or "", False),
            ("breakfast_time", "Breakfast (HH:MM) 早餐", s.breakfast_time or "", False),
            ("luggage_time", "Luggage out (HH:MM) 行李", s.luggage_time or "", False),
            ("departure_time", "Departure (HH:MM) 离店", s.departure_time or "", False),
            ("airport_car", "Airport car 送机", s.airport_car or "", False),
            ("guest_feedback", "Guest's opinion 客人意见", s.guest_feedback or "", False),
        ]

        def submit(values: dict[str, str], form: FormScreen) -> None:
            def save(store: Store) -> None:
                stays.record_departure_plan(store, self.stay_id, **self.who, **values)

            self.station.run_db(save, then=form.close_and(self.refresh_data), on_error=form.show_error)

        self.app.push_screen(FormScreen("Evening before departure 离店前一晚", fields, submit))

    def action_edit_parking(self) -> None:
        """The stay's car plate and parking bay (issue 19); a wrong value is said in the form."""
        s = self.stay
        if s is None:
            return
        fields = [("car_plate", N_("Car plate 车牌 ('-' for none)"), s.car_plate or "", False),
                  ("parking_bay", N_("Parking bay 车位, e.g. B2-17"), s.parking_bay or "", False)]

        def submit(values: dict[str, str], form: FormScreen) -> None:
            def save(store: Store) -> None:
                stays.edit_stay(store, self.stay_id, **self.who, **{k: v or "-" for k, v in values.items()})

            self.station.run_db(save, then=form.close_and(self.refresh_data), on_error=form.show_error)

        self.app.push_screen(FormScreen(N_("Car and parking 车辆与车位"), fields, submit))

    def action_vip_notice(self) -> None:
        def open_form(draft: str) -> None:
            content = self.notice.content if self.notice else draft
            teams = ",".join(self.notice.teams if self.notice else vip_notices.DEFAULT_TEAMS)

            def submit(values: dict[str, str], form: FormScreen) -> None:
                self.station.run_db(vip_notices.create, self.stay_id, values["content"],
                                    [t for t in values["teams"].split(",") if t.strip()],
                                    then=form.close_and(self.refresh_data), on_error=form.show_error,
                                    **self.who)

            self.app.push_screen(FormScreen(
                "VIP reception notice 接待通知单",
                [("content", "Notice (to the teams)", content, True), ("teams", "Teams (codes)", teams, False)],
                submit, hint="A manager approves and sends it with V; each team's stations must acknowledge.",
            ))

        self.station.run_db(vip_notices.draft_text, self.stay_id, then=open_form)

    def action_approve_notice(self) -> None:
        self._run(vip_notices.approve_and_send, self.stay_id, notice=t("Notice approved and sent to the teams"))

    def action_cancel_stay(self) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            self.station.run_db(stays.transition, self.stay_id, "cancelled", reason=values["reason"],
                                then=form.close_and(self.refresh_data), on_error=form.show_error,
                                **self.who)

        self.app.push_screen(FormScreen("Cancel this stay", [("reason", "Reason", "", False)], submit))

    def action_guest(self) -> None:
        if self.stay:
            self.station.open_guest(self.stay.guest_id)

    def action_guest_note(self) -> None:
        if self.stay:
            self.station.add_guest_note(self.stay.guest_id)

