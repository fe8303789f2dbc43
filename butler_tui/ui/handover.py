"""The handover book (交班本): this shift's report, generated from the data, the duty log, and the
two signatures. A handover that the incoming shift has not signed is shown when the station starts."""

from __future__ import annotations

from typing import Any

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from butler_tui import clock
from butler_tui.i18n import N_, t
from butler_tui.services import handover
from butler_tui.services.handover import HandoverRecord
from butler_tui.store import Store
from butler_tui.ui.board import Board, board_keys
from butler_tui.ui.forms import FormScreen
from butler_tui.ui.table import KeyedTable

LOG_COLUMNS = [("at", "At", 5), ("who", "Who", 8), ("flag", "", 4), ("text", "Entry", 70), ("ref", "", 18)]
HANDOVER_ENTITIES = frozenset({"tasks", "messages", "acks", "stays", "rooms", "log_entries", "handovers",
                               "found_items"})


def load_handover(store: Store, station: str) -> tuple[dict[str, Any], HandoverRecord | None, list[handover.LogEntry]]:
    record = handover.pending(store, station)
    shift, day = handover.current()
    report = record.report if record else handover.build_report(store, station)
    return report, record, handover.entries(store, station, shift.name, day)


class HandoverScreen(Board):
    TITLE = N_("Handover 交班本")
    DEFAULT_CSS = """
    HandoverScreen #handover-state { height: auto; padding: 0 1; background: $boost; }
    HandoverScreen #handover-state.-unsigned { background: $warning 50%; }
    HandoverScreen VerticalScroll { height: 1fr; }
    HandoverScreen #handover-markdown { padding: 0 1; }
    HandoverScreen KeyedTable { height: 8; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("n", "log_entry", N_("Log entry"), id="handover.log"),
        Binding("c", "correct", N_("Correct entry"), id="handover.correct"),
        Binding("S", "sign_out", N_("Sign out (lead)"), id="handover.sign_out"),
        Binding("I", "sign_in", N_("Read & sign"), id="handover.sign_in"),
        *board_keys("handover", "scroll"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.record: HandoverRecord | None = None
        self.entries: list[handover.LogEntry] = []
        self._markdown = ""

    ENTITIES = HANDOVER_ENTITIES

    def compose(self) -> ComposeResult:
        yield from self.top()
        yield Static(Text(t("Loading…")), id="handover-state")
        with VerticalScroll(id="handover-report"):
            # Rich's Markdown in one widget, not Textual's Markdown: that makes a widget of every table cell
            # (12,600 for a busy lobby's report, 3.5 s to lay out on a year-old file; this 1.2 s).
            yield Static("", id="handover-markdown")
        yield KeyedTable(LOG_COLUMNS, id="handover-log")
        yield Footer()

    def load(self) -> None:
        self.station.run_db(load_handover, self.station.station_code, then=self._show, group="handover",
                            exclusive=True)

    def _show(self, loaded: tuple[dict[str, Any], HandoverRecord | None, list[handover.LogEntry]]) -> None:
        report, record, log = loaded
        self.record, self.entries = record, log
        state = self.query_one("#handover-state", Static)
        text = Text()
        if record:
            text.append(t("HANDOVER UNSIGNED 交班未签收 — "), style="bold")
            text.append(t("{shift} {date} signed out by {name} at {at}. The incoming shift reads it and presses I"
                          " to sign.", shift=t(record.shift), date=record.shift_date, name=record.signed_out_name,
                          at=clock.show_local(record.signed_out_at)))
        else:
            text.append(t("Live report for the {shift} shift {date} → {next}", shift=t(report["shift"]),
                          date=report["shift_date"], next=t(report["next_shift"])), style="bold")
            text.append(t(" · the outgoing lead signs with S; the report is frozen when signed"))
        state.update(text)
        state.set_class(record is not None, "-unsigned")
        markdown = handover.to_markdown(report, record.signatures if record else None)
        if markdown != self._markdown:
            self._markdown = markdown
            self.query_one("#handover-markdown", Static).update(Markdown(markdown, hyperlinks=False))
        self.query_one(KeyedTable).show({str(e.id): {
            "at": Text(clock.show_local(e.created_at)),
            "who": Text(e.author_name or e.author_no or ""),
            "flag": Text(t("HIGH"), style="bold red") if e.high_priority else Text(""),
            "text": Text(e.text, no_wrap=True, overflow="ellipsis",
                         style="strike dim" if e.corrected_by else ""),
            "ref": Text(t("corrects #{id}", id=e.corrects_id) if e.corrects_id else
                        (t("corrected by #{id}", id=e.corrected_by) if e.corrected_by else "")),
        } for e in log})

    def action_log_entry(self, corrects: int | None = None) -> None:
        def submit(values: dict[str, str], form: FormScreen) -> None:
            self.station.run_db(
                handover.add_entry, self.station.station_code, values["text"],
                staff_no=self.station.staff_no, high_priority=values["high"].strip().lower() in ("y", "yes", "1", "是"),
                room=values["room"].strip() or None, corrects=corrects, on_error=form.show_error,
                then=form.close_and(self.refresh_data))

        title = (t("Correct entry #{id} (a new entry; the old one stays)", id=corrects) if corrects
                 else "Duty log entry 值班日志")
        self.app.push_screen(FormScreen(title, [("text", "What happened", "", True),
                                                ("high", "High priority? (y/n)", "n", False),
                                                ("room", "Room (optional)", "", False)], submit))

    def action_correct(self) -> None:
        key = self.query_one(KeyedTable).selected_key
        if key:
            self.action_log_entry(corrects=int(key))

    def action_sign_out(self) -> None:
        def signed(_: object) -> None:
            self.notify(t("Handover signed out; the incoming shift signs next"), markup=False, timeout=5)
            self.refresh_data()
            self.station.refresh_counts()

        self.station.run_db(handover.sign_out, self.station.station_code, staff_no=self.station.staff_no, then=signed)

    def action_sign_in(self) -> None:
        if self.record is None:
            self.notify(t("No handover waiting for a signature"), markup=False, timeout=3)
            return
        def signed(_: object) -> None:
            self.notify(t("Handover read and signed"), markup=False, timeout=5)
            self.refresh_data()
            self.station.refresh_counts()

        self.station.run_db(handover.sign_in, self.record.id, **self.who, then=signed)

    def action_scroll(self, delta: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=delta * 3)
