"""The `overnight` command: helpful --help, one clear line and the right exit code on errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runner.cli import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def overnight(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"overnight {command}" in out and len(out.splitlines()) >= 3


def test_usage_errors_exit_2_without_a_traceback() -> None:
    result = overnight("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_failures_exit_1_with_one_line(tmp_path: Path) -> None:
    result = overnight("--db", str(tmp_path / "db"), "ingest", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"overnight: {tmp_path / 'missing'}: no such file or folder"


def test_a_bad_config_names_the_file_the_key_and_the_expectation(tmp_path: Path) -> None:
    config = tmp_path / "overnight.toml"
    config.write_text('[serve]\nport = "eighty"\ncolour = "blue"\n')
    result = overnight("--config", str(config), "signals")
    assert result.returncode == 1
    assert str(config) in result.stderr
    assert "serve.port" in result.stderr and "valid integer" in result.stderr
    assert "unknown key 'serve.colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    assert overnight("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / "overnight.toml").exists()
    again = overnight("init", cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr
    assert overnight("--db", str(tmp_path / "x.db"), "signals", cwd=tmp_path).returncode == 0


def test_ingest_then_list_as_json(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "one.json").write_text('{"kind": "feedback", "text": "search is slow"}')
    db = str(tmp_path / "store.db")
    ingested = overnight("--db", db, "ingest", str(inbox))
    assert ingested.returncode == 0, ingested.stderr
    assert "1 new signals" in ingested.stdout
    listed = overnight("--db", db, "signals", "--json")
    assert '"text":"search is slow"' in listed.stdout


def test_rejected_input_can_be_inspected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b'{"kind": "feedback", "text": "fine"}\n{"kind": 3\n')
    db = str(tmp_path / "store.db")
    ingested = overnight("ingest", str(bad), "--db", db)
    assert "1 new signals" in ingested.stdout and "1 rejected" in ingested.stdout
    assert f"rejected {bad}:2: malformed JSON" in ingested.stderr
    listed = overnight("quarantine", "--db", db)
    [row] = listed.stdout.splitlines()[1:]
    assert "malformed JSON" in row
    shown = subprocess.run(
        [sys.executable, "-m", "runner.cli", "--db", db, "quarantine", "--show", row.split()[0]],
        capture_output=True,
    )
    assert shown.stdout == b'{"kind": 3\n'


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("shopping list\n" * 100)
    result = overnight("signals", "--db", str(not_a_db))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"overnight: the store at {not_a_db} failed: file is not a database"
    )
