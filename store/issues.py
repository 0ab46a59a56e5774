"""Typed reads and writes of issues, links and splits.

Reads return pydantic models for the console and the dispatcher. Triage writes its batches
through `store.triage_batches`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Any, Literal, NamedTuple

import sqlite_utils
from pydantic import BaseModel, Field, field_validator

Lane = Literal["new", "needs_confirmation", "dispatchable", "held", "triage_only"]
LinkState = Literal["linked", "proposed", "split", "moved"]
LANES: tuple[Lane, ...] = ("new", "needs_confirmation", "dispatchable", "held", "triage_only")


class ScopeEntry(BaseModel):
    """A suspected place in the code, from an in-app stack frame."""

    file: str | None = None
    function: str | None = None
    module: str | None = None
    line: int | None = None


class Issue(BaseModel):
    """One underlying problem and what triage knows about it."""

    id: int
    title: str
    kind: str
    """Kind of the founding signal: error, feedback or regression."""
    status: str = "open"
    """open, merged (into `merged_into`) or closed."""
    merged_into: int | None = None
    lane: Lane = "new"
    reasons: list[str] = Field(default_factory=list)
    """Why the issue sits in its lane: every hold reason, or the routine's verdict."""
    routine: str | None = None
    fingerprint: str | None = None
    fingerprint_basis: str | None = None
    error_type: str | None = None
    location: str | None = None
    """Normalised route, or the failing test id for regressions."""
    top_frame: str | None = None
    flags: str | None = None
    release: str | None = None
    texts: list[str] = Field(default_factory=list)
    """Masked texts that later signals are compared with."""
    description: str = ""
    scope: list[ScopeEntry] = Field(default_factory=list)
    repro: list[str] = Field(default_factory=list)
    test_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    routes_seen: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    signal_count: int = 0
    users_affected: int = 0
    confidence: float = 0.0
    severity: str = "low"
    first_seen: datetime
    last_seen: datetime
    created_at: datetime
    updated_at: datetime


class Link(BaseModel):
    """Why a signal is (or might be) part of an issue: the three scores and the rule."""

    id: int
    signal_id: str
    issue_id: int
    state: LinkState
    fingerprint_score: float
    structure_score: float
    text_score: float
    rule: str
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    signal_title: str = ""
    home_issue_id: int | None = None
    """For a proposed link: the issue the signal is counted in while it waits."""
    candidates: list[tuple[int, float]] = Field(default_factory=list)
    """For a proposed link: the best issues triage found, best first, with their scores (at
    most three); the person confirms one."""

    @field_validator("candidates", mode="before")
    @classmethod
    def _candidates_json(cls, value: object) -> object:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else value


class Split(BaseModel):
    """A person's decision that two issues are different problems."""

    id: int
    issue_id: int
    other_issue_id: int
    signal_id: str | None = None
    fingerprint: str | None = None
    created_at: datetime
    decided_by: str | None = None


_ISSUE_COLUMNS = list(Issue.model_fields)


def json_strings(items: Iterable[str]) -> str:
    """`json.dumps` of a list of strings, character for character, at a third of its cost:
    triage writes every list of every issue it founds or changes."""
    return "[" + ", ".join(map(encode_basestring_ascii, items)) + "]"


_ENCODERS: dict[str, Callable[[Any], str]] = {
    "scope": json.dumps,
    **dict.fromkeys(
        ("reasons", "texts", "repro", "labels", "routes_seen", "kinds", "sources"), json_strings
    ),
}
"""Columns kept as JSON text, and how each is written."""


def _issue_row(issue: Issue) -> list[object]:
    data = issue.model_dump(mode="json")
    return [_ENCODERS[c](data[c]) if c in _ENCODERS else data[c] for c in _ISSUE_COLUMNS]


def _issue_from_row(row: Sequence[object]) -> Issue:
    data = {
        c: json.loads(str(v)) if c in _ENCODERS else v
        for c, v in zip(_ISSUE_COLUMNS, row, strict=True)
    }
    return Issue.model_validate(data)


_INSERT_ISSUES = (
    f"INSERT INTO issues ({', '.join(_ISSUE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _ISSUE_COLUMNS)})"
)


