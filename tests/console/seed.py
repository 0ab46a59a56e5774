"""A small morning to review, built through the store and a real git repository.

`seed_morning` makes the scene the console's tests and snapshots look at: a repository with
`main` and two proposal branches, a night, issues in every lane (with signals and links, so
sparklines have arrivals), agent runs with transcripts, and one proposal of each kind.
`seed_bulk` adds thousands of issues and proposals for the benchmark. Everything is fixed in
time (`NOW`) so screens are the same on every run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from runner.git import Author, commit_diff, init_repository, show_file
from store import open_db
from store.issues import Issue
from store.night import Dispatch, Night, queue_dispatch, start_night
from store.review import CheckTest, Decision, Proposal, add_proposal, record_decision
from store.runs import RunEvent, RunRecord, append_event, insert_run
from store.signal import Actor, Signal
from store.signals import insert_signals
from store.triage_batches import NewLink, TriageBatch, write_triage_batch

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
BASE_FILE = "def total(items):\n    return sum(i.price for i in items) / len(items)\n"


AUTHOR = Author(name="Overnight Test", email="test@overnight.invalid")
GIT_DATE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)


def make_repo(path: Path) -> tuple[Path, str]:
    """A repository with one commit on `main` (checked out); returns it and that commit."""
    source = path.parent / f"{path.name}-source"
    source.mkdir(parents=True, exist_ok=True)
    (source / "shop.py").write_text(BASE_FILE)
    (source / "README.md").write_text("# shop\n")
    base = init_repository(
        source, path, branch="main", author=AUTHOR, message="Initial", date=GIT_DATE
    )
    return path, base


def unified_diff(name: str, before: str, after: str) -> str:
    """`git diff` of one file, as an agent submits it."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    return f"diff --git a/{name} b/{name}\n" + "".join(lines)


def make_branch(repo: Path, branch: str, base: str, name: str, after: str) -> tuple[str, str]:
    """A proposal branch from `base` with `name` changed to `after` (via `commit_diff`, as the
    runner makes them); returns its head and its diff."""
    before = (show_file(repo, base, name) or b"").decode()
    diff = unified_diff(name, before, after)
    head = commit_diff(
        repo,
        base,
        diff,
        branch=branch,
        message=f"Fix on {branch}",
        author=AUTHOR,
        trailers={"Overnight-Run": branch.rsplit("-", 1)[-1]},
        date=GIT_DATE,
    )
    return head, diff


@dataclass
class Morning:
    """What `seed_morning` made, for tests to act on and check."""

    db_path: Path
    repo: Path
    base: str
    night_id: int
    proposals: dict[str, int] = field(default_factory=dict)
    """`verified`, `unverified`, `not_reproduced`."""
    issues: dict[str, int] = field(default_factory=dict)
    """`verified`, `unverified`, `not_reproduced`, `held`, `target`, `lookalike`."""
    link_id: int = 0
    """The proposed link of the needs-confirmation lane."""
    branches: dict[str, str] = field(default_factory=dict)


def _issue(
    issue_id: int,
    title: str,
    *,
    lane: str = "dispatchable",
    seen: datetime | None = None,
    **extra: object,
) -> Issue:
    seen = seen or NOW - timedelta(hours=30 - issue_id)
    return Issue.model_validate(
        {
            "id": issue_id,
            "title": title,
            "kind": "error",
            "lane": lane,
            "first_seen": seen,
            "last_seen": NOW - timedelta(minutes=5),
            "created_at": seen,
            "updated_at": seen,
            **extra,
        }
    )


def _signals(issue_id: int, title: str, count: int, users: int) -> list[Signal]:
    return [
        Signal(
            id=f"sig-{issue_id}-{n}",
            kind="error",
            source="inbox",
            occurred_at=NOW - timedelta(minutes=37 * n + issue_id),
            received_at=NOW - timedelta(minutes=37 * n),
            title=title,
            route="/checkout",
            actor=Actor(id=f"user-{n % users}"),
        )
        for n in range(count)
    ]


def _run(db: sqlite_utils.Database, run_id: str, issue_id: int, repo: Path, base: str) -> None:
    insert_run(
        db,
        RunRecord(
            id=run_id,
            issue_id=issue_id,
            purpose="agent",
            repository=str(repo),
            commit_sha=base,
            image_id="sha256:seed",
            connection="local unix:///run/podman.sock",
            owner="seed:1:0",
            status="ok",
            started_at=NOW - timedelta(hours=5),
            ended_at=NOW - timedelta(hours=4, minutes=50),
        ),
    )
    at = NOW - timedelta(hours=5)
    for kind, command, data in (
        ("model_request", None, {"protocol": "anthropic", "model": "scripted", "messages": 1}),
        ("model_reply", None, {"text": "Reproduce first.", "stop": "tool_use", "cost_usd": 0.01}),
        ("exec", ["pytest", "-x", "tests/test_shop.py"], {"tool": "bash", "check": "repro"}),
        ("tool", None, {"name": "submit", "result": "submitted"}),
    ):
        append_event(
            db,
            RunEvent(
                run_id=run_id,
                kind=kind,
                command=command,
                exit_code=1 if command else None,
                stdout="1 failed" if command else None,
                duration_s=0.5,
                started_at=at,
                ended_at=at,
                data=data,
            ),
        )


