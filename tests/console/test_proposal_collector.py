"""The Proposal screen holds the garbage collector off while it opens, and only then.

A collection of the whole heap costs more than the rest of an open (`console.collector`), so
none may start between composing the screen and painting its diff; after that, and whenever
the screen closes or has nothing to show, the collector is on again. What a closed screen
leaves in Textual's caches is let go, so the heap does not grow with every proposal opened.
"""

from __future__ import annotations

import gc

import pytest
from textual._styles_cache import StylesCache
from textual.strip import Strip

from console import collector
from console.screens.proposal import ProposalScreen
from console.widgets.proposal.diff_lines import DiffLines
from tests.console.proposal_host import ProposalHost
from tests.console.proposal_seed import Seeded, seeded, settle

__all__ = ["seeded"]
pytestmark = pytest.mark.anyio


def test_holds_nest_and_leave_a_collector_that_was_off_off() -> None:
    assert gc.isenabled()
    collector.hold()
    collector.hold()
    collector.release()
    assert not gc.isenabled() and collector.holding()
    collector.release()
    assert gc.isenabled() and not collector.holding()
    collector.release()  # one too many: no effect
    assert gc.isenabled()
    gc.disable()
    try:
        collector.hold()
        collector.release()
        assert not gc.isenabled()  # someone else turned it off: it stays off
    finally:
        gc.enable()


async def test_the_collector_is_off_until_the_diff_is_painted_then_on(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    render_line = DiffLines.render_line

    def watched(self: DiffLines, y: int) -> Strip:
        if self._rows and not self.painted:  # the first row of the loaded diff
            seen.append(gc.isenabled())
        return render_line(self, y)

    monkeypatch.setattr(DiffLines, "render_line", watched)
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(DiffLines).painted
        assert seen[:1] == [False]  # held through the first paint of the diff
        assert gc.isenabled() and not collector.holding()  # and released once it was shown
    assert gc.isenabled()


async def test_a_missing_proposal_releases_the_collector_at_once(seeded: Seeded) -> None:
    app = ProposalHost(999, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#proposal-title").render()).endswith("not in the store.")
        assert gc.isenabled() and not collector.holding()


async def test_closing_before_the_diff_arrives_releases_the_collector(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, ProposalScreen)
        lines = app.screen.query(DiffLines)
        # Composed, the diff still being prepared (on a loaded machine it may just have come):
        assert not gc.isenabled() or (bool(lines) and lines.first().painted)
        await app.pop_screen()
        assert gc.isenabled() and not collector.holding()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert gc.isenabled()


async def test_a_closed_screen_leaves_no_styles_caches_behind(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = StylesCache.get_inner_outer.cache_info().currsize
        assert before > 10  # one entry per widget rendered, keyed by its styles cache
        lines = app.screen.query_one(DiffLines)
        assert lines.files and lines._rows
        await pilot.press("q")
        await pilot.pause()
        assert StylesCache.get_inner_outer.cache_info().currsize < before // 2
        assert not lines.files and not lines._rows  # a closed screen keeps no diff alive
