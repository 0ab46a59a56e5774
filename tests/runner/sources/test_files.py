"""File sources: NDJSON/JSON inbox records, feedback (.eml/.txt/JSON) and JUnit reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from runner.ingest import ingest_paths
from runner.sources.feedback import read_eml_file, read_text_file
from runner.sources.inbox import read_json_file
from runner.sources.junit import read_junit_file
from store.signal import Signal
from store.signals import Rejection, count_signals, iter_signals, list_quarantine

ENVELOPE = {
    "kind": "error",
    "route": "/dashboard",
    "actor": {"id": "u1", "email": "a@example.com"},
    "workspace": "acme",
    "actions": [{"message": "click #refresh", "category": "ui.click"}],
    "flags": {"new_dashboard": True},
    "intent": "refresh the dashboard",
    "error": {
        "type": "TimeoutError",
        "message": "refresh took 30s",
        "frames": [{"file": "dashboard.py", "function": "refresh", "line": 12, "in_app": True}],
    },
}


def test_a_folder_is_ingested_bad_lines_quarantined_and_files_moved(
    tmp_path: Path, fresh_db: sqlite_utils.Database
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [
        json.dumps(ENVELOPE),
        "{not json",
        json.dumps({**ENVELOPE, "kind": "crash"}),
        json.dumps({**ENVELOPE, "route": "/reports"}),
        "",
    ]
    (inbox / "a.ndjson").write_text("\n".join(lines))
    (inbox / "ignored.md").write_text("not a signal file")
    report = ingest_paths(fresh_db, [inbox])
    assert (report.new, report.rejected) == (2, 2)
    reasons = sorted(r.reason for r in list_quarantine(fresh_db))
    assert reasons[0].startswith("field 'kind'")
    assert reasons[1].startswith("malformed JSON")
    assert (inbox / "done" / "a.ndjson").exists() and not (inbox / "a.ndjson").exists()
    assert (inbox / "ignored.md").exists()
    [first, _] = iter_signals(fresh_db)
    assert first.flags == {"new_dashboard": True} and first.intent == "refresh the dashboard"
    assert first.raw == lines[0]
    # Ingesting the same file again stores nothing new.
    again = ingest_paths(fresh_db, [inbox / "done" / "a.ndjson"])
    assert (again.new, again.already_stored) == (0, 2)
    assert count_signals(fresh_db) == 2


def test_a_json_array_is_judged_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([ENVELOPE, {"nothing": "recognisable"}, 42]))
    results = list(read_json_file(path))
    assert isinstance(results[0], Signal)
    assert isinstance(results[1], Rejection) and "its keys: nothing" in results[1].reason
    assert isinstance(results[2], Rejection) and "expected a JSON object" in results[2].reason


def test_feedback_email_and_text(tmp_path: Path) -> None:
    eml = tmp_path / "complaint.eml"
    eml.write_text(
        "From: Ann Lee <ann@example.com>\n"
        "To: support@example.com\n"
        "Subject: Dashboard keeps spinning\n"
        "Date: Mon, 23 Nov 2026 17:04:00 +0000\n"
        "Message-ID: <abc@example.com>\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "I tried to refresh the dashboard and it spun forever.\n"
    )
    [signal] = list(read_eml_file(eml))
    assert isinstance(signal, Signal)
    assert signal.kind == "feedback" and signal.title == "Dashboard keeps spinning"
    assert signal.actor is not None and signal.actor.email == "ann@example.com"
    assert signal.text is not None and "spun forever" in signal.text
    assert signal.occurred_at.isoformat() == "2026-11-23T17:04:00+00:00"
    txt = tmp_path / "note.txt"
    txt.write_text("the dashboard crashed when I clicked refresh\n")
    [note] = list(read_text_file(txt))
    assert isinstance(note, Signal) and note.text == "the dashboard crashed when I clicked refresh"
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    [rejected] = list(read_text_file(empty))
    assert isinstance(rejected, Rejection) and "no text" in rejected.reason


def test_junit_from_a_real_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_demo.py").write_text(
        "def ratio(a, b):\n"
        "    return a / b\n\n"
        "def test_ratio_of_empty():\n"
        "    assert ratio(1, 0) == 0\n\n"
        "def test_fine():\n"
        "    assert ratio(4, 2) == 2\n"
    )
    report = tmp_path / "report.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            "test_demo.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    [signal] = list(read_junit_file(report))
    assert isinstance(signal, Signal)
    assert signal.kind == "regression"
    assert signal.test_id is not None and signal.test_id.endswith("test_ratio_of_empty")
    assert signal.error is not None and signal.error.type == "ZeroDivisionError"
    assert [f.function for f in signal.error.frames] == ["test_ratio_of_empty", "ratio"]
    assert all(f.in_app for f in signal.error.frames)
    # The same report twice is the same signals.
    assert [s.id for s in read_junit_file(report) if isinstance(s, Signal)] == [signal.id]


def test_broken_junit_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<testsuite><testcase name='x'>")
    [rejected] = list(read_junit_file(path))
    assert isinstance(rejected, Rejection) and "malformed JUnit XML" in rejected.reason