def seed_morning(root: Path) -> Morning:
    """The small morning every console test starts from (a fresh store and repository)."""
    repo, base = make_repo(root / "shop")
    fixed = BASE_FILE.replace("/ len(items)", "/ max(len(items), 1)")
    head_v, diff_v = make_branch(repo, "overnight/1-run-a", base, "shop.py", fixed)
    head_u, diff_u = make_branch(
        repo, "overnight/2-run-b", base, "README.md", "# shop\n\nDashboard notes.\n"
    )
    db_path = root / "overnight.db"
    db = open_db(db_path)
    m = Morning(db_path=db_path, repo=repo, base=base, night_id=0)
    m.branches = {"verified": "overnight/1-run-a", "unverified": "overnight/2-run-b"}
    specs: list[tuple[int, str, str, str, int, int, dict[str, Any]]] = [
        (1, "verified", "ZeroDivisionError in checkout total", "dispatchable", 30, 12, {}),
        (2, "unverified", "Dashboard goes blank after refresh", "dispatchable", 9, 4, {}),
        (3, "not_reproduced", "Export to CSV drops the last row", "dispatchable", 4, 2, {}),
        (4, "held", "Login fails for SSO users", "held", 14, 9,
         {"reasons": ["touches auth/: sign-in code is never dispatched unasked",
                      "mentions a password in the user's words"]}),
        (5, "target", "Cart badge shows a stale count", "dispatchable", 6, 3, {}),
        (6, "lookalike", "Cart count wrong after removing an item", "needs_confirmation", 1, 1,
         {}),
    ]  # fmt: skip
    issues, signals, links = [], [], []
    for issue_id, key, title, lane, count, users, extra in specs:
        issues.append(
            _issue(issue_id, title, lane=lane, signal_count=count, users_affected=users, **extra)
        )
        for s in _signals(issue_id, title, count, users):
            signals.append(s)
            links.append(NewLink(s.id, issue_id, "linked", 1.0, 1.0, 1.0, "seed"))
        m.issues[key] = issue_id
    # Triage ranked two issues for the look-alike: the cart badge first, the dashboard second.
    links.append(
        NewLink(
            "sig-6-0",
            5,
            "proposed",
            0.0,
            0.8,
            0.7,
            "structure and text agree",
            "[[5, 0.62], [2, 0.31]]",
        )
    )
    with db.conn:
        insert_signals(db, signals)
    with db.conn:
        write_triage_batch(
            db,
            TriageBatch(issues, [], links, [], [], 0, len(signals), NOW.isoformat(), []),
        )
    m.link_id = int(db.execute("SELECT id FROM links WHERE state = 'proposed'").fetchone()[0])
    m.night_id = start_night(db, Night(owner="seed:1:0", started_at=NOW - timedelta(hours=6)))
    extras: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
        ("verified", "run-a", "proposed",
         {"branch": m.branches["verified"], "head_commit": head_v, "diff": diff_v,
          "files": ["shop.py"], "added": 1, "removed": 1, "verified": True,
          "repro_command": "pytest tests/test_shop.py", "repro_before": 1, "repro_after": 0,
          "tests_fixed": ["tests/test_shop.py::test_empty_cart"],
          "check_summary": "fails before / passes after / no new failures",
          "reasoning": "## Cause\n`total` divides by the number of items.\n", "cost_usd": 0.42,
          "reason": "verified by the runner's check"}),
        ("unverified", "run-b", "unverified",
         {"branch": m.branches["unverified"], "head_commit": head_u, "diff": diff_u,
          "files": ["README.md"], "added": 2, "removed": 0, "repro_before": 1, "repro_after": 1,
          "new_failures": ["tests/test_dash.py::test_refresh"], "cost_usd": 0.87,
          "check_summary": "fails before / still fails after / 1 new failure",
          "reason": "the reproduction still fails after the fix"}),
        ("not_reproduced", "run-c", "not_reproduced",
         {"reason": "the export test passes on the original commit", "cost_usd": 0.15}),
    )  # fmt: skip
    for key, run_id, outcome, extra in extras:
        issue_id = m.issues[key]
        _run(db, run_id, issue_id, repo, base)
        dispatch_id = queue_dispatch(
            db,
            Dispatch(
                issue_id=issue_id,
                night_id=m.night_id,
                state="done",
                run_id=run_id,
                created_at=NOW - timedelta(hours=5),
            ),
        )
        tests = [
            CheckTest(
                proposal_id=0, phase="before", test_id="tests/test_shop.py::t", outcome="failed"
            )
        ]
        m.proposals[key] = add_proposal(
            db,
            Proposal.model_validate(
                {
                    "issue_id": issue_id,
                    "run_id": run_id,
                    "dispatch_id": dispatch_id,
                    "night_id": m.night_id,
                    "outcome": outcome,
                    "repository": str(repo),
                    "base_commit": base,
                    "steps": 4,
                    "created_at": NOW - timedelta(hours=4),
                    "updated_at": NOW - timedelta(hours=4),
                    **extra,
                }
            ),
            tests,
        )
    db.close()
    return m


