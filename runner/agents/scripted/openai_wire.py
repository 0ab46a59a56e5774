"""The scripted model's side of Chat Completions: checks a request the way real servers do,
reads it as a `Conversation`, and writes replies and errors in OpenAI's exact shapes."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from runner.agents.scripted.playback import Conversation, Planned
from runner.agents.scripted.tokens import PromptCache, block, count

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


class WireError(Exception):
    """A request the real API would refuse: status, message and the offending parameter."""

    def __init__(
        self, status: int, message: str, *, param: str | None = None, kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.kind = status, message, param, kind


def error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 429: "requests", 500: "server_error"}.get(
        status, "invalid_request_error"
    )
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def check(body: dict[str, Any]) -> None:
    """Raise WireError for what OpenAI (or Ollama, llama.cpp) would answer with a 400."""
    if not body.get("model"):
        raise WireError(400, "you must provide a model parameter", param="model")
    if body.get("stream"):
        raise WireError(
            400, "the scripted model does not stream; send stream: false", param="stream"
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise WireError(400, "[] is too short - 'messages'", param="messages")
    for tool in body.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if (
            not isinstance(tool, dict)
            or tool.get("type") != "function"
            or not isinstance(fn, dict)
            or not fn.get("name")
        ):
            raise WireError(400, "Missing required parameter: 'tools[0].function'.", param="tools")
    pending: list[str] = []
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ROLES:
            raise WireError(
                400,
                f"Invalid value: {role!r}. Supported values are: 'system', 'assistant', 'user', "
                "'function', 'tool', and 'developer'.",
                param=f"messages.[{i}].role",
            )
        if role == "tool":
            if msg.get("tool_call_id") not in pending:
                raise WireError(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{i}].role",
                )
            pending.remove(msg["tool_call_id"])
            continue
        if pending:
            raise WireError(
                400,
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)}",
                param="messages",
            )
        if role == "assistant":
            for j, call in enumerate(msg.get("tool_calls") or []):
                args = (call.get("function") or {}).get("arguments")
                if not isinstance(args, str):
                    raise WireError(
                        400,
                        f"Invalid type for 'messages[{i}].tool_calls[{j}].function.arguments': "
                        "expected a string, but got an object instead.",
                        param=f"messages[{i}].tool_calls[{j}].function.arguments",
                    )
                try:
                    json.loads(args)
                except ValueError:  # Ollama's check of the history
                    raise WireError(400, "invalid tool call arguments") from None
                pending.append(call.get("id"))
    if pending:
        raise WireError(
            400,
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            f"to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
            f"{', '.join(pending)}",
            param="messages",
        )


def conversation(body: dict[str, Any]) -> Conversation:
    messages = body["messages"]
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    replies = sum(
        1
        for m in messages
        if m.get("role") == "assistant" and (m.get("tool_calls") or _text(m.get("content")))
    )
    tools = {
        t["function"]["name"]: t["function"].get("parameters") or {}
        for t in body.get("tools") or []
    }
    return Conversation(
        user_text="\n".join(users),
        first_user_text=users[0] if users else "",
        assistant_turns=replies,
        tools=tools,
    )


def prompt_blocks(body: dict[str, Any]) -> list[str]:
    return [block(t) for t in body.get("tools") or []] + [block(m) for m in body["messages"]]


def render(
    planned: Planned, body: dict[str, Any], talk: Conversation, cache: PromptCache, serial: int
) -> dict[str, Any]:
    """A `chat.completion` object for `planned`."""
    blocks = prompt_blocks(body)
    prompt = count("".join(blocks))
    cached = min(cache.automatic(blocks), prompt)
    tool_calls = []
    for n, call in enumerate(planned.calls):
        seed = f"{talk.key}:{talk.assistant_turns}:{n}"
        arguments = (
            call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        )
        tool_calls.append(
            {
                "id": "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24],
                "type": "function",
                "function": {"name": call.name, "arguments": arguments},
            }
        )
    message: dict[str, Any] = {
        "role": "assistant",
        "content": planned.text if planned.text is not None else (None if tool_calls else ""),
        "refusal": None,
        "annotations": [],
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    completion = (
        count((planned.text or "") + json.dumps(tool_calls)) if (planned.text or tool_calls) else 1
    )
    return {
        "id": f"chatcmpl-scripted{serial:08d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": FINISH[planned.stop],
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_scripted",
    }


def models_body(names: list[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": n, "object": "model", "created": 1767225600, "owned_by": "overnight"}
            for n in names
        ],
    }
