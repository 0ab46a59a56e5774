"""The morning queue's lanes as paged queries: one SQL statement a page, pydantic rows out.

Lanes:
- `proposals`: open proposals with a diff (verified, or refused by the runner's check), ordered
  by confidence and impact: verified first, then signal count, then distinct users; a
  redirected one stays while its new run is queued or running.
- `needs_confirmation`: links triage proposed but did not make, awaiting a person.
- `held`: open issues the safety filter held, with every reason.
- `no_proposal`: open outcomes without a diff (not reproduced, out of scope, gave up, failed,
  interrupted), each with its reason.

Every row carries its issue's live dispatch (queued or running, if any) and the hourly arrivals
of its signals over the last `SPARK_HOURS`, so the console draws a page without asking again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.signal import utcnow

LaneName = Literal["proposals", "needs_confirmation", "held", "no_proposal"]
LANE_NAMES: tuple[LaneName, ...] = ("proposals", "needs_confirmation", "held", "no_proposal")
SPARK_HOURS = 48
PAGE_SIZE = 60
"""Rows a page holds: two screenfuls; the next page is read as the cursor nears the end."""


class Candidate(BaseModel):
    """An open issue a proposed link offers: the signal's issue may join it."""

    issue_id: int
    title: str
    score: float | None = None
    """What triage ranked it by (absent for the link's own issue when it ranked it apart)."""
    signal_count: int = 0


class QueueRow(BaseModel):
    """One row of a lane: what a reviewer needs to decide at a glance."""

    lane: LaneName
    issue_id: int
    title: str
    signal_count: int = 0
    users_affected: int = 0
    first_seen: datetime
    """When the issue's first signal occurred: the row's age."""
    proposal_id: int | None = None
    run_id: str | None = None
    outcome: str | None = None
    reason: str = ""
    """For a proposal, the outcome in words; for a held issue, every hold reason joined."""
    reasons: list[str] = Field(default_factory=list)
    verified: bool = False
    repro_before: int | None = None
    repro_after: int | None = None
    new_failures: int = 0
    """How many tests passed before the fix and not after."""
    check_summary: str | None = None
    added: int = 0
    removed: int = 0
    files: list[str] = Field(default_factory=list)
    cost_usd: float = 0.0
    branch: str | None = None
    status: str = "open"
    """The proposal's status: `redirected` while the new run it asked for is under way."""
    link_id: int | None = None
    """For `needs_confirmation`: the proposed link a person confirms or splits."""
    home_issue_id: int | None = None
    """For `needs_confirmation`: the issue the signal is counted in while it waits."""
    home_title: str | None = None
    """For `needs_confirmation`: that issue's title (the signal's own words, often)."""
    home_words: str | None = None
    """For `needs_confirmation`: the start of that issue's description, when it says more
    than the title (an e-mail's body under a subject such as "Idea")."""
    scores: tuple[float, float, float] | None = None
    """For `needs_confirmation`: fingerprint, structure and text scores."""
    rule: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    """For `needs_confirmation`: the open issues the signal's issue may join, the link's own
    first (`issue_id`), then the others triage ranked, best first."""
    chosen: int = 0
    """For `needs_confirmation`: which candidate a confirm joins (the person may pick
    another before confirming)."""
    dispatch_state: str | None = None
    """`queued` or `running` when an agent is (about to be) at work on the issue."""
    arrivals: list[int] = Field(default_factory=list)
    """Signals per hour over the last `SPARK_HOURS`, oldest first."""

    @property
    def target(self) -> Candidate:
        """The issue a confirm would join: the chosen candidate, else the link's own."""
        if 0 <= self.chosen < len(self.candidates):
            return self.candidates[self.chosen]
        return Candidate(issue_id=self.issue_id, title=self.title, signal_count=self.signal_count)

    @property
    def key(self) -> str:
        """A stable key for the row across reloads."""
        if self.link_id is not None:
            return f"link:{self.link_id}"
        if self.proposal_id is not None:
            return f"proposal:{self.proposal_id}"
        return f"issue:{self.issue_id}"


class QueueFilter(BaseModel):
    """What the person typed after `/`: words all found in the title (case-insensitive)."""

    text: str = ""

    def words(self) -> list[str]:
        return [w for w in self.text.lower().split() if w]


