"""After linking: each touched issue's confidence, severity, routine, safety verdict and lane.

Lanes: `needs_confirmation` (a proposed duplicate awaits a person), `dispatchable` (a dispatch
routine matched and the safety filter agreed), `held` (a dispatch routine matched but the
filter refused: held for human triage, every reason listed), `triage_only` (no routine, or a
triage routine).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from runner.routines import Routines, match_routine
from runner.triage.safety import check, reason_kind
from store.issues import (
    Assessment,
    Issue,
    issues_awaiting_confirmation,
    list_issues,
    set_assessments,
)

CHUNK = 5_000


def confidence_of(issue: Issue) -> float:
    """How well-defined the issue is, 0 to 1: a stack into our code, a way to reproduce it,
    a failing test, and more than one report all add to it."""
    score = 0.2 if set(issue.kinds or [issue.kind]) == {"feedback"} else 0.3
    if issue.scope:
        score += 0.3
    if issue.repro:
        score += 0.15
    if issue.test_id:
        score += 0.15
    if issue.signal_count >= 3:
        score += 0.1
    return round(min(score, 1.0), 2)


def severity_of(issue: Issue) -> str:
    """low, medium, high or critical, from the signal count and the distinct users."""
    users, count = issue.users_affected, issue.signal_count
    if users >= 50 or count >= 500:
        return "critical"
    if users >= 10 or count >= 50:
        return "high"
    if users >= 2 or count >= 5 or issue.test_id:
        return "medium"
    return "low"


def assess(
    issue: Issue, routines: Routines, awaiting: bool, now: datetime | None = None
) -> Assessment:
    """The lane an issue belongs in, and why."""
    issue = issue.model_copy(
        update={"confidence": confidence_of(issue), "severity": severity_of(issue)}
    )

    def result(lane: str, reasons: list[str], routine: str | None) -> Assessment:
        return Assessment(issue.id, lane, reasons, routine, issue.confidence, issue.severity)  # type: ignore[arg-type]

    if awaiting:
        return result("needs_confirmation", ["proposed as a duplicate; confirm or split"], None)
    routine = match_routine(routines, issue, now)
    if routine is None:
        return result("triage_only", ["no routine matches"], None)
    if routine.action == "triage":
        return result("triage_only", [f"routine {routine.name!r} only triages"], routine.name)
    verdict = check(issue, routine.guardrails)
    if verdict.dispatchable:
        return result(
            "dispatchable", [f"routine {routine.name!r} → {routine.profile}"], routine.name
        )
    return result("held", verdict.reasons, routine.name)


@dataclass
class Funnel:
    """signals → unique issues → proposed merges → dispatchable → held (reasons counted)."""

    signals: int = 0
    issues: int = 0
    new_issues: int = 0
    proposed: int = 0
    lanes: Counter[str] = field(default_factory=Counter)
    held_reasons: Counter[str] = field(default_factory=Counter)


def assess_issues(
    db: sqlite_utils.Database, issue_ids: Iterable[int], routines: Routines
) -> list[Assessment]:
    """Assess the given open issues and record their lanes; return the assessments."""
    ids = sorted(set(issue_ids))
    awaiting = issues_awaiting_confirmation(db)
    out: list[Assessment] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list_issues(db, ids=ids[start : start + CHUNK])
        assessments = [assess(i, routines, i.id in awaiting) for i in chunk]
        set_assessments(db, assessments)
        out.extend(assessments)
    return out


def funnel_of(assessments: Iterable[Assessment]) -> Funnel:
    funnel = Funnel()
    for a in assessments:
        funnel.issues += 1
        funnel.lanes[a.lane] += 1
        if a.lane == "held":
            funnel.held_reasons.update({reason_kind(r) for r in a.reasons})
    return funnel
