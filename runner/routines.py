"""Routines: the policy layer. Which issues are only triaged, and which go to which agent.

A routines file (TOML, validated here) names agent profiles and an ordered list of routines.
The first routine whose match fits an issue decides: `triage` (keep it in the queue for a
person) or `dispatch` (hand it to an agent profile, if the safety filter agrees). Changing
behaviour means editing a routine, never code. `overnight init` writes a commented default.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from runner.agents.models import Endpoint, Prices
from runner.errors import UserError
from store.issues import Issue

DEFAULT_FILE = "routines.toml"
DEFAULT_DENY = [
    "*auth*",
    "*login*",
    "*session*",
    "*permission*",
    "*billing*",
    "*payment*",
    "*migration*",
    "*jobs/*",
    "*job.py",
    "*worker*",
    "*celery*",
    "*cron*",
    "*schedul*",
    "*secret*",
    "*credential*",
]
"""Paths an agent must not touch unless a routine says otherwise: auth, login, session,
permissions, billing, payments, migrations, background jobs and schedulers, secrets."""
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MEMORY = re.compile(r"^\d+(?:\.\d+)?[kmg]?$", re.I)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentProfile(_Section):
    """An agent and the box it runs in: model, prompt, limits, image, network, memory, env."""

    protocol: Literal["openai", "anthropic"] = "openai"
    """The wire protocol: `openai` (Chat Completions: OpenAI, Ollama, llama.cpp, vLLM, LM
    Studio) or `anthropic` (the Messages API)."""
    endpoint: str
    """The model's base URL: for `openai` ending in `/v1` (e.g. `http://127.0.0.1:11434/v1`),
    for `anthropic` without it (e.g. `https://api.anthropic.com`)."""
    model: str
    """The model name the endpoint serves."""
    api_key_env: str | None = None
    """Environment variable holding the endpoint's key. Read on the host; never enters the
    container, an event, a log line or an error message."""
    prices: Prices = Field(default_factory=Prices)
    """US dollars per million input, output, cache-read and cache-write tokens (0 for local)."""
    max_tokens: int = Field(default=4096, gt=0)
    """Most tokens one reply may have."""
    request_timeout_s: float = Field(default=120, gt=0)
    """Seconds one model request may take."""
    max_retries: int = Field(default=4, ge=0)
    """Retries of a request after 429, 5xx or a dropped connection."""
    prompt: str = "fix-with-repro"
    """The prompt template: a built-in name, or a path relative to the routines file."""
    max_steps: int = Field(default=40, gt=0, le=1000)
    """Most agent steps (model turns) in one run."""
    max_minutes: float = Field(default=20, gt=0, le=24 * 60)
    """Wall-clock limit for one run."""
    max_cost_usd: float = Field(default=2.0, ge=0)
    """The most one run may spend on the model; a request that could cross it is not sent.
    Not applied to a model whose prices are all 0."""
    image: str = "overnight/python:3.11"
    """The container image commands run in."""
    network: bool = False
    """Give the container a network. Off by default: it needs none to reproduce and fix."""
    memory: str = "2g"
    """Container memory limit, e.g. `512m`, `2g`."""
    cpus: float = Field(default=2.0, gt=0)
    """Container CPU limit."""
    env: list[str] = Field(default_factory=list)
    """Names of host environment variables that may enter the container. Nothing else does."""

    @model_validator(mode="after")
    def _check(self) -> AgentProfile:
        bad = [name for name in self.env if not _ENV_NAME.match(name)]
        if bad:
            raise ValueError(f"env: not variable names: {', '.join(bad)}")
        if self.api_key_env and self.api_key_env in self.env:
            raise ValueError(f"env: {self.api_key_env} is the model key; it never enters")
        if not _MEMORY.match(self.memory):
            raise ValueError(f"memory: {self.memory!r} is not like 512m or 2g")
        self.endpoint_settings()  # the URL fits the protocol
        return self

    def endpoint_settings(self) -> Endpoint:
        """The model client's settings."""
        return Endpoint(
            protocol=self.protocol,
            base_url=self.endpoint,
            model=self.model,
            api_key_env=self.api_key_env,
            max_tokens=self.max_tokens,
            timeout_s=self.request_timeout_s,
            max_retries=self.max_retries,
            prices=self.prices,
        )

    def memory_mb(self) -> int:
        """The memory limit in MiB."""
        number, unit = float(self.memory[:-1] or 0), self.memory[-1].lower()
        if unit.isdigit():
            return max(1, int(float(self.memory) / 1_048_576))
        return max(1, int(number * {"k": 1 / 1024, "m": 1, "g": 1024}[unit]))