_ISSUE_FIELDS = (
    "i.id AS issue_id, i.title AS title, i.signal_count AS signal_count, "
    "i.users_affected AS users_affected, i.first_seen AS first_seen"
)
_PROPOSAL_FIELDS = (
    "p.id AS proposal_id, p.run_id AS run_id, p.outcome AS outcome, p.reason AS reason, "
    "p.verified AS verified, p.repro_before AS repro_before, p.repro_after AS repro_after, "
    "json_array_length(p.new_failures) AS new_failures, p.check_summary AS check_summary, "
    "p.added AS added, p.removed AS removed, p.files AS files, p.cost_usd AS cost_usd, "
    "p.branch AS branch, p.status AS status"
)

# A redirected proposal stays in view, marked queued/running, while its issue's new run is
# under way: the reviewer sees the redirect took.
_OPEN = (
    "(p.status = 'open' OR (p.status = 'redirected' AND EXISTS (SELECT 1 FROM dispatches d "
    "WHERE d.issue_id = p.issue_id AND d.state IN ('queued', 'running'))))"
)

_LANE_SQL: dict[LaneName, tuple[str, str]] = {
    # (FROM ... WHERE ..., ORDER BY ...)
    "proposals": (
        f"SELECT {_ISSUE_FIELDS}, {_PROPOSAL_FIELDS} FROM proposals p "
        "JOIN issues i ON i.id = p.issue_id "
        f"WHERE {_OPEN} AND p.outcome IN ('proposed', 'unverified')",
        "p.verified DESC, i.signal_count DESC, i.users_affected DESC, p.id",
    ),
    "no_proposal": (
        f"SELECT {_ISSUE_FIELDS}, {_PROPOSAL_FIELDS} FROM proposals p "
        "JOIN issues i ON i.id = p.issue_id "
        f"WHERE {_OPEN} AND p.outcome NOT IN ('proposed', 'unverified')",
        "i.signal_count DESC, i.users_affected DESC, p.id",
    ),
    "held": (
        f"SELECT {_ISSUE_FIELDS}, i.reasons AS reasons FROM issues i "
        "WHERE i.status = 'open' AND i.lane = 'held'",
        "i.signal_count DESC, i.users_affected DESC, i.id",
    ),
    "needs_confirmation": (
        f"SELECT {_ISSUE_FIELDS}, l.id AS link_id, l.fingerprint_score AS fp, "
        "l.structure_score AS st, l.text_score AS tx, l.rule AS rule, "
        "(SELECT h.issue_id FROM links h WHERE h.signal_id = l.signal_id "
        " AND h.state = 'linked') AS home_issue_id, "
        "(SELECT json_array(hi.title, substr(hi.description, 1, 300)) FROM links h "
        " JOIN issues hi ON hi.id = h.issue_id "
        " WHERE h.signal_id = l.signal_id AND h.state = 'linked') AS home, "
        "(SELECT json_group_array("
        " json_array(c.key, ci.id, ci.title, c.value ->> 1, ci.signal_count)) "
        " FROM json_each(l.candidates) c JOIN issues ci ON ci.id = c.value ->> 0 "
        " WHERE ci.status = 'open') AS candidates "
        "FROM links l JOIN issues i ON i.id = l.issue_id "
        "WHERE l.state = 'proposed' AND i.status = 'open'",
        "i.signal_count DESC, l.id",
    ),
}


def _title_filter(flt: QueueFilter | None) -> tuple[str, list[Any]]:
    words = flt.words() if flt else []
    if not words:
        return "", []
    return "".join(" AND lower(i.title) LIKE ?" for _ in words), [f"%{w}%" for w in words]


