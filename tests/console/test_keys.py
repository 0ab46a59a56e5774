"""Every key action of the Queue screen, driven by a Pilot, checked in the store and in git."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.screen import Screen
from textual.widgets import Static

from console.app import OvernightApp
from console.screens.help import HelpScreen
from console.screens.queue import QueueScreen
from console.screens.stats import StatsScreen
from console.widgets.queue.lane_table import LaneTable
from runner.routines import default_text, parse_routines
from store import open_db
from store.comments import LineComment, add_comment
from store.night import list_dispatches
from store.review import get_proposal, list_decisions
from tests.console.pilot import git, until
from tests.console.seed import Morning

pytestmark = pytest.mark.anyio


class PlaceholderProposal(Screen[None]):
    """Stands in for the Proposal screen where a test only checks that `enter` opens it."""

    def __init__(self, proposal_id: int, db_path: object) -> None:
        super().__init__()
        self.proposal_id = proposal_id

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(f"proposal {self.proposal_id}")


def queue(app: OvernightApp) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    return screen


def status(morning: Morning, key: str) -> str:
    proposal = get_proposal(open_db(morning.db_path), morning.proposals[key])
    assert proposal is not None
    return proposal.status


async def test_m_merges_the_row_into_main_and_u_takes_it_back(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("m")
        await until(pilot, lambda: len(app.decisions_made) == 1)
        assert git(morning.repo, "rev-parse", "main") == git(
            morning.repo, "rev-parse", morning.branches["verified"]
        )
        assert status(morning, "verified") == "merged"
        table = queue(app).query_one("#table-proposals")
        await until(pilot, lambda: len(table.order) == 1)  # type: ignore[attr-defined]
        await pilot.press("u")
        await until(pilot, lambda: len(app.decisions_made) == 2)
        assert git(morning.repo, "rev-parse", "main") == morning.base
        assert status(morning, "verified") == "open"
        await until(pilot, lambda: len(table.order) == 2)  # type: ignore[attr-defined]


async def test_a_refused_merge_is_a_sentence_and_the_repo_is_untouched(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    (morning.repo / "shop.py").write_text("# local edits\n")
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("m")
        await until(pilot, lambda: any("refused" in n.message for n in app._notifications))
        [note] = [n for n in app._notifications if "refused" in n.message]
        assert "uncommitted changes" in note.message and note.severity == "warning"
        assert "Traceback" not in note.message
    assert git(morning.repo, "rev-parse", "main") == morning.base
    assert status(morning, "verified") == "open"


async def test_r_opens_the_box_prefilled_with_line_comments_and_queues_the_agent(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    add_comment(
        open_db(morning.db_path),
        LineComment(
            proposal_id=morning.proposals["verified"],
            file="shop.py",
            line=2,
            line_text="    return sum(i.price for i in items) / max(len(items), 1)",
            body="an empty cart should total 0, not divide",
        ),
    )
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("r")
        await until(pilot, lambda: app.screen.__class__.__name__ == "RedirectScreen")
        area = app.screen.query_one("#redirect-context")
        assert "shop.py:2" in area.text  # type: ignore[attr-defined]
        assert "an empty cart should total 0" in area.text  # type: ignore[attr-defined]
        await pilot.press(*" Also keep the rounding.", "ctrl+s")
        await until(pilot, lambda: len(app.decisions_made) == 1)
        table = queue(app).query_one("#table-proposals", LaneTable)
        key = f"proposal:{morning.proposals['verified']}"
        await until(pilot, lambda: table.rows_by_key[key].dispatch_state == "queued")
        assert table.current_key() == f"proposal:{morning.proposals['unverified']}"  # moved on
    [dispatch] = list_dispatches(open_db(morning.db_path), state="queued")
    assert dispatch.why == "redirect" and dispatch.requested_by == "reviewer"
    assert dispatch.context is not None
    assert dispatch.context.endswith("Also keep the rounding.")
    assert status(morning, "verified") == "redirected"


async def test_c_closes_with_the_reason_picked(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("j", "c")
        await until(pilot, lambda: app.screen.__class__.__name__ == "CloseScreen")
        await pilot.press("enter")  # the first reason: wrong tree
        await until(pilot, lambda: len(app.decisions_made) == 1)
    [decision] = list_decisions(open_db(morning.db_path))
    assert (decision.proposal_id, decision.reason) == (
        morning.proposals["unverified"],
        "wrong tree",
    )
    assert decision.decided_by == "reviewer"


async def test_c_duplicate_asks_for_the_issue(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("c", "down", "down", "enter")
        await pilot.press(*str(morning.issues["target"]), "enter")
        await until(pilot, lambda: len(app.decisions_made) == 1)
    [decision] = list_decisions(open_db(morning.db_path))
    assert decision.reason == f"duplicate of #{morning.issues['target']}"


async def test_escape_in_a_box_decides_nothing(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("c", "escape", "r")
        await until(pilot, lambda: app.screen.__class__.__name__ == "RedirectScreen")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
    assert list_decisions(open_db(morning.db_path)) == []


async def test_y_confirms_and_triage_reassesses_the_lane(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console(routines=parse_routines(default_text()))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("2", "y")
        await until(pilot, lambda: len(app.decisions_made) == 1)
    db = open_db(morning.db_path)
    state = db.execute("SELECT state FROM links WHERE id = ?", [morning.link_id]).fetchone()[0]
    assert state == "linked"
    home = db.execute("SELECT issue_id FROM links WHERE signal_id = 'sig-6-0' AND state = 'linked'")
    assert home.fetchone()[0] == morning.issues["target"]
    # The routines ran on the merged issue: its lane and reasons are triage's, not the seed's.
    routine = db.execute("SELECT routine FROM issues WHERE id = ?", [morning.issues["target"]])
    assert routine.fetchone()[0] is not None


async def test_bracket_picks_another_candidate_and_y_joins_it(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("2")
        await pilot.pause()
        table = queue(app).query_one("#table-needs_confirmation", LaneTable)
        row = table.current()
        assert row is not None
        assert [c.issue_id for c in row.candidates] == [5, 2]
        assert "#6→#5 1/2" in str(table.get_row_at(0)[0])
        assert str(table.get_row_at(0)[2]).split()[0] == "6"  # the signals of the one picked
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "#6→#2 2/2" in str(table.get_row_at(0)[0])
        assert str(table.get_row_at(0)[2]).split()[0] == "9"
        details = str(queue(app).query_one("#details-text", Static).render())
        assert details.startswith("#6 Cart count wrong after removing an item")
        assert "▸ #2 Dashboard goes blank after refresh  (0.31)" in details
        assert "  #5 Cart badge shows a stale count  (0.62)" in details
        await pilot.press("y")
        await until(pilot, lambda: len(app.decisions_made) == 1)
    db = open_db(morning.db_path)
    home = db.execute("SELECT issue_id FROM links WHERE signal_id = 'sig-6-0' AND state = 'linked'")
    assert home.fetchone()[0] == morning.issues["unverified"]
    # The look-alike's issue merged into the one picked; the first candidate kept its signals.
    counts = dict(db.execute("SELECT id, signal_count FROM issues WHERE id IN (2, 5)").fetchall())
    assert counts == {2: 10, 5: 6}


async def test_x_splits_for_good(console: Callable[..., OvernightApp], morning: Morning) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("2", "x")
        await until(pilot, lambda: len(app.decisions_made) == 1)
        table = queue(app).query_one("#table-needs_confirmation")
        await until(pilot, lambda: table.order == [])  # type: ignore[attr-defined]
    db = open_db(morning.db_path)
    assert db.execute("SELECT issue_id, other_issue_id FROM splits").fetchall() == [
        (morning.issues["target"], morning.issues["lookalike"])
    ]


async def test_d_dispatches_a_held_issue_and_the_row_says_queued(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("3", "d")
        await until(pilot, lambda: len(app.decisions_made) == 1)
        table = queue(app).query_one("#table-held")
        key = f"issue:{morning.issues['held']}"
        await until(pilot, lambda: table.rows_by_key[key].dispatch_state == "queued")
    [dispatch] = list_dispatches(open_db(morning.db_path), state="queued")
    assert (dispatch.issue_id, dispatch.why) == (morning.issues["held"], "held_override")


async def test_keys_that_do_not_apply_in_a_lane_do_nothing(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("3", "m", "4", "m", "y", "1", "d")
        await pilot.pause(0.3)
    db = open_db(morning.db_path)
    assert list_decisions(db) == [] and list_dispatches(db, state="queued") == []
    assert git(morning.repo, "rev-parse", "main") == morning.base


async def test_enter_opens_the_proposal_and_q_comes_back(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    app.proposal_screen = PlaceholderProposal  # type: ignore[assignment]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("j", "enter")
        assert isinstance(app.screen, PlaceholderProposal)
        assert app.screen.proposal_id == morning.proposals["unverified"]
        await pilot.press("q")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_help_lists_the_screens_declared_bindings(
    console: Callable[..., OvernightApp],
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {text: enabled for _keys, text, enabled in help_screen.rows}
        assert rows["Merge"] and rows["Redirect"] and rows["Undo"] and rows["Filter"]
        assert rows["Confirm"] is False and rows["Dispatch anyway"] is False  # not this lane
        assert "Down" in rows  # j, from the lane's table
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_s_opens_the_stats_and_w_switches_the_window(
    console: Callable[..., OvernightApp],
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: queue(app).loaded)
        await pilot.press("s")
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        heading = stats.query_one("#stats-window", Static)
        await until(pilot, lambda: "last 7 days" in str(heading.render()))
        await pilot.press("w")
        await until(pilot, lambda: "last 30 days" in str(heading.render()))
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
