"""A test-only app that opens the Proposal screen on a store (the real app lives elsewhere).

It records every message the screen posts for the app, so tests assert on them."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App
from textual.message import Message

from console.diff_model import LineNote
from console.screens.proposal import ProposalScreen
from console.widgets.proposal.diff_pane import DiffPane
from console.widgets.proposal.replay import ReplayStepper


class ProposalHost(App[None]):
    """Pushes a `ProposalScreen` and keeps the messages meant for the app."""

    def __init__(self, proposal_id: int, db_path: Path, notes: list[LineNote] | None = None):
        super().__init__()
        self.proposal_id, self.db_path, self.notes = proposal_id, db_path, notes or []
        self.received: list[Message] = []

    def on_mount(self) -> None:
        self.push_screen(ProposalScreen(self.proposal_id, self.db_path, self.notes))

    @on(DiffPane.LineCommented)
    @on(ReplayStepper.RerunRequested)
    @on(ReplayStepper.RedirectRequested)
    def _keep(self, event: Message) -> None:
        self.received.append(event)
