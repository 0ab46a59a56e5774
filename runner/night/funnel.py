"""The night's funnel, in the seed's terms: signals, unique issues, dispatched, proposals by
outcome, verified, spend, and why the night stopped short when it did."""

from __future__ import annotations

import sqlite_utils
from pydantic import BaseModel, Field

from runner.night.budget import NightBudget
from store.review import OUTCOMES, list_proposals
from store.signals import count_signals

_WORDS = {
    "proposed": "proposed (verified)",
    "unverified": "unverified",
    "not_reproduced": "not reproduced",
    "out_of_scope": "out of scope",
    "gave_up": "gave up",
    "failed": "failed",
    "interrupted": "interrupted",
}


class Funnel(BaseModel):
    """What one night did."""

    signals: int
    """Signals in the store."""
    new_signals: int
    """Signals this night brought in."""
    issues: int
    """Unique open issues."""
    dispatched: int
    """Agent runs this night."""
    outcomes: dict[str, int] = Field(default_factory=dict)
    verified: int = 0
    spent_usd: float = 0.0
    stopped_because: str | None = None
    """Why dispatching stopped early (the budget, a stop request), if it did."""
    not_started: list[str] = Field(default_factory=list)
    """Issues whose run could not start, with the reason."""

    def render(self) -> str:
        runs = ", ".join(f"{n} {_WORDS[o]}" for o in OUTCOMES if (n := self.outcomes.get(o, 0)))
        line = (
            f"{self.signals} signals ({self.new_signals} new) → {self.issues} unique issues → "
            f"{self.dispatched} dispatched → {runs or 'no runs'} → {self.verified} verified; "
            f"spend ${self.spent_usd:.2f}"
        )
        if self.stopped_because:
            line += f"\nstopped early: {self.stopped_because}"
        if self.not_started:
            line += f"\n{len(self.not_started)} could not start; the first: {self.not_started[0]}"
        return line


def funnel_of(
    db: sqlite_utils.Database,
    night_id: int,
    *,
    signals_before: int,
    budget: NightBudget,
    why: str | None,
    not_started: list[str] | None = None,
) -> Funnel:
    proposals = list_proposals(db, night_id=night_id)
    outcomes: dict[str, int] = {}
    for proposal in proposals:
        outcomes[proposal.outcome] = outcomes.get(proposal.outcome, 0) + 1
    signals = count_signals(db)
    issues = db.execute("SELECT COUNT(*) FROM issues WHERE status = 'open'").fetchone()[0]
    return Funnel(
        signals=signals,
        new_signals=signals - signals_before,
        issues=int(issues),
        dispatched=len(proposals),
        outcomes=outcomes,
        verified=sum(p.verified for p in proposals),
        spent_usd=round(budget.spent_usd, 6),
        stopped_because=why,
        not_started=list(not_started or []),
    )
