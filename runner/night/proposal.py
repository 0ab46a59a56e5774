"""What an agent run came to, recorded: a checked branch for a submission, or the reason there
is none. Every submitted diff becomes the branch `overnight/<issue>-<run>` in the target
repository (one commit on the base, with trailers naming the issue, the run and the check),
so a reviewer can look even when the check failed; nothing is pushed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from runner.agents.loop import Totals
from runner.agents.tools import Ending, Submitted
from runner.containers import Run
from runner.git import Author, GitError, commit_diff
from runner.night.check import Checker, CheckOutcome
from runner.night.scope import measure, out_of_scope
from runner.night.settings import NightSettings
from runner.routines import Guardrails
from runner.sources.junit import JUnitCase
from store.issues import Issue
from store.night import Dispatch, set_run_role
from store.review import CheckTest, Outcome, Proposal, add_proposal, get_proposal
from store.runs import ImageRecord


@dataclass(frozen=True)
class Attempt:
    """One agent run at an issue: what every record of its result names."""

    db: sqlite_utils.Database
    settings: NightSettings
    night_id: int | None
    dispatch: Dispatch
    issue: Issue
    run: Run
    profile: str
    model: str

    def fields(self, totals: Totals | None) -> dict[str, Any]:
        """The proposal's fields every outcome has."""
        return {
            "issue_id": self.issue.id,
            "run_id": self.run.id,
            "dispatch_id": self.dispatch.id,
            "night_id": self.night_id,
            "profile": self.profile,
            "model": self.model,
            "repository": self.run.record.repository,
            "base_commit": self.run.record.commit_sha,
            **_usage_fields(totals),
        }


def _usage_fields(totals: Totals | None) -> dict[str, Any]:
    if totals is None:
        return {}
    u = totals.usage
    return {
        "steps": totals.steps,
        "cost_usd": round(totals.cost_usd, 6),
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "cache_read_tokens": u.cache_read_tokens,
        "cache_write_tokens": u.cache_write_tokens,
    }


def _outcome_of(end: Ending) -> Outcome:
    known: dict[str, Outcome] = {
        "not_reproduced": "not_reproduced",
        "gave_up": "gave_up",
        "interrupted": "interrupted",
    }
    return known.get(end.outcome, "failed")


def record_ending(attempt: Attempt, end: Ending, totals: Totals | None) -> Proposal:
    """A run that ended without a submission."""
    proposal = Proposal(**attempt.fields(totals), outcome=_outcome_of(end), reason=end.reason)
    return _stored(attempt.db, proposal, [])


def _stored(db: sqlite_utils.Database, proposal: Proposal, tests: list[CheckTest]) -> Proposal:
    stored = get_proposal(db, add_proposal(db, proposal, tests))
    assert stored is not None
    return stored


def _tests(outcome: CheckOutcome) -> list[CheckTest]:
    rows = []
    phases: tuple[tuple[Literal["before", "after"], list[JUnitCase]], ...] = (
        ("before", outcome.tests_before),
        ("after", outcome.tests_after),
    )
    for phase, cases in phases:
        seen = set()
        for case in cases:
            if case.test_id in seen:  # a report may repeat an id (parametrised twins)
                continue
            seen.add(case.test_id)
            rows.append(
                CheckTest(
                    proposal_id=0,
                    phase=phase,
                    test_id=case.test_id,
                    outcome=case.outcome,
                    duration_s=case.duration_s,
                    message=case.message,
                )
            )
    return rows


def _message(issue: Issue, end: Submitted) -> str:
    reasoning = end.reasoning.strip()
    if len(reasoning) > 4000:
        reasoning = reasoning[:4000] + "\n…"
    return f"Fix #{issue.id}: {issue.title[:60]}\n\n{reasoning}"


def record_submission(
    attempt: Attempt,
    end: Submitted,
    *,
    diff: str,
    image: ImageRecord,
    guardrails: Guardrails,
    checker: Checker,
    totals: Totals | None,
) -> Proposal:
    """Check a submission, make its branch, and record the proposal."""
    db, settings, issue, run = attempt.db, attempt.settings, attempt.issue, attempt.run
    repo, base = Path(run.record.repository), run.record.commit_sha
    author = Author(settings.author_name, settings.author_email)
    size = measure(diff)
    fields: dict[str, Any] = {
        **attempt.fields(totals),
        "diff": diff,
        "files": size.files,
        "added": size.added,
        "removed": size.removed,
        "scope": end.scope,
        "reasoning": end.reasoning,
        "repro_command": end.repro_command,
    }
    if not diff.strip():
        return _stored(
            db,
            Proposal(**fields, outcome="unverified", reason="the submission changes no file"),
            [],
        )
    message = _message(issue, end)
    try:
        patched = commit_diff(
            repo, base, diff, branch=None, message=message, author=author, trailers={}
        )
    except GitError as exc:
        return _stored(db, Proposal(**fields, outcome="unverified", reason=str(exc)), [])
    beyond = out_of_scope(size, end.scope, guardrails)
    check: CheckOutcome | None = None
    if beyond:
        outcome: Outcome = "out_of_scope"
        reason = "; ".join(beyond)
        summary = "not checked: out of scope"
    else:
        check = checker.check(repo, base, patched, image, end.repro_command, issue_id=issue.id)
        outcome = "proposed" if check.passed else "unverified"
        summary = check.summary
        reason = summary if check.passed else f"the runner's check failed: {summary}"
    branch = f"overnight/{issue.id}-{run.id}"
    head = commit_diff(
        repo,
        base,
        diff,
        branch=branch,
        message=message,
        author=author,
        trailers={
            "Overnight-Issue": str(issue.id),
            "Overnight-Run": run.id,
            "Overnight-Outcome": outcome,
            "Overnight-Check": summary,
        },
    )
    if check is not None:
        fields.update(
            repro_before=check.repro_before,
            repro_after=check.repro_after,
            tests_fixed=check.fixed,
            new_failures=check.new_failures,
        )
    proposal = _stored(
        db,
        Proposal(
            **fields,
            outcome=outcome,
            reason=reason,
            branch=branch,
            head_commit=head,
            check_summary=summary,
            verified=outcome == "proposed",
        ),
        _tests(check) if check else [],
    )
    if check is not None:
        for run_id, role in check.runs.items():
            set_run_role(db, run_id, role, proposal_id=proposal.id)
    return proposal
