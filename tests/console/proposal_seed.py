"""A realistic store and repository for the Proposal screen's tests and benchmark.

A real git repository with a base commit and the agent's fix on its own branch (fixed dates,
so commit ids are the same on every run), an issue with signals and their links, the agent's
run with every kind of event, the runner's check runs, and the proposal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import pytest
from textual.pilot import Pilot

from store import open_db
from store.issues import Issue, insert_issues
from store.review import CheckTest, Proposal, add_proposal
from store.runs import RunEvent, RunRecord, append_event, finish_run, insert_run
from store.signal import Action, Actor, ErrorDetail, Frame, Signal
from store.signals import insert_signals

NIGHT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
AGENT_RUN = "run-agent-0001"
REPRO = "python -m pytest tests/test_reports.py -q -k zero"

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


def _signals(issue_id: int) -> list[Signal]:
    frames = [
        Frame(file="flask/app.py", function="dispatch_request", module="flask.app", line=880),
        Frame(
            file="demo_app/app.py",
            function="team_report",
            module="demo_app.app",
            line=41,
            in_app=True,
        ),
        Frame(
            file="demo_app/reports.py",
            function="summary",
            module="demo_app.reports",
            line=18,
            in_app=True,
        ),
        Frame(
            file="demo_app/reports.py",
            function="ratio",
            module="demo_app.reports",
            line=8,
            in_app=True,
        ),
    ]
    error = ErrorDetail(type="ZeroDivisionError", message="division by zero", frames=frames)
    out = []
    for i in range(3):
        out.append(
            Signal(
                id=f"sig-error-{i}",
                kind="error",
                source="inbox",
                occurred_at=NIGHT - timedelta(hours=8 - i),
                received_at=NIGHT - timedelta(hours=8 - i),
                title="ZeroDivisionError: division by zero",
                route="/teams/:id/report",
                actor=Actor(id=f"user-{i}", email=f"user{i}@example.com"),
                actions=[
                    Action(message="GET /teams/7", category="navigation"),
                    Action(message="click 'Report'", category="ui.click"),
                ],
                flags={"new_reports": True},
                intent="open the team report",
                error=error,
                release="1.4.0",
            )
        )
    out.append(
        Signal(
            id="sig-feedback-0",
            kind="feedback",
            source="feedback",
            occurred_at=NIGHT - timedelta(hours=3),
            received_at=NIGHT - timedelta(hours=3),
            title="Report page crashes for our new team",
            route="/teams/:id/report",
            actor=Actor(id="user-9", email="lead@example.com"),
            text="The report page shows an error for the team we created today.",
        )
    )
    return out


def _events(run_id: str, purpose: str) -> list[RunEvent]:
    t = NIGHT + timedelta(minutes=5)
    if purpose != "agent":
        check = "repro"
        return [
            RunEvent(
                run_id=run_id,
                kind="setup",
                command=["git", "apply", "fix.patch"],
                exit_code=0,
                duration_s=0.1,
                started_at=t,
                data={"check": "diff"},
            )
            if purpose == "check_after"
            else RunEvent(
                run_id=run_id,
                kind="setup",
                command=["git", "status", "--short"],
                exit_code=0,
                duration_s=0.05,
                started_at=t,
            ),
            RunEvent(
                run_id=run_id,
                kind="exec",
                command=["sh", "-c", REPRO],
                stdout="1 failed" if purpose == "check_before" else "1 passed",
                exit_code=1 if purpose == "check_before" else 0,
                duration_s=0.8,
                started_at=t,
                data={"check": check},
            ),
            RunEvent(
                run_id=run_id,
                kind="exec",
                command=["python", "-m", "pytest", "-q"],
                stdout="1 failed, 1 passed" if purpose == "check_before" else "2 passed",
                exit_code=1 if purpose == "check_before" else 0,
                duration_s=1.2,
                started_at=t,
                data={"check": "tests"},
            ),
        ]
    reply = {
        "stop": "tool_use",
        "cost_usd": 0.0123,
        "latency_s": 1.5,
        "usage": {"input_tokens": 1800, "output_tokens": 120},
    }
    return [
        RunEvent(
            run_id=run_id,
            kind="setup",
            command=["git", "checkout", "--detach"],
            exit_code=0,
            duration_s=0.2,
            started_at=t,
        ),
        RunEvent(
            run_id=run_id,
            kind="model_request",
            started_at=t,
            data={"protocol": "anthropic", "model": "scripted", "messages": 1},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_reply",
            started_at=t,
            data={
                **reply,
                "text": "Let me reproduce the crash with a team that has no tasks.",
                "tool_calls": [{"id": "c1", "name": "bash", "arguments": {"command": REPRO}}],
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["bash", "-lc", REPRO],
            stdout="E   ZeroDivisionError: division by zero\n1 failed",
            exit_code=1,
            duration_s=0.9,
            started_at=t,
            data={"tool": "bash", "call_id": "c1"},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_request",
            started_at=t,
            data={"protocol": "anthropic", "model": "scripted", "messages": 3},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_reply",
            started_at=t,
            data={
                **reply,
                "text": "ratio() divides by the task count; guard the empty case.",
                "tool_calls": [{"id": "c2", "name": "edit", "arguments": {"path": "reports.py"}}],
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["edit", "reports.py"],
            stdout="edited",
            exit_code=0,
            duration_s=0.01,
            started_at=t,
            data={"tool": "edit"},
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["bash", "-lc", REPRO],
            stdout="1 passed",
            exit_code=0,
            duration_s=0.7,
            started_at=t,
            data={"tool": "bash"},
        ),
        RunEvent(
            run_id=run_id,
            kind="tool",
            started_at=t,
            data={
                "call_id": "c4",
                "name": "submit",
                "arguments": {"repro": REPRO},
                "result": "submitted",
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="outcome",
            started_at=t,
            data={"outcome": "proposed", "reason": "fails before, passes after"},
        ),
    ]


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
    insert_signals(db, _signals(issue_id))
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
    for event in _events(AGENT_RUN, "agent"):
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
        for event in _events(run_id, purpose):
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
