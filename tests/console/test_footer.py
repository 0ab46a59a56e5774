"""The footers show the keys of the screen in view, and a hidden screen's are not rebuilt."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets._footer import FooterKey

from console.app import OvernightApp
from console.screens.proposal import ProposalScreen
from console.screens.queue import QueueScreen
from console.widgets.footer import ScreenFooter
from console.widgets.proposal.diff_lines import DiffLines
from tests.console.pilot import settled, until

pytestmark = pytest.mark.anyio


def keys(screen: QueueScreen | ProposalScreen) -> list[FooterKey]:
    return list(screen.query_one(ScreenFooter).query(FooterKey))


def descriptions(screen: QueueScreen | ProposalScreen) -> list[str]:
    return [key.description for key in keys(screen)]


async def test_the_queue_footer_rests_under_a_proposal_and_is_right_on_return(
    console: Callable[..., OvernightApp],
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await until(pilot, lambda: queue.loaded and bool(keys(queue)))
        await settled(pilot, lambda: keys(queue))  # rebuilt after the queue's first reads
        assert "Merge" in descriptions(queue)
        before = keys(queue)
        await pilot.press("enter")
        proposal = app.screen
        assert isinstance(proposal, ProposalScreen)
        await until(pilot, lambda: bool(proposal.query(DiffLines)))
        await until(pilot, lambda: proposal.query_one(DiffLines).painted)
        await until(pilot, lambda: bool(proposal.query(ScreenFooter)) and bool(keys(proposal)))
        assert "Diff" in descriptions(proposal)
        assert keys(queue) == before  # the same widgets: not rebuilt while hidden
        await pilot.press("q")
        assert app.screen is queue
        await until(pilot, lambda: bool(keys(queue)) and keys(queue) != before)  # rebuilt
        assert "Merge" in descriptions(queue)
        await pilot.press("3")  # the held lane: its own decisions
        await until(pilot, lambda: "Dispatch anyway" in descriptions(queue))
        assert "Merge" not in descriptions(queue)
