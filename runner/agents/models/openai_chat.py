"""The OpenAI-compatible Chat Completions API (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).

Lenient where local servers differ (see the model-apis reference, part E): arguments as an
object or empty, ids missing, `finish_reason` "stop" with tool calls, content null or "".
"""

from __future__ import annotations

import uuid
from typing import Any

from runner.agents.models.arguments import arguments_for_history, read_arguments
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

DUMMY_KEY = "not-needed"


def wire_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    """The conversation as Chat Completions messages: one `role: tool` message per result."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        if isinstance(message, UserMessage):
            out.append({"role": "user", "content": message.text})
        elif isinstance(message, AssistantMessage):
            entry: dict[str, Any] = {"role": "assistant", "content": message.text}
            if message.tool_calls:
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.name,
                            "arguments": arguments_for_history(call.raw_arguments, call.arguments),
                        },
                    }
                    for call in message.tool_calls
                ]
            elif message.text is None:
                entry["content"] = ""  # llama.cpp rejects a message with neither
            out.append(entry)
        elif isinstance(message, ToolResult):
            out.append(
                {"role": "tool", "tool_call_id": message.call_id, "content": message.content}
            )
    return out


def wire_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def read_reply(body: dict[str, Any]) -> tuple[str | None, list[ToolCall], StopReason, str | None]:
    """(text, tool calls, stop, raw stop) from a Chat Completions reply body."""
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("the reply has no choices")
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content")
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    text = content if isinstance(content, str) and content != "" else None
    calls = [_read_call(raw, n) for n, raw in enumerate(message.get("tool_calls") or [])]
    raw_stop = choice.get("finish_reason")
    stop: StopReason
    if raw_stop == "length":
        stop = "max_tokens"
    elif calls:  # decide by the calls, never by finish_reason alone
        stop = "tool_use"
    elif raw_stop in ("stop", None):
        stop = "end_turn"
    else:
        stop = "other"
    return text, calls, stop, raw_stop if isinstance(raw_stop, str) else None


def _read_call(raw: Any, n: int) -> ToolCall:
    raw = raw if isinstance(raw, dict) else {}
    function = raw.get("function") if isinstance(raw.get("function"), dict) else raw
    arguments, raw_arguments, error = read_arguments(function.get("arguments"))
    name = str(function.get("name") or "")
    if not name and error is None:
        arguments, error = None, "the call has no tool name"
    call_id = raw.get("id") or f"call_{n}_{uuid.uuid4().hex[:12]}"
    return ToolCall(
        id=str(call_id), name=name, arguments=arguments, raw_arguments=raw_arguments, error=error
    )


def read_usage(body: dict[str, Any]) -> Usage:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return Usage(reported=False)
    details = usage.get("prompt_tokens_details") or {}
    prompt = int(usage.get("prompt_tokens") or 0)
    cached = int(details.get("cached_tokens") or 0)
    written = int(details.get("cache_write_tokens") or 0)
    return Usage(
        input_tokens=max(prompt - cached - written, 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )


class OpenAIChat(ChatClient):
    """A model behind `POST {base_url}/chat/completions`."""

    PATH = "/chat/completions"
    REQUEST_ID_HEADER = "x-request-id"

    def read_reply(self, body: dict[str, Any]) -> Reading:
        return read_reply(body)

    def read_usage(self, body: dict[str, Any]) -> Usage:
        return read_usage(body)

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key or DUMMY_KEY}"}

    def listed_models(self) -> set[str]:
        """The model ids `GET {base_url}/models` lists (one try, no retries)."""
        url = f"{self.endpoint.root}/models"
        response = self._http.get(url)
        if response.status_code >= 300:
            raise self._http.error(url, response)
        try:
            data = response.json().get("data") or []
        except (ValueError, AttributeError):
            return set()
        return {str(m.get("id")) for m in data if isinstance(m, dict)}

    def request_body(
        self, system: str, messages: list[Message], tools: list[ToolSpec]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": wire_messages(system, messages),
            self.endpoint.max_tokens_field: self.endpoint.max_tokens,
        }
        if self.endpoint.temperature is not None:
            body["temperature"] = self.endpoint.temperature
        if tools:
            body["tools"] = wire_tools(tools)
            body["tool_choice"] = "auto"  # vLLM's default is "none"
        return body
