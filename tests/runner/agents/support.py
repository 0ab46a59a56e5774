"""Constants the tests of the model clients share: the key, its variable, the tools."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runner.agents.models import Endpoint, ToolSpec

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


MakeEndpoint = Callable[..., Endpoint]
"""Makes endpoint settings for the test's server and protocol (the `endpoint` fixture)."""
