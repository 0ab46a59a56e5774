"""The scripted model itself: the script format, turn selection without state, faults that
fire a set number of times, the checks real servers make, loopback only, and its CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.agents.models import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    UserMessage,
    open_model,
)
from runner.agents.scripted import ScriptedModelServer, ScriptError, load_scripts
from runner.agents.scripted.scripts import Step, load_script
from tests.runner.agents.support import ENVIRON, SCRIPTS, TOOLS, MakeEndpoint

ROOT = Path(__file__).resolve().parents[3]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_scripts_load_in_name_order_with_defaults() -> None:
    scripts = load_scripts(SCRIPTS)
    assert [s.name for s in scripts][:3] == ["fix", "malformed", "unknown"]
    fix = scripts[0]
    assert fix.turns[1].calls[0].arguments["new"].endswith("if whole else 0.0")
    assert fix.turns[0].fault is None and fix.turns[0].fault_times == 1


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("match = [['x']]\n[[turns]]\nsay = 'hi'\nsya = 'typo'\n", "turns.0.sya"),
        ("match = [['x']]\n[[turns]]\n", "needs `say` text or `calls`"),
        ("match = [[]]\n[[turns]]\nsay = 'hi'\n", "match"),
        ("match = [['x']]\n[[turns]]\nsay='hi'\nfault = 'boom'\n", "turns.0.fault"),
        ("match = [['x']\n", "Unclosed array"),
    ],
)
def test_a_bad_script_names_its_file_and_fault(tmp_path: Path, text: str, complaint: str) -> None:
    path = _write(tmp_path, "bad.toml", text)
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert str(path) in str(caught.value) and complaint in str(caught.value)


def test_a_script_matches_when_every_string_of_any_group_occurs(tmp_path: Path) -> None:
    [fix] = [s for s in load_scripts(SCRIPTS) if s.name == "fix"]
    assert fix.matches("x ZeroDivisionError y def ratio(part, whole)")
    assert fix.matches("TASK-FIX")
    assert not fix.matches("ZeroDivisionError only")


def test_a_reply_fault_takes_places_of_its_own_in_the_plan(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "s.toml",
        "match=[['x']]\n[[turns]]\nsay='a'\nfault='max_tokens'\nfault_times=2\n"
        "[[turns]]\nsay='b'\nfault='http_500'\n",
    )
    assert load_script(path).plan() == [
        Step(0, faulty=True),
        Step(0, faulty=True),
        Step(0, faulty=False),
        Step(1, faulty=False),
    ]


def test_parallel_conversations_each_get_their_own_turns(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)

    def first_two(task: str) -> list[str | None]:
        history: list[Message] = [UserMessage(text=task)]
        texts = []
        for _ in range(2):
            reply = model.complete("", history, TOOLS)
            texts.append(reply.text)
            history += [reply.assistant_message(), UserMessage(text="go on")]
        return texts

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(first_two, ["TASK-CUT", "TASK-EMPTY", "TASK-CUT", "TASK-500"]))
    assert (
        results[0]
        == results[2]
        == [
            "This reply is long enough that",
            "This reply is long enough that cutting it in half is visible.",
        ]
    )
    assert results[1] == [None, "Back with something to say."]
    assert results[3][0] == "Served after two 500s."


def test_a_resumed_conversation_continues_where_its_history_ends(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    call = ToolCall(id="call_old", name="bash", arguments={"command": "ls"}, raw_arguments="{}")
    replayed: list[Message] = [
        UserMessage(text="TASK-FIX"),
        AssistantMessage(text="earlier", tool_calls=[call]),
        ToolResult(call_id="call_old", name="bash", content="README.md"),
        AssistantMessage(text="and then"),
        UserMessage(text="Reviewer: carry on."),
    ]
    reply = open_model(endpoint(), environ=ENVIRON).complete("", replayed, TOOLS)
    assert reply.text == "Fixed: ratio() returns 0.0 for an empty team."


def test_counted_faults_fire_per_conversation(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    model = open_model(endpoint(max_retries=0), environ=ENVIRON)
    for _ in range(2):  # fault_times = 2: two 500s, each retried by hand here
        with pytest.raises(Exception, match="500"):
            model.complete("", [UserMessage(text="TASK-500")], [])
    assert model.complete("", [UserMessage(text="TASK-500")], []).text == "Served after two 500s."
    # Another conversation matching the same script has a counter of its own.
    with pytest.raises(Exception, match="500"):
        model.complete("", [UserMessage(text="TASK-500, again")], [])


def _raw(server: ScriptedModelServer, path: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers=headers, timeout=5)


def test_requests_are_checked_as_the_real_apis_check_them(server: ScriptedModelServer) -> None:
    user = [{"role": "user", "content": "TASK-FIX"}]
    no_key = _raw(server, "/v1/messages", {"model": "m", "max_tokens": 5, "messages": user})
    assert no_key.status_code == 401
    assert no_key.json()["error"] == {
        "type": "authentication_error",
        "message": "x-api-key header is required",
    }
    assert no_key.headers["request-id"].startswith("req_")

    no_version = _raw(
        server,
        "/v1/messages",
        {"model": "m", "max_tokens": 5, "messages": user},
        **{"x-api-key": "k"},
    )
    assert (
        no_version.status_code == 400
        and "anthropic-version" in no_version.json()["error"]["message"]
    )

    anthropic = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    no_max = _raw(server, "/v1/messages", {"model": "m", "messages": user}, **anthropic)
    assert no_max.json()["error"]["message"] == "max_tokens: Field required"

    stream = _raw(
        server,
        "/v1/chat/completions",
        {"model": "m", "messages": user, "stream": True},
        authorization="Bearer k",
    )
    assert stream.status_code == 400 and stream.json()["error"]["param"] == "stream"

    as_object = [
        *user,
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "bash", "arguments": {}}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": "x"},
    ]
    bad = _raw(
        server,
        "/v1/chat/completions",
        {"model": "m", "messages": as_object},
        authorization="Bearer k",
    )
    assert bad.status_code == 400 and "expected a string" in bad.json()["error"]["message"]

    no_bearer = _raw(server, "/v1/chat/completions", {"model": "m", "messages": user})
    assert no_bearer.status_code == 401 and "API key" in no_bearer.json()["error"]["message"]


def test_it_binds_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ScriptedModelServer(SCRIPTS, host="0.0.0.0")


def test_the_delay_comes_before_each_reply(
    endpoint: MakeEndpoint, server: ScriptedModelServer
) -> None:
    server.delay_s = 0.3
    reply = open_model(endpoint(), environ=ENVIRON).complete(
        "", [UserMessage(text="TASK-FIX")], TOOLS
    )
    assert reply.latency_s >= 0.3


def test_the_command_line_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner.agents.scripted", "--scripts", str(SCRIPTS), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        listed = httpx.get(f"{url}/v1/models", headers={"authorization": "Bearer k"}, timeout=5)
        assert listed.json()["data"][0]["id"] == "scripted"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_command_line_names_a_bad_scripts_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runner.agents.scripted", "--scripts", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert done.returncode == 2 and "no such folder of scripts" in done.stderr


def test_a_request_shape_it_cannot_read_is_a_500_not_a_hang_up(server: ScriptedModelServer) -> None:
    odd = {"model": "m", "messages": [{"role": "assistant", "tool_calls": ["not an object"]}]}
    answer = _raw(server, "/v1/chat/completions", odd, authorization="Bearer k")
    assert answer.status_code == 500
    assert "the scripted model failed" in answer.json()["error"]["message"]
