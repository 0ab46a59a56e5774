"""The night's model budget, shared by the runs of one night; it fails closed."""

from __future__ import annotations

import threading


class NightBudget:
    """Spend so far and money set aside for requests in flight.

    A run asks before each request (`reserve`, with a generous estimate) and says what it cost
    afterwards (`settle`); a request that could cross the budget is never sent.
    """

    def __init__(self, limit_usd: float | None, spent_usd: float = 0.0) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self._reserved = 0.0
        self._lock = threading.Lock()
        self.exhausted_reason: str | None = None

    def reserve(self, usd: float) -> str | None:
        with self._lock:
            if self.limit_usd is None or usd <= 0:
                return None
            if self.spent_usd + self._reserved + usd > self.limit_usd:
                self.exhausted_reason = (
                    f"the night's budget of ${self.limit_usd:.2f} is spent "
                    f"(${self.spent_usd:.4f} so far; the next request could cost ${usd:.4f})"
                )
                return self.exhausted_reason
            self._reserved += usd
            return None

    def settle(self, reserved: float, spent: float) -> None:
        with self._lock:
            if self.limit_usd is not None and reserved > 0:
                self._reserved = max(0.0, self._reserved - reserved)
            self.spent_usd += spent

    @property
    def exhausted(self) -> bool:
        """Whether a request was refused: no new run should start."""
        return self.exhausted_reason is not None
