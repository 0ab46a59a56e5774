"""A scripted model server per test (fresh fault counters), and endpoints pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.agents.models import Endpoint, ToolSpec
from runner.agents.scripted import ScriptedModelServer

SCRIPTS = Path(__file__).parent / "scripts"
SECRET = "sk-test-SECRET-123"
KEY_ENV = "OVERNIGHT_TEST_MODEL_KEY"
ENVIRON = {KEY_ENV: SECRET}

TOOLS = [
    ToolSpec(
        name="bash",
        description="Run one shell command in the container.",
        parameters={
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    ),
    ToolSpec(
        name="edit",
        description="Replace an exact, unique piece of a file's text.",
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "old": {"type": "string"},
                "new": {"type": "string"},
            },
            "required": ["path", "old", "new"],
        },
    ),
    ToolSpec(
        name="give_up",
        description="Stop, saying why.",
        parameters={
            "type": "object",
            "properties": {"why": {"type": "string"}},
            "required": ["why"],
        },
    ),
]


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer(SCRIPTS) as running:
        yield running


@pytest.fixture(params=["openai", "anthropic"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


MakeEndpoint = Callable[..., Endpoint]


@pytest.fixture
def endpoint(server: ScriptedModelServer, protocol: str) -> MakeEndpoint:
    """Endpoint settings for the test's server and protocol, with waits small enough for tests."""

    def make(**changes: Any) -> Endpoint:
        base = server.openai_base_url if protocol == "openai" else server.anthropic_base_url
        fields: dict[str, Any] = {
            "protocol": protocol,
            "base_url": base,
            "model": "scripted",
            "api_key_env": KEY_ENV,
            "max_tokens": 512,
            "max_retries": 3,
            "backoff_s": 0.01,
            "backoff_max_s": 0.05,
            "timeout_s": 5,
            **changes,
        }
        return Endpoint(**fields)

    return make
