"""The grouping set: events real SDKs sent for real code, grouped as Sentry groups them.

`sample_signals/grouping/expected_groups.jsonl` is written by its `generate.py` (Python
`sentry-sdk` and `@sentry/node` against a loopback capture server); `labels.json` names each
code path's group by Sentry's rules. Triage must keep to those groups.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from runner.sources.records import parse_record
from runner.triage.evaluate import evaluate_file
from runner.triage.grouping import group

SET = Path(__file__).parents[3] / "sample_signals" / "grouping"


def test_triage_groups_the_sdk_events_as_sentry_does() -> None:
    metrics, bad = evaluate_file(SET / "expected_groups.jsonl")
    assert bad == []
    assert metrics.events >= 60 and metrics.groups >= 30
    assert metrics.pairwise_precision >= 0.98
    assert metrics.pairwise_recall >= 0.95


def test_each_label_is_one_grouping_hash_and_each_hash_one_label() -> None:
    hashes: dict[str, set[str | None]] = defaultdict(set)
    labels: dict[str | None, set[str]] = defaultdict(set)
    variants = set()
    for line in (SET / "expected_groups.jsonl").read_text().splitlines():
        row = json.loads(line)
        g = group(parse_record(row["event"], json.dumps(row["event"]), "test"))
        hashes[row["group"]].add(g.hash)
        labels[g.hash].add(row["group"])
        variants.add(g.variant)
    assert all(len(h) == 1 for h in hashes.values())
    assert all(len(g) == 1 for g in labels.values())
    # The set exercises every variant a Sentry SDK's event can win with.
    assert {"app", "system", "custom", "hybrid", "built-in", "message"} <= variants


def test_the_set_holds_every_platform_and_says_what_made_each_event() -> None:
    rows = [json.loads(line) for line in (SET / "expected_groups.jsonl").read_text().splitlines()]
    platforms = {row["event"]["platform"] for row in rows}
    assert {"python", "node", "javascript", "java", "csharp", "native", "cocoa"} <= platforms
    sources = {row["source"] for row in rows}
    assert {"sentry.python", "sentry.javascript.node", "sentry.javascript.browser"} <= sources
    assert {"jvm, in sentry-java's shape", "hand-written"} <= sources


def test_the_labels_cover_every_case_the_generator_runs() -> None:
    cases = json.loads((SET / "labels.json").read_text())["cases"]
    rows = [json.loads(line) for line in (SET / "expected_groups.jsonl").read_text().splitlines()]
    seen = {row["event"]["tags"]["case"] for row in rows}
    assert seen == set(cases)
    assert all(cases[row["event"]["tags"]["case"]] == row["group"] for row in rows)


def test_the_cached_stack_hash_is_the_tree_hash_on_every_labeled_set() -> None:
    from runner.triage.grouping.variants import fast_hash

    root = SET.parent
    for name in ("grouping/expected_groups.jsonl", "expected_groups.jsonl"):
        for line in (root / name).read_text().splitlines():
            row = json.loads(line)
            signal = parse_record(row["event"], json.dumps(row["event"]), "test")
            tree = group(signal)
            # Twice: the first computes and caches, the second reads the cache.
            assert fast_hash(signal) == fast_hash(signal) == (tree.hash, tree.basis, tree.system)
