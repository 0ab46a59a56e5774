"""A realistic store and repository for the Proposal screen's tests and benchmark.

A real git repository with a base commit and the agent's fix on its own branch (fixed dates,
so commit ids are the same on every run), an issue with signals and their links, the agent's
run with every kind of event, the runner's check runs, and the proposal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import git
import pytest
from textual.pilot import Pilot
from textual.widgets import Footer

from store import open_db
from store.issues import Issue, insert_issues
from store.review import CheckTest, Proposal, add_proposal
from store.runs import RunRecord, append_event, finish_run, insert_run
from store.signals import insert_signals
from tests.console.proposal_story import AGENT_RUN, NIGHT, REPRO, events, signals

REPORTS_BASE = '''"""Team reports: the summary card."""

from __future__ import annotations


def ratio(part: float, whole: float) -> float:
    """`part / whole`, rounded for display."""
    return round(part / whole, 3)


def summary(tasks: list[dict]) -> dict:
    """Counts, completion ratio and average points of a team's tasks."""
    done = [task for task in tasks if task["status"] == "done"]
    points = [task["points"] for task in tasks]
    return {
        "tasks": len(tasks),
        "done": len(done),
        "completion": ratio(len(done), len(tasks)),
        "avg_points": ratio(sum(points), len(points)),
    }
