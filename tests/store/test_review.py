"""Proposals and review decisions: every decision kept, the proposal's status following it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from store.issues import Issue, insert_issues
from store.review import (
    CheckTest,
    Decision,
    Proposal,
    add_proposal,
    check_tests,
    get_proposal,
    list_decisions,
    list_proposals,
    proposal_for_run,
    record_decision,
    wrong_tree_rate,
)
from store.runs import RunRecord, insert_run

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


def a_run(db: sqlite_utils.Database, issue_id: int) -> str:
    run_id = f"run{issue_id:09d}"
    insert_run(
        db,
        RunRecord(
            id=run_id,
            issue_id=issue_id,
            repository="/srv/teamboard",
            commit_sha="a" * 40,
            image_id="img",
            connection="local unix:///run/podman.sock",
            owner="host:1:0",
        ),
    )
    return run_id


def a_proposal(db: sqlite_utils.Database, issue_id: int) -> Proposal:
    return Proposal(
        issue_id=an_issue(db, issue_id),
        run_id=a_run(db, issue_id),
        outcome="proposed",
        verified=True,
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
    pid = add_proposal(fresh_db, a_proposal(fresh_db, 1))
    stored = get_proposal(fresh_db, pid)
    assert stored is not None and stored.files == ["reports.py"] and stored.status == "open"
    assert [p.id for p in list_proposals(fresh_db, "open")] == [pid]
    assert stored.verified and stored.outcome == "proposed"
    assert proposal_for_run(fresh_db, stored.run_id) == stored


def test_check_tests_are_stored_with_their_proposal(fresh_db: sqlite_utils.Database) -> None:
    tests = [
        CheckTest(proposal_id=0, phase="before", test_id="t::a", outcome="failed", message="x"),
        CheckTest(proposal_id=0, phase="after", test_id="t::a", outcome="passed"),
    ]
    pid = add_proposal(fresh_db, a_proposal(fresh_db, 1), tests)
    stored = check_tests(fresh_db, pid)
    assert [(t.phase, t.outcome, t.proposal_id) for t in stored] == [
        ("before", "failed", pid),
        ("after", "passed", pid),
    ]


def test_each_decision_is_kept_and_moves_the_proposal(fresh_db: sqlite_utils.Database) -> None:
    first = add_proposal(fresh_db, a_proposal(fresh_db, 1))
    second = add_proposal(fresh_db, a_proposal(fresh_db, 2))
    assert wrong_tree_rate(fresh_db) is None
    record_decision(
        fresh_db,
        Decision(proposal_id=first, issue_id=1, action="merge", detail={"new_tip": "b" * 40}),
    )
    record_decision(
        fresh_db,
        Decision(proposal_id=second, issue_id=2, action="close", reason="wrong tree: cache"),
    )
    assert [p.status for p in list_proposals(fresh_db)] == ["merged", "closed"]
    assert [d.action for d in list_decisions(fresh_db)] == ["merge", "close"]
    assert list_decisions(fresh_db, issue_id=1)[0].detail == {"new_tip": "b" * 40}
    assert wrong_tree_rate(fresh_db) == 0.5
