"""The Queue and the Proposal screen together: open, note a line, redirect prefilled, merge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from console.app import OvernightApp
from console.screens.proposal import ProposalScreen
from console.screens.queue import QueueScreen
from console.screens.redirect import RedirectScreen
from console.widgets.proposal.diff_lines import DiffLines
from store import open_db
from store.comments import list_comments
from store.review import get_proposal
from tests.console.pilot import git, until
from tests.console.seed import Morning

pytestmark = pytest.mark.anyio


async def test_a_line_note_becomes_the_redirect_draft_and_m_merges_from_the_proposal(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    proposal_id = morning.proposals["verified"]
    async with app.run_test(size=(120, 40)) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await until(pilot, lambda: queue.loaded)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ProposalScreen) and screen.proposal_id == proposal_id
        await until(pilot, lambda: screen.detail is not None)
        # The diff is prepared in a worker: the keys below move in it once it is painted.
        await until(pilot, lambda: bool(screen.query(DiffLines)))
        await until(pilot, lambda: screen.query_one(DiffLines).painted)
        await pilot.press("j", "j", "i", *"keep the rounding", "enter")
        db = open_db(morning.db_path)
        await until(pilot, lambda: bool(list_comments(db, proposal_id)))
        [comment] = list_comments(db, proposal_id)
        assert (comment.file, comment.body) == ("shop.py", "keep the rounding")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RedirectScreen))
        draft = app.screen.query_one("#redirect-context").text  # type: ignore[attr-defined]
        assert f"shop.py:{comment.line}" in draft and "keep the rounding" in draft
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ProposalScreen))
        await pilot.press("m")
        await until(pilot, lambda: len(app.decisions_made) == 1)
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))  # back for the next
    assert git(morning.repo, "rev-parse", "main") == git(
        morning.repo, "rev-parse", morning.branches["verified"]
    )
    proposal = get_proposal(open_db(morning.db_path), proposal_id)
    assert proposal is not None and proposal.status == "merged"