def seed_bulk(db_path: Path, repo: Path, base: str, *, issues: int, proposals: int) -> None:
    """Add `issues` issues (one signal each) and `proposals` open proposals on the first of
    them, in a few transactions, to an existing store (ids after those already there)."""
    db = open_db(db_path)
    first = int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM issues").fetchone()[0])
    after = int(db.execute("SELECT last_seq FROM triage_progress").fetchone()[0])
    rows, signals, links = [], [], []
    for n in range(issues):
        issue_id = first + n
        title = f"Bulk issue {issue_id}: KeyError in report {n % 97}"
        rows.append(_issue(issue_id, title, signal_count=1 + n % 50, users_affected=1 + n % 7))
        s = _signals(issue_id, title, 1, 1)[0]
        signals.append(s)
        links.append(NewLink(s.id, issue_id, "linked", 1.0, 1.0, 1.0, "seed"))
    with db.conn:
        insert_signals(db, signals)
    through = int(db.execute("SELECT MAX(seq) FROM signals").fetchone()[0])
    with db.conn:
        write_triage_batch(
            db, TriageBatch(rows, [], links, [], [], after, through, NOW.isoformat(), [])
        )
    for n in range(proposals):
        issue_id = first + n
        run_id = f"bulk-run-{issue_id}"
        insert_run(
            db,
            RunRecord(
                id=run_id,
                issue_id=issue_id,
                purpose="agent",
                repository=str(repo),
                commit_sha=base,
                image_id="sha256:seed",
                connection="local",
                owner="seed:1:0",
                status="ok",
                started_at=NOW - timedelta(hours=5),
            ),
        )
        add_proposal(
            db,
            Proposal(
                issue_id=issue_id,
                run_id=run_id,
                outcome="proposed" if n % 3 else "gave_up",
                reason="bulk",
                repository=str(repo),
                base_commit=base,
                branch=f"overnight/{issue_id}-bulk" if n % 3 else None,
                added=n % 40,
                removed=n % 11,
                verified=bool(n % 2),
                cost_usd=0.01 * (n % 90),
                created_at=NOW - timedelta(hours=4),
                updated_at=NOW - timedelta(hours=4),
            ),
        )
    db.close()


def seed_history(m: Morning, nights: int = 6) -> None:
    """Earlier nights with decided proposals, one wrong-tree close more every other night, so
    the Stats screen has a funnel, merge times and a chart to show."""
    db = open_db(m.db_path)
    for n in range(nights):
        started = NOW - timedelta(days=nights - n)
        night_id = start_night(db, Night(owner="seed:1:0", status="done", started_at=started))
        after = int(db.execute("SELECT last_seq FROM triage_progress").fetchone()[0])
        issues, signals, links = [], [], []
        for k in range(4):
            issue_id = 100 + n * 10 + k
            seen = started - timedelta(hours=6 + 3 * k)
            issues.append(_issue(issue_id, f"Old issue {issue_id}", seen=seen, signal_count=3))
            for s in _signals(issue_id, f"Old issue {issue_id}", 3, 2):
                s = s.model_copy(update={"id": f"old-{s.id}", "received_at": seen})
                signals.append(s)
                links.append(NewLink(s.id, issue_id, "linked", 1.0, 1.0, 1.0, "seed"))
        with db.conn:
            insert_signals(db, signals)
        through = int(db.execute("SELECT MAX(seq) FROM signals").fetchone()[0])
        with db.conn:
            write_triage_batch(
                db, TriageBatch(issues, [], links, [], [], after, through, NOW.isoformat(), [])
            )
        for k in range(4):
            issue_id = 100 + n * 10 + k
            run_id = f"old-{issue_id}"
            _run(db, run_id, issue_id, m.repo, m.base)
            queue_dispatch(
                db,
                Dispatch(issue_id=issue_id, night_id=night_id, state="done", created_at=started),
            )
            proposal_id = add_proposal(
                db,
                Proposal(
                    issue_id=issue_id,
                    run_id=run_id,
                    night_id=night_id,
                    outcome="proposed",
                    repository=str(m.repo),
                    base_commit=m.base,
                    cost_usd=0.25,
                    created_at=started,
                    updated_at=started,
                ),
            )
            wrong = k < n // 2
            record_decision(
                db,
                Decision(
                    proposal_id=proposal_id,
                    issue_id=issue_id,
                    action="close" if wrong else "merge",
                    reason="wrong tree" if wrong else None,
                    decided_at=started + timedelta(hours=8),
                ),
            )
    db.close()
