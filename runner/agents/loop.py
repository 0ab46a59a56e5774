"""The agent loop, on the host: `run` loops over `step`, which is `execute(query())`.

As in mini-swe-agent, the loop ends only through an `Ending` carrying its reason, and every
request, reply, tool call and command is recorded as it happens, so the transcript is complete
by construction. A bad reply (malformed arguments, an unknown tool, nothing at all, a reply
cut off at the token limit) is answered with a short error and counts as a step; an endpoint
that stays down ends the run as `failed`; a command that fails is output, not a crash.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runner.agents.conversation import message_dict
from runner.agents.models import (
    AssistantMessage,
    Message,
    Model,
    ModelError,
    ModelReply,
    Prices,
    ToolCall,
    ToolResult,
    Usage,
    UserMessage,
)
from runner.agents.tools import (
    TOOL_NAMES,
    TOOLS,
    BadCall,
    CommandOutcome,
    Ending,
    Interrupted,
    LimitsExceeded,
    ModelFailed,
    Workspace,
    bash_argv,
    describe,
    edit_argv,
    ending,
)
from store.transcript import (
    CallRecord,
    CommandData,
    ModelReplyData,
    ModelRequestData,
    ToolData,
)
from store.transcript import Usage as UsageRecord

STUCK_REPEATS = 3
EDIT_TIMEOUT_S = 60


class Recorder(Protocol):
    """Where the transcript goes (the run's events)."""

    def record(self, kind: str, data: dict[str, Any]) -> int: ...


class Spending(Protocol):
    """The night's budget: asked before each request, told what it cost after."""

    def reserve(self, usd: float) -> str | None:
        """None when `usd` may be spent; else why not."""
        ...

    def settle(self, reserved: float, spent: float) -> None: ...


@dataclass
class Limits:
    """A run's limits, from its profile."""

    max_steps: int
    max_seconds: float
    max_cost_usd: float
    """Ignored for a model whose prices are all zero (a local model costs nothing)."""
    prices: Prices


@dataclass
class Totals:
    """What the run has used so far."""

    steps: int = 0
    cost_usd: float = 0.0
    usage: Usage = field(default_factory=Usage)


@dataclass
class Agent:
    model: Model
    protocol: str
    system: str
    workspace: Workspace
    recorder: Recorder
    limits: Limits
    spending: Spending | None = None
    should_stop: Callable[[], str | None] = lambda: None
    messages: list[Message] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    started: float = field(default_factory=time.monotonic)
    _sent: int = 0
    """How many of `messages` earlier requests carried (each request records only the new)."""
    _seen: Counter[str] = field(default_factory=Counter)

    def run(self, first: Message | None = None) -> Ending:
        """Work until an ending; return it (never raises an Ending)."""
        if first is not None:
            self.messages.append(first)
        try:
            while True:
                self.step()
        except Ending as end:
            return end

    def step(self) -> None:
        self._check_limits()
        reply = self.query()
        self.messages.append(AssistantMessage(text=reply.text, tool_calls=reply.tool_calls))
        if not reply.tool_calls:
            self.messages.append(UserMessage(text=self._nudge(reply)))
            return
        for call in reply.tool_calls:
            self.messages.append(self.execute(call))
        if reply.stop == "max_tokens":
            self.messages.append(UserMessage(text=self._nudge(reply)))

    # --- the model -----------------------------------------------------------------------

    def _estimate(self) -> float:
        """The most the next request can cost (its input as it stands, the whole output cap)."""
        if not self._priced():
            return 0.0
        return self.model.max_cost(self.system, list(self.messages), TOOLS)

    def _priced(self) -> bool:
        p = self.limits.prices
        return any(
            (p.input_per_mtok, p.output_per_mtok, p.cache_read_per_mtok, p.cache_write_per_mtok)
        )

    def query(self) -> ModelReply:
        estimate = self._estimate()
        if self._priced() and self.totals.cost_usd + estimate > self.limits.max_cost_usd:
            raise LimitsExceeded(
                f"the next request could cost ${estimate:.4f}, which would cross the run's "
                f"limit of ${self.limits.max_cost_usd:.2f} (spent ${self.totals.cost_usd:.4f})"
            )
        if self.spending is not None and (refused := self.spending.reserve(estimate)):
            raise LimitsExceeded(refused)
        new = [message_dict(m) for m in self.messages[self._sent :]]
        body: dict[str, Any] = {"new_messages": new}
        if self._sent == 0:
            body["system"] = self.system
        self.recorder.record(
            "model_request",
            ModelRequestData(
                protocol=self.protocol,
                model=self.model.name,
                messages=len(self.messages),
                body=body,
            ).model_dump(),
        )
        self._sent = len(self.messages)
        self.totals.steps += 1
        try:
            reply = self.model.complete(self.system, list(self.messages), TOOLS)
        except ModelError as exc:
            if self.spending is not None:
                self.spending.settle(estimate, 0.0)
            self.recorder.record(
                "model_reply", ModelReplyData(stop="error", error=exc.reason).model_dump()
            )
            raise ModelFailed(f"the model endpoint failed: {exc.reason}") from exc
        cost = self.limits.prices.cost(reply.usage)
        if self.spending is not None:
            self.spending.settle(estimate, cost)
        self.totals.cost_usd += cost
        self.totals.usage = self.totals.usage + reply.usage
        self.recorder.record(
            "model_reply",
            ModelReplyData(
                text=reply.text,
                tool_calls=[CallRecord.model_validate(c.model_dump()) for c in reply.tool_calls],
                stop=reply.stop,
                usage=UsageRecord.model_validate(reply.usage.model_dump()),
                cost_usd=cost,
                latency_s=reply.latency_s,
                request_id=reply.request_id,
            ).model_dump(),
        )
        return reply

    def _nudge(self, reply: ModelReply) -> str:
        if reply.stop == "max_tokens":
            return (
                "Your reply was cut off at the token limit. Keep replies short and make one "
                "tool call at a time."
            )
        if not reply.text:
            return "Your reply was empty. Call one of the tools: " + ", ".join(TOOL_NAMES) + "."
        return "Please act through a tool call: " + ", ".join(TOOL_NAMES) + "."

    # --- tools ---------------------------------------------------------------------------

    def execute(self, call: ToolCall) -> ToolResult:
        """Carry out one call; an ending tool raises its Ending."""
        if call.error is not None or call.arguments is None:
            why = call.error or "no arguments"
            return self._answer(
                call,
                f"Your arguments for `{call.name}` could not be read ({why}). Send the call "
                "again with its arguments as one JSON object.",
                error=True,
            )
        if call.name not in TOOL_NAMES:
            return self._answer(
                call,
                f"There is no tool `{call.name}`. The tools are: {', '.join(TOOL_NAMES)}.",
                error=True,
            )
        try:
            if call.name == "bash":
                argv, timeout = bash_argv(call.arguments)
                outcome = self._command(call, argv, timeout)
                self._stuck(argv, outcome)
                return ToolResult(call_id=call.id, name=call.name, content=describe(outcome))
            if call.name == "edit":
                outcome = self._command(call, edit_argv(call.arguments), EDIT_TIMEOUT_S)
                text = (outcome.stdout or outcome.stderr).strip() or describe(outcome)
                return ToolResult(
                    call_id=call.id, name=call.name, content=text, is_error=outcome.exit_code != 0
                )
            end = ending(call.name, call.arguments)
        except BadCall as exc:
            return self._answer(call, f"`{call.name}`: {exc}. Send the call again.", error=True)
        self._answer(call, f"accepted: {end.reason}", error=False)
        raise end

    def _command(self, call: ToolCall, argv: list[str], timeout: float) -> CommandOutcome:
        stop = self.should_stop()
        if stop:
            raise Interrupted(stop)
        data = CommandData(tool=call.name, call_id=call.id, arguments=call.arguments)
        return self.workspace.run_command(argv, timeout, data.model_dump(exclude_defaults=True))

    def _answer(self, call: ToolCall, text: str, *, error: bool) -> ToolResult:
        self.recorder.record(
            "tool",
            ToolData(
                call_id=call.id,
                name=call.name,
                arguments=call.arguments,
                result=text,
                is_error=error,
            ).model_dump(),
        )
        return ToolResult(call_id=call.id, name=call.name, content=text, is_error=error)

    def _stuck(self, argv: list[str], outcome: CommandOutcome) -> None:
        key = hashlib.sha256(
            repr((argv, outcome.exit_code, outcome.stdout, outcome.stderr)).encode()
        ).hexdigest()
        self._seen[key] += 1
        if self._seen[key] >= STUCK_REPEATS:
            raise LimitsExceeded(
                f"stuck: ran `{argv[-1][:120]}` {STUCK_REPEATS} times with the same output"
            )

    def _check_limits(self) -> None:
        if stop := self.should_stop():
            raise Interrupted(stop)
        if self.totals.steps >= self.limits.max_steps:
            raise LimitsExceeded(f"reached the step limit of {self.limits.max_steps}")
        elapsed = time.monotonic() - self.started
        if elapsed >= self.limits.max_seconds:
            raise LimitsExceeded(
                f"reached the time limit of {self.limits.max_seconds / 60:.0f} min"
            )
