"""The runner's model code needs neither the vendors' SDKs (test dependencies only) nor the UI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["runner.agents.models", "runner.agents.scripted"])
def test_model_code_loads_no_sdk_and_no_ui(module: str) -> None:
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], text=True)))
    assert "httpx" in loaded or module.endswith("scripted")
    assert not {"openai", "anthropic", "textual", "console"} & loaded
