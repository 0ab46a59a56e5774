"""The redirect box: what the agent should do differently, prefilled from the line comments."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class RedirectScreen(ModalScreen[str | None]):
    """Dismisses with the context typed (ctrl+s), or None (escape)."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send the agent back", id="redirect.send"),
        Binding("escape", "cancel", "Cancel", id="redirect.cancel"),
    ]

    def __init__(self, title: str, draft: str) -> None:
        super().__init__()
        self.proposal_title = title
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(id="redirect-box", classes="modal-box"):
            yield Label(f"Redirect: {self.proposal_title}", classes="modal-title", markup=False)
            yield Label(
                "What should the agent know or do differently? ctrl+s sends, escape cancels.",
                classes="modal-hint",
            )
            yield TextArea(self.draft, id="redirect-context", soft_wrap=True)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_send(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.notify("a redirect needs a few words for the agent", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