class Match(_Section):
    """Which issues a routine applies to. Every condition given must hold; empty means any."""

    kinds: list[Literal["error", "feedback", "regression"]] = Field(default_factory=list)
    """Any of these signal kinds among the issue's signals."""
    sources: list[str] = Field(default_factory=list)
    """Any of these sources among the issue's signals (inbox, sentry-endpoint, junit, ...)."""
    routes: list[str] = Field(default_factory=list)
    """Glob patterns; any route the issue was seen on matching any of them."""
    labels: list[str] = Field(default_factory=list)
    """All of these labels on the issue (`env:production`, `level:error`, `kind:feedback`)."""
    min_count: int = Field(default=1, ge=1)
    """At least this many signals."""
    min_age_minutes: float = Field(default=0, ge=0)
    """First seen at least this long ago: wait for a burst to settle before acting."""
    max_age_hours: float | None = Field(default=None, gt=0)
    """Last seen at most this long ago: leave stale issues to a person."""


class Guardrails(_Section):
    """What the safety filter demands before an issue is dispatched."""

    deny: list[str] = Field(default_factory=lambda: list(DEFAULT_DENY))
    """Glob patterns (on file paths, modules and routes, lower case) the agent must not touch."""
    max_files: int = Field(default=5, ge=1)
    """Most suspected files, and most files a fix may change; more means the blast radius is
    not bounded."""
    max_changed_lines: int = Field(default=200, ge=1)
    """Most lines a fix may add and remove together; a bigger diff is flagged out of scope."""
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    """Least triage confidence in the issue's definition."""
    allow_production_data: bool = False
    """Dispatch issues that look as if they need production data to reproduce."""


class Routine(_Section):
    """One policy: which issues, and what happens to them."""

    name: str
    """Shown beside every issue it decides."""
    match: Match = Field(default_factory=Match)
    action: Literal["triage", "dispatch"] = "triage"
    """`triage`: keep for a person. `dispatch`: send to `profile` if the safety filter agrees."""
    profile: str | None = None
    """The agent profile for `dispatch`."""
    guardrails: Guardrails = Field(default_factory=Guardrails)

    @model_validator(mode="after")
    def _check(self) -> Routine:
        if self.action == "dispatch" and not self.profile:
            raise ValueError(f"routine {self.name!r}: action 'dispatch' needs a 'profile'")
        return self


class Routines(_Section):
    """A whole routines file."""

    profiles: dict[str, AgentProfile] = Field(default_factory=dict)
    """Agent profiles by name."""
    routines: list[Routine] = Field(default_factory=list)
    """Tried in order; the first that matches decides."""

    @model_validator(mode="after")
    def _check(self) -> Routines:
        for routine in self.routines:
            if routine.profile and routine.profile not in self.profiles:
                known = ", ".join(sorted(self.profiles)) or "none"
                raise ValueError(
                    f"routine {routine.name!r}: no profile {routine.profile!r} (known: {known})"
                )
        return self


def default_text() -> str:
    """The commented default routines file shipped with Overnight."""
    return resources.files("runner").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def parse_routines(text: str, origin: str = DEFAULT_FILE) -> Routines:
    """Validate routines TOML; a mistake becomes a `UserError` naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{origin}: not valid TOML: {exc}") from exc
    try:
        return Routines.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise UserError(f"{origin}: key '{key}': {first['msg']}") from exc


def load_routines(path: Path | None) -> Routines:
    """The routines at `path`, or the shipped defaults when there is no such file."""
    if path is None or not path.exists():
        return parse_routines(default_text())
    return parse_routines(path.read_text(encoding="utf-8"), str(path))


def matches(match: Match, issue: Issue, now: datetime | None = None) -> bool:
    """Whether an issue meets every condition of a match."""
    now = now or datetime.now(UTC)
    if match.kinds and not set(match.kinds) & set(issue.kinds or [issue.kind]):
        return False
    if match.sources and not set(match.sources) & set(issue.sources):
        return False
    if match.routes and not any(
        fnmatch.fnmatchcase(route, pattern)
        for route in issue.routes_seen
        for pattern in match.routes
    ):
        return False
    if match.labels and not set(match.labels) <= set(issue.labels):
        return False
    if issue.signal_count < match.min_count:
        return False
    if match.min_age_minutes and now - issue.first_seen < timedelta(minutes=match.min_age_minutes):
        return False
    return not (
        match.max_age_hours is not None
        and now - issue.last_seen > timedelta(hours=match.max_age_hours)
    )


def match_routine(routines: Routines, issue: Issue, now: datetime | None = None) -> Routine | None:
    """The first routine that matches the issue, or None."""
    return next((r for r in routines.routines if matches(r.match, issue, now)), None)
