"""A conversation as recorded, and rebuilt from a run's events up to a step.

Each `model_request` event records only the messages new since the previous request, and each
`model_reply` the assistant's turn, so the whole conversation up to any step can be read back:
that is what a redirect from step N and a resume after a crash continue from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner.agents.models import AssistantMessage, Message, ToolCall, ToolResult, UserMessage
from runner.agents.tools import CommandOutcome, describe
from store.runs import RunEvent
from store.transcript import ModelReplyData, ModelRequestData

COMMAND_KINDS = ("setup", "exec")


def message_dict(message: Message) -> dict[str, Any]:
    """A message as JSON, tagged with its role."""
    return message.model_dump()


def message_from_dict(data: dict[str, Any]) -> Message:
    kinds: dict[str, type[Message]] = {
        "user": UserMessage,
        "assistant": AssistantMessage,
        "tool": ToolResult,
    }
    return kinds[data.get("role", "user")].model_validate(data)


@dataclass
class Resumption:
    """Where a continued run starts: the conversation, and the commands to replay first."""

    system: str | None
    messages: list[Message]
    commands: list[RunEvent]
    """The earlier run's commands up to the step, in order, to run again in the new box."""
    at_step: int


def resume_from(events: list[RunEvent], at_step: int) -> Resumption:
    """The conversation and commands of a run through event `at_step`.

    Replies are kept whole: a reply's tool calls that had not been answered by `at_step` are
    answered with a note that the run was stopped there, so the conversation stays well-formed
    for both APIs.
    """
    system: str | None = None
    messages: list[Message] = []
    commands: list[RunEvent] = []
    pending: dict[str, str] = {}
    for event in events:
        if event.seq > at_step:
            break
        if event.kind == "model_request":
            request = ModelRequestData.model_validate(event.data)
            system = system or request.body.get("system")
            new = [message_from_dict(m) for m in request.body.get("new_messages", [])]
            # Replies and tool results come from their own events below; a request adds only
            # the user's side (the task, the loop's nudges, a reviewer's words).
            messages.extend(m for m in new if isinstance(m, UserMessage))
        elif event.kind == "model_reply":
            reply = ModelReplyData.model_validate(event.data)
            if reply.error:
                continue
            calls = [ToolCall.model_validate(c.model_dump()) for c in reply.tool_calls]
            messages.append(AssistantMessage(text=reply.text, tool_calls=calls))
            pending = {c.id: c.name for c in calls}
        elif event.kind in COMMAND_KINDS and event.ended_at is not None:
            commands.append(event)
            call_id = event.data.get("call_id")
            if call_id in pending:
                messages.append(
                    ToolResult(call_id=call_id, name=pending.pop(call_id), content=_said(event))
                )
        elif event.kind == "tool":
            call_id = event.data.get("call_id")
            if call_id in pending:
                messages.append(
                    ToolResult(
                        call_id=call_id,
                        name=pending.pop(call_id),
                        content=str(event.data.get("result", "")),
                        is_error=bool(event.data.get("is_error")),
                    )
                )
    for call_id, name in pending.items():
        messages.append(
            ToolResult(
                call_id=call_id,
                name=name,
                content="not run: the run was stopped at this point",
                is_error=True,
            )
        )
    return Resumption(system, messages, commands, at_step)


def _said(event: RunEvent) -> str:
    """What the model was told about a command, rebuilt from its record."""
    if event.data.get("tool") == "edit":
        text = (event.stdout or event.stderr or "").strip()
        if text:
            return text
    return describe(
        CommandOutcome(
            exit_code=event.exit_code,
            stdout=event.stdout or "",
            stderr=event.stderr or "",
            duration_s=event.duration_s or 0.0,
            timed_out=bool(event.data.get("timed_out")),
        )
    )


def last_completed_step(events: list[RunEvent]) -> int:
    """The last event that finished (a crash may leave one started and never completed)."""
    done = [e.seq for e in events if e.kind not in COMMAND_KINDS or e.ended_at is not None]
    return max(done, default=0)
