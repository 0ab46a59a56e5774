"""`overnight review`: registered, and the runner still never loads the console by itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from runner.cli import main


def test_the_runner_loads_the_review_command_without_the_console() -> None:
    code = (
        "import json, sys, runner.cli, runner.commands.review, runner.decisions; "
        "runner.cli.build_parser(); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert not {"console", "textual"} & set(loaded)


def test_review_refuses_a_repo_that_is_not_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["--db", str(tmp_path / "o.db"), "review", "--repo", str(tmp_path)])
    assert code == 1
    assert "is not a git repository" in capsys.readouterr().err
