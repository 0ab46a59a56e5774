"""Our clients against the scripted model over real HTTP: tool calls, results, usage, cost, and
the bad replies an agent loop must survive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.agents.models import (
    AnthropicMessages,
    Endpoint,
    Message,
    ModelReply,
    OpenAIChat,
    Prices,
    ToolResult,
    UserMessage,
    open_model,
)
from runner.agents.scripted import ScriptedModelServer
from tests.runner.agents.support import ENVIRON, SECRET, TOOLS, MakeEndpoint

SYSTEM = "You fix bugs in the repository at /workspace."


def _answer(reply: ModelReply, outputs: list[str]) -> list[Message]:
    """The reply put back, with one result per call."""
    results: list[Message] = [
        ToolResult(call_id=c.id, name=c.name, content=out)
        for c, out in zip(reply.tool_calls, outputs, strict=True)
    ]
    return [reply.assistant_message(), *results]


def test_a_conversation_round_trips_tool_calls_and_results(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    assert isinstance(model, OpenAIChat if protocol == "openai" else AnthropicMessages)
    history: list[Message] = [UserMessage(text="TASK-FIX: a team without tasks crashes")]

    first = model.complete(SYSTEM, history, TOOLS)
    assert first.stop == "tool_use" and first.text == "Let me run the failing test first."
    [call] = first.tool_calls
    assert (call.name, call.arguments, call.error) == (
        "bash",
        {"command": "python -m pytest -q tests/test_reports.py"},
        None,
    )
    assert json.loads(call.raw_arguments) == call.arguments
    history += _answer(first, ["1 failed"])

    second = model.complete(SYSTEM, history, TOOLS)
    assert [c.name for c in second.tool_calls] == ["edit", "bash"]
    assert second.tool_calls[0].arguments == {
        "path": "reports.py",
        "old": "    return round(part / whole, 3)",
        "new": "    return round(part / whole, 3) if whole else 0.0",
    }
    history += _answer(second, ["edited reports.py", "1 passed"])

    third = model.complete(SYSTEM, history, TOOLS)
    assert (third.stop, third.stop_raw) == (
        ("end_turn", "stop") if protocol == "openai" else ("end_turn", "end_turn")
    )
    assert third.text == "Fixed: ratio() returns 0.0 for an empty team." and not third.tool_calls
    assert third.model == "scripted" and third.request_id and third.latency_s > 0

    sent = server.requests[-1]
    if protocol == "openai":
        assert sent["tool_choice"] == "auto" and sent["messages"][0]["role"] == "system"
        roles = [m["role"] for m in sent["messages"]]
        assert roles == ["system", "user", "assistant", "tool", "assistant", "tool", "tool"]
        assert sent["messages"][2]["tool_calls"][0]["function"]["arguments"] == call.raw_arguments
    else:
        assert sent["tool_choice"] == {"type": "auto"} and sent["system"][0]["text"] == SYSTEM
        roles = [m["role"] for m in sent["messages"]]
        assert roles == ["user", "assistant", "user", "assistant", "user"]
        results = sent["messages"][-1]["content"]
        assert [b["type"] for b in results] == ["tool_result", "tool_result"]
        assert [b["tool_use_id"] for b in results] == [c.id for c in second.tool_calls]
    assert sent == third.request


def test_usage_is_normalised_and_priced(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    prices = Prices(
        input_per_mtok=3, output_per_mtok=15, cache_read_per_mtok=0.3, cache_write_per_mtok=3.75
    )
    model = open_model(endpoint(prices=prices), environ=ENVIRON)
    long_system = SYSTEM + " Read carefully." * 400  # past the 1,024-token cache minimum
    history: list[Message] = [UserMessage(text="TASK-FIX")]
    first = model.complete(long_system, history, TOOLS)
    history += _answer(first, ["1 failed"])
    second = model.complete(long_system, history, TOOLS)

    raw = second.response["usage"]
    usage = second.usage
    if protocol == "openai":
        cached = raw["prompt_tokens_details"]["cached_tokens"]
        assert cached > 0 and cached % 128 == 0
        assert usage.input_tokens == raw["prompt_tokens"] - cached
        assert usage.cache_read_tokens == cached and usage.cache_write_tokens == 0
        assert usage.output_tokens == raw["completion_tokens"]
    else:
        assert first.usage.cache_write_tokens > 0 and first.usage.cache_read_tokens == 0
        assert usage.cache_read_tokens == raw["cache_read_input_tokens"] > 0
        assert usage.cache_read_tokens >= first.usage.cache_write_tokens
        assert usage.input_tokens == raw["input_tokens"]
        assert usage.cache_write_tokens == raw["cache_creation_input_tokens"]
    expected = (
        usage.input_tokens * 3
        + usage.output_tokens * 15
        + usage.cache_read_tokens * 0.3
        + usage.cache_write_tokens * 3.75
    ) / 1e6
    assert prices.cost(usage) == pytest.approx(expected) and expected > 0
    assert Prices().cost(usage) == 0


def test_malformed_arguments_become_an_error_the_loop_can_answer(
    endpoint: MakeEndpoint, protocol: str
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    history: list[Message] = [UserMessage(text="TASK-MALFORMED")]
    reply = model.complete(SYSTEM, history, TOOLS)
    [call] = reply.tool_calls
    assert call.name == "bash" and call.arguments is None
    assert call.error and "JSON" in call.error
    assert call.raw_arguments == '{"command": "ls"'
    history += [
        reply.assistant_message(),
        ToolResult(call_id=call.id, name=call.name, content=call.error, is_error=True),
    ]
    # The server refuses history with arguments that do not parse (as Ollama does): the client
    # must have sent valid JSON back for it to reach the next turn, the same call done right.
    retried = model.complete(SYSTEM, history, TOOLS)
    [fixed] = retried.tool_calls
    assert (fixed.name, fixed.arguments, fixed.error) == ("bash", {"command": "ls"}, None)
    assert fixed.id != call.id
    history += _answer(retried, ["README.md"])
    assert model.complete(SYSTEM, history, TOOLS).text == "Done."


def test_an_unknown_tool_is_reported_as_called(endpoint: MakeEndpoint) -> None:
    reply = open_model(endpoint(), environ=ENVIRON).complete(
        SYSTEM, [UserMessage(text="TASK-UNKNOWN")], TOOLS
    )
    [call] = reply.tool_calls
    assert call.name == "execute_command" and call.arguments == {"command": "ls"}
    assert call.name not in {t.name for t in TOOLS}


def test_a_reply_cut_at_max_tokens_says_so(endpoint: MakeEndpoint, protocol: str) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    history: list[Message] = [UserMessage(text="TASK-CUT")]
    reply = model.complete(SYSTEM, history, TOOLS)
    assert reply.stop == "max_tokens"
    assert reply.stop_raw == ("length" if protocol == "openai" else "max_tokens")
    assert reply.text == "This reply is long enough that"
    history += [reply.assistant_message(), UserMessage(text="You were cut off; be brief.")]
    assert (
        model.complete(SYSTEM, history, TOOLS).text
        == "This reply is long enough that cutting it in half is visible."
    )


def test_an_empty_reply_is_neither_text_nor_calls(endpoint: MakeEndpoint, protocol: str) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    history: list[Message] = [UserMessage(text="TASK-EMPTY")]
    reply = model.complete(SYSTEM, history, TOOLS)
    assert (reply.text, reply.tool_calls, reply.stop) == (None, [], "end_turn")
    # Put back as it came (Anthropic's wire leaves the empty turn out), then nudged.
    history += [reply.assistant_message(), UserMessage(text="Your reply was empty. Use a tool.")]
    again = model.complete(SYSTEM, history, TOOLS)
    assert again.text == "Back with something to say."
    if protocol == "anthropic":
        assert [m["role"] for m in again.request["messages"]] == ["user"]


def test_the_openai_token_field_is_a_setting(server: ScriptedModelServer) -> None:
    settings = Endpoint(
        protocol="openai",
        base_url=server.openai_base_url,
        model="scripted",
        max_tokens=512,
        max_tokens_field="max_completion_tokens",
        temperature=None,
    )
    reply = open_model(settings, environ={}).complete(SYSTEM, [UserMessage(text="TASK-FIX")], [])
    assert reply.request["max_completion_tokens"] == 512
    assert "max_tokens" not in reply.request and "temperature" not in reply.request
    assert "tools" not in reply.request and "tool_choice" not in reply.request
    assert reply.text == "Let me run the failing test first."


def test_the_key_is_in_no_body_and_no_repr(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    reply = model.complete(SYSTEM, [UserMessage(text="TASK-FIX")], TOOLS)
    everything: Any = [repr(model), reply.model_dump_json(), json.dumps(server.requests)]
    assert SECRET not in "".join(everything)


def test_the_cost_ceiling_of_the_next_request_bounds_its_real_cost(
    endpoint: MakeEndpoint,
) -> None:
    prices = Prices(input_per_mtok=3, output_per_mtok=15, cache_write_per_mtok=3.75)
    model = open_model(endpoint(prices=prices), environ=ENVIRON)
    history: list[Message] = [UserMessage(text="TASK-FIX " + "context " * 300)]
    ceiling = model.max_cost(SYSTEM, history, TOOLS)
    reply = model.complete(SYSTEM, history, TOOLS)
    assert 0 < prices.cost(reply.usage) <= ceiling
    assert ceiling >= 512 * 15 / 1e6  # the whole output allowance is counted
