"""A small form in a modal: labelled inputs, an inline error line, Enter / ctrl+s to submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from butler_tui.i18n import N_, t
from butler_tui.ui.base import AtStation


class FormScreen(AtStation, ModalScreen[Any]):
    """``fields``: (key, label, initial value, multiline). ``submit(values, form)`` runs the change and
    calls ``form.dismiss(result)`` on success or ``form.show_error(error)`` on failure."""

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > Vertical {
        width: 90;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    FormScreen .form-title {
        text-style: bold;
        margin: 1 0;
    }
    FormScreen .form-label {
        color: $text-muted;
    }
    FormScreen TextArea {
        height: 10;
    }
    FormScreen #form-error {
        color: $error;
        height: auto;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        Binding("ctrl+s", "submit", N_("Save"), priority=True, id="form.submit"),
    ]

    def __init__(self, title: str, fields: list[tuple[str, str, str, bool]],
                 submit: Callable[[dict[str, str], FormScreen], Any], hint: str = "") -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit = submit
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(t(self.form_title)), classes="form-title")
            if self.hint:
                yield Label(Text(t(self.hint)), classes="form-label")
            for key, label, value, multiline in self.fields:
                yield Label(Text(t(label)), classes="form-label")
                if multiline:
                    yield TextArea(value, id=f"field-{key}", soft_wrap=True)
                else:
                    yield Input(value=value, id=f"field-{key}")
            yield Label(Text(""), id="form-error")
            yield Label(Text(t("ctrl+s save · esc cancel")), classes="form-label")

    def values(self) -> dict[str, str]:
        out = {}
        for key, _label, _value, multiline in self.fields:
            field = f"#field-{key}"
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


class ConfirmScreen(AtStation, ModalScreen[bool]):
    """A question answered y (yes) or n / esc (no): dismissed with ``True`` or ``False``."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 70;
        height: auto;
        border: round $warning;
        background: $surface;
        padding: 1 2;
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