def insert_issues(db: sqlite_utils.Database, issues: Iterable[Issue]) -> None:
    """Insert issues; the caller owns the transaction."""
    db.conn.executemany(_INSERT_ISSUES, [_issue_row(i) for i in issues])


def next_issue_id(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM issues").fetchone()[0])


def get_issue(db: sqlite_utils.Database, issue_id: int) -> Issue | None:
    row = db.execute(
        f"SELECT {', '.join(_ISSUE_COLUMNS)} FROM issues WHERE id = ?", [issue_id]
    ).fetchone()
    return _issue_from_row(row) if row else None


def list_issues(
    db: sqlite_utils.Database,
    *,
    lane: Lane | None = None,
    status: str | None = "open",
    ids: Iterable[int] | None = None,
) -> list[Issue]:
    """Issues, most signals first; optionally one lane, one status, or given ids."""
    where: list[str] = []
    params: list[object] = []
    if lane:
        where.append("lane = ?")
        params.append(lane)
    if status:
        where.append("status = ?")
        params.append(status)
    if ids is not None:
        id_list = [int(i) for i in ids]
        if not id_list:
            return []
        where.append(f"id IN (SELECT value FROM json_each('{json.dumps(id_list)}'))")
    sql = f"SELECT {', '.join(_ISSUE_COLUMNS)} FROM issues"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY signal_count DESC, id"
    return [_issue_from_row(r) for r in db.execute(sql, params)]


def lane_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """How many open issues sit in each lane."""
    rows = db.execute("SELECT lane, COUNT(*) FROM issues WHERE status = 'open' GROUP BY lane")
    return {lane: 0 for lane in LANES} | {str(r[0]): int(r[1]) for r in rows}


class Assessment(NamedTuple):
    """Where an issue stands after triage: its lane and why, its confidence and severity."""

    issue_id: int
    lane: Lane
    reasons: list[str]
    routine: str | None
    confidence: float
    severity: str


def set_assessments(db: sqlite_utils.Database, assessments: Iterable[Assessment]) -> None:
    """Record each issue's lane, the reasons, the routine that decided, confidence, severity."""
    with db.conn:
        db.conn.executemany(
            "UPDATE issues SET lane = ?, reasons = ?, routine = ?, confidence = ?, severity = ? "
            "WHERE id = ?",
            [
                (a.lane, json.dumps(a.reasons), a.routine, a.confidence, a.severity, a.issue_id)
                for a in assessments
            ],
        )


_LINK_SELECT = (
    "SELECT l.id, l.signal_id, l.issue_id, l.state, l.fingerprint_score, l.structure_score, "
    "l.text_score, l.rule, l.created_at, l.decided_at, l.decided_by, COALESCE(s.title, ''), "
    "(SELECT h.issue_id FROM links h WHERE h.signal_id = l.signal_id AND h.state = 'linked'), "
    "l.candidates FROM links l LEFT JOIN signals s ON s.id = l.signal_id"
)


def _link(row: Sequence[object]) -> Link:
    names = [*list(Link.model_fields)]
    return Link.model_validate(dict(zip(names, row, strict=True)))


def get_link(db: sqlite_utils.Database, link_id: int) -> Link | None:
    row = db.execute(f"{_LINK_SELECT} WHERE l.id = ?", [link_id]).fetchone()
    return _link(row) if row else None


def links_for_issue(
    db: sqlite_utils.Database, issue_id: int, states: Iterable[str] | None = None
) -> list[Link]:
    """An issue's links, oldest first; each carries its scores and rule."""
    sql = f"{_LINK_SELECT} WHERE l.issue_id = ?"
    params: list[object] = [issue_id]
    if states is not None:
        state_list = list(states)
        sql += f" AND l.state IN ({', '.join('?' for _ in state_list)})"
        params.extend(state_list)
    return [_link(r) for r in db.execute(sql + " ORDER BY l.id", params)]


def links_for_signal(db: sqlite_utils.Database, signal_id: str) -> list[Link]:
    """A signal's links, oldest first: its home, and any proposed, split or moved."""
    # One lookup in each partial index (links_home, links_signal_other): no full index on
    # signal_id is kept, since every link written would update it at a random place.
    rows = db.execute(
        f"{_LINK_SELECT} WHERE l.id IN ("
        "SELECT id FROM links WHERE signal_id = ? AND state = 'linked' UNION ALL "
        "SELECT id FROM links WHERE signal_id = ? AND state != 'linked') ORDER BY l.id",
        [signal_id, signal_id],
    )
    return [_link(r) for r in rows]


def proposed_links(db: sqlite_utils.Database) -> list[Link]:
    """The "needs confirmation" lane: every proposed link awaiting a person, oldest first."""
    return [_link(r) for r in db.execute(f"{_LINK_SELECT} WHERE l.state = 'proposed'")]


def home_issue_ids(db: sqlite_utils.Database, signal_ids: Iterable[str]) -> dict[str, int]:
    """The issue each signal is counted in."""
    ids = json.dumps(list(signal_ids))
    rows = db.execute(
        "SELECT signal_id, issue_id FROM links WHERE state = 'linked' "
        "AND signal_id IN (SELECT value FROM json_each(?))",
        [ids],
    )
    return {str(r[0]): int(r[1]) for r in rows}


def last_joined_at(db: sqlite_utils.Database, issue_id: int) -> datetime | None:
    """When a signal last came to count in the issue: triage linked it, or a person moved it
    there. Not the signals' own times: a report that arrives late, about yesterday, is news."""
    row = db.execute(
        "SELECT MAX(COALESCE(decided_at, created_at)) FROM links "
        "WHERE issue_id = ? AND state = 'linked'",
        [issue_id],
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def list_splits(db: sqlite_utils.Database) -> list[Split]:
    rows = db.execute(
        "SELECT id, issue_id, other_issue_id, signal_id, fingerprint, created_at, decided_by "
        "FROM splits ORDER BY id"
    )
    names = list(Split.model_fields)
    return [Split.model_validate(dict(zip(names, r, strict=True))) for r in rows]


def recent_sightings(
    db: sqlite_utils.Database, limit: int
) -> list[tuple[str | None, str | None, str, str, int]]:
    """(actor id, actor e-mail, occurred_at, kind, home issue) of the latest `limit` placed
    signals that name an actor, newest first: who hit what lately, for the next run."""
    rows = db.execute(
        "SELECT json_extract(s.envelope, '$.actor.id'), json_extract(s.envelope, '$.actor.email'), "
        "s.occurred_at, s.kind, l.issue_id FROM links l JOIN signals s ON s.id = l.signal_id "
        "WHERE l.state = 'linked' AND json_extract(s.envelope, '$.actor') IS NOT NULL "
        "ORDER BY l.id DESC LIMIT ?",
        [limit],
    )
    return [(r[0], r[1], str(r[2]), str(r[3]), int(r[4])) for r in rows]


def fingerprints_of(db: sqlite_utils.Database, issue_id: int) -> list[str]:
    """The fingerprints an issue has seen."""
    rows = db.execute("SELECT fingerprint FROM issue_fingerprints WHERE issue_id = ?", [issue_id])
    return [str(r[0]) for r in rows]


def issue_fingerprints(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """Every (fingerprint, issue) pair of open issues, for the in-memory index."""
    rows = db.execute(
        "SELECT f.fingerprint, f.issue_id FROM issue_fingerprints f "
        "JOIN issues i ON i.id = f.issue_id WHERE i.status = 'open'"
    )
    return [(str(r[0]), int(r[1])) for r in rows]


def issue_actors(db: sqlite_utils.Database, issue_id: int) -> set[str]:
    """The distinct people behind an issue (its users affected)."""
    rows = db.execute("SELECT actor FROM issue_actors WHERE issue_id = ?", [issue_id])
    return {str(r[0]) for r in rows}


def issues_awaiting_confirmation(db: sqlite_utils.Database) -> set[int]:
    """Issues whose signals are proposed as duplicates of another issue, awaiting a person."""
    rows = db.execute(
        "SELECT DISTINCT h.issue_id FROM links p "
        "JOIN links h ON h.signal_id = p.signal_id AND h.state = 'linked' "
        "WHERE p.state = 'proposed'"
    )
    return {int(r[0]) for r in rows}
