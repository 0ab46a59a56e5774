"""The official SDKs, with strict response validation, drive the scripted model: if its
replies were the wrong shape, the SDKs would raise. Multi-turn, tool results included."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic
import openai
import pytest
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from runner.agents.scripted import ScriptedModelServer
from tests.runner.agents.support import TOOLS

OPENAI_TOOLS: Any = [
    {
        "type": "function",
        "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
    }
    for t in TOOLS
]
ANTHROPIC_TOOLS: Any = [
    {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in TOOLS
]


def _openai(server: ScriptedModelServer, **kw: Any) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    return openai.OpenAI(
        base_url=server.openai_base_url, api_key="x", _strict_response_validation=True, **kw
    )


def _anthropic(server: ScriptedModelServer, **kw: Any) -> anthropic.Anthropic:
    kw.setdefault("max_retries", 0)
    return anthropic.Anthropic(
        base_url=server.anthropic_base_url, api_key="x", _strict_response_validation=True, **kw
    )


def test_openai_sdk_runs_a_whole_conversation_with_tool_calls(server: ScriptedModelServer) -> None:
    client = _openai(server)
    messages: list[Any] = [
        {"role": "system", "content": "You fix bugs."},
        {"role": "user", "content": "TASK-FIX: the summary of a team without tasks crashes"},
    ]

    first = client.chat.completions.create(
        model="scripted", messages=messages, tools=OPENAI_TOOLS, tool_choice="auto"
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me run the failing test first."
    [call] = choice.message.tool_calls or []
    assert isinstance(call, ChatCompletionMessageFunctionToolCall) and call.id.startswith("call_")
    assert call.function.name == "bash"
    assert json.loads(call.function.arguments) == {
        "command": "python -m pytest -q tests/test_reports.py"
    }
    assert first.usage is not None and first.usage.total_tokens == (
        first.usage.prompt_tokens + first.usage.completion_tokens
    )
    assert first.id.startswith("chatcmpl-") and first.object == "chat.completion"

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "1 failed"})
    second = client.chat.completions.create(model="scripted", messages=messages, tools=OPENAI_TOOLS)
    calls = [
        c
        for c in second.choices[0].message.tool_calls or []
        if isinstance(c, ChatCompletionMessageFunctionToolCall)
    ]
    assert [c.function.name for c in calls] == ["edit", "bash"]
    assert len({c.id for c in calls} | {call.id}) == 3
    assert json.loads(calls[0].function.arguments)["path"] == "reports.py"

    messages.append(second.choices[0].message.model_dump(exclude_none=True))
    messages += [
        {"role": "tool", "tool_call_id": c.id, "content": out}
        for c, out in zip(calls, ["edited", "1 passed"], strict=True)
    ]
    third = client.chat.completions.create(model="scripted", messages=messages, tools=OPENAI_TOOLS)
    assert third.choices[0].finish_reason == "stop"
    assert third.choices[0].message.content == "Fixed: ratio() returns 0.0 for an empty team."
    assert not third.choices[0].message.tool_calls


def test_anthropic_sdk_runs_a_whole_conversation_with_tool_use(server: ScriptedModelServer) -> None:
    client = _anthropic(server)
    messages: list[Any] = [
        {"role": "user", "content": "ZeroDivisionError in def ratio(part, whole)"}
    ]

    first = client.messages.create(
        model="scripted",
        max_tokens=512,
        system="You fix bugs.",
        messages=messages,
        tools=ANTHROPIC_TOOLS,
    )
    assert first.type == "message" and first.role == "assistant" and first.id.startswith("msg_")
    assert first.stop_reason == "tool_use" and first.stop_sequence is None
    text, use = first.content
    assert text.type == "text" and text.text == "Let me run the failing test first."
    assert use.type == "tool_use" and use.id.startswith("toolu_") and use.name == "bash"
    assert use.input == {"command": "python -m pytest -q tests/test_reports.py"}
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0

    messages.append(
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]}
    )
    messages.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "1 failed"}],
        }
    )
    second = client.messages.create(
        model="scripted", max_tokens=512, messages=messages, tools=ANTHROPIC_TOOLS
    )
    uses = [b for b in second.content if b.type == "tool_use"]
    assert [u.name for u in uses] == ["edit", "bash"]
    assert second.stop_reason == "tool_use"

    messages.append(
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in second.content]}
    )
    messages.append(
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": u.id, "content": "ok", "is_error": False}
                for u in uses
            ],
        }
    )
    third = client.messages.create(
        model="scripted", max_tokens=512, messages=messages, tools=ANTHROPIC_TOOLS
    )
    assert third.stop_reason == "end_turn"
    assert [b.type for b in third.content] == ["text"]
    assert third.content[0].type == "text"
    assert third.content[0].text == "Fixed: ratio() returns 0.0 for an empty team."
    assert third._request_id and third._request_id.startswith("req_")


def test_sdks_read_the_scripted_error_bodies(server: ScriptedModelServer) -> None:
    server.api_key = "the-right-key"
    with pytest.raises(openai.AuthenticationError) as oa:
        _openai(server).chat.completions.create(
            model="scripted", messages=[{"role": "user", "content": "hi"}]
        )
    assert oa.value.status_code == 401 and oa.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError) as an:
        _anthropic(server).messages.create(
            model="scripted", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    assert an.value.status_code == 401
    assert (
        isinstance(an.value.body, dict) and an.value.body["error"]["type"] == "authentication_error"
    )


def test_sdks_get_a_400_for_an_unanswered_tool_call(server: ScriptedModelServer) -> None:
    history: Any = [
        {"role": "user", "content": "TASK-FIX"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "bash", "arguments": "{}"},
                }
            ],
        },
        {"role": "user", "content": "and?"},
    ]
    with pytest.raises(openai.BadRequestError) as oa:
        _openai(server).chat.completions.create(
            model="scripted", messages=history, tools=OPENAI_TOOLS
        )
    assert "call_1" in oa.value.message and oa.value.param == "messages"
    with pytest.raises(anthropic.BadRequestError) as an:
        _anthropic(server).messages.create(
            model="scripted",
            max_tokens=10,
            messages=[
                {"role": "user", "content": "TASK-FIX"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {}}],
                },
                {"role": "user", "content": "and?"},
            ],
        )
    assert "toolu_1" in an.value.message


def test_sdks_list_models(server: ScriptedModelServer) -> None:
    assert [m.id for m in _openai(server).models.list()] == ["scripted"]
    assert [m.id for m in _anthropic(server).models.list()] == ["scripted"]


def test_anthropic_sdk_honours_the_scripted_retry_after(server: ScriptedModelServer) -> None:
    started = time.monotonic()
    reply = _anthropic(server, max_retries=1).messages.create(
        model="scripted", max_tokens=10, messages=[{"role": "user", "content": "TASK-429"}]
    )
    assert time.monotonic() - started >= 1.0
    assert reply.content[0].type == "text" and reply.content[0].text == "Served after one 429."


def test_past_the_last_turn_the_model_calls_give_up(server: ScriptedModelServer) -> None:
    client = _openai(server)
    history: Any = [
        {"role": "user", "content": "TASK-CUT"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "go on"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "go on"},
        {"role": "assistant", "content": "three"},
        {"role": "user", "content": "go on"},
    ]
    reply = client.chat.completions.create(model="scripted", messages=history, tools=OPENAI_TOOLS)
    [call] = reply.choices[0].message.tool_calls or []
    assert (
        isinstance(call, ChatCompletionMessageFunctionToolCall) and call.function.name == "give_up"
    )
    assert "no turn left" in json.loads(call.function.arguments)["why"]

    unmatched = client.chat.completions.create(
        model="scripted", messages=[{"role": "user", "content": "something no script knows"}]
    )
    assert "no scripted agent matches" in (unmatched.choices[0].message.content or "")


@pytest.mark.parametrize("task", ["TASK-UNKNOWN", "TASK-CUT", "TASK-EMPTY", "TASK-MALFORMED"])
def test_fault_replies_are_well_formed_too(server: ScriptedModelServer, task: str) -> None:
    chat = _openai(server).chat.completions.create(
        model="scripted", messages=[{"role": "user", "content": task}], tools=OPENAI_TOOLS
    )
    finish = {"TASK-CUT": "length", "TASK-EMPTY": "stop"}.get(task, "tool_calls")
    assert chat.choices[0].finish_reason == finish
    if task == "TASK-MALFORMED":
        return  # Anthropic's API never sends unparsed input; the fault is OpenAI-shaped only
    message = _anthropic(server).messages.create(
        model="scripted",
        max_tokens=64,
        messages=[{"role": "user", "content": f"{task}, asked again"}],  # a conversation of its own
        tools=ANTHROPIC_TOOLS,
    )
    stop = {"TASK-CUT": "max_tokens", "TASK-EMPTY": "end_turn"}.get(task, "tool_use")
    assert message.stop_reason == stop
    assert (message.content == []) == (task == "TASK-EMPTY")
