"""The queue's lanes: what each holds, in which order, in one statement a page."""

from __future__ import annotations

from pathlib import Path

from store.night import Dispatch, queue_dispatch
from store.queue import QueueFilter, lane_counts, lane_page
from store.read import Reader
from tests.console.seed import NOW, seed_bulk, seed_morning


def test_each_lane_holds_its_rows_with_what_a_reviewer_needs(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    db = Reader(m.db_path).borrow().__enter__()
    proposals = lane_page(db, "proposals", now=NOW)
    assert [r.proposal_id for r in proposals] == [
        m.proposals["verified"],
        m.proposals["unverified"],
    ]
    top = proposals[0]
    assert (top.signal_count, top.users_affected, top.verified) == (30, 12, True)
    assert (top.added, top.removed, top.cost_usd) == (1, 1, 0.42)
    assert top.check_summary == "fails before / passes after / no new failures"
    assert proposals[1].new_failures == 1
    assert sum(top.arrivals) == 30 - sum(1 for n in range(30) if 37 * n + 1 >= 48 * 60)
    assert top.arrivals[-1] == 2  # two signals in the last hour (at 1 and 38 minutes ago)
    held = lane_page(db, "held", now=NOW)
    assert [r.issue_id for r in held] == [m.issues["held"]]
    assert len(held[0].reasons) == 2 and "touches auth/" in held[0].reason
    confirm = lane_page(db, "needs_confirmation", now=NOW)
    assert [(r.link_id, r.issue_id, r.home_issue_id) for r in confirm] == [
        (m.link_id, m.issues["target"], m.issues["lookalike"])
    ]
    assert confirm[0].scores == (0.0, 0.8, 0.7)
    none = lane_page(db, "no_proposal", now=NOW)
    assert [r.outcome for r in none] == ["not_reproduced"]
    assert none[0].reason == "the export test passes on the original commit"
    assert lane_counts(db) == {"proposals": 2, "needs_confirmation": 1, "held": 1, "no_proposal": 1}


def test_a_live_dispatch_shows_on_its_issues_row(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    from store import open_db

    queue_dispatch(open_db(m.db_path), Dispatch(issue_id=m.issues["unverified"], why="redirect"))
    rows = lane_page(Reader(m.db_path).borrow().__enter__(), "proposals", now=NOW)
    assert [r.dispatch_state for r in rows] == [None, "queued"]


def test_the_filter_keeps_rows_whose_title_has_every_word(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    db = Reader(m.db_path).borrow().__enter__()
    rows = lane_page(db, "proposals", flt=QueueFilter(text="CHECKOUT zero"), now=NOW)
    assert [r.issue_id for r in rows] == [m.issues["verified"]]
    assert lane_counts(db, QueueFilter(text="cart"))["needs_confirmation"] == 1
    assert lane_counts(db, QueueFilter(text="nothing like this")) == dict.fromkeys(
        ("proposals", "needs_confirmation", "held", "no_proposal"), 0
    )


def test_a_page_is_one_statement_whatever_its_size(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    seed_bulk(m.db_path, m.repo, m.base, issues=600, proposals=300)
    db = Reader(m.db_path).borrow().__enter__()
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    page = lane_page(db, "proposals", limit=150, now=NOW)
    second = lane_page(db, "proposals", offset=150, limit=150, now=NOW)
    db.conn.set_trace_callback(None)
    assert len(page) == 150 and len(second) == 52
    assert len(statements) == 2
    assert not {r.proposal_id for r in page} & {r.proposal_id for r in second}
    verified = [r.verified for r in page + second]
    assert verified == sorted(verified, reverse=True)  # verified first
