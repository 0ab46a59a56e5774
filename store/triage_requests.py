"""One writer of issue state: the triage lease, a person's queued decisions, and issue ids.

A running triage keeps issue state in memory, so a person's confirm or split must not write
behind its back: while a triage holds the lease, the decision becomes a row in
`triage_requests` that the triage applies between batches and answers. With no triage
running, the person takes the lease for the moment it takes to apply the decision. Issue ids
come from a sequence (`issue_ids`), so a split never takes the id a triage is about to use.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from typing import Literal, NamedTuple

import sqlite_utils

from store.signal import utcnow

Holder = Literal["triage", "person"]


class Lease(NamedTuple):
    holder: Holder
    host: str
    pid: int
    token: str


class Ask(NamedTuple):
    """A person's decision on a link, as asked."""

    action: str
    """confirm or split."""
    link_id: int
    decided_by: str
    into: int | None = None
    """For a confirm: the candidate issue the person chose (None: the link's own)."""


class Request(NamedTuple):
    """A decision queued for the running triage."""

    id: int
    action: str
    link_id: int
    decided_by: str | None
    into: int | None = None

    @property
    def ask(self) -> Ask:
        return Ask(self.action, self.link_id, self.decided_by or "person", self.into)


class Outcome(NamedTuple):
    """What applying a request gave: the issue, the issues it changed, or why it failed."""

    result: int | None
    touched: list[int]
    error: str | None


def reserve_issue_ids(db: sqlite_utils.Database, count: int) -> int:
    """Reserve `count` consecutive issue ids; returns the first. Never returns an id twice,
    nor one below an issue that exists."""
    with db.conn:
        row = db.conn.execute(
            "UPDATE issue_ids SET next = MAX(next, (SELECT COALESCE(MAX(id), 0) + 1 FROM issues))"
            " + ? WHERE id = 1 RETURNING next",
            [count],
        ).fetchone()
    return int(row[0]) - count


def give_back(db: sqlite_utils.Database, first_unused: int, end: int) -> None:
    """Return the unused end of a reservation (`first_unused` up to `end`), when nobody has
    reserved after it: ids stay dense in the common case."""
    with db.conn:
        db.conn.execute(
            "UPDATE issue_ids SET next = ? WHERE id = 1 AND next = ?", [first_unused, end]
        )


def _alive(lease: Lease) -> bool:
    if lease.host != socket.gethostname():
        return True  # another machine's process: trust it
    try:
        os.kill(lease.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder(db: sqlite_utils.Database) -> Lease | None:
    """The live holder of the lease, if any."""
    row = db.execute("SELECT holder, host, pid, token FROM triage_lease WHERE id = 1").fetchone()
    lease = Lease(row[0], row[1], int(row[2]), row[3]) if row else None
    return lease if lease is not None and _alive(lease) else None


def acquire(db: sqlite_utils.Database, who: Holder) -> tuple[str | None, Lease | None]:
    """Take the lease for this process: `(token, None)`, or `(None, the live holder)`."""
    token = uuid.uuid4().hex
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")  # the check and the take are one step
        current = holder(db)
        if current is not None:
            return None, current
        db.conn.execute(
            "INSERT OR REPLACE INTO triage_lease (id, holder, host, pid, token, taken_at) "
            "VALUES (1, ?, ?, ?, ?, ?)",
            [who, socket.gethostname(), os.getpid(), token, utcnow().isoformat()],
        )
    return token, None


def release(db: sqlite_utils.Database, token: str) -> None:
    with db.conn:
        db.conn.execute("DELETE FROM triage_lease WHERE id = 1 AND token = ?", [token])


def enqueue(db: sqlite_utils.Database, ask: Ask) -> int:
    """Queue a person's decision for the running triage; returns the request's id."""
    with db.conn:
        cursor = db.conn.execute(
            "INSERT INTO triage_requests (action, link_id, decided_by, requested_at, issue_id) "
            "VALUES (?, ?, ?, ?, ?)",
            [ask.action, ask.link_id, ask.decided_by, utcnow().isoformat(), ask.into],
        )
    return int(cursor.lastrowid or 0)


def has_pending(db: sqlite_utils.Database) -> bool:
    row = db.execute("SELECT 1 FROM triage_requests WHERE applied_at IS NULL LIMIT 1").fetchone()
    return row is not None


def pending(db: sqlite_utils.Database) -> list[Request]:
    rows = db.execute(
        "SELECT id, action, link_id, decided_by, issue_id FROM triage_requests "
        "WHERE applied_at IS NULL ORDER BY id"
    )
    return [Request(int(r[0]), str(r[1]), int(r[2]), r[3], r[4]) for r in rows]


def answer(db: sqlite_utils.Database, request_id: int, outcome: Outcome) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE triage_requests SET applied_at = ?, result = ?, touched = ?, error = ? "
            "WHERE id = ?",
            [
                utcnow().isoformat(),
                outcome.result,
                json.dumps(outcome.touched),
                outcome.error,
                request_id,
            ],
        )


def outcome(db: sqlite_utils.Database, request_id: int) -> Outcome | None:
    """The answer to a request, once the triage applied it."""
    row = db.execute(
        "SELECT applied_at, result, touched, error FROM triage_requests WHERE id = ?",
        [request_id],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return Outcome(row[1], json.loads(row[2] or "[]"), row[3])