def lane_page(
    db: sqlite_utils.Database,
    lane: LaneName,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    flt: QueueFilter | None = None,
    now: datetime | None = None,
) -> list[QueueRow]:
    """One page of a lane, in order, with each row's dispatch and arrivals: one statement."""
    if lane not in _LANE_SQL:
        raise ValueError(f"no lane {lane!r}; lanes are {', '.join(LANE_NAMES)}")
    base, order = _LANE_SQL[lane]
    where, params = _title_filter(flt)
    now = now or utcnow()
    since = (now - timedelta(hours=SPARK_HOURS)).isoformat()
    sql = (
        # MATERIALIZED: each is computed once, not again for every row that refers to it.
        f"WITH page AS MATERIALIZED ({base}{where} ORDER BY {order} LIMIT ? OFFSET ?), "
        "arrivals AS MATERIALIZED (SELECT l.issue_id AS issue_id, "
        "  CAST((julianday(?) - julianday(s.occurred_at)) * 24 AS INTEGER) AS ago, "
        "  COUNT(*) AS n FROM links l JOIN signals s ON s.id = l.signal_id "
        "  WHERE l.state = 'linked' AND l.issue_id IN (SELECT issue_id FROM page) "
        "  AND s.occurred_at >= ? GROUP BY 1, 2) "
        "SELECT page.*, "
        "(SELECT d.state FROM dispatches d WHERE d.issue_id = page.issue_id "
        " AND d.state IN ('queued', 'running')) AS dispatch_state, "
        "(SELECT json_group_object(a.ago, a.n) FROM arrivals a "
        " WHERE a.issue_id = page.issue_id) AS arrivals "
        "FROM page"
    )
    cursor = db.execute(sql, [*params, limit, offset, now.isoformat(), since])
    names = [d[0] for d in cursor.description]
    return [_row(lane, dict(zip(names, r, strict=True))) for r in cursor.fetchall()]


def _row(lane: LaneName, data: dict[str, Any]) -> QueueRow:
    spark = [0] * SPARK_HOURS
    for ago, n in json.loads(data.pop("arrivals") or "{}").items():
        if 0 <= int(ago) < SPARK_HOURS:
            spark[SPARK_HOURS - 1 - int(ago)] = int(n)
    data["arrivals"] = spark
    data["files"] = json.loads(data.get("files") or "[]")
    if "reasons" in data:
        data["reasons"] = json.loads(data["reasons"] or "[]")
        data["reason"] = "; ".join(data["reasons"])
    if "fp" in data:
        data["scores"] = (data.pop("fp"), data.pop("st"), data.pop("tx"))
    if "candidates" in data:
        data["candidates"] = _candidates(data)
        title, words = json.loads(data.pop("home") or "[null, null]")
        data["home_title"] = title
        words = " ".join((words or "").split())
        if title and words.startswith(title):  # a subject the body follows
            words = words[len(title) :].strip()
        data["home_words"] = words if words and words not in (title or "") else None
    data["verified"] = bool(data.get("verified"))
    data["new_failures"] = int(data.get("new_failures") or 0)
    return QueueRow.model_validate({"lane": lane, **data})


def _candidates(data: dict[str, Any]) -> list[Candidate]:
    """The link's own issue first, then the other open candidates in triage's order."""
    ranked = sorted(json.loads(data["candidates"] or "[]"))
    own = Candidate(
        issue_id=data["issue_id"], title=data["title"], signal_count=data.get("signal_count") or 0
    )
    offered = [own]
    for _key, issue_id, title, score, count in ranked:
        if issue_id == own.issue_id:
            own.score = score
        elif issue_id != data.get("home_issue_id"):
            offered.append(
                Candidate(issue_id=issue_id, title=title, score=score, signal_count=count)
            )
    return offered


def lane_counts(db: sqlite_utils.Database, flt: QueueFilter | None = None) -> dict[LaneName, int]:
    """How many rows each lane has (under the filter): one statement."""
    where, params = _title_filter(flt)
    parts = []
    for name in LANE_NAMES:
        base, _order = _LANE_SQL[name]
        parts.append(f"(SELECT COUNT(*) FROM ({base}{where}))")
    row = db.execute(f"SELECT {', '.join(parts)}", params * len(LANE_NAMES)).fetchone()
    return {name: int(n) for name, n in zip(LANE_NAMES, row, strict=True)}


def nights_run(db: sqlite_utils.Database) -> int:
    """How many nights the store has seen (the empty queue says what to do when none)."""
    return int(db.execute("SELECT COUNT(*) FROM nights").fetchone()[0])
