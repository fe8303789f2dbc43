"""``f`` from any screen: the lost & found register (失物招领) — what was found where, by whom, where it
is kept, to whom it went back. n logs an item, s stores (or moves) the selected one, R returns it to
its owner (who shows an ID), X disposes of it (supervisors and up, after the hotel's days); o shows
only the open items or all of them."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from butler_tui import clock
from butler_tui.i18n import N_, t
from butler_tui.services import found
from butler_tui.services.found import FoundItem
from butler_tui.store import Store
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.forms import ConfirmScreen, FormScreen
from butler_tui.ui.table import KeyedTable

FOUND_COLUMNS = [("id", "#", 4), ("status", N_("Status"), 15), ("what", N_("Item"), 21),
                 ("where", N_("Where found"), 12), ("guest", N_("Guest"), 12), ("found", N_("Found"), 18),
                 ("kept", N_("Kept at / returned to"), 21)]
STATUS_STYLE = {"found": "bold yellow", "stored": "cyan", "returned": "dim", "disposed": "dim"}
CHANGES = frozenset({"store", "give_back", "dispose"})
"""The keys that act on the selected item: only an open one (found or stored)."""


def item_cells(item: FoundItem) -> dict[str, Text]:
    if item.status == "returned":
        kept = t("→ {whom} · ID {id_shown}", whom=item.returned_to or "", id_shown=item.id_shown or "")
    elif item.status == "disposed":
        kept = t("disposed of {day}", day=clock.show_local(item.disposed_at, "%Y-%m-%d"))
    else:
        kept = item.kept_at or ""
    return {
        "id": Text(str(item.id)),
        "status": Text(t(found.STATUS_LABEL[item.status]), style=STATUS_STYLE[item.status]),
        "what": Text(item.what, no_wrap=True, overflow="ellipsis"),
        "where": Text(item.where, no_wrap=True, overflow="ellipsis"),
        "guest": Text(item.guest or "", no_wrap=True, overflow="ellipsis"),
        "found": Text(f"{clock.show_local(item.found_at, '%m-%d %H:%M')} {item.found_by_name or item.found_by}",
                      no_wrap=True, overflow="ellipsis"),
        "kept": Text(kept, no_wrap=True, overflow="ellipsis"),
    }


def missing(form: FormScreen, values: dict[str, str], **needed: str) -> bool:
    """The form's own word for the first field left empty (``needed``: field -> sentence), shown inline."""
    for key, sentence in needed.items():
        if not values[key].strip():
            form.show_error(ValueError(sentence))
            return True
    return False


def _read(store: Store, open_only: bool) -> tuple[list[FoundItem], int]:
    return found.list_items(store, open_only=open_only, limit=300), found.dispose_days(store.db.conn)


