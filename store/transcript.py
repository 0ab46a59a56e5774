"""The typed content of an agent run's events: what the agent saw, step by step.

`run_events.data` is JSON; these models are its shape for each kind, written by the agent loop
and read by `overnight replay` and the console's Replay tab. A command's own fields (argv,
output, exit code, duration) are columns of the event; `CommandData` is what rides along.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from store.runs import RunEvent


class Usage(BaseModel):
    """Tokens of one model reply, normalised across APIs (input excludes cached tokens)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class CallRecord(BaseModel):
    """One tool call as the model made it."""

    id: str
    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str = ""
    error: str | None = None
    """Why the call could not be used as sent (arguments not JSON, unknown tool, ...)."""


class ModelRequestData(BaseModel):
    """`model_request`: what was sent (the key never is)."""

    protocol: str
    model: str
    messages: int
    """Messages in the conversation sent, system prompt excluded."""
    body: dict[str, Any] = Field(default_factory=dict)


class ModelReplyData(BaseModel):
    """`model_reply`: what came back, and what it cost."""

    text: str | None = None
    tool_calls: list[CallRecord] = Field(default_factory=list)
    stop: str
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_s: float = 0.0
    request_id: str | None = None
    error: str | None = None
    """Set when the request failed (after retries): the reply fields are then empty."""


class ToolData(BaseModel):
    """`tool`: a call answered on the host (submit, give up, a malformed or unknown call)."""

    call_id: str | None = None
    name: str
    arguments: dict[str, Any] | None = None
    result: str
    """What the model was told."""
    is_error: bool = False


class CommandData(BaseModel):
    """`exec`/`setup`: what a command was for, beside its argv and output."""

    tool: str | None = None
    """The tool call that ran it (`bash`, `edit`), or None for the runner's own commands."""
    call_id: str | None = None
    arguments: dict[str, Any] | None = None
    check: Literal["repro", "tests", "diff"] | None = None
    """For the runner's check runs: which part of the check this command is."""
    timed_out: bool = False


class OutcomeData(BaseModel):
    """`outcome`: how the agent run ended."""

    outcome: str
    reason: str


EventData = ModelRequestData | ModelReplyData | ToolData | CommandData | OutcomeData
_BY_KIND: dict[str, type[BaseModel]] = {
    "model_request": ModelRequestData,
    "model_reply": ModelReplyData,
    "tool": ToolData,
    "exec": CommandData,
    "setup": CommandData,
    "collect": CommandData,
    "outcome": OutcomeData,
}


def event_data(event: RunEvent) -> EventData:
    """The typed data of an event (unknown extra keys are kept out, missing ones defaulted)."""
    model = _BY_KIND.get(event.kind, CommandData)
    return model.model_validate(event.data)  # type: ignore[return-value]


def _short(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_event(event: RunEvent) -> str:
    """A step that is not a command, in words (`overnight replay`, the console's Replay)."""
    data = event_data(event)
    if isinstance(data, ModelRequestData):
        new = data.body.get("new_messages") or []
        said = [m.get("text") for m in new if m.get("role") == "user" and m.get("text")]
        head = f"model request to {data.model} ({data.messages} messages)"
        return head + (f": {_short(said[-1])}" if said else "")
    if isinstance(data, ModelReplyData):
        if data.error:
            return f"model reply: failed ({data.error})"
        calls = "; ".join(
            f"{c.name}({_short(str(c.arguments) if c.arguments else c.raw_arguments, 160)})"
            + (f" [{c.error}]" if c.error else "")
            for c in data.tool_calls
        )
        used = f"{data.usage.input_tokens}+{data.usage.cache_read_tokens} in, "
        used += f"{data.usage.output_tokens} out, ${data.cost_usd:.4f}"
        text = f" “{_short(data.text)}”" if data.text else ""
        return f"model reply ({data.stop}; {used}){text}" + (f" → {calls}" if calls else "")
    if isinstance(data, ToolData):
        mark = "error" if data.is_error else "ok"
        return f"tool {data.name} ({mark}): {_short(data.result)}"
    if isinstance(data, OutcomeData):
        return f"outcome {data.outcome}: {_short(data.reason)}"
    return f"{event.kind} {event.data}"
