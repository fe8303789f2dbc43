"""``g`` from any screen: find a guest as you type, Enter opens the profile — allergies and
dislikes first and marked — where notes are added, edited and retired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Static

from butler_tui import clock
from butler_tui.errors import InvalidInput
from butler_tui.i18n import N_, t
from butler_tui.services import found, guests, stays
from butler_tui.services.found import FoundItem
from butler_tui.services.guests import GuestHit, Note, Profile
from butler_tui.store import Store
from butler_tui.ui.base import AtStation, StationApp, StationChanged
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.cells import vip_mark
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.table import KeyedTable

HIT_COLUMNS = [("guest", "Guest", 22), ("vip", "VIP", 5), ("room", "Room", 5), ("member", "Member no.", 10),
               ("mobile", "Mobile", 13), ("matched", "Found by", 22)]


def hit_cells(h: GuestHit) -> dict[str, Text]:
    return {
        "guest": Text(h.label, no_wrap=True, overflow="ellipsis"),
        "vip": vip_mark(h.vip_level),
        "room": Text(h.room or ""),
        "member": Text(h.member_no or ""),
        "mobile": Text(h.mobile),
        "matched": Text(h.matched, style="dim"),
    }


class GuestLookupScreen(AtStation, ModalScreen[None]):
    """Results update as you type; ↑/↓ choose; Enter opens the profile."""

    DEFAULT_CSS = """
    GuestLookupScreen { align: center top; }
    GuestLookupScreen > Vertical {
        width: 96; max-width: 100%; height: 24; max-height: 100%; margin-top: 2; border: round $primary; background: $surface; padding: 0 1;
    }
    GuestLookupScreen KeyedTable { height: 1fr; }
    GuestLookupScreen #lookup-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="lookup.close"),
        Binding("down", "move(1)", N_("Next"), show=False, priority=True, id="lookup.down"),
        Binding("up", "move(-1)", N_("Previous"), show=False, priority=True, id="lookup.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[GuestHit] = []
        self.query_text = ""
        self.answered: str | None = None  # the text the shown hits answer

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(t("Find a guest 查找客人"), style="bold"))
            yield Input(placeholder=t("name · 拼音 or initials (lxl) · room · last digits of mobile · member no. · plate"),
                        id="lookup-input")
            yield KeyedTable(HIT_COLUMNS, id="lookup-results")
            yield Label(Text(t("type to search") + t(" · ↑↓ choose · enter open · esc close")), id="lookup-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#lookup-input")
    def _search(self, event: Input.Changed) -> None:
        self.query_text = event.value
        query = event.value

        viewer = self.station.staff_no

        def find(store: Store) -> tuple[str, list[GuestHit]]:
            return query, guests.find(store, query, viewer=viewer)

        self.station.run_db(find, then=self._show, group="guest-lookup", exclusive=True,
                            on_error=lambda e: self.query_one("#lookup-hint", Label).update(Text(str(e))))

    def _show(self, found: tuple[str, list[GuestHit]]) -> None:
        query, hits = found
        if query != self.query_text:
            return  # an answer to an earlier keystroke, arriving after a later one
        self.hits, self.answered = hits, query
        table = self.query_one(KeyedTable)
        table.show({str(h.id): hit_cells(h) for h in hits}, rebuild=True)
        if hits:
            table.move_cursor(row=0)
        hint = t("{n} found", n=len(hits)) if self.query_text.strip() else t("type to search")
        self.query_one("#lookup-hint", Label).update(Text(hint + t(" · ↑↓ choose · enter open · esc close")))

    def action_move(self, delta: int) -> None:
        table = self.query_one(KeyedTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)))

    @on(Input.Submitted, "#lookup-input")
    @on(DataTable.RowSelected)
    def _open(self) -> None:
        key = self.query_one(KeyedTable).selected_key
        if key is None:
            return
        query = self.query_text
        self.dismiss(None)
        self.station.open_guest(int(key), query=query)

    def action_close(self) -> None:
        if self.query_text.strip():
            station = self.station
            station.run_db(guests.audit_lookup, self.query_text, len(self.hits), staff_no=station.staff_no,
                           station=station.station_code)
        self.dismiss(None)


def found_summary(item: FoundItem) -> str:
    """``#3 black umbrella (stored 保管 · HK office)``: an item of the register, on the guest's card."""
    state = t(found.STATUS_LABEL[item.status])
    if item.status == "stored" and item.kept_at:
        state += f" · {item.kept_at}"
    return f"#{item.id} {item.what} ({state})"


NOTE_COLUMNS = [("kind", "Kind", 22), ("text", "Note", 52), ("by", "By", 8), ("station", "Station", 11),
                ("date", "Date", 10)]


