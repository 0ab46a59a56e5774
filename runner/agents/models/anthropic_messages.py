"""The Anthropic Messages API: `POST {base_url}/v1/messages`, tools as `tool_use` blocks."""

from __future__ import annotations

from typing import Any

from runner.agents.models.arguments import read_arguments
from runner.agents.models.client import ChatClient, Reading
from runner.agents.models.types import (
    AssistantMessage,
    Message,
    StopReason,
    ToolCall,
    ToolResult,
    ToolSpec,
    Usage,
    UserMessage,
)

API_VERSION = "2023-06-01"
EPHEMERAL = {"type": "ephemeral"}


def wire_messages(messages: list[Message], *, cache: bool = False) -> list[dict[str, Any]]:
    """The conversation as Messages API turns.

    Consecutive tool results become one user message of `tool_result` blocks (text the loop
    adds after them joins that message, after the results); an assistant reply becomes its
    text and `tool_use` blocks. A reply with neither is left out, since the API refuses empty
    turns; the user turns around it then merge, as the API would merge them anyway. With
    `cache`, the last block is marked so the next request reads the conversation from cache.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if isinstance(message, AssistantMessage) else "user"
        blocks: list[dict[str, Any]] = []
        if isinstance(message, UserMessage):
            if message.text:
                blocks.append({"type": "text", "text": message.text})
        elif isinstance(message, ToolResult):
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": message.call_id,
                    "content": message.content,
                    "is_error": message.is_error,
                }
            )
        else:
            if message.text:
                blocks.append({"type": "text", "text": message.text})
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments or {}}
                for c in message.tool_calls
            ]
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    if cache and out:
        out[-1]["content"][-1] = {**out[-1]["content"][-1], "cache_control": EPHEMERAL}
    return out


def wire_tools(tools: list[ToolSpec], *, cache: bool = False) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
    ]
    if cache and out:
        out[-1] = {**out[-1], "cache_control": EPHEMERAL}
    return out


def read_reply(body: dict[str, Any]) -> tuple[str | None, list[ToolCall], StopReason, str | None]:
    """(text, tool calls, stop, raw stop) from a Messages reply body."""
    content = body.get("content")
    if not isinstance(content, list):
        raise ValueError("the reply has no content list")
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and block.get("text"):
            texts.append(str(block["text"]))
        elif block.get("type") == "tool_use":
            arguments, raw, error = read_arguments(block.get("input"))
            calls.append(
                ToolCall(
                    id=str(block.get("id") or f"toolu_{len(calls)}"),
                    name=str(block.get("name") or ""),
                    arguments=arguments,
                    raw_arguments=raw,
                    error=error,
                )
            )
    raw_stop = body.get("stop_reason")
    stop: StopReason
    if raw_stop in ("max_tokens", "model_context_window_exceeded"):
        stop = "max_tokens"
    elif calls:
        stop = "tool_use"
    elif raw_stop in ("end_turn", "stop_sequence", None):
        stop = "end_turn"
    else:
        stop = "other"
    text = "\n".join(texts) if texts else None
    return text, calls, stop, raw_stop if isinstance(raw_stop, str) else None


def read_usage(body: dict[str, Any]) -> Usage:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return Usage(reported=False)
    return Usage(
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(usage.get("cache_creation_input_tokens") or 0),
    )


class AnthropicMessages(ChatClient):
    """A model behind `POST {base_url}/v1/messages`."""

    PATH = "/v1/messages"
    REQUEST_ID_HEADER = "request-id"

    def read_reply(self, body: dict[str, Any]) -> Reading:
        return read_reply(body)

    def read_usage(self, body: dict[str, Any]) -> Usage:
        return read_usage(body)

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"x-api-key": api_key or "not-needed", "anthropic-version": API_VERSION}

    def request_body(
        self, system: str, messages: list[Message], tools: list[ToolSpec]
    ) -> dict[str, Any]:
        cache = self.endpoint.prompt_cache
        body: dict[str, Any] = {
            "model": self.endpoint.model,
            "max_tokens": self.endpoint.max_tokens,
            "messages": wire_messages(messages, cache=cache),
        }
        if system:
            block: dict[str, Any] = {"type": "text", "text": system}
            body["system"] = [{**block, "cache_control": EPHEMERAL}] if cache else system
        if self.endpoint.temperature is not None:
            body["temperature"] = self.endpoint.temperature
        if tools:
            # With a system prompt its marker already covers the tools (tools come first).
            body["tools"] = wire_tools(tools, cache=cache and not system)
            body["tool_choice"] = {"type": "auto"}
        return body
