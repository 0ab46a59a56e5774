"""`overnight triage` prints the funnel; `overnight issues` lists lanes and reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import main
from runner.ingest import store_parsed
from store import open_db

from .conftest import crash, feedback


def test_triage_prints_the_funnel_and_issues_lists_lanes(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no overnight.toml: defaults, shipped routines
    db = open_db(db_path)
    store_parsed(
        db,
        [
            crash(user="u1"),
            crash(user="u2", line=41),
            crash(
                "'plan'",
                type_="KeyError",
                file="app/billing/invoice.py",
                function="total",
                route="/billing",
                user="u3",
            ),
            crash(
                "'plan'",
                type_="KeyError",
                file="app/billing/invoice.py",
                function="total",
                route="/billing",
                user="u4",
            ),
            feedback("please add a dark theme", route="/settings"),
        ],
    )
    db.close()
    assert main(["--db", str(db_path), "triage"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "5 signals → 3 unique issues (3 new) → 0 proposed merges → 1 dispatchable "
        "→ 1 held for human triage"
    )
    assert out[1] == "  held: touches a denied path x1"
    assert out[2] == "  also: triage only 1"

    assert main(["--db", str(db_path), "issues", "--json"]) == 0
    issues = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    held = next(i for i in issues if i["lane"] == "held")
    assert held["reasons"] == [
        "touches a denied path: app/billing/invoice.py (deny glob '*billing*')",
        "touches a denied path: /billing (deny glob '*billing*')",
    ]
    assert held["signal_count"] == 2 and held["routine"] == "recurring-errors"

    assert main(["--db", str(db_path), "issues"]) == 0
    table = capsys.readouterr().out
    assert "dispatchable" in table and "held" in table


def test_evaluate_prints_one_json_object_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = {"id": "1", "group": "g", "event": {"kind": "error", "error": {"type": "E"}}}
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps(line) + "\n")
    assert main(["triage", "--evaluate", str(path)]) == 0
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    keys = {
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "bcubed_precision",
        "bcubed_recall",
        "events",
        "groups",
    }
    assert keys <= last.keys() and last["events"] == 1
