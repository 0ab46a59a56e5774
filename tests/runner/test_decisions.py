"""runner.decisions on a real store and a real repository: each decision, each refusal, undo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runner import decisions
from runner.errors import UserError
from store import open_db
from store.night import list_dispatches
from store.review import get_proposal, list_decisions
from tests.console.seed import Morning, seed_morning


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def repo_state(repo: Path) -> tuple[str, str, str, str]:
    """Everything a refusal must leave alone: refs, HEAD, the index, the work tree."""
    return (
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "symbolic-ref", "HEAD") + " " + git(repo, "rev-parse", "HEAD"),
        git(repo, "ls-files", "--stage"),
        git(repo, "status", "--porcelain", "--untracked-files=all")
        + "".join(p.read_text() for p in sorted(repo.glob("*.py")) + sorted(repo.glob("*.md"))),
    )


@pytest.fixture
def m(tmp_path: Path) -> Morning:
    return seed_morning(tmp_path)


def test_merge_moves_main_and_records_how_to_undo_it(m: Morning) -> None:
    db = open_db(m.db_path)
    decision = decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo, by="ana")
    head = git(m.repo, "rev-parse", "refs/heads/overnight/1-run-a")
    assert git(m.repo, "rev-parse", "main") == head  # a fast-forward
    assert "max(len(items), 1)" in (m.repo / "shop.py").read_text()  # the checkout followed
    assert decision.detail == {
        "repository": str(m.repo),
        "branch": "overnight/1-run-a",
        "target": "main",
        "previous_tip": m.base,
        "new_tip": head,
        "fast_forward": True,
    }
    assert get_proposal(db, m.proposals["verified"]).status == "merged"  # type: ignore[union-attr]
    [stored] = list_decisions(db)
    assert (stored.action, stored.decided_by) == ("merge", "ana")


def test_undo_of_a_merge_puts_main_back_while_it_is_the_tip(m: Morning) -> None:
    db = open_db(m.db_path)
    before = repo_state(m.repo)
    decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo)
    undone = decisions.undo_last_decision(db, repo=m.repo)
    assert undone.action == "merge"
    assert repo_state(m.repo) == (
        before[0],
        before[1],
        before[2],
        before[3],
    )
    assert get_proposal(db, m.proposals["verified"]).status == "open"  # type: ignore[union-attr]
    assert db.execute("SELECT undone_at IS NOT NULL FROM decisions").fetchone()[0] == 1
    with pytest.raises(UserError, match="nothing to undo"):
        decisions.undo_last_decision(db, repo=m.repo)


def test_a_merge_is_not_undone_once_main_moved_on(m: Morning) -> None:
    db = open_db(m.db_path)
    decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo)
    (m.repo / "later.txt").write_text("someone's next commit\n")
    git(m.repo, "add", "later.txt")
    git(m.repo, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "later")
    tip = git(m.repo, "rev-parse", "main")
    with pytest.raises(UserError, match="moved on since the merge"):
        decisions.undo_last_decision(db, repo=m.repo)
    assert git(m.repo, "rev-parse", "main") == tip
    assert get_proposal(db, m.proposals["verified"]).status == "merged"  # type: ignore[union-attr]


def test_a_dirty_checkout_refuses_the_merge_and_changes_nothing(m: Morning) -> None:
    db = open_db(m.db_path)
    (m.repo / "shop.py").write_text("# someone is editing\n")
    before = repo_state(m.repo)
    with pytest.raises(UserError, match="uncommitted changes"):
        decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo)
    assert repo_state(m.repo) == before
    assert list_decisions(db) == []
    assert get_proposal(db, m.proposals["verified"]).status == "open"  # type: ignore[union-attr]


def test_a_conflict_refuses_the_merge_and_changes_nothing(m: Morning) -> None:
    db = open_db(m.db_path)
    (m.repo / "shop.py").write_text("def total(items):\n    return 0\n")
    git(m.repo, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "diverge")
    before = repo_state(m.repo)
    with pytest.raises(UserError, match=r"conflicts with main in shop\.py"):
        decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo)
    assert repo_state(m.repo) == before
    assert list_decisions(db) == []


def test_a_moved_target_refuses_the_merge(m: Morning) -> None:
    db = open_db(m.db_path)
    before = repo_state(m.repo)
    with pytest.raises(UserError, match="moved since the proposal was shown"):
        decisions.merge_proposal(db, m.proposals["verified"], repo=m.repo, expected_tip="0" * 40)
    assert repo_state(m.repo) == before


def test_close_records_the_reason_and_undo_reopens(m: Morning) -> None:
    db = open_db(m.db_path)
    decisions.close_proposal(
        db, m.proposals["unverified"], "duplicate", duplicate_of=m.issues["target"]
    )
    [d] = list_decisions(db)
    assert (d.action, d.reason) == ("close", f"duplicate of #{m.issues['target']}")
    assert get_proposal(db, m.proposals["unverified"]).status == "closed"  # type: ignore[union-attr]
    with pytest.raises(UserError, match="already closed"):
        decisions.close_proposal(db, m.proposals["unverified"], "wrong tree")
    decisions.undo_last_decision(db)
    assert get_proposal(db, m.proposals["unverified"]).status == "open"  # type: ignore[union-attr]
    with pytest.raises(UserError, match="no other issue #999"):
        decisions.close_proposal(db, m.proposals["unverified"], "duplicate", duplicate_of=999)


def test_redirect_queues_the_agent_and_undo_cancels_it_while_queued(m: Morning) -> None:
    db = open_db(m.db_path)
    d = decisions.redirect_proposal(db, m.proposals["unverified"], "look at the cache", by="ana")
    [queued] = list_dispatches(db, state="queued")
    assert (queued.issue_id, queued.why, queued.context) == (
        m.issues["unverified"],
        "redirect",
        "look at the cache",
    )
    assert d.detail["dispatch_id"] == queued.id
    decisions.undo_last_decision(db)
    assert list_dispatches(db, state="queued") == []
    assert get_proposal(db, m.proposals["unverified"]).status == "open"  # type: ignore[union-attr]


def test_a_redirect_whose_agent_started_is_not_undone(m: Morning) -> None:
    db = open_db(m.db_path)
    d = decisions.redirect_proposal(db, m.proposals["unverified"], "try again", at_step=3)
    with db.conn:
        db.conn.execute("UPDATE dispatches SET state = 'running' WHERE id = ?",
                        [d.detail["dispatch_id"]])  # fmt: skip
    with pytest.raises(UserError, match="its agent run is running"):
        decisions.undo_last_decision(db)
    [running] = list_dispatches(db, state="running")
    assert (running.from_run, running.at_step) == ("run-b", 3)
    assert get_proposal(db, m.proposals["unverified"]).status == "redirected"  # type: ignore[union-attr]


def test_dispatch_anyway_is_only_for_held_issues_and_says_who(m: Morning) -> None:
    db = open_db(m.db_path)
    dispatch_id = decisions.dispatch_anyway(db, m.issues["held"], by="ana")
    [d] = list_dispatches(db, state="queued")
    assert (d.id, d.why, d.requested_by) == (dispatch_id, "held_override", "ana")
    with pytest.raises(UserError, match="is not held"):
        decisions.dispatch_anyway(db, m.issues["verified"])


def test_confirm_and_split_pass_through_to_triage(m: Morning) -> None:
    db = open_db(m.db_path)
    assert decisions.split_link(db, m.link_id) == m.issues["lookalike"]
    assert db.execute("SELECT COUNT(*) FROM splits").fetchone()[0] == 1
    with pytest.raises(UserError, match="not proposed"):
        decisions.confirm_link(db, m.link_id)
