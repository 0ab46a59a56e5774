"""Triage's writes: a batch of decisions at a time, whole within a transaction.

Each batch's new issues, links, counts, fingerprints and actors are written together with
triage's progress mark (the last signal of the batch), in the same transaction, so a crash never
counts a signal twice and never loses one: what is past the committed mark is triaged again on
the next run. The caller owns the transaction, and may commit several batches at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

import sqlite_utils

from store.issues import Issue, ScopeEntry, insert_issues, json_strings


class NewLink(NamedTuple):
    """A link row as triage writes it (a tuple: thousands are written per batch)."""

    signal_id: str
    issue_id: int
    state: str
    fingerprint_score: float
    structure_score: float
    text_score: float
    rule: str
    candidates: str | None = None
    """For a proposed link: JSON `[[issue_id, score], ...]`, best first (at most three)."""


class IssueUpdate(NamedTuple):
    """The fields of an issue that change when signals join it."""

    id: int
    signal_count: int
    users_affected: int
    last_seen: str
    lists: tuple[list[str], list[str], list[str], list[str], list[str]] | None
    """routes_seen, kinds, sources, labels and texts, when any of them changed."""


class IssueDefinition(NamedTuple):
    """What the first error to join an issue founded by feedback tells about it."""

    id: int
    title: str
    fingerprint: str | None
    fingerprint_basis: str | None
    error_type: str | None
    top_frame: str | None
    scope: list[ScopeEntry]
    repro: list[str]
    test_id: str | None


class TriageBatch(NamedTuple):
    """One batch of triage decisions, as written: for the signals stored after `seq` `after`
    up to `through`, the issues they founded, the counts of those they joined, and a link each.
    Plain data, so it can be written in another process."""

    new_issues: Sequence[Issue]
    updates: Sequence[IssueUpdate]
    links: Sequence[NewLink]
    fingerprints: Sequence[tuple[str, int]]
    """(fingerprint, issue) pairs new to the issue."""
    actors: Sequence[tuple[int, str]]
    """(issue, actor) pairs new to their issue, counted in the issue's `users_affected` of
    `new_issues` and `updates`."""
    after: int
    through: int
    now: str
    definitions: Sequence[IssueDefinition] = ()

    @property
    def signals(self) -> int:
        """How many signals the batch triages (each has one home link)."""
        return sum(1 for link in self.links if link.state == "linked")


class TriageMoved(RuntimeError):
    """Another triage run committed the signals this batch was about to."""


def write_triage_batch(db: sqlite_utils.Database, batch: TriageBatch) -> None:
    """Write one batch of triage decisions: triage's progress moves from `batch.after` to
    `batch.through`. The caller commits (or, when this raises, rolls back).

    Raises `TriageMoved` (and writes nothing) when progress is no longer at `after`: another
    triage got there first, and writing would count its signals twice.
    """
    new_issues, updates, links, fingerprints, actors, after, through, now, definitions = batch
    moved = db.conn.execute(
        "UPDATE triage_progress SET last_seq = ? WHERE id = 1 AND last_seq = ?",
        [through, after],
    )
    if moved.rowcount != 1:
        raise TriageMoved(f"triage progress is no longer at {after}")
    insert_issues(db, new_issues)
    db.conn.executemany(
        "INSERT OR IGNORE INTO issue_fingerprints (fingerprint, issue_id) VALUES (?, ?)",
        fingerprints,
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO issue_actors (issue_id, actor) VALUES (?, ?)", actors
    )
    db.conn.executemany(
        "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, structure_score, "
        "text_score, rule, candidates, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*link, now) for link in links],
    )
    db.conn.executemany(
        # Only an issue still open: one a person merged or closed keeps what they decided.
        "UPDATE issues SET signal_count = ?, users_affected = ?, last_seen = ?, updated_at = ? "
        "WHERE id = ? AND status = 'open'",
        [(u.signal_count, u.users_affected, u.last_seen, now, u.id) for u in updates],
    )
    # Only lists that changed are serialised and written again.
    db.conn.executemany(
        "UPDATE issues SET routes_seen = ?, kinds = ?, sources = ?, labels = ?, texts = ? "
        "WHERE id = ? AND status = 'open'",
        [(*map(json_strings, u.lists), u.id) for u in updates if u.lists],
    )
    _define_issues(db, definitions)


def _define_issues(db: sqlite_utils.Database, definitions: Sequence[IssueDefinition]) -> None:
    db.conn.executemany(
        "UPDATE issues SET title = ?, fingerprint = ?, fingerprint_basis = ?, error_type = ?, "
        "top_frame = ?, scope = ?, repro = ?, test_id = ? WHERE id = ? AND status = 'open'",
        [
            (
                d.title,
                d.fingerprint,
                d.fingerprint_basis,
                d.error_type,
                d.top_frame,
                json.dumps([e.model_dump() for e in d.scope]),
                json_strings(d.repro),
                d.test_id,
                d.id,
            )
            for d in definitions
        ],
    )
