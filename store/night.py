"""Typed reads and writes of nights and dispatches: who asked an agent to work on what.

A dispatch is claimed with one conditional UPDATE, so two processes (the night, a person's
redirect) never start the same one, and an issue has at most one live dispatch (a partial
unique index).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.runs import RunPurpose, write_lock
from store.signal import utcnow

NightStatus = Literal["running", "done", "interrupted", "failed"]
DispatchState = Literal["queued", "running", "done", "interrupted", "cancelled"]
DispatchWhy = Literal["night", "manual", "redirect", "resume", "held_override"]


class Night(BaseModel):
    """One night of work and the funnel it ended with."""

    id: int | None = None
    owner: str
    status: NightStatus = "running"
    budget_usd: float | None = None
    spent_usd: float = 0.0
    funnel: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class Dispatch(BaseModel):
    """A request that an agent work on an issue, and what became of it."""

    id: int | None = None
    issue_id: int
    night_id: int | None = None
    state: DispatchState = "queued"
    why: DispatchWhy = "night"
    context: str | None = None
    """A reviewer's words for the agent (a redirect), carried into its prompt."""
    from_run: str | None = None
    """The earlier run this one continues (redirect or resume)."""
    at_step: int | None = None
    """Replay `from_run`'s commands up to this event, then continue the conversation there."""
    run_id: str | None = None
    requested_by: str | None = None
    reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    ended_at: datetime | None = None


class AlreadyQueued(RuntimeError):
    """The issue already has a queued or running dispatch."""


_NIGHT_COLUMNS = list(Night.model_fields)
_DISPATCH_COLUMNS = list(Dispatch.model_fields)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def start_night(db: sqlite_utils.Database, night: Night) -> int:
    row = night.model_dump(exclude={"id"})
    row["funnel"] = json.dumps(row["funnel"])
    row["started_at"], row["ended_at"] = _iso(night.started_at), _iso(night.ended_at)
    with write_lock, db.conn:
        cursor = db.conn.execute(
            f"INSERT INTO nights ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
    return int(cursor.lastrowid or 0)


def end_night(
    db: sqlite_utils.Database,
    night_id: int,
    status: NightStatus,
    funnel: dict[str, Any],
    spent_usd: float,
    reason: str | None = None,
) -> None:
    with write_lock, db.conn:
        db.conn.execute(
            "UPDATE nights SET status = ?, funnel = ?, spent_usd = ?, reason = ?, ended_at = ? "
            "WHERE id = ?",
            [status, json.dumps(funnel), spent_usd, reason, utcnow().isoformat(), night_id],
        )


def _night(row: tuple[Any, ...]) -> Night:
    data = dict(zip(_NIGHT_COLUMNS, row, strict=True))
    data["funnel"] = json.loads(data["funnel"])
    return Night.model_validate(data)


def get_night(db: sqlite_utils.Database, night_id: int) -> Night | None:
    row = db.execute(
        f"SELECT {', '.join(_NIGHT_COLUMNS)} FROM nights WHERE id = ?", [night_id]
    ).fetchone()
    return _night(row) if row else None


def list_nights(db: sqlite_utils.Database, limit: int = 100) -> list[Night]:
    """Most recent first."""
    rows = db.execute(
        f"SELECT {', '.join(_NIGHT_COLUMNS)} FROM nights ORDER BY id DESC LIMIT ?", [limit]
    )
    return [_night(r) for r in rows]


def running_nights(db: sqlite_utils.Database) -> list[Night]:
    rows = db.execute(
        f"SELECT {', '.join(_NIGHT_COLUMNS)} FROM nights WHERE status = 'running' ORDER BY id"
    )
    return [_night(r) for r in rows]


def queue_dispatch(db: sqlite_utils.Database, dispatch: Dispatch) -> int:
    """Queue a dispatch; `AlreadyQueued` when the issue has a live one."""
    row = dispatch.model_dump(exclude={"id"})
    for key in ("created_at", "started_at", "ended_at"):
        row[key] = _iso(row[key])
    try:
        with write_lock, db.conn:
            cursor = db.conn.execute(
                f"INSERT INTO dispatches ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
    except sqlite3.IntegrityError as exc:
        raise AlreadyQueued(f"issue #{dispatch.issue_id} is already queued or running") from exc
    return int(cursor.lastrowid or 0)


def claim_dispatch(db: sqlite_utils.Database, dispatch_id: int, night_id: int | None) -> bool:
    """Move a queued dispatch to running; False when someone else claimed it first."""
    with write_lock, db.conn:
        cursor = db.conn.execute(
            "UPDATE dispatches SET state = 'running', started_at = ?, "
            "night_id = COALESCE(night_id, ?) WHERE id = ? AND state = 'queued'",
            [utcnow().isoformat(), night_id, dispatch_id],
        )
    return cursor.rowcount == 1


def set_dispatch_run(db: sqlite_utils.Database, dispatch_id: int, run_id: str) -> None:
    with write_lock, db.conn:
        db.conn.execute("UPDATE dispatches SET run_id = ? WHERE id = ?", [run_id, dispatch_id])


def end_dispatch(
    db: sqlite_utils.Database, dispatch_id: int, state: DispatchState, reason: str | None = None
) -> None:
    with write_lock, db.conn:
        db.conn.execute(
            "UPDATE dispatches SET state = ?, reason = ?, ended_at = ? WHERE id = ?",
            [state, reason, utcnow().isoformat(), dispatch_id],
        )


def _dispatch(row: tuple[Any, ...]) -> Dispatch:
    return Dispatch.model_validate(dict(zip(_DISPATCH_COLUMNS, row, strict=True)))


def get_dispatch(db: sqlite_utils.Database, dispatch_id: int) -> Dispatch | None:
    row = db.execute(
        f"SELECT {', '.join(_DISPATCH_COLUMNS)} FROM dispatches WHERE id = ?", [dispatch_id]
    ).fetchone()
    return _dispatch(row) if row else None


def list_dispatches(
    db: sqlite_utils.Database,
    *,
    state: DispatchState | None = None,
    issue_id: int | None = None,
) -> list[Dispatch]:
    """Oldest first."""
    where, params = [], []
    for column, value in (("state", state), ("issue_id", issue_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {', '.join(_DISPATCH_COLUMNS)} FROM dispatches"
    sql += f" WHERE {' AND '.join(where)}" if where else ""
    return [_dispatch(r) for r in db.execute(sql + " ORDER BY id", params)]


def set_run_role(
    db: sqlite_utils.Database,
    run_id: str,
    purpose: RunPurpose,
    *,
    proposal_id: int | None = None,
    dispatch_id: int | None = None,
) -> None:
    """Say what a run is for (agent work, a check, a replay) and what it belongs to."""
    with write_lock, db.conn:
        db.conn.execute(
            "UPDATE runs SET purpose = ?, proposal_id = COALESCE(?, proposal_id), "
            "dispatch_id = COALESCE(?, dispatch_id) WHERE id = ?",
            [purpose, proposal_id, dispatch_id, run_id],
        )
