"""Line comments, undo marks and the stats: the console's own tables and reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from store import open_db
from store.comments import LineComment, add_comment, delete_comment, list_comments, redirect_context
from store.review import Decision, record_decision
from store.stats import stats_report
from store.undo import UndoRefused, last_live_decision, mark_undone
from tests.console.seed import NOW, seed_history, seed_morning


def test_comments_keep_the_line_and_read_in_diff_order(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    db = open_db(m.db_path)
    pid = m.proposals["verified"]
    for file, line, body in (("shop.py", 9, "b"), ("README.md", 1, "a"), ("shop.py", 2, "c")):
        add_comment(
            db, LineComment(proposal_id=pid, file=file, line=line, line_text="x", body=body)
        )
    comments = list_comments(db, pid)
    assert [(c.file, c.line) for c in comments] == [
        ("README.md", 1),
        ("shop.py", 2),
        ("shop.py", 9),
    ]
    assert redirect_context(comments).splitlines()[:2] == ["README.md:1: `x`", "  a"]
    with pytest.raises(ValueError, match="needs some words"):
        add_comment(db, LineComment(proposal_id=pid, file="f", line=1, line_text="", body=" "))
    assert delete_comment(db, comments[0].id or 0)
    assert len(list_comments(db, pid)) == 2


def test_an_undone_decision_stays_on_record_and_is_not_undone_twice(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    db = open_db(m.db_path)
    closing = Decision(
        proposal_id=m.proposals["verified"], issue_id=m.issues["verified"], action="close"
    )
    first = record_decision(db, closing)
    decision = last_live_decision(db)
    assert decision is not None and decision.id == first
    mark_undone(db, decision)
    assert last_live_decision(db) is None
    with pytest.raises(UndoRefused):
        mark_undone(db, decision)
    assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1


def test_stats_count_what_stands_in_the_window(tmp_path: Path) -> None:
    m = seed_morning(tmp_path)
    seed_history(m, nights=6)
    db = open_db(m.db_path)
    week = stats_report(db, days=7, now=NOW)
    assert week.funnel.merged == 18 and week.funnel.closed == 6
    assert [n.wrong_tree for n in week.nights] == [0, 0, 1, 1, 2, 2, 0]
    assert week.median_signal_to_merge_h == pytest.approx(20.0)
    short = stats_report(db, days=2, now=NOW)
    assert [n.wrong_tree for n in short.nights] == [2, 2, 0]  # the night two days ago counts
    # An undone merge no longer counts.
    last = last_live_decision(db)
    assert last is not None
    mark_undone(db, last)
    assert stats_report(db, days=7, now=NOW).funnel.merged == 17
    assert stats_report(db, days=7, now=NOW + timedelta(days=30)).funnel.merged == 0
