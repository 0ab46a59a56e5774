"""Proposals and review decisions: every decision kept, the proposal's status following it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from store.issues import Issue, insert_issues
from store.review import (
    Decision,
    Proposal,
    add_proposal,
    get_proposal,
    list_decisions,
    list_proposals,
    record_decision,
    wrong_tree_rate,
)

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def an_issue(db: sqlite_utils.Database, issue_id: int) -> int:
    insert_issues(
        db,
        [
            Issue(
                id=issue_id,
                title="ZeroDivisionError: division by zero",
                kind="error",
                first_seen=NOW,
                last_seen=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        ],
    )
    return issue_id


def a_proposal(issue_id: int) -> Proposal:
    return Proposal(
        issue_id=issue_id,
        repository="/srv/teamboard",
        branch=f"overnight/issue-{issue_id}",
        base_commit="a" * 40,
        diff="--- a/reports.py\n+++ b/reports.py\n",
        files=["reports.py"],
        reasoning="ratio() divides by the task count, which is zero for a new team.",
        repro_command="pytest tests/test_reports.py -k empty",
        repro_before=1,
        repro_after=0,
    )


def test_a_proposal_round_trips(fresh_db: sqlite_utils.Database) -> None:
    pid = add_proposal(fresh_db, a_proposal(an_issue(fresh_db, 1)))
    stored = get_proposal(fresh_db, pid)
    assert stored is not None and stored.files == ["reports.py"] and stored.status == "open"
    assert [p.id for p in list_proposals(fresh_db, "open")] == [pid]


def test_each_decision_is_kept_and_moves_the_proposal(fresh_db: sqlite_utils.Database) -> None:
    first = add_proposal(fresh_db, a_proposal(an_issue(fresh_db, 1)))
    second = add_proposal(fresh_db, a_proposal(an_issue(fresh_db, 2)))
    assert wrong_tree_rate(fresh_db) is None
    record_decision(fresh_db, Decision(proposal_id=first, issue_id=1, action="merge"))
    record_decision(
        fresh_db,
        Decision(proposal_id=second, issue_id=2, action="close", reason="wrong tree: cache"),
    )
    assert [p.status for p in list_proposals(fresh_db)] == ["merged", "closed"]
    assert [d.action for d in list_decisions(fresh_db)] == ["merge", "close"]
    assert wrong_tree_rate(fresh_db) == 0.5
