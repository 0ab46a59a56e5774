"""The report set: people's words only, duplicates beside hard negatives.

`sample_signals/reports/expected_groups.jsonl` is written by its `generate.py`. With the words
as the only signal, triage never merges on its own; it ranks the earlier report of the same
problem first.
"""

from __future__ import annotations

from pathlib import Path

from runner.triage.evaluate import evaluate_file

REPORTS = Path(__file__).parents[3] / "sample_signals" / "reports" / "expected_groups.jsonl"


def test_words_alone_propose_the_right_issue_first() -> None:
    metrics, bad = evaluate_file(REPORTS)
    assert bad == [] and metrics.events >= 50 and metrics.groups >= 20
    assert metrics.pairwise_precision >= 0.95  # auto-merges: none may join two problems
    assert metrics.suggest_recall_at_1 >= 0.80
    assert metrics.suggest_recall_at_3 >= 0.95
    # Nothing structural ties two reports: every duplicate waits for a person.
    assert metrics.proposed >= metrics.events - metrics.groups
