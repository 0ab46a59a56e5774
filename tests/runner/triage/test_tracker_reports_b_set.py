"""The second tracker report set (Quire, a notes app): a check of triage's ranking that nobody
tuned on.

`sample_signals/tracker_reports_b/expected_groups.jsonl` is written by its `generate.py`; the
committed file must be what the generator writes today, or the figures quoted for it would
describe another set. Words are the only signal, so triage must never join two problems.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from runner.sources.records import parse_record
from runner.triage.evaluate import evaluate_file

SET = Path(__file__).parents[3] / "sample_signals" / "tracker_reports_b"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tracker_reports_b_{name}", SET / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records() -> list[dict[str, Any]]:
    lines = (SET / "expected_groups.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_committed_file_is_what_the_generator_writes() -> None:
    committed = (SET / "expected_groups.jsonl").read_text(encoding="utf-8")
    written = _module("generate").render()
    assert written == committed, "run sample_signals/tracker_reports_b/generate.py"


def test_the_set_is_shaped_as_its_readme_says() -> None:
    records = _records()
    groups = [str(r["group"]) for r in records]
    sizes = Counter(groups)
    duplicates = sorted(n for n in sizes.values() if n > 1)
    assert 100 <= len(records) <= 125
    assert 28 <= len(duplicates) <= 36 and duplicates[-1] >= 8 and duplicates[-2] <= 6
    assert sum(1 for n in sizes.values() if n == 1) >= 15
    assert all(not g.startswith("single-") for g, n in sizes.items() if n > 1)
    # A group's first report arrives first (the order is the file's, by `created_at`).
    events = [r["event"] for r in records]
    dates = [e["created_at"] for e in events]
    assert dates == sorted(dates)
    assert [r["id"] for r in records if str(r["id"]).endswith("-0")] == [
        f"{g}-0" for g in dict.fromkeys(groups)
    ]
    # Most reports come through one of the two issue forms, some through the old template.
    bodies = [e["body"] for e in events]
    first = sum("### Anything else?" in b for b in bodies)
    second = sum("### Installation method" in b for b in bodies)
    assert first >= 20 and second >= 20 and (first + second) / len(bodies) >= 0.6
    assert sum("## Bug report" in b for b in bodies) >= 4
    # Everyone is a different person except the few the generator names.
    logins = Counter(e["user"]["login"] for e in events)
    assert 2 <= sum(1 for n in logins.values() if n > 1) <= 3


def test_every_report_is_feedback_with_words_only() -> None:
    for record in _records():
        event = record["event"]
        signal = parse_record(event, json.dumps(event), "test")
        assert signal.kind == "feedback" and signal.route is None and signal.actor is not None


def test_words_alone_never_join_two_problems_and_propose_the_right_issue() -> None:
    metrics, bad = evaluate_file(SET / "expected_groups.jsonl")
    assert bad == [] and metrics.events == 122 and metrics.groups == 52
    assert metrics.pairwise_precision >= 0.95
    # Issue 11's targets (0.80 and 0.95) are NOT met on this set: these are the floors triage
    # reaches today, so a change that loses ground fails here. Made against code that reached
    # 0.56 and 0.83; the form's questions (a change made before the set was seen) and then the
    # template's placeholder lines (made after: see the README) left out, 0.71 and 0.90; the
    # titles compared by their letters, 0.76 and 0.93. A plain TF-IDF ranking
    # (`tracker_reports/baseline.py`) reaches 0.56 and 0.76.
    assert metrics.suggest_recall_at_1 >= 0.75
    assert metrics.suggest_recall_at_3 >= 0.92


def test_the_misses_listed_are_the_ones_the_evaluation_counts() -> None:
    # `misses.py` lists the reports not proposed their group first: its count must be the
    # complement of suggest_recall_at_1, and the ranks it gives agree with _at_3.
    metrics, _bad = evaluate_file(SET / "expected_groups.jsonl")
    asked, missed = _module("misses").misses(SET / "expected_groups.jsonl")
    assert asked == 70
    assert round((asked - len(missed)) / asked, 4) == metrics.suggest_recall_at_1
    beyond_3 = sum(1 for rank, *_rest in missed if rank is None or rank > 3)
    assert round((asked - beyond_3) / asked, 4) == metrics.suggest_recall_at_3
    assert all(len(top) <= 3 for *_head, top in missed)
