"""Protocol-neutral types of a conversation with a model: tools, messages, replies, usage.

Each client translates these to and from its own wire format, so the agent loop never sees
either API's JSON shapes except as recorded bodies.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolSpec(_Frozen):
    """A tool the model may call."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """Its name: letters, digits, `_` and `-`, at most 64 characters (both APIs' rule)."""
    description: str
    """What it does, for the model."""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    """A JSON Schema object describing the arguments."""


class ToolCall(_Frozen):
    """One call of a tool, as the model sent it."""

    id: str
    """The call's id; a result for it must carry the same id. Made up when a server sent none."""
    name: str
    """The tool's name, as the model wrote it (it may not be a tool that was offered)."""
    arguments: dict[str, Any] | None
    """The arguments as an object; None when `error` is set."""
    raw_arguments: str
    """The arguments exactly as they came on the wire (an object is shown as its JSON)."""
    error: str | None = None
    """Why the arguments could not be read as a JSON object; None when they could."""


class Usage(_Frozen):
    """Tokens of one request, normalised so that the four counts never overlap."""

    input_tokens: int = 0
    """Input tokens neither read from nor written to a prompt cache."""
    output_tokens: int = 0
    """Tokens generated (reasoning included)."""
    cache_read_tokens: int = 0
    """Input tokens read from the prompt cache."""
    cache_write_tokens: int = 0
    """Input tokens written to the prompt cache."""
    reported: bool = True
    """False when the server sent no usage at all (the counts are then 0, meaning unknown)."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reported=self.reported and other.reported,
        )


class UserMessage(_Frozen):
    """Text from the user's side: the task, or the loop's word about a bad reply."""

    text: str
    role: Literal["user"] = "user"


class AssistantMessage(_Frozen):
    """A reply of the model, put back into the conversation as it came."""

    text: str | None = None
    """Its text; None when it had none."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Its tool calls, each of which must be answered by a `ToolResult` right after it."""
    role: Literal["assistant"] = "assistant"


class ToolResult(_Frozen):
    """The answer to one tool call."""

    call_id: str
    """The `ToolCall.id` it answers."""
    name: str
    """The tool's name, as called."""
    content: str
    """What the tool printed or why it failed; the model reads only this."""
    is_error: bool = False
    """The tool failed. Anthropic carries this flag; OpenAI has none, so say it in `content`."""
    role: Literal["tool"] = "tool"


Message = UserMessage | AssistantMessage | ToolResult

StopReason = Literal["end_turn", "tool_use", "max_tokens", "other"]


class ModelReply(_Frozen):
    """One reply of a model, with what was sent and received, for the run's events."""

    text: str | None
    """The reply's text; None when there was none."""
    tool_calls: list[ToolCall]
    """Tool calls to run. Do not run them when `stop` is `max_tokens`: they may be cut off."""
    stop: StopReason
    """Why the model stopped: done, wants its tools run, hit the token limit, or anything else."""
    stop_raw: str | None
    """The stop reason as the server wrote it (`finish_reason` or `stop_reason`)."""
    usage: Usage
    """Tokens of this request."""
    model: str | None
    """The model that answered, as the server names it."""
    request_id: str | None
    """The server's id of the request (a header), else of the reply, for support tickets."""
    latency_s: float
    """Seconds from sending the request that succeeded to having its reply (retries excluded)."""
    attempts: int = 1
    """How many HTTP requests it took (1 when no retry was needed)."""
    request: dict[str, Any]
    """The JSON body as sent. Never holds the key: that travels only in a header."""
    response: dict[str, Any]
    """The JSON body as received."""

    def assistant_message(self) -> AssistantMessage:
        """This reply as it goes back into the conversation."""
        return AssistantMessage(text=self.text, tool_calls=list(self.tool_calls))


class Model(Protocol):
    """A chat model with native tool calling, behind one of the two wire protocols."""

    name: str

    def complete(
        self, system: str, messages: list[Message], tools: list[ToolSpec]
    ) -> ModelReply: ...

    def max_cost(self, system: str, messages: list[Message], tools: list[ToolSpec]) -> float:
        """The most the next `complete` with these arguments can cost, in US dollars."""
        ...
