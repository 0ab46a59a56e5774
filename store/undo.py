"""Taking a review decision back: the decision stays on record, marked undone.

The store's half of `u`: the caller (runner.decisions) first undoes what happened outside the
store (a merge in git); here the decision is marked, its proposal reopened and, for a redirect,
the dispatch it queued cancelled, in one transaction that refuses if the agent already began.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.review import Decision
from store.runs import write_lock
from store.signal import utcnow

_DECISION_COLUMNS = list(Decision.model_fields)


class UndoRefused(RuntimeError):
    """The decision cannot be taken back any more (its agent began, or it was undone)."""


def last_live_decision(db: sqlite_utils.Database) -> Decision | None:
    """The most recent decision not yet undone."""
    row = db.execute(
        f"SELECT {', '.join(_DECISION_COLUMNS)} FROM decisions WHERE undone_at IS NULL "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    data = dict(zip(_DECISION_COLUMNS, row, strict=True))
    data["detail"] = json.loads(data["detail"])
    return Decision.model_validate(data)


def mark_undone(
    db: sqlite_utils.Database, decision: Decision, *, cancel_dispatch: int | None = None
) -> None:
    """Mark `decision` undone and reopen its proposal; with `cancel_dispatch`, cancel that
    dispatch too, or raise `UndoRefused` (changing nothing) if it is no longer queued."""
    now = utcnow().isoformat()
    with write_lock, db.conn:
        if cancel_dispatch is not None:
            cursor = db.conn.execute(
                "UPDATE dispatches SET state = 'cancelled', reason = 'redirect undone', "
                "ended_at = ? WHERE id = ? AND state = 'queued'",
                [now, cancel_dispatch],
            )
            if cursor.rowcount != 1:
                raise UndoRefused(
                    f"dispatch {cancel_dispatch} is no longer queued: the agent began"
                )
        cursor = db.conn.execute(
            "UPDATE decisions SET undone_at = ? WHERE id = ? AND undone_at IS NULL",
            [now, decision.id],
        )
        if cursor.rowcount != 1:
            raise UndoRefused(f"decision {decision.id} was already undone")
        if decision.proposal_id is not None:
            db.conn.execute(
                "UPDATE proposals SET status = 'open', updated_at = ? WHERE id = ?",
                [now, decision.proposal_id],
            )