class FoundScreen(Board):
    TITLE = N_("Lost & found 失物招领")
    DEFAULT_CSS = """
    FoundScreen #found-head { height: auto; padding: 0 1; }
    FoundScreen KeyedTable { height: 1fr; }
    """
    ENTITIES = frozenset({"found_items", "settings"})
    BINDINGS = [
        Binding("n", "add", N_("Found item"), id="found.add"),
        Binding("s", "store", N_("Store"), id="found.store"),
        Binding("R", "give_back", N_("Return"), id="found.return"),
        Binding("X", "dispose", N_("Dispose"), id="found.dispose"),
        Binding("o", "toggle_open", N_("Open/all"), id="found.open"),
        *board_keys("found"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, FoundItem] = {}
        self.open_only = True
        self.days = found.DISPOSE_DAYS

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(Text(t("Loading…")), id="found-head")
        yield KeyedTable(FOUND_COLUMNS, id="found-table")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(_read, self.open_only, then=self._show, group="found", exclusive=True)

    def _show(self, read: tuple[list[FoundItem], int]) -> None:
        items, self.days = read
        self.items = {str(i.id): i for i in items}
        self.active_table().show({key: item_cells(i) for key, i in self.items.items()})
        head = Text()
        head.append(t("Open items {n}", n=len(items)) if self.open_only else t("All items {n}", n=len(items)),
                    style="bold")
        head.append(t(" · kept {days} days before they may be disposed of", days=self.days))
        self.query_one("#found-head", Static).update(head)
        self.rules_may_have_changed()

    def selected(self) -> FoundItem | None:
        key = self.active_table().selected_key
        return self.items.get(key) if key else None

    def ruled_out(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action not in CHANGES:
            return False
        item = self.selected()
        if item is None or not item.is_open or self.station.actor is None:
            return True
        return action == "dispose" and not self.station.actor.may("dispose_found_item")

    def _unless_refused(self, action: str, go: Callable[[FoundItem], object]) -> None:
        """``go(item)`` for the selected item — unless the rule rules ``action`` out (the key is dimmed):
        then the service's sentence at once, and no form or question opened."""
        item = self.selected()
        if item is None:
            return
        if not self.ruled_out(action, ()):
            go(item)
            return

        def answer(sentence: str | None) -> None:
            if sentence:
                self.notify(sentence, severity="warning", markup=False, timeout=6)
            else:
                go(item)

        self.station.run_db(found.refusal, item.id, action, by=self.station.staff_no, then=answer)

    def _done(self, message: str) -> Callable[[object], None]:
        def done(_result: object) -> None:
            self.notify(message, markup=False, timeout=3)
            self.refresh_data()

        return done

    def action_toggle_open(self) -> None:
        self.open_only = not self.open_only
        self.refresh_data()

    def action_add(self) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            if missing(form, values, what=t("say what was found"),
                       where=t("say where it was found: a room number or a place")):
                return
            def added(item_id: int) -> None:
                form.dismiss(True)
                self.notify(t("Logged as item {id}", id=item_id), markup=False, timeout=4)
                self.refresh_data()

            self.station.run_db(found.add_item, values["what"], values["where"], by=self.station.staff_no,
                                station=self.station.station_code, on_error=form.show_error, then=added)

        self.app.push_screen(FormScreen("Found item 拾获物品", [
            ("what", "What was found", "", False),
            ("where", "Where: a room number, or a place (lobby bar)", "", False)], submit))

    def action_store(self) -> None:
        self._unless_refused("store", self._store_form)

    def _store_form(self, item: FoundItem) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            if missing(form, values, at=t("say where it is kept")):
                return
            self.station.run_db(found.store_item, item.id, values["at"], by=self.station.staff_no,
                                station=self.station.station_code, on_error=form.show_error,
                                then=form.close_and(self.refresh_data))

        self.app.push_screen(FormScreen(t("Store item {id}: {what}", id=item.id, what=item.what), [
            ("at", "Kept at (e.g. housekeeping office safe)", item.kept_at or "", False)], submit))

    def action_give_back(self) -> None:
        self._unless_refused("give_back", self._return_form)

    def _return_form(self, item: FoundItem) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            if missing(form, values, to=t("say who it is returned to"),
                       id_shown=t("give the ID they showed: its kind and number")):
                return
            self.station.run_db(found.return_item, item.id, values["to"], values["id_shown"],
                                by=self.station.staff_no, station=self.station.station_code,
                                on_error=form.show_error, then=form.close_and(self.refresh_data))

        self.app.push_screen(FormScreen(t("Return item {id}: {what}", id=item.id, what=item.what), [
            ("to", "Returned to (name)", item.guest or "", False),
            ("id_shown", "ID shown (kind and number)", "", False)], submit))

    def action_dispose(self) -> None:
        self._unless_refused("dispose", self._ask_dispose)

    def _ask_dispose(self, item: FoundItem) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.station.run_db(found.dispose_item, item.id, by=self.station.staff_no,
                                    station=self.station.station_code,
                                    on_error=lambda e: self.notify(str(e), severity="warning", markup=False, timeout=6),
                                    then=self._done(t("Item {id} disposed of", id=item.id)))

        self.app.push_screen(ConfirmScreen(t("Dispose of item {id} ({what}), found {day}?", id=item.id,
                                             what=item.what, day=clock.show_local(item.found_at, "%Y-%m-%d"))),
                             answered)
