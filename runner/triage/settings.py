"""The `[triage]` section of overnight.toml."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from runner.triage.decide import Thresholds


class TriageSettings(BaseModel):
    """How signals are grouped into issues, and where the routines live."""

    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds)
    """When structure and text count as agreeing; two of three signals link a duplicate."""
    routines: Path = Path("routines.toml")
    """The routines file (relative to this file). Absent: the shipped defaults apply."""
    batch_size: int = Field(default=2_000, ge=1, le=100_000)
    """Signals triaged per transaction."""
