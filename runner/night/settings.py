"""The `[night]` section of `overnight.toml`: what the agents work on, how fixes are checked,
when the night runs and what it may spend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScriptedModelSettings(_Section):
    """A stand-in model the runner serves on loopback for the night (the demo and tests)."""

    scripts: Path
    """The folder of scripted agent turns (TOML), e.g. `sample_signals/agent_scripts`."""
    port: int = Field(ge=1, le=65535)
    """The loopback port it listens on; profiles point their `endpoint` at it."""
    delay_s: float = Field(default=0.0, ge=0)
    """Seconds each reply takes, to stand in for a real model's latency."""


class NightSettings(_Section):
    """What one night does."""

    repository: Path | None = None
    """The git repository agents work on; proposals become local branches in it."""
    branch: str = "main"
    """The branch fixes start from and are merged into."""
    test_command: str = "python -m pytest -q -p no:cacheprovider --junitxml={junit}"
    """The repository's test suite, run before and after each fix; `{junit}` is replaced by
    the path of the JUnit XML report the runner reads, test by test."""
    repro_timeout_s: float = Field(default=300, gt=0)
    """Time limit of the reproduction command in the runner's check."""
    test_timeout_s: float = Field(default=900, gt=0)
    """Time limit of the test command in the runner's check."""
    window: str = "01:00-06:00"
    """When `overnight run` works, local time `HH:MM-HH:MM` (may span midnight)."""
    budget_usd: float | None = Field(default=None, ge=0)
    """The most one night may spend on models; no new run starts once it is spent, and no
    request that could cross it is sent. None for no budget (local models)."""
    max_parallel: int = Field(default=4, gt=0)
    """Agent runs at once (each also needs the container slots of its check)."""
    author_name: str = "Overnight"
    """The author of proposal commits."""
    author_email: str = "overnight@localhost"
    merge: Literal["auto", "ff-only", "merge"] = "auto"
    """How the console merges a proposal: fast-forward when possible (`auto`), only then
    (`ff-only`), or always a merge commit (`merge`)."""
    scripted_model: ScriptedModelSettings | None = None
    """Serve a scripted stand-in model during the night (the demo): no real model needed."""

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        if not _WINDOW.match(value):
            raise ValueError(f"{value!r} is not like 01:00-06:00")
        return value
