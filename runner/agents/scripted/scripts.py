"""Scripted agents: TOML files of turns, the matching of a request to one, and its reply plan.

The format is documented in this package's README.md. Loading is strict (`extra="forbid"`):
a typo in a script is an error naming the file, not a turn that silently does nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Fault = Literal[
    "malformed_arguments",
    "unknown_tool",
    "empty",
    "max_tokens",
    "http_500",
    "http_429",
    "drop",
    "hang",
]
# Faults served as a reply of their own: each takes a place in the conversation's history, so
# the turn's real content follows at the next assistant position (stateless).
REPLY_FAULTS = frozenset({"malformed_arguments", "unknown_tool", "max_tokens"})
# Faults that leave no assistant message behind: they fire `fault_times` times per
# conversation (a counter in the server), then the same position gets the turn's content.
COUNTED_FAULTS = frozenset({"empty", "http_500", "http_429", "drop", "hang"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScriptCall(_Strict):
    """One tool call of a turn."""

    tool: str = Field(min_length=1)
    """The tool's name."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Its arguments, sent as the API's native JSON."""


class Turn(_Strict):
    """One reply of the scripted model."""

    say: str | None = None
    """Assistant text (before any calls)."""
    calls: list[ScriptCall] = Field(default_factory=list)
    """Tool calls, in order."""
    fault: Fault | None = None
    """A fault to inject at this turn, for tests (see README.md)."""
    fault_times: int = Field(default=1, ge=1)
    """How many times the fault fires before the turn's own content is served."""
    hang_s: float = Field(default=5.0, gt=0)
    """For `fault = "hang"`: seconds to wait before answering (past the client's timeout)."""

    @model_validator(mode="after")
    def _has_content(self) -> Turn:
        if not self.say and not self.calls:
            raise ValueError("a turn needs `say` text or `calls` (or both)")
        if self.fault in ("malformed_arguments", "unknown_tool") and not self.calls:
            raise ValueError(f"fault {self.fault!r} needs the turn to have calls")
        return self


class Script(_Strict):
    """One scripted agent: which conversations it answers, and its turns."""

    name: str = Field(min_length=1)
    """A short name, used in logs and the fault counters."""
    description: str = ""
    """What the script does, for people."""
    match: list[list[str]] = Field(min_length=1)
    """Chosen when every string of any inner list occurs in the user messages' text."""
    turns: list[Turn] = Field(min_length=1)
    """The replies, in order."""

    @model_validator(mode="after")
    def _no_empty_match(self) -> Script:
        if any(not group or any(not s for s in group) for group in self.match):
            raise ValueError("match: every inner list needs at least one non-empty string")
        return self

    def matches(self, text: str) -> bool:
        return any(all(needle in text for needle in group) for group in self.match)

    def plan(self) -> list[Step]:
        """The reply at each assistant position: a reply fault takes `fault_times` positions
        of its own before its turn's content."""
        steps: list[Step] = []
        for index, turn in enumerate(self.turns):
            if turn.fault in REPLY_FAULTS:
                steps += [Step(index, faulty=True)] * turn.fault_times
            steps.append(Step(index, faulty=False))
        return steps


@dataclass(frozen=True)
class Step:
    """A position in a script's plan: which turn, and whether its reply fault is served."""

    turn: int
    faulty: bool


class ScriptError(ValueError):
    """A script file that cannot be used, with the file and what is wrong."""


def load_script(path: Path) -> Script:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScriptError(f"{path}: {exc}") from None
    data.setdefault("name", path.stem)
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'script'}: {e['msg']}" for e in exc.errors()
        )
        raise ScriptError(f"{path}: {problems}") from None


def load_scripts(folder: Path) -> list[Script]:
    """Every `*.toml` in `folder`, in file-name order (the order they are tried in)."""
    if not folder.is_dir():
        raise ScriptError(f"{folder}: no such folder of scripts")
    return [load_script(path) for path in sorted(folder.glob("*.toml"))]


def choose(scripts: list[Script], user_text: str) -> Script | None:
    """The first script matching the user messages' text, or None."""
    return next((s for s in scripts if s.matches(user_text)), None)
