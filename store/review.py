"""Typed reads and writes of what agent runs came to (proposals) and the decisions on them.

Every agent run ends in one `Proposal` row, whatever its outcome: a verified fix, a fix the
runner's check refused, or the reason there is none (not reproduced, out of scope, gave up,
failed, interrupted). The console's lanes are views of these rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.runs import write_lock
from store.signal import utcnow

Outcome = Literal[
    "proposed", "unverified", "not_reproduced", "out_of_scope", "gave_up", "failed", "interrupted"
]
OUTCOMES: tuple[Outcome, ...] = (
    "proposed",
    "unverified",
    "not_reproduced",
    "out_of_scope",
    "gave_up",
    "failed",
    "interrupted",
)
ProposalStatus = Literal["open", "merged", "redirected", "closed"]
Action = Literal["merge", "redirect", "close"]
TestOutcome = Literal["passed", "failed", "error", "skipped"]
_STATUS_AFTER: dict[str, ProposalStatus] = {
    "merge": "merged",
    "redirect": "redirected",
    "close": "closed",
}
_JSON_LISTS = ("files", "scope", "tests_fixed", "new_failures")


class Proposal(BaseModel):
    """What one agent run came to, with the evidence a reviewer needs."""

    id: int | None = None
    issue_id: int
    run_id: str
    """The agent run (its transcript is the run's events)."""
    dispatch_id: int | None = None
    night_id: int | None = None
    outcome: Outcome
    reason: str = ""
    """The outcome in words: why it is verified, or why there is no proposal."""
    profile: str | None = None
    model: str | None = None
    repository: str
    base_commit: str
    branch: str | None = None
    """`overnight/<issue>-<run>` in the target repository, for every submitted diff."""
    head_commit: str | None = None
    diff: str = ""
    files: list[str] = Field(default_factory=list)
    added: int = 0
    removed: int = 0
    scope: list[str] = Field(default_factory=list)
    """Files the agent declared it would touch."""
    reasoning: str = ""
    """The agent's markdown: cause, fix, evidence."""
    repro_command: str | None = None
    repro_before: int | None = None
    """Exit code of the reproduction on the original commit (non-zero: it reproduced)."""
    repro_after: int | None = None
    """Exit code on the patched tree (zero: fixed)."""
    tests_fixed: list[str] = Field(default_factory=list)
    """Tests that failed before the fix and pass after."""
    new_failures: list[str] = Field(default_factory=list)
    """Tests that passed before the fix and do not after."""
    check_summary: str | None = None
    """The runner's own check in words, e.g. `fails before / passes after / no new failures`."""
    verified: bool = False
    """True only when the runner's check passed; an agent's word never sets it."""
    steps: int = 0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    status: ProposalStatus = "open"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckTest(BaseModel):
    """One test case of the runner's check, before or after the fix."""

    proposal_id: int
    phase: Literal["before", "after"]
    test_id: str
    outcome: TestOutcome
    duration_s: float | None = None
    message: str | None = None


class Decision(BaseModel):
    """One review decision: merge, redirect with context, or close with a reason."""

    id: int | None = None
    proposal_id: int | None = None
    issue_id: int
    action: Action
    reason: str | None = None
    context: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    """What is needed to undo it: for a merge, the target, its previous tip and the new tip."""
    decided_by: str | None = None
    decided_at: datetime = Field(default_factory=utcnow)


_PROPOSAL_COLUMNS = list(Proposal.model_fields)
_DECISION_COLUMNS = list(Decision.model_fields)
_CHECK_COLUMNS = list(CheckTest.model_fields)


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    columns = list(row)
    cursor = db.conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )
    return int(cursor.lastrowid or 0)


def _proposal_row(proposal: Proposal) -> dict[str, Any]:
    row = proposal.model_dump(exclude={"id"})
    for key in _JSON_LISTS:
        row[key] = json.dumps(row[key])
    row["verified"] = int(proposal.verified)
    row["created_at"] = proposal.created_at.isoformat()
    row["updated_at"] = proposal.updated_at.isoformat()
    return row


def add_proposal(
    db: sqlite_utils.Database, proposal: Proposal, tests: Sequence[CheckTest] = ()
) -> int:
    """Store a run's result and its check's test cases in one transaction; return its id."""
    with write_lock, db.conn:
        proposal_id = _insert(db, "proposals", _proposal_row(proposal))
        if tests:
            db.conn.executemany(
                f"INSERT INTO check_tests ({', '.join(_CHECK_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _CHECK_COLUMNS)})",
                [[proposal_id, *(getattr(t, c) for c in _CHECK_COLUMNS[1:])] for t in tests],
            )
    return proposal_id


