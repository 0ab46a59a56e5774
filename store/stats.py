"""The console's Stats screen as one read: the funnel, time to merge, spend, the wrong-tree rate.

Over a window of days ending now: signals received → the distinct issues they are counted in →
issues dispatched → proposals (with a diff) → merged, redirected, closed. Undone decisions are
left out (they were taken back), so every figure is what stands. The wrong-tree rate is given
night by night: the share of a night's decided proposals closed as "wrong tree", the canary for
triage degrading.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import sqlite_utils
from pydantic import BaseModel, Field

from store.signal import utcnow


class Funnel(BaseModel):
    """How the window's work narrowed, stage by stage."""

    signals: int = 0
    issues: int = 0
    dispatched: int = 0
    proposals: int = 0
    merged: int = 0
    redirected: int = 0
    closed: int = 0


class NightRate(BaseModel):
    """One night's wrong-tree rate."""

    night_id: int
    started_at: datetime
    decided: int
    wrong_tree: int

    @property
    def rate(self) -> float:
        return self.wrong_tree / self.decided if self.decided else 0.0


class StatsReport(BaseModel):
    """Everything the Stats screen shows for one window."""

    days: int
    since: datetime
    funnel: Funnel
    median_signal_to_merge_h: float | None = None
    """Hours from an issue's first signal to its merge, median over the window's merges."""
    spend_usd: float = 0.0
    nights: list[NightRate] = Field(default_factory=list)
    """Oldest first."""


_LIVE = "undone_at IS NULL AND decided_at >= ?"


def stats_report(
    db: sqlite_utils.Database, *, days: int = 7, now: datetime | None = None
) -> StatsReport:
    """The figures for the last `days` days up to `now` (a few aggregate statements)."""
    if days < 1:
        raise ValueError("the window is at least one day")
    now = now or utcnow()
    since = (now - timedelta(days=days)).isoformat()
    row = db.execute(
        "SELECT "
        "(SELECT COUNT(*) FROM signals WHERE received_at >= ?1), "
        "(SELECT COUNT(DISTINCT l.issue_id) FROM signals s JOIN links l ON l.signal_id = s.id "
        " AND l.state = 'linked' WHERE s.received_at >= ?1), "
        "(SELECT COUNT(DISTINCT issue_id) FROM dispatches WHERE created_at >= ?1), "
        "(SELECT COUNT(*) FROM proposals WHERE created_at >= ?1 "
        " AND outcome IN ('proposed', 'unverified')), "
        f"(SELECT COUNT(*) FROM decisions WHERE action = 'merge' AND {_LIVE.replace('?', '?1')}), "
        f"(SELECT COUNT(*) FROM decisions WHERE action = 'redirect' AND "
        f"{_LIVE.replace('?', '?1')}), "
        f"(SELECT COUNT(*) FROM decisions WHERE action = 'close' AND {_LIVE.replace('?', '?1')}), "
        "(SELECT COALESCE(SUM(cost_usd), 0) FROM proposals WHERE created_at >= ?1)",
        [since],
    ).fetchone()
    funnel = Funnel(
        signals=row[0],
        issues=row[1],
        dispatched=row[2],
        proposals=row[3],
        merged=row[4],
        redirected=row[5],
        closed=row[6],
    )
    hours = [
        float(h)
        for (h,) in db.execute(
            "SELECT (julianday(d.decided_at) - julianday(i.first_seen)) * 24 FROM decisions d "
            f"JOIN issues i ON i.id = d.issue_id WHERE d.action = 'merge' AND d.{_LIVE}",
            [since],
        )
    ]
    nights = [
        NightRate(night_id=r[0], started_at=r[1], decided=r[2], wrong_tree=r[3] or 0)
        for r in db.execute(
            "SELECT n.id, n.started_at, COUNT(d.id), "
            "SUM(d.action = 'close' AND d.reason LIKE 'wrong tree%') "
            "FROM nights n LEFT JOIN proposals p ON p.night_id = n.id "
            "LEFT JOIN decisions d ON d.proposal_id = p.id AND d.undone_at IS NULL "
            "WHERE n.started_at >= ? GROUP BY n.id ORDER BY n.started_at",
            [since],
        )
    ]
    return StatsReport(
        days=days,
        since=since,
        funnel=funnel,
        median_signal_to_merge_h=statistics.median(hours) if hours else None,
        spend_usd=float(row[7]),
        nights=nights,
    )
