"""Typed reads and writes of fix proposals and the review decisions taken on them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.signal import utcnow

ProposalStatus = Literal["open", "merged", "redirected", "closed", "flagged"]
Action = Literal["merge", "redirect", "close"]
_STATUS_AFTER: dict[str, ProposalStatus] = {
    "merge": "merged",
    "redirect": "redirected",
    "close": "closed",
}


class Proposal(BaseModel):
    """A fix on a local branch, with the evidence a reviewer needs."""

    id: int | None = None
    issue_id: int
    run_id: str | None = None
    repository: str
    branch: str
    base_commit: str
    diff: str
    files: list[str] = Field(default_factory=list)
    reasoning: str
    repro_command: str | None = None
    repro_before: int | None = None
    """Exit code of the reproduction before the fix (non-zero: it reproduced)."""
    repro_after: int | None = None
    """Exit code after the fix (zero: fixed)."""
    status: ProposalStatus = "open"
    flag: str | None = None
    """Why the agent stopped instead of proposing: cannot reproduce, out of scope, ..."""
    created_at: datetime = Field(default_factory=utcnow)


class Decision(BaseModel):
    """One review decision: merge, redirect with context, or close with a reason."""

    id: int | None = None
    proposal_id: int | None = None
    issue_id: int
    action: Action
    reason: str | None = None
    context: str | None = None
    decided_by: str | None = None
    decided_at: datetime = Field(default_factory=utcnow)


_PROPOSAL_COLUMNS = list(Proposal.model_fields)
_DECISION_COLUMNS = list(Decision.model_fields)


def add_proposal(db: sqlite_utils.Database, proposal: Proposal) -> int:
    row = proposal.model_dump(exclude={"id"})
    row["files"] = json.dumps(row["files"])
    row["created_at"] = proposal.created_at.isoformat()
    columns = list(row)
    with db.conn:
        cursor = db.conn.execute(
            f"INSERT INTO proposals ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )
    return int(cursor.lastrowid or 0)


def _proposal(row: tuple[object, ...]) -> Proposal:
    data = dict(zip(_PROPOSAL_COLUMNS, row, strict=True))
    data["files"] = json.loads(str(data["files"]))
    return Proposal.model_validate(data)


def get_proposal(db: sqlite_utils.Database, proposal_id: int) -> Proposal | None:
    row = db.execute(
        f"SELECT {', '.join(_PROPOSAL_COLUMNS)} FROM proposals WHERE id = ?", [proposal_id]
    ).fetchone()
    return _proposal(row) if row else None


def list_proposals(
    db: sqlite_utils.Database, status: ProposalStatus | None = None
) -> list[Proposal]:
    """Proposals, oldest first (the morning queue reads them in this order)."""
    sql = f"SELECT {', '.join(_PROPOSAL_COLUMNS)} FROM proposals"
    params: list[str] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    return [_proposal(r) for r in db.execute(sql + " ORDER BY id", params)]


def record_decision(db: sqlite_utils.Database, decision: Decision) -> int:
    """Keep a decision and move its proposal to the status that follows, in one transaction."""
    row = decision.model_dump(exclude={"id"})
    row["decided_at"] = decision.decided_at.isoformat()
    columns = list(row)
    with db.conn:
        cursor = db.conn.execute(
            f"INSERT INTO decisions ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )
        if decision.proposal_id is not None:
            db.conn.execute(
                "UPDATE proposals SET status = ? WHERE id = ?",
                [_STATUS_AFTER[decision.action], decision.proposal_id],
            )
    return int(cursor.lastrowid or 0)


def list_decisions(db: sqlite_utils.Database, issue_id: int | None = None) -> list[Decision]:
    sql = f"SELECT {', '.join(_DECISION_COLUMNS)} FROM decisions"
    params: list[int] = []
    if issue_id is not None:
        sql += " WHERE issue_id = ?"
        params.append(issue_id)
    rows = db.execute(sql + " ORDER BY id", params)
    return [Decision.model_validate(dict(zip(_DECISION_COLUMNS, r, strict=True))) for r in rows]


def wrong_tree_rate(db: sqlite_utils.Database) -> float | None:
    """Share of decided proposals closed as barking up the wrong tree; None before any."""
    decided, wrong = db.execute(
        "SELECT COUNT(*), SUM(action = 'close' AND reason LIKE 'wrong tree%') FROM decisions"
    ).fetchone()
    return (wrong or 0) / decided if decided else None
