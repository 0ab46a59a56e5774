"""The sample signals: they ingest cleanly, their labels match them, and the demo app is real.

`sample_signals/expected_groups.jsonl` is what triage is evaluated on, so these tests hold it to
the inbox it was built from (`sample_signals/build_expected.py`) and to the demo app's bugs.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runner.ingest import ingest_paths
from runner.sources.records import parse_record
from store.signals import iter_signals

SAMPLES = Path(__file__).resolve().parent.parent / "sample_signals"
INBOX = SAMPLES / "inbox"
DEMO = SAMPLES / "demo_app"

# The demo app's tests that fail because of its real bugs, and the problem each exposes.
FAILING_TESTS = {
    "test_summary_of_team_without_tasks": "summary-empty-team",
    "test_export_csv_filtered_by_status": "csv-export-filter-empty",
    "test_date_range_british_locale": "date-en-gb",
    "test_last_partial_page": "pagination-last-page",
}


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    lines = (SAMPLES / "expected_groups.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_inbox_ingests_without_rejections(fresh_db, expected) -> None:
    report = ingest_paths(fresh_db, [INBOX], move_done=False)
    assert report.reasons == []
    assert report.rejected == 0
    assert report.new == len(expected) >= 60
    stored = {signal.id for signal in iter_signals(fresh_db)}
    assert stored == {line["id"] for line in expected}
    assert not (INBOX / "done").exists()  # --keep: nothing moved away


def test_every_event_parses_to_its_id(expected) -> None:
    assert len({line["id"] for line in expected}) == len(expected)
    for line in expected:
        signal = parse_record(line["event"], json.dumps(line["event"]), "inbox")
        assert signal.id == line["id"], line["group"]


def test_every_kind_and_channel_is_present(expected) -> None:
    suffixes = {p.suffix for p in INBOX.iterdir()}
    assert {".ndjson", ".json", ".envelope", ".eml", ".txt", ".xml"} <= suffixes
    events = [line["event"] for line in expected]
    kinds = collections.Counter(parse_record(e, json.dumps(e), "inbox").kind for e in events)
    assert kinds["error"] >= 30 and kinds["feedback"] >= 15 and kinds["regression"] >= 2
    assert any(e.get("kind") == "error" and e.get("actions") for e in events)  # boundary
    assert any("exception" in e and "event_id" in e for e in events)  # Sentry events
    assert any(e.get("type") == "feedback" for e in events)  # Sentry feedback items
    assert any("comments" in e for e in events)  # Sentry user reports
    assert any("body" in e and e.get("route") for e in events)  # widget feedback


def test_groups_look_like_a_real_night(expected) -> None:
    sizes = collections.Counter(line["group"] for line in expected)
    assert 15 <= len(sizes) <= 20
    duplicates = 1 - len(sizes) / len(expected)
    assert 0.65 <= duplicates <= 0.80
    assert sum(1 for n in sizes.values() if n == 1) >= 2  # genuine singletons
    # Near misses: one exception type, different problems (different code paths).
    types_by_group: dict[str, set[str]] = collections.defaultdict(set)
    for line in expected:
        signal = parse_record(line["event"], json.dumps(line["event"]), "inbox")
        if signal.kind == "error" and signal.error:
            types_by_group[signal.error.type].add(line["group"])
    shared = {t for t, groups in types_by_group.items() if len(groups) > 1}
    assert {"ZeroDivisionError", "KeyError", "ValueError", "TypeError"} <= shared


def test_demo_app_tests_fail_exactly_on_its_bugs(tmp_path, expected) -> None:
    report = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}"],
        cwd=DEMO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    cases = list(ET.parse(report).getroot().iter("testcase"))
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    errored = {c.get("name") for c in cases if c.find("error") is not None}
    assert errored == set()
    assert failed == set(FAILING_TESTS)
    assert len(cases) - len(failed) >= 10  # the working parts pass
    labelled = {
        line["event"]["test_id"].rsplit(".", 1)[-1]: line["group"]
        for line in expected
        if line["event"].get("kind") == "regression"
    }
    assert labelled == FAILING_TESTS


def test_every_error_scenario_reproduces_from_the_code(expected) -> None:
    """Replay each scenario through the demo app: the labelled error type is really raised."""
    script = (
        "import json, generate\n"
        "seen = {}\n"
        "for scn in generate.SCENARIOS:\n"
        "    if scn['message']: continue\n"
        "    hook = lambda exc, request, g=scn['group']: seen.setdefault(g, set()).add(\n"
        "        type(exc).__name__)\n"
        "    generate.replay(scn, hook)\n"
        "print(json.dumps({g: sorted(t) for g, t in seen.items()}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=SAMPLES,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    raised = json.loads(result.stdout.strip().splitlines()[-1])
    labelled: dict[str, set[str]] = collections.defaultdict(set)
    for line in expected:
        signal = parse_record(line["event"], json.dumps(line["event"]), "inbox")
        if signal.kind == "error" and signal.error:
            labelled[line["group"]].add(signal.error.type)
    assert {g: set(t) for g, t in raised.items()} == dict(labelled)
