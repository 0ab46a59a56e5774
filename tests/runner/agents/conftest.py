"""A scripted model server per test (fresh fault counters), and endpoints pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runner.agents.models import Endpoint
from runner.agents.scripted import ScriptedModelServer
from tests.runner.agents.support import KEY_ENV, SCRIPTS, MakeEndpoint


@pytest.fixture
def server() -> Iterator[ScriptedModelServer]:
    with ScriptedModelServer(SCRIPTS) as running:
        yield running


@pytest.fixture(params=["openai", "anthropic"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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
