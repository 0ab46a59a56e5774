"""Triage's writes: one transaction per batch of decisions.

Each batch's new issues, links, counts, fingerprints and actors are written together with
triage's progress mark (the last signal of the batch), so a crash never counts a signal twice
and never loses one: what is past the mark is triaged again on the next run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import sqlite_utils

from store.issues import Issue, ScopeEntry, insert_issues, json_rows


class NewLink(NamedTuple):
    """A link row as triage writes it (a tuple: thousands are written per batch)."""

    signal_id: str
    issue_id: int
    state: str
    fingerprint_score: float
    structure_score: float
    text_score: float
    rule: str


class IssueUpdate(NamedTuple):
    """The fields of an issue that change when signals join it."""

    id: int
    signal_count: int
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


class TriageMoved(RuntimeError):
    """Another triage run committed the signals this batch was about to."""


def commit_triage_batch(
    db: sqlite_utils.Database,
    *,
    new_issues: Sequence[Issue],
    updates: Sequence[IssueUpdate],
    links: Sequence[NewLink],
    fingerprints: Iterable[tuple[str, int]],
    actors: Iterable[tuple[int, str]],
    after: int,
    through: int,
    now: str,
    definitions: Sequence[IssueDefinition] = (),
) -> None:
    """Write one batch of triage decisions, all or nothing, for the signals stored after `seq`
    `after` up to `through`: triage's progress moves from the one to the other.

    Raises `TriageMoved` (and writes nothing) when progress is no longer at `after`: another
    triage got there first, and writing would count its signals twice.
    """
    with db.conn:
        moved = db.conn.execute(
            "UPDATE triage_progress SET last_seq = ? WHERE id = 1 AND last_seq = ?",
            [through, after],
        )
        if moved.rowcount != 1:
            raise TriageMoved(f"triage progress is no longer at {after}")
        insert_issues(db, new_issues)
        db.conn.execute(
            f"INSERT OR IGNORE INTO issue_fingerprints (fingerprint, issue_id) {json_rows(2)}",
            [json.dumps(list(fingerprints))],
        )
        # "Users affected" grows by the actors new to each issue, counted before they are
        # added: no recount of an issue's whole actor list on every batch.
        batch_actors = json.dumps(list(actors))
        db.conn.execute(
            "UPDATE issues SET users_affected = users_affected + fresh.n FROM ("
            "  SELECT issue_id, COUNT(*) AS n FROM ("
            "    SELECT DISTINCT value ->> 0 AS issue_id, value ->> 1 AS actor "
            "    FROM json_each(?)"
            "  ) AS j WHERE NOT EXISTS (SELECT 1 FROM issue_actors a "
            "    WHERE a.issue_id = j.issue_id AND a.actor = j.actor) GROUP BY issue_id"
            ") AS fresh WHERE issues.id = fresh.issue_id",
            [batch_actors],
        )
        db.conn.execute(
            f"INSERT OR IGNORE INTO issue_actors (issue_id, actor) {json_rows(2)}", [batch_actors]
        )
        db.conn.execute(
            "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, structure_score, "
            f"text_score, rule, created_at) SELECT *, ? FROM ({json_rows(7)} ORDER BY key)",
            [now, json.dumps(links)],
        )
        db.conn.execute(
            "UPDATE issues SET signal_count = u.value ->> 1, last_seen = u.value ->> 2, "
            "updated_at = ? FROM json_each(?) AS u WHERE issues.id = u.value ->> 0",
            [now, json.dumps([(u.id, u.signal_count, u.last_seen) for u in updates])],
        )
        # Only lists that changed are serialised and written again.
        changed = [(u.id, *(json.dumps(x) for x in u.lists)) for u in updates if u.lists]
        if changed:
            db.conn.execute(
                "UPDATE issues SET routes_seen = u.value ->> 1, kinds = u.value ->> 2, "
                "sources = u.value ->> 3, labels = u.value ->> 4, texts = u.value ->> 5 "
                "FROM json_each(?) AS u WHERE issues.id = u.value ->> 0",
                [json.dumps(changed)],
            )
        if definitions:
            _define_issues(db, definitions)


def _define_issues(db: sqlite_utils.Database, definitions: Sequence[IssueDefinition]) -> None:
    rows = [
        (
            d.id,
            d.title,
            d.fingerprint,
            d.fingerprint_basis,
            d.error_type,
            d.top_frame,
            json.dumps([e.model_dump() for e in d.scope]),
            json.dumps(d.repro),
            d.test_id,
        )
        for d in definitions
    ]
    db.conn.execute(
        "UPDATE issues SET title = u.value ->> 1, fingerprint = u.value ->> 2, "
        "fingerprint_basis = u.value ->> 3, error_type = u.value ->> 4, "
        "top_frame = u.value ->> 5, scope = u.value ->> 6, repro = u.value ->> 7, "
        "test_id = u.value ->> 8 FROM json_each(?) AS u WHERE issues.id = u.value ->> 0",
        [json.dumps(rows)],
    )
