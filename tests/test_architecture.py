"""Dependencies point one way: the store and the runner work without the console or Textual."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("store", ["runner", "console", "textual", "podman"]),
        ("runner.cli", ["console", "textual"]),
        ("runner.ingest", ["console", "textual"]),
    ],
)
def test_core_modules_do_not_load_the_ui(module: str, forbidden: list[str]) -> None:
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert not set(forbidden) & set(loaded)