class GuestProfileScreen(Board):
    TITLE = N_("Guest profile 客史档案")
    DEFAULT_CSS = """
    GuestProfileScreen #profile-head { height: auto; padding: 0 1; border-bottom: solid $primary; }
    GuestProfileScreen KeyedTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "add_note", N_("Add note"), id="profile.add_note"),
        Binding("E", "edit_note", N_("Edit note"), id="profile.edit_note"),
        Binding("x", "retire_note", N_("Retire note"), id="profile.retire_note"),
        Binding("c", "edit_guest", N_("Change record"), id="profile.edit"),
        Binding("M", "merge_guest", N_("Merge"), id="profile.merge"),
        *board_keys("profile"),
    ]

    def __init__(self, guest_id: int, query: str | None = None) -> None:
        super().__init__()
        self.guest_id = guest_id
        self.lookup_query = query
        self.profile: Profile | None = None
        self._audited = False

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(Text(t("Loading…")), id="profile-head")
        yield KeyedTable(NOTE_COLUMNS, id="profile-notes")
        yield Footer()

    def concerns(self, message: StationChanged) -> bool:
        # Reading a profile is itself an event (view, lookup): those do not change what it shows.
        return message.events is None or any(e.entity in ("guests", "guest_notes", "stays", "found_items")
                                             and e.action not in ("view", "lookup") for e in message.events)

    def load(self) -> None:
        audit = not self._audited  # opening the profile is the audited read; live refreshes are not
        self._audited = True
        self.station.run_db(guests.profile, self.guest_id, audit=audit, query=self.lookup_query, signed_in=True,
                            then=self._show, group=f"profile-{self.guest_id}", exclusive=True, **self.who)

    def _show(self, p: Profile) -> None:
        self.profile = p
        head = Text()
        if p.merged_into is not None:
            head.append(t("Merged into guest {into}: this record is kept for old references",
                          into=p.merged_into) + "\n", style="bold yellow")
        head.append(p.label, style="bold")
        if p.vip_level:
            head.append(f"  ★VIP{p.vip_level}", style="bold magenta")
        head.append(f"  {p.member_level}  " + t("member {number}", number=p.member_no or "—")
                    + f"  · {p.company or ''}\n")
        head.append(t("Mobile {mobile} · ID {id_no} · language {language} · dedicated butler {butler}",
                      mobile=p.mobile or "—", id_no=p.id_no or "—", language=p.language, butler=p.butler_name or "—")
                    + (" · " + t("car {plate}", plate=p.car_plate) if p.car_plate else ""))
        if p.special_dates:
            head.append(" · " + guests.dates_text(p.special_dates))
        head.append("\n")
        if p.current_stay:
            s = p.current_stay
            head.append(t("Now: room {room} · {status} · {arrival} → {departure} · reservation {reservation}",
                          room=s["room_number"] or t("to assign"), status=t(stays.STATUS_LABEL[s["status"]]),
                          arrival=s["arrival_date"], departure=s["departure_date"],
                          reservation=s["reservation_no"]), style="bold")
        else:
            head.append(t("Not staying with us now"))
        head.append("\n" + t("Visits {n} · last visit {last} · stays on record {stays}", n=p.visit_count,
                                last=p.last_visit or "—", stays=p.stays_recorded))
        if p.found_items:
            head.append("\n" + t("Lost & found 失物招领") + ": ", style="bold")
            head.append(" · ".join(found_summary(i) for i in p.found_items[:4])
                        + (" · " + t("… and {n} more", n=len(p.found_items) - 4) if len(p.found_items) > 4 else ""))
        warnings = [n for n in p.notes if n.warn]
        if warnings:
            head.append("\n⚠ ", style="bold red")
            head.append(" · ".join(n.text for n in sorted(warnings, key=lambda n: n.kind)), style="bold red")
        self.query_one("#profile-head", Static).update(head)
        rows: dict[str, dict[str, Text]] = {}
        for kind, notes in p.grouped():
            for n in notes:
                mark = "⚠ " if n.warn else ""
                rows[str(n.id)] = {
                    "kind": Text(mark + t(guests.KIND_LABEL[kind]), style="bold red" if n.warn else ""),
                    "text": Text(n.text, no_wrap=True, overflow="ellipsis"),
                    "by": Text(n.author_name or n.author_no or ""),
                    "station": Text(n.station_code or ""),
                    "date": Text(clock.show_local(n.created_at, "%Y-%m-%d")),
                }
        self.query_one(KeyedTable).show(rows)

    def selected_note(self) -> Note | None:
        key = self.query_one(KeyedTable).selected_key
        if not key or self.profile is None:
            return None
        return next((n for n in self.profile.notes if str(n.id) == key), None)

    def action_add_note(self) -> None:
        self.app.push_screen(note_form(self.station, self.guest_id, after=self.refresh_data))

    def action_edit_note(self) -> None:
        note = self.selected_note()
        if note is None:
            return

        def submit(values: dict[str, str], form: FormScreen) -> None:
            self.station.run_db(guests.edit_note, note.id, values["text"], kind=values["kind"],
                                on_error=form.show_error, then=form.close_and(self.refresh_data),
                                **self.who)

        self.app.push_screen(FormScreen("Edit note 修改", [("kind", t("Kind: {kinds}", kinds=guests.kinds_hint()),
                                                           note.kind, False), ("text", "Note", note.text, True)], submit))

    def _merged(self, p: Profile) -> bool:
        """A record merged into another is kept as it was: say which one to change instead."""
        if p.merged_into is None:
            return False
        self.notify(t("guest {guest_id} was merged into guest {into}: change that one", guest_id=p.id,
                      into=p.merged_into), severity="warning", markup=False, timeout=4)
        return True

    def action_edit_guest(self) -> None:
        """VIP level, dedicated butler, language, car plate, special dates (issue 19): what is wrong is said
        in the form, which stays open; a VIP level is for leads and up (the service refuses others)."""
        p = self.profile
        if p is None or self._merged(p):
            return
        fields = [
            ("vip_level", N_("VIP level 0–5 (leads and up)"), str(p.vip_level), False),
            ("butler_no", N_("Dedicated butler: staff no. ('-' for none)"), p.butler_no or "", False),
            ("language", N_("Language: zh, en, ja …"), p.language, False),
            ("car_plate", N_("Car plate ('-' for none)"), p.car_plate or "", False),
            ("special_dates", N_("Special dates: birthday=03-12, anniversary=2010-06-01"),
             ", ".join(f"{d['kind']}={d['date']}" for d in p.special_dates), False),
        ]

        def submit(values: dict[str, str], form: FormScreen) -> None:
            def saved(changed: dict[str, Any]) -> None:
                form.dismiss(True)
                if changed:
                    self.notify(t("Guest record changed: {fields}",
                                  fields=", ".join(t(guests.FIELD_LABEL[k]) for k in changed)),
                                markup=False, timeout=3)
                self.refresh_data()

            changes = {k: (v if v.strip() or k in ("special_dates", "vip_level", "language") else "-")
                       for k, v in values.items()}
            def save(store: Store) -> dict[str, Any]:
                return guests.edit_guest(store, self.guest_id, **self.who, **changes)

            self.station.run_db(save, then=saved, on_error=form.show_error)

        self.app.push_screen(FormScreen(N_("Guest record 客人资料"), fields, submit))

    def action_merge_guest(self) -> None:
        """Merge another record of this guest into this one (leads and up): its number, asked in a form."""
        p = self.profile
        if p is None or self._merged(p):
            return
        if not (self.station.actor and self.station.actor.may("merge_guests")):
            self.notify(t("Merging guests is for leads and up"), severity="warning", markup=False, timeout=4)
            return

        def submit(values: dict[str, str], form: FormScreen) -> None:
            other = values["other"].strip().lstrip("#")
            if not other.isdigit():
                form.show_error(InvalidInput(t("give the number of the other guest's record, e.g. 1234")))
                return

            def merged(moved: dict[str, int]) -> None:
                form.dismiss(True)
                self.notify(t("Guest {other} merged into this record", other=other), markup=False, timeout=4)
                self.refresh_data()

            self.station.run_db(guests.merge_guests, self.guest_id, int(other), **self.who,
                                then=merged, on_error=form.show_error)

        self.app.push_screen(FormScreen(N_("Merge another record into this guest 合并客史"),
                                        [("other", N_("Number of the other record (it is kept, marked merged)"), "",
                                          False)], submit))

    def action_retire_note(self) -> None:
        note = self.selected_note()
        if note is None:
            return

        def retired(_: object) -> None:
            self.notify(t("Note retired"), markup=False, timeout=3)
            self.refresh_data()

        self.station.run_db(guests.retire_note, note.id, then=retired, **self.who)


def note_form(station: StationApp, guest_id: int, after: Callable[[], Any] | None = None,
              title: str = "Add a note 添加客史") -> FormScreen:
    """The add-note form, for the profile and (through the station) for any board row that has a guest."""

    def submit(values: dict[str, str], form: FormScreen) -> None:
        def added() -> None:
            form.notify(t("Note added"), markup=False, timeout=3)
            if after:
                after()

        station.run_db(guests.add_note, guest_id, values["kind"], values["text"], staff_no=station.staff_no,
                       station=station.station_code, on_error=form.show_error, then=form.close_and(added))

    return FormScreen(title, [("kind", t("Kind: {kinds} (allergy → dietary)", kinds=guests.kinds_hint()),
                               "preference", False), ("text", "Note (up to 1,000 characters)", "", True)], submit)
