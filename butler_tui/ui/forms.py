"""A small form in a modal: labelled inputs (or a choice), an inline error line, Enter / ctrl+s to submit.

A form fits any screen down to 80×24: at most the screen's width and height, its fields in a scrolling
box so the error line and the save hint below them always show, the error wrapped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, TextArea

from butler_tui.i18n import N_, t
from butler_tui.ui.base import AtStation


class FormFields(VerticalScroll, can_focus=False):
    """The form's fields, scrolling when the screen is short; tab moves through the fields (each scrolls
    into sight), not to the box."""


class FormScreen(AtStation, ModalScreen[Any]):
    """``fields``: (key, label, initial value, multiline). ``choices``: for a field key, the (label, value)
    pairs it is chosen from (a :class:`Select`, the initial value selected) instead of typed.
    ``submit(values, form)`` runs the change and calls ``form.dismiss(result)`` on success or
    ``form.show_error(error)`` on failure."""

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > Vertical {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    FormScreen #form-fields {
        height: auto;
    }
    FormScreen .form-title {
        text-style: bold;
        width: 100%;
        padding: 1 0 0 0;
    }
    FormScreen .form-label {
        color: $text-muted;
        width: 100%;
    }
    FormScreen TextArea {
        height: 6;
    }
    FormScreen #form-error {
        color: $error;
        width: 100%;
        height: auto;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        Binding("ctrl+s", "submit", N_("Save"), priority=True, id="form.submit"),
    ]

    def __init__(self, title: str, fields: list[tuple[str, str, str, bool]],
                 submit: Callable[[dict[str, str], FormScreen], Any], hint: str = "",
                 choices: dict[str, list[tuple[str, str]]] | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit = submit
        self.hint = hint
        self.choices = choices or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(t(self.form_title)), classes="form-title")
            with FormFields(id="form-fields"):
                if self.hint:
                    yield Label(Text(t(self.hint)), classes="form-label")
                for key, label, value, multiline in self.fields:
                    yield Label(Text(t(label)), classes="form-label")
                    if key in self.choices:
                        options = self.choices[key]
                        yield Select(options, value=value if value in {v for _l, v in options} else options[0][1],
                                     allow_blank=False, id=f"field-{key}")
                    elif multiline:
                        yield TextArea(value, id=f"field-{key}", soft_wrap=True)
                    else:
                        yield Input(value=value, id=f"field-{key}")
            yield Label(Text(""), id="form-error")
            yield Label(Text(t("ctrl+s save · esc cancel")), classes="form-label")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The fields' box as high as the screen leaves it (less the border, the title, the error line
        and the save hint): on a short screen the fields scroll and the rest stays in sight."""
        fields = self.query_one("#form-fields", VerticalScroll)
        around = sum(w.outer_size.height for w in self.query_one("FormScreen > Vertical").children
                     if w is not fields)
        fields.styles.max_height = max(3, self.size.height - 2 - around)

    def values(self) -> dict[str, str]:
        out = {}
        for key, _label, _value, multiline in self.fields:
            field = f"#field-{key}"
            if key in self.choices:
                out[key] = str(self.query_one(field, Select).value)
            else:
                out[key] = self.query_one(field, TextArea).text if multiline else self.query_one(field, Input).value
        return out

    @on(Input.Submitted)
    def action_submit(self) -> None:
        self.query_one("#form-error", Label).update("")
        self.submit(self.values(), self)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def close_and(self, *after: Callable[[], object]) -> Callable[[object], None]:
        """A ``then`` for the service call the form made: close the form, then do ``after``."""

        def done(_result: object) -> None:
            self.dismiss(True)
            for step in after:
                step()

        return done

    def show_error(self, error: Exception) -> None:
        self.query_one("#form-error", Label).update(Text(str(error)))
        self.call_after_refresh(self._fit)


class ConfirmScreen(AtStation, ModalScreen[bool]):
    """A question answered y (yes) or n / esc (no): dismissed with ``True`` or ``False``."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen Label {
        width: 100%;
    }
    """
    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="confirm.yes"),
        Binding("n", "answer(False)", N_("No"), id="confirm.no"),
        Binding("escape", "answer(False)", N_("No"), show=False, id="confirm.cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question), id="confirm-question")
            yield Label(Text(t("y yes · n no")), classes="form-label")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
