"""Reading what servers send, leniently (the reference's part E), and endpoint settings.

These read reply bodies as real local servers write them; no HTTP is needed to show how a
body is read, so these call the readers directly."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from runner.agents.models import (
    AssistantMessage,
    Endpoint,
    ToolCall,
    ToolResult,
    ToolSpec,
    UserMessage,
)
from runner.agents.models import anthropic_messages as am
from runner.agents.models import openai_chat as oc
from runner.agents.models.http import retry_after_s


def _choice(message: dict[str, Any], finish: str | None = "stop") -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}


def test_openai_calls_are_read_however_local_servers_write_them() -> None:
    text, calls, stop, raw = oc.read_reply(
        _choice(
            {
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "a", "arguments": {"x": 1}},
                    },
                    {"function": {"name": "b", "arguments": ""}},  # no id, no type
                    {"name": "c", "arguments": '{"y": 2}'},  # llama.cpp's old flat shape
                    {"id": "call_4", "function": {"name": "d", "arguments": "[1, 2]"}},
                ],
            },
            finish="stop",  # vLLM with a named tool choice
        )
    )
    assert text is None and stop == "tool_use" and raw == "stop"
    a, b, c, d = calls
    assert (a.arguments, a.raw_arguments, a.error) == ({"x": 1}, '{"x": 1}', None)
    assert b.arguments == {} and b.id.startswith("call_1_") and b.error is None
    assert (c.name, c.arguments) == ("c", {"y": 2})
    assert d.arguments is None and d.error == "the arguments are a JSON array, not an object"


@pytest.mark.parametrize(
    ("finish", "calls", "stop"),
    [
        ("length", True, "max_tokens"),
        ("tool_calls", True, "tool_use"),
        ("stop", False, "end_turn"),
        ("content_filter", False, "other"),
        (None, False, "end_turn"),
    ],
)
def test_openai_stop_reasons(finish: str | None, calls: bool, stop: str) -> None:
    message: dict[str, Any] = {"content": "hi"}
    if calls:
        message["tool_calls"] = [{"id": "c", "function": {"name": "a", "arguments": "{}"}}]
    assert oc.read_reply(_choice(message, finish))[2] == stop


def test_openai_usage_without_details_or_at_all() -> None:
    usage = oc.read_usage({"usage": {"prompt_tokens": 10, "completion_tokens": 3}})
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (10, 3, 0)
    assert usage.reported
    assert not oc.read_usage({}).reported


def test_openai_history_sends_valid_json_for_a_malformed_call() -> None:
    call = ToolCall(id="c", name="bash", arguments=None, raw_arguments='{"x":', error="bad")
    [msg] = oc.wire_messages("", [AssistantMessage(tool_calls=[call])])
    assert msg["tool_calls"][0]["function"]["arguments"] == "{}" and msg["content"] is None


def test_anthropic_reply_with_text_calls_and_unknown_blocks() -> None:
    text, calls, stop, raw = am.read_reply(
        {
            "content": [
                {"type": "thinking", "thinking": "..."},
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": "ls"}},
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": None},
        }
    )
    assert (text, stop, raw) == ("Checking.", "tool_use", "tool_use")
    assert calls[0].arguments == {"command": "ls"}
    usage = am.read_usage(
        {"usage": {"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": None}}
    )
    assert (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (5, 0, 0)


def test_anthropic_groups_results_and_puts_text_after_them() -> None:
    call = ToolCall(id="t1", name="bash", arguments={}, raw_arguments="{}")
    call2 = ToolCall(id="t2", name="bash", arguments={}, raw_arguments="{}")
    wire = am.wire_messages(
        [
            UserMessage(text="task"),
            AssistantMessage(text=None, tool_calls=[call, call2]),
            ToolResult(call_id="t1", name="bash", content="a"),
            ToolResult(call_id="t2", name="bash", content="b", is_error=True),
            UserMessage(text="note"),
        ],
        cache=True,
    )
    assert [m["role"] for m in wire] == ["user", "assistant", "user"]
    assert [b["type"] for b in wire[2]["content"]] == ["tool_result", "tool_result", "text"]
    assert wire[2]["content"][1]["is_error"] is True
    assert wire[2]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in wire[0]["content"][0]


def test_retry_after_in_every_form() -> None:
    assert retry_after_s(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"}), 60) == 0.25
    assert retry_after_s(httpx.Headers({"retry-after": "2"}), 60) == 2
    assert retry_after_s(httpx.Headers({"retry-after": "600"}), 60) == 60
    assert retry_after_s(httpx.Headers({"retry-after": "0"}), 60) is None
    assert retry_after_s(httpx.Headers({}), 60) is None
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    wait = retry_after_s(httpx.Headers({"retry-after": when}), 60)
    assert wait is not None and 28 <= wait <= 30


def test_endpoint_settings_refuse_what_cannot_work() -> None:
    with pytest.raises(ValidationError, match="leave out /v1"):
        Endpoint(protocol="anthropic", base_url="https://api.anthropic.com/v1", model="m")
    with pytest.raises(ValidationError, match="0 to 1"):
        Endpoint(
            protocol="anthropic", base_url="https://api.anthropic.com", model="m", temperature=1.5
        )
    with pytest.raises(ValidationError, match="api_key"):
        Endpoint.model_validate(
            {"protocol": "openai", "base_url": "http://h/v1", "model": "m", "api_key": "x"}
        )
    with pytest.raises(ValidationError, match="http"):
        Endpoint(protocol="openai", base_url="localhost:11434/v1", model="m")


def test_a_tool_name_the_apis_refuse_is_refused_here() -> None:
    with pytest.raises(ValidationError, match="name"):
        ToolSpec(name="run shell", description="x")
