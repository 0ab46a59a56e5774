"""Every shipped agent script (the demo's and the tests') loads under the strict loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.agents.scripted.scripts import load_scripts

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("folder", ["sample_signals/agent_scripts", "tests/fixtures/agent_scripts"])
def test_shipped_scripts_load(folder: str) -> None:
    scripts = load_scripts(ROOT / folder)
    assert len(scripts) >= 8
    assert all(script.turns for script in scripts)