def proposal_from_row(row: tuple[object, ...]) -> Proposal:
    """A `Proposal` from a row of `PROPOSAL_SELECT`."""
    data = dict(zip(_PROPOSAL_COLUMNS, row, strict=True))
    for key in _JSON_LISTS:
        data[key] = json.loads(str(data[key]))
    return Proposal.model_validate(data)


PROPOSAL_SELECT = f"SELECT {', '.join(_PROPOSAL_COLUMNS)} FROM proposals"


def get_proposal(db: sqlite_utils.Database, proposal_id: int) -> Proposal | None:
    row = db.execute(PROPOSAL_SELECT + " WHERE id = ?", [proposal_id]).fetchone()
    return proposal_from_row(row) if row else None


def proposal_for_run(db: sqlite_utils.Database, run_id: str) -> Proposal | None:
    row = db.execute(PROPOSAL_SELECT + " WHERE run_id = ?", [run_id]).fetchone()
    return proposal_from_row(row) if row else None


def list_proposals(
    db: sqlite_utils.Database,
    status: ProposalStatus | None = None,
    *,
    issue_id: int | None = None,
    night_id: int | None = None,
) -> list[Proposal]:
    """Proposals, oldest first."""
    where, params = [], []
    for column, value in (("status", status), ("issue_id", issue_id), ("night_id", night_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = PROPOSAL_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
    return [proposal_from_row(r) for r in db.execute(sql + " ORDER BY id", params)]


def latest_proposals(db: sqlite_utils.Database) -> dict[int, Proposal]:
    """Each issue's most recent proposal, by issue id."""
    rows = db.execute(
        PROPOSAL_SELECT + " WHERE id IN (SELECT MAX(id) FROM proposals GROUP BY issue_id)"
    )
    return {p.issue_id: p for p in map(proposal_from_row, rows)}


def check_tests(db: sqlite_utils.Database, proposal_id: int) -> list[CheckTest]:
    rows = db.execute(
        f"SELECT {', '.join(_CHECK_COLUMNS)} FROM check_tests WHERE proposal_id = ? "
        "ORDER BY phase DESC, test_id",
        [proposal_id],
    )
    return [CheckTest.model_validate(dict(zip(_CHECK_COLUMNS, r, strict=True))) for r in rows]


def set_proposal_status(
    db: sqlite_utils.Database, proposal_id: int, status: ProposalStatus
) -> None:
    with write_lock, db.conn:
        db.conn.execute(
            "UPDATE proposals SET status = ?, updated_at = ? WHERE id = ?",
            [status, utcnow().isoformat(), proposal_id],
        )


def record_decision(db: sqlite_utils.Database, decision: Decision) -> int:
    """Keep a decision and move its proposal to the status that follows, in one transaction."""
    row = decision.model_dump(exclude={"id"})
    row["detail"] = json.dumps(row["detail"], sort_keys=True)
    row["decided_at"] = decision.decided_at.isoformat()
    with write_lock, db.conn:
        decision_id = _insert(db, "decisions", row)
        if decision.proposal_id is not None:
            db.conn.execute(
                "UPDATE proposals SET status = ?, updated_at = ? WHERE id = ?",
                [
                    _STATUS_AFTER[decision.action],
                    decision.decided_at.isoformat(),
                    decision.proposal_id,
                ],
            )
    return decision_id


def list_decisions(db: sqlite_utils.Database, issue_id: int | None = None) -> list[Decision]:
    sql = f"SELECT {', '.join(_DECISION_COLUMNS)} FROM decisions"
    params: list[int] = []
    if issue_id is not None:
        sql += " WHERE issue_id = ?"
        params.append(issue_id)
    decisions = []
    for r in db.execute(sql + " ORDER BY id", params):
        data = dict(zip(_DECISION_COLUMNS, r, strict=True))
        data["detail"] = json.loads(data["detail"])
        decisions.append(Decision.model_validate(data))
    return decisions


def wrong_tree_rate(db: sqlite_utils.Database) -> float | None:
    """Share of decided proposals closed as barking up the wrong tree; None before any."""
    decided, wrong = db.execute(
        "SELECT COUNT(*), SUM(action = 'close' AND reason LIKE 'wrong tree%') FROM decisions"
    ).fetchone()
    return (wrong or 0) / decided if decided else None
