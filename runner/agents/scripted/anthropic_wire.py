"""The scripted model's side of the Messages API: checks a request the way the real API does,
reads it as a `Conversation`, and writes replies and errors in Anthropic's exact shapes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from runner.agents.scripted.openai_wire import WireError
from runner.agents.scripted.playback import Conversation, Planned
from runner.agents.scripted.tokens import PromptCache, block, count

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error_body(status: int, message: str, request_id: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def check(body: dict[str, Any]) -> None:
    """Raise WireError for what the Messages API would answer with a 400."""
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            raise WireError(400, f"{field}: Field required")
    if body.get("stream"):
        raise WireError(400, "stream: the scripted model does not stream; send stream: false")
    temperature = body.get("temperature")
    if temperature is not None and not 0 <= temperature <= 1:
        raise WireError(400, "temperature: range: 0..1")
    for i, tool in enumerate(body.get("tools") or []):
        if "input_schema" not in tool and "type" not in tool:
            raise WireError(400, f"tools.{i}.custom.input_schema: Field required")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise WireError(400, "messages: at least one message is required")
    expected: set[str] = set()
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ("user", "assistant"):
            raise WireError(400, f"messages.{i}.role: Input should be 'user' or 'assistant'")
        blocks = _blocks(msg.get("content"))
        if not blocks and i != len(messages) - 1:
            raise WireError(
                400,
                f"messages.{i}: all messages must have non-empty content except for the "
                "optional final assistant message",
            )
        results = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
        for j, b in enumerate(blocks):
            if b.get("type") == "text" and not b.get("text"):
                raise WireError(
                    400, f"messages.{i}.content.{j}.text: text content blocks must be non-empty"
                )
            if b.get("type") == "tool_result" and b.get("tool_use_id") not in expected:
                raise WireError(
                    400,
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {b.get('tool_use_id')}. Each `tool_result` block must have a "
                    "corresponding `tool_use` block in the previous message.",
                )
        if expected - results:
            raise WireError(
                400,
                f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(sorted(expected - results))}. Each `tool_use` "
                "block must have a corresponding `tool_result` block in the next message.",
            )
        uses = [b for b in blocks if b.get("type") == "tool_use"]
        if any(not isinstance(b.get("input"), dict) for b in uses):
            raise WireError(
                400, f"messages.{i}.content: tool_use.input: Input should be a valid dictionary"
            )
        expected = {str(b.get("id")) for b in uses} if role == "assistant" else set()


def conversation(body: dict[str, Any]) -> Conversation:
    users: list[str] = []  # text blocks: the API merges consecutive user turns into one
    replies = 0
    for msg in body["messages"]:
        blocks = _blocks(msg.get("content"))
        if msg["role"] == "user":
            users += [b["text"] for b in blocks if b.get("type") == "text" and b.get("text")]
        elif any(b.get("type") == "tool_use" or b.get("text") for b in blocks):
            replies += 1
    tools = {t["name"]: t.get("input_schema") or {} for t in body.get("tools") or [] if "name" in t}
    return Conversation(
        user_text="\n".join(users),
        first_user_text=users[0] if users else "",
        assistant_turns=replies,
        tools=tools,
    )


def _prompt(body: dict[str, Any]) -> tuple[list[str], int | None]:
    """The prompt's blocks in cache order (tools, system, messages) and the last marked one."""
    items: list[Any] = list(body.get("tools") or [])
    system = body.get("system")
    items += [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
    for msg in body["messages"]:
        items += [{**b, "_role": msg["role"]} for b in _blocks(msg.get("content"))]
    marked = [i for i, it in enumerate(items) if isinstance(it, dict) and it.get("cache_control")]
    return [block(it) for it in items], (marked[-1] if marked else None)


def render(
    planned: Planned, body: dict[str, Any], talk: Conversation, cache: PromptCache, serial: int
) -> dict[str, Any]:
    """A `message` object for `planned`."""
    blocks, marker = _prompt(body)
    read, written = cache.marked(blocks, marker)
    total = count("".join(blocks))
    content: list[dict[str, Any]] = []
    if planned.text:
        content.append({"type": "text", "text": planned.text, "citations": None})
    for n, call in enumerate(planned.calls):
        seed = f"{talk.key}:{talk.assistant_turns}:{n}"
        content.append(
            {
                "type": "tool_use",
                "id": "toolu_01" + hashlib.sha256(seed.encode()).hexdigest()[:22],
                "name": call.name,
                # A string here is the malformed-arguments fault: the real API never sends one;
                # it exists to prove the client turns it into ToolCall.error.
                "input": call.arguments,
            }
        )
    output = count(json.dumps(content)) if content else 1
    return {
        "id": f"msg_01scripted{serial:012d}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": planned.stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": max(total - read - written, 0),
            "output_tokens": output,
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
            "service_tier": "standard",
        },
    }


def models_body(names: list[str]) -> dict[str, Any]:
    data = [
        {
            "type": "model",
            "id": n,
            "display_name": n,
            "created_at": "2026-01-01T00:00:00Z",
            "lifecycle": "active",
            "max_input_tokens": 200_000,
            "max_tokens": 64_000,
        }
        for n in names
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": names[0] if names else None,
        "last_id": names[-1] if names else None,
    }
