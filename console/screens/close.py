"""Closing a proposal: pick the reason (wrong tree, won't fix, duplicate of an issue)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from runner.decisions import CLOSE_REASONS, CloseReason

_LABELS: dict[CloseReason, str] = {
    "wrong tree": "wrong tree — the agent fixed the wrong thing (counts toward triage's canary)",
    "won't fix": "won't fix — right diagnosis, but we leave it",
    "duplicate": "duplicate of … — another issue covers it",
}


@dataclass(frozen=True)
class CloseChoice:
    """The reason picked, and for a duplicate the issue it duplicates."""

    reason: CloseReason
    duplicate_of: int | None = None


class CloseScreen(ModalScreen[CloseChoice | None]):
    """Dismisses with a `CloseChoice`, or None (escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="close.cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.proposal_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="close-box", classes="modal-box"):
            yield Label(f"Close: {self.proposal_title}", classes="modal-title", markup=False)
            yield OptionList(*(Option(_LABELS[r], id=r) for r in CLOSE_REASONS), id="close-reasons")
            yield Input(placeholder="duplicate of issue #", id="close-duplicate", type="integer")

    def on_mount(self) -> None:
        self.query_one("#close-duplicate", Input).display = False
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        reason = event.option.id
        if reason == "duplicate":
            box = self.query_one("#close-duplicate", Input)
            box.display = True
            box.focus()
            return
        self.dismiss(CloseChoice(reason))  # type: ignore[arg-type]

    @on(Input.Submitted, "#close-duplicate")
    def duplicate_given(self, event: Input.Submitted) -> None:
        text = event.value.strip().lstrip("#")
        if not text.isdigit():
            self.notify("type the number of the issue this duplicates", severity="warning")
            return
        self.dismiss(CloseChoice("duplicate", int(text)))

    def action_cancel(self) -> None:
        self.dismiss(None)