'''
REPORTS_FIX = REPORTS_BASE.replace(
    '''    """`part / whole`, rounded for display."""
    return round(part / whole, 3)''',
    '''    """`part / whole`, rounded for display; 0.0 when there is nothing to divide by."""
    if not whole:
        return 0.0
    return round(part / whole, 3)''',
)
TEST_BASE = """from reports import summary


def test_summary_counts_done_tasks():
    tasks = [{"status": "done", "points": 3}, {"status": "open", "points": 1}]
    assert summary(tasks)["done"] == 1
"""
TEST_FIX = (
    TEST_BASE
    + """

def test_summary_of_a_team_with_zero_tasks():
    assert summary([])["completion"] == 0.0
"""
)


@dataclass
class Seeded:
    db_path: Path
    repo: Path
    proposal_id: int
    issue_id: int
    base: str
    head: str


def _commit(repo: git.Repo, files: dict[str, str], message: str, when: datetime) -> str:
    for name, text in files.items():
        path = Path(repo.working_tree_dir or ".") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    repo.index.add(list(files))
    actor = git.Actor("Overnight Test", "test@overnight.invalid")
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S +0000")
    return repo.index.commit(
        message, author=actor, committer=actor, author_date=stamp, commit_date=stamp
    ).hexsha


def make_repo(path: Path, base: dict[str, str], fix: dict[str, str]) -> tuple[str, str]:
    """A repository whose `main` holds `base` and whose proposal branch holds `fix` on top."""
    path.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(path, initial_branch="main")
    base_sha = _commit(repo, base, "Reports: the summary card", NIGHT - timedelta(days=2))
    branch = repo.create_head("overnight/1-run-agent-0001", base_sha)
    branch.checkout()
    head_sha = _commit(repo, fix, "Reports: a team with no tasks has a 0 ratio", NIGHT)
    repo.heads["main"].checkout()
    repo.close()
    return base_sha, head_sha


def _count(diff: str, sign: str) -> int:
    return sum(1 for line in diff.splitlines() if line[:1] == sign and line[:3] != sign * 3)


REASONING = """## Cause

`ratio()` divides by the number of tasks, and a team created today has none, so
`summary()` raises `ZeroDivisionError` on the report page.

## Fix

Return `0.0` when there is nothing to divide by, and a test for a team with zero tasks.
"""


def seed(
    tmp_path: Path,
    files: tuple[dict[str, str], dict[str, str]] | None = None,
    *,
    keep_repo: bool = True,
) -> Seeded:
    """Write the store and the repository under `tmp_path`."""
    base_files, fix_files = files or (
        {"reports.py": REPORTS_BASE, "tests/test_reports.py": TEST_BASE},
        {"reports.py": REPORTS_FIX, "tests/test_reports.py": TEST_FIX},
    )
    repo_path = tmp_path / "repo"
    base, head = make_repo(repo_path, base_files, fix_files)
    diff = git.Repo(repo_path).git.diff(base, head, "--no-color")
    db_path = tmp_path / "overnight.db"
    db = open_db(db_path)
    issue_id = 1
    with db.conn:
        insert_issues(
            db,
            [
                Issue(
                    id=issue_id,
                    title="ZeroDivisionError: division by zero",
                    kind="error",
                    lane="dispatchable",
                    signal_count=4,
                    users_affected=4,
                    first_seen=NIGHT,
                    last_seen=NIGHT,
                    created_at=NIGHT,
                    updated_at=NIGHT,
                )
            ],
        )
    insert_signals(db, signals(issue_id))
    with db.conn:
        for i, (signal_id, scores, rule) in enumerate(
            [
                ("sig-error-0", (1.0, 1.0, 1.0), "founded the issue"),
                ("sig-error-1", (1.0, 0.92, 0.88), "same fingerprint and structure (2 of 3)"),
                ("sig-error-2", (1.0, 0.92, 0.88), "same fingerprint and structure (2 of 3)"),
                ("sig-feedback-0", (0.0, 0.75, 0.81), "same route and words (2 of 3)"),
            ]
        ):
            db.conn.execute(
                "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, "
                "structure_score, text_score, rule, created_at) VALUES (?, ?, 'linked', ?, ?, "
                "?, ?, ?)",
                [signal_id, issue_id, *scores, rule, (NIGHT + timedelta(seconds=i)).isoformat()],
            )
    run_common = dict(
        repository=str(repo_path),
        image_id="sha256:feed",
        connection="local",
        owner="test:1:0",
        issue_id=issue_id,
    )
    insert_run(
        db,
        RunRecord(id=AGENT_RUN, purpose="agent", commit_sha=base, started_at=NIGHT, **run_common),
    )
    for event in events(AGENT_RUN, "agent"):
        append_event(db, event)
    finish_run(db, AGENT_RUN, "ok")
    proposal_id = add_proposal(
        db,
        Proposal(
            issue_id=issue_id,
            run_id=AGENT_RUN,
            outcome="proposed",
            reason="fails before, passes after, no new failures",
            profile="default",
            model="scripted",
            repository=str(repo_path),
            base_commit=base,
            branch="overnight/1-run-agent-0001",
            head_commit=head,
            diff=diff,
            files=list(fix_files),
            added=_count(diff, "+"),
            removed=_count(diff, "-"),
            reasoning=REASONING,
            repro_command=REPRO,
            repro_before=1,
            repro_after=0,
            tests_fixed=["tests/test_reports.py::test_summary_of_a_team_with_zero_tasks"],
            check_summary="fails before / passes after / no new failures",
            verified=True,
            steps=10,
            cost_usd=0.05,
            created_at=NIGHT,
            updated_at=NIGHT,
        ),
        [
            CheckTest(
                proposal_id=0, phase="after", test_id="tests/test_reports.py::t", outcome="passed"
            )
        ],
    )
    for n, purpose in enumerate(("check_before", "check_after"), 1):
        run_id = f"run-{purpose.replace('_', '-')}-0001"
        insert_run(
            db,
            RunRecord(
                id=run_id,
                purpose=purpose,
                proposal_id=proposal_id,
                commit_sha=head,
                started_at=NIGHT + timedelta(minutes=10 * n),
                **run_common,
            ),
        )
        for event in events(run_id, purpose):
            append_event(db, event)
        finish_run(db, run_id, "ok")
    db.close()
    if not keep_repo:
        os.rename(repo_path, tmp_path / "repo-gone")
    return Seeded(db_path, repo_path, proposal_id, issue_id, base, head)


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    """The store and repository of one verified proposal (two files changed)."""
    return seed(tmp_path)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the screen's workers are done and their results are shown."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for _ in range(100):  # the footer follows the diff by a moment, then shows its keys
        if pilot.app.screen.query(Footer):
            break
        await pilot.pause(0.01)
    await pilot.pause(0.1)
