"""The decision flows every screen shares: merge, close, redirect, undo, line comments.

The Queue screen calls them for the row under the cursor, the Proposal screen (through the
app's own `m`/`r`/`c`/`u`) for the proposal in view. Each flow opens its box if it has one
(redirect, close), then hands the write to `OvernightApp.decide`, which runs it in a worker
through the writer, in the order the keys were pressed.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from textual import on, work
from textual.app import App
from textual.message import Message
from textual.worker import Worker

from console.messages import DecisionMade
from console.screens.close import CloseChoice, CloseScreen
from console.screens.redirect import RedirectScreen
from runner import decisions
from runner.git import MergeMode
from store.comments import LineComment, add_comment, list_comments, redirect_context
from store.read import Reader
from store.writer import Writer

T = TypeVar("T")


@dataclass
class RedirectDraft(Message):
    """A proposal's line comments, ready to prefill the redirect box."""

    proposal_id: int
    title: str
    draft: str
    at_step: int | None = None
    from_run: str | None = None


@dataclass
class CommentsRead(Message):
    """A proposal's line comments, for the diff's margin."""

    proposal_id: int
    comments: list[LineComment]


class DecisionFlows(App[None]):
    """The base of `OvernightApp`: one method per decision, taking what the key press saw."""

    repo: Path | None
    target: str
    merge_mode: MergeMode
    user: str
    reader: Reader
    writer: Writer
    decisions_made: list[DecisionMade]

    def __init__(self) -> None:
        super().__init__()
        self._tickets = itertools.count()
        self._turn = 0
        self._turns = threading.Condition()

    def decide(
        self,
        description: str,
        write: Callable[[sqlite_utils.Database], T],
        summary: Callable[[T], str],
        *,
        proposal_id: int | None = None,
    ) -> Worker[None]:
        """Carry out a decision in a thread worker, through the writer, in the order the keys
        were pressed (an `u` right after an `m` undoes that merge, not the one before)."""
        ticket = next(self._tickets)

        def job() -> None:
            with self._turns:
                self._turns.wait_for(lambda: self._turn == ticket)
            try:
                result = self.writer.call(write)
            finally:
                with self._turns:
                    self._turn += 1
                    self._turns.notify_all()
            self.post_message(DecisionMade(summary(result), proposal_id=proposal_id))

        return self.run_worker(
            job, thread=True, group="decide", description=description, exit_on_error=False
        )

    def merge(self, proposal_id: int, issue_id: int, title: str) -> None:
        repo, into, mode, user = self.repo, self.target, self.merge_mode, self.user
        self.decide(
            f"merging proposal #{proposal_id}",
            lambda db: decisions.merge_proposal(
                db, proposal_id, repo=repo, into=into, mode=mode, by=user
            ),
            lambda d: (
                f"Merged #{issue_id} “{title}” into {d.detail['target']} "
                f"({'fast-forward' if d.detail['fast_forward'] else 'merge commit'}); u undoes"
            ),
            proposal_id=proposal_id,
        )

    def close(self, proposal_id: int, issue_id: int, title: str) -> None:
        user = self.user

        def chosen(choice: CloseChoice | None) -> None:
            if choice is None:
                return
            self.decide(
                f"closing proposal #{proposal_id}",
                lambda db: decisions.close_proposal(
                    db, proposal_id, choice.reason, duplicate_of=choice.duplicate_of, by=user
                ),
                lambda d: f"Closed #{issue_id}: {d.reason}; u undoes",
                proposal_id=proposal_id,
            )

        self.push_screen(CloseScreen(title), chosen)

    def redirect(
        self,
        proposal_id: int,
        title: str,
        *,
        at_step: int | None = None,
        from_run: str | None = None,
    ) -> None:
        """Read the line comments (a worker), then open the box prefilled with them."""
        self._read_redirect_draft(proposal_id, title, at_step, from_run)

    @work(
        thread=True,
        group="redirect-draft",
        description="reading the line comments",
        exit_on_error=False,
    )
    def _read_redirect_draft(
        self,
        proposal_id: int,
        title: str,
        at_step: int | None,
        from_run: str | None,
    ) -> None:
        with self.reader.borrow() as db:
            draft = redirect_context(list_comments(db, proposal_id))
        self.post_message(RedirectDraft(proposal_id, title, draft, at_step, from_run))

    @on(RedirectDraft)
    def open_redirect(self, message: RedirectDraft) -> None:
        proposal_id, user = message.proposal_id, self.user
        at_step, from_run = message.at_step, message.from_run

        def written(context: str | None) -> None:
            if not context:
                return
            where = f" from step {at_step}" if at_step is not None else ""
            self.decide(
                f"redirecting proposal #{proposal_id}",
                lambda db: decisions.redirect_proposal(
                    db, proposal_id, context, at_step=at_step, from_run=from_run, by=user
                ),
                lambda d: f"Redirected “{message.title}”{where}: the agent is queued; u undoes",
                proposal_id=proposal_id,
            )

        heading = message.title + (f" (from step {at_step})" if at_step is not None else "")
        self.push_screen(RedirectScreen(heading, message.draft), written)

    def undo(self) -> None:
        repo = self.repo
        self.decide(
            "undoing the last decision",
            lambda db: decisions.undo_last_decision(db, repo=repo),
            lambda d: f"Undone: the {d.action} of proposal #{d.proposal_id}",
        )

    # -- line comments ----------------------------------------------------------------

    @work(thread=True, group="comments", description="reading the line comments",
          exit_on_error=False)  # fmt: skip
    def read_comments(self, proposal_id: int) -> None:
        with self.reader.borrow() as db:
            comments = list_comments(db, proposal_id)
        self.post_message(CommentsRead(proposal_id, comments))

    @work(thread=True, group="comments-write", description="keeping the line comment",
          exit_on_error=False)  # fmt: skip
    def keep_comment(self, comment: LineComment) -> None:
        self.writer.call(add_comment, comment)
        self.call_from_thread(self.read_comments, comment.proposal_id)
