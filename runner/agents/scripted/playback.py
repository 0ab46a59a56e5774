"""What the scripted model answers a request: protocol-neutral, decided from the request alone
(plus the per-conversation fault counters).

The next turn is the number of non-empty assistant messages already in the request, so
parallel and resumed conversations need no session state.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from runner.agents.scripted.scripts import COUNTED_FAULTS, Script, Turn, choose

UNKNOWN_TOOL = "execute_command"
CUT_OFF_FALLBACK = "Let me start by reading the failing test and the code it calls, then"


@dataclass(frozen=True)
class Conversation:
    """What the scripted model reads of a request, whichever API it came in."""

    user_text: str
    """The text of the user messages (tool results and the system prompt left out), joined."""
    first_user_text: str
    """The first user message: the conversation's identity for the fault counters."""
    assistant_turns: int
    """Assistant messages with text or tool calls; the next reply's position in the plan."""
    tools: dict[str, dict[str, Any]]
    """The offered tools: name to parameters schema."""

    @property
    def key(self) -> str:
        return hashlib.sha256(self.first_user_text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any] | str
    """An object, or (for the malformed-arguments fault) text that is not valid JSON."""


@dataclass(frozen=True)
class Planned:
    """A reply to send in the request's own API."""

    text: str | None
    calls: list[PlannedCall] = field(default_factory=list)
    stop: Literal["end_turn", "tool_use", "max_tokens"] = "end_turn"


@dataclass(frozen=True)
class HttpFault:
    """An HTTP-level fault instead of a reply."""

    kind: Literal["http_500", "http_429", "drop", "hang"]
    hang_s: float = 0.0


class FaultCounter:
    """How often each counted fault fired, per (script, turn, conversation)."""

    def __init__(self) -> None:
        self._fired: Counter[tuple[str, int, str]] = Counter()
        self._lock = threading.Lock()

    def fire(self, key: tuple[str, int, str], times: int) -> bool:
        """True (and counted) while the fault at `key` has fired fewer than `times` times."""
        with self._lock:
            if self._fired[key] >= times:
                return False
            self._fired[key] += 1
            return True


def decide(scripts: list[Script], talk: Conversation, faults: FaultCounter) -> Planned | HttpFault:
    """The reply to `talk`: its script's next turn, a fault, or a call of `give_up`."""
    script = choose(scripts, talk.user_text)
    if script is None:
        return _give_up(talk, "no scripted agent matches this task")
    plan = script.plan()
    if talk.assistant_turns >= len(plan):
        return _give_up(talk, f"script {script.name!r} has no turn left after {len(plan)} replies")
    step = plan[talk.assistant_turns]
    turn = script.turns[step.turn]
    if turn.fault in COUNTED_FAULTS and faults.fire(
        (script.name, step.turn, talk.key), turn.fault_times
    ):
        if turn.fault == "empty":
            return Planned(text=None)
        kind = turn.fault
        assert kind in ("http_500", "http_429", "drop", "hang")
        return HttpFault(kind, hang_s=turn.hang_s)
    if step.faulty:
        return _faulty(turn, talk)
    return _normal(turn)


def _normal(turn: Turn) -> Planned:
    calls = [PlannedCall(c.tool, dict(c.arguments)) for c in turn.calls]
    return Planned(text=turn.say, calls=calls, stop="tool_use" if calls else "end_turn")


def _faulty(turn: Turn, talk: Conversation) -> Planned:
    if turn.fault == "max_tokens":
        said = turn.say or CUT_OFF_FALLBACK
        return Planned(text=said[: max(len(said) // 2, 1)], stop="max_tokens")
    if turn.fault == "malformed_arguments":
        calls = [
            PlannedCall(c.tool, json.dumps(c.arguments)[:-1])  # the closing brace is lost
            for c in turn.calls
        ]
    else:  # unknown_tool
        name = UNKNOWN_TOOL if UNKNOWN_TOOL not in talk.tools else UNKNOWN_TOOL + "_v2"
        calls = [PlannedCall(name, dict(c.arguments)) for c in turn.calls]
    return Planned(text=turn.say, calls=calls, stop="tool_use")


def _give_up(talk: Conversation, reason: str) -> Planned:
    schema = talk.tools.get("give_up")
    if schema is None:
        return Planned(text=f"I cannot go on: {reason}.")
    props = schema.get("properties") or {}
    required = [p for p in schema.get("required") or [] if p in props]
    strings = [p for p, s in props.items() if isinstance(s, dict) and s.get("type") == "string"]
    param = (required or strings or ["reason"])[0]
    return Planned(text=None, calls=[PlannedCall("give_up", {param: reason})], stop="tool_use")
