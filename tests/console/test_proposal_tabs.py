"""The Reasoning, Signals and Replay tabs, and the messages the Replay tab posts."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Collapsible, Markdown, Static

from console.screens.proposal import ProposalScreen
from console.widgets.proposal.replay import ReplayStepper
from tests.console.proposal_host import ProposalHost
from tests.console.proposal_seed import AGENT_RUN, Seeded, seeded, settle

__all__ = ["seeded"]
pytestmark = pytest.mark.anyio


def static_text(widget: Static) -> str:
    return str(widget.render())


async def test_reasoning_shows_the_check_and_the_agents_markdown(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        check = static_text(app.screen.query_one("#reasoning-check", Static))
        assert "verified  proposed: fails before, passes after, no new failures" in check
        assert "✓ fails before (exit 1)" in check and "✓ passes after (exit 0)" in check
        assert "repro: python -m pytest tests/test_reports.py -q -k zero" in check
        assert "fixed tests/test_reports.py::test_summary_of_a_team_with_zero_tasks" in check
        markdown = app.screen.query_one("#reasoning-text", Markdown)
        assert "## Cause" in markdown.source


async def test_signals_show_envelopes_and_why_each_was_linked(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        blocks = [static_text(s) for s in app.screen.query(".signal").results(Static)]
        assert len(blocks) == 4
        feedback, *errors = blocks  # newest link first
        assert "same route and words (2 of 3)" in feedback
        assert "fingerprint 0.00 · structure 0.75 · text 0.81" in feedback
        assert "“The report page shows an error for the team we created today.”" in feedback
        error = errors[0]
        assert "route /teams/:id/report" in error and "flags new_reports=True" in error
        assert "· ui.click click 'Report'" in error
        assert "▸ demo_app/reports.py:8 in ratio  in app" in error
        assert "▸ flask/app.py" not in error and "flask/app.py:880 in dispatch_request" in error


async def test_each_error_says_why_it_groups_as_a_tree_it_opens(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        trees = list(app.screen.query(".grouping").results(Collapsible))
        assert len(trees) == 3  # the three errors; the feedback has no stack to group by
        assert all(t.collapsed for t in trees)
        assert all(t.title.startswith("Why it groups: the in-app stack · ") for t in trees)
        assert len({t.title for t in trees}) == 1  # one fingerprint, one hash
        trees[0].collapsed = False
        await settle(pilot)
        tree = static_text(trees[0].query_one(".grouping-tree", Static))
        assert "✓ type 'ZeroDivisionError'" in tree and "✓ function 'ratio'" in tree
        # The framework's frames are in the tree, not in the hash, and it says why.
        assert "✗ frame  — non app frame" in tree and "✓ module 'flask.app'" not in tree
        assert "✗ value 'division by zero' — ignored because stacktrace takes precedence" in tree


async def test_n_and_p_step_through_the_agents_run_then_the_checks(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        stepper = app.screen.query_one(ReplayStepper)
        assert [s.purpose for s in stepper.steps] == ["agent"] * 10 + ["check_before"] * 3 + [
            "check_after"
        ] * 3
        assert stepper.current == 0
        await pilot.press("n", "n", "n")
        assert stepper.current == 3
        detail = static_text(app.screen.query_one("#replay-step", Static))
        assert "step 4 · exec" in detail and "ZeroDivisionError: division by zero" in detail
        assert "exit 1 · 0.90s · bash call" in detail
        await pilot.press("p")
        assert stepper.current == 2
        assert "Let me reproduce" in static_text(app.screen.query_one("#replay-step", Static))
        await pilot.press("p", "p", "p")
        assert stepper.current == 0


async def test_jumps_to_the_repro_step_and_to_the_runners_check(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        stepper = app.screen.query_one(ReplayStepper)
        await pilot.press("x")
        assert (stepper.steps[stepper.current].run_id, stepper.steps[stepper.current].seq) == (
            AGENT_RUN,
            4,
        )
        await pilot.press("x")
        assert stepper.steps[stepper.current].seq == 8
        await pilot.press("x")
        assert stepper.steps[stepper.current].purpose == "check_before"
        await pilot.press("t")
        step = stepper.steps[stepper.current]
        assert (step.purpose, step.seq) == ("check_after", 1)
        await pilot.press("t")
        step = stepper.steps[stepper.current]
        assert (step.purpose, step.seq) == ("check_before", 1)


async def test_redirect_from_a_step_and_rerun_post_messages(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n", "n", "n", "n", "f", "L")
        await pilot.pause()
        redirect, rerun = app.received
        assert isinstance(redirect, ReplayStepper.RedirectRequested)
        assert (redirect.proposal_id, redirect.run_id, redirect.seq) == (
            seeded.proposal_id,
            AGENT_RUN,
            5,
        )
        assert isinstance(rerun, ReplayStepper.RerunRequested)
        assert (rerun.proposal_id, rerun.run_id) == (seeded.proposal_id, AGENT_RUN)


async def test_steps_whose_output_differs_on_the_rerun_are_marked(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProposalScreen)
        screen.show_rerun(AGENT_RUN, [(1, False), (4, True)])
        await pilot.pause()
        options = screen.query_one("#replay-steps")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(5)]  # type: ignore[attr-defined]
        assert " = $ git checkout" in labels[0]
        assert " ≠ $ bash -lc" in labels[3]
        await pilot.press("n", "n", "n")
        detail = static_text(screen.query_one("#replay-step", Static))
        assert "≠ output differs on the live re-run" in detail


async def test_a_proposal_missing_from_the_store_says_so(seeded: Seeded) -> None:
    app = ProposalHost(999, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        title = static_text(app.screen.query_one("#proposal-title", Static))
        assert title == "Proposal #999 is not in the store."


async def test_a_missing_store_is_reported_not_raised(tmp_path: Path) -> None:
    app = ProposalHost(1, tmp_path / "nowhere.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.is_running
        [toast] = list(app._notifications)
        assert "no store at" in toast.message
