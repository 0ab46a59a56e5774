from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.triage.evaluate import confirmed_homes, evaluate_file, score

SAMPLES = Path(__file__).resolve().parents[3] / "sample_signals" / "expected_groups.jsonl"


def test_pairwise_and_bcubed_on_a_known_clustering() -> None:
    truth = {"a": 1, "b": 1, "c": 1, "d": 2}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    m = score(truth, predicted)
    # Predicted pairs: ab, cd; true pairs: ab, ac, bc; together: ab.
    assert (m.pairwise_precision, m.pairwise_recall) == (0.5, pytest.approx(0.3333, abs=1e-4))
    assert m.bcubed_precision == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert m.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, abs=1e-4)
    assert (m.events, m.groups, m.issues) == (4, 2, 2)


def test_raw_sentry_events_evaluate_too(tmp_path: Path) -> None:
    def event(n: int, value: str, function: str) -> dict[str, object]:
        frame = {"filename": "app/x.py", "function": function, "lineno": n, "in_app": True}
        return {
            "event_id": f"{n:032x}",
            "exception": {
                "values": [{"type": "KeyError", "value": value, "stacktrace": {"frames": [frame]}}]
            },
            "request": {"url": "https://app.example/orders/12"},
        }

    lines = [
        {"id": "1", "group": "a", "event": event(1, "'user 7'", "load")},
        {"id": "2", "group": "a", "event": event(2, "'user 9'", "load")},
        {"id": "3", "group": "b", "event": event(3, "'plan'", "price")},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json}\n")
    metrics, rejected = evaluate_file(path)
    assert (metrics.pairwise_precision, metrics.pairwise_recall) == (1.0, 1.0)
    assert metrics.rejected == 1 and "labeled.jsonl:4" in rejected[0]


def test_two_events_under_one_event_id_are_grouped_each(tmp_path: Path) -> None:
    def event(kind: str, function: str) -> dict[str, object]:
        frame = {"filename": "app/x.py", "function": function, "lineno": 3, "in_app": True}
        value = {"type": kind, "value": "boom", "stacktrace": {"frames": [frame]}}
        return {"event_id": "a" * 32, "exception": {"values": [value]}}

    # Fixtures copied from one another keep their `event_id`; each is an event to group.
    lines = [
        {"id": "1", "group": "key", "event": event("KeyError", "load")},
        {"id": "2", "group": "type", "event": event("TypeError", "price")},
        {"id": "3", "group": "type", "event": event("TypeError", "price")},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    metrics, _ = evaluate_file(path)
    assert (metrics.pairwise_precision, metrics.pairwise_recall, metrics.issues) == (1.0, 1.0, 2)


def test_an_event_id_relay_would_refuse_still_groups(tmp_path: Path) -> None:
    def event(event_id: str, value: str) -> dict[str, object]:
        frame = {"filename": "app/x.py", "function": "load", "lineno": 3, "in_app": True}
        exception = {"type": "KeyError", "value": value, "stacktrace": {"frames": [frame]}}
        return {"event_id": event_id, "exception": {"values": [exception]}}

    lines = [
        {"id": "1", "group": "a", "event": event("1", "'user 7'")},
        {"id": "2", "group": "a", "event": event("fixture-2", "'user 9'")},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    metrics, rejected = evaluate_file(path)
    assert rejected == [] and (metrics.events, metrics.pairwise_recall) == (2, 1.0)


def test_the_samples_meet_the_quality_targets() -> None:
    metrics, rejected = evaluate_file(SAMPLES)
    assert rejected == [] and metrics.events >= 60
    assert metrics.pairwise_precision >= 0.95
    assert metrics.bcubed_precision >= 0.95
    # A person's words are one signal: the seven reports that named a place in their words
    # and had no route or earlier error of their own are proposals now, not merges. Recall
    # counts them as apart (0.91 before this rule, when words counted twice); a person
    # confirms them with one key, which `suggest_recall_at_*` measures.
    assert metrics.pairwise_recall >= 0.77
    assert metrics.suggest_recall_at_1 >= 0.90
    assert metrics.suggest_recall_at_3 >= 0.95
    assert metrics.confirmations_per_signal <= 0.25
    # Issue 11's recall target (0.90) is out of automatic reach here: the three support
    # chats are words alone (no sender, no route), duplicates of groups of 5, 9 and 4, so
    # no triage that needs two signals to merge gets past 118 of the 133 true pairs.
    assert metrics.pairwise_recall <= metrics.pairwise_recall_ceiling == 0.8872
    # The target is reached with the person's keys: 12 confirmations.
    assert metrics.pairwise_recall_confirmed >= 0.90


def test_recall_once_a_person_confirms_the_right_first_candidates(tmp_path: Path) -> None:
    def mail(n: int, subject: str, body: str) -> dict[str, object]:
        return {
            "id": f"<{n}@mail.example>",
            "from": f"Person {n} <p{n}@mail.example>",
            "subject": subject,
            "body": body,
            "date": f"2026-11-23T0{n}:00:00+00:00",
        }

    lines = [
        {"id": "1", "group": "empty", "event": mail(1, "CSV export", "The CSV export is empty.")},
        {"id": "2", "group": "empty", "event": mail(2, "Export", "My CSV export comes out empty")},
        # The same words, another problem: its proposal is wrong, and a person says no.
        {"id": "3", "group": "slow", "event": mail(3, "CSV export", "CSV export is empty, slow")},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    metrics, _ = evaluate_file(path)
    # Words alone never merge: each is proposed to the first, and only 2 is confirmed.
    assert (metrics.pairwise_recall, metrics.proposed) == (0.0, 2)
    assert metrics.pairwise_recall_confirmed == 1.0


def test_the_recall_ceiling_keeps_apart_only_words_nothing_structural_can_tie(
    tmp_path: Path,
) -> None:
    def mail(n: int, body: str) -> dict[str, object]:
        return {
            "id": f"<{n}@mail.example>",
            "from": f"Person {n} <p{n}@mail.example>",
            "subject": "Export",
            "body": body,
            "date": f"2026-11-23T0{n}:00:00+00:00",
        }

    frame = {"filename": "app/export.py", "function": "rows", "lineno": 3, "in_app": True}
    error = {
        "event_id": "e" * 32,
        "timestamp": "2026-11-23T02:55:00Z",
        "user": {"email": "p3@mail.example"},
        "exception": {"values": [{"type": "StopIteration", "stacktrace": {"frames": [frame]}}]},
    }
    lines = [
        {"id": "1", "group": "empty", "event": mail(1, "The CSV export is empty.")},
        {"id": "2", "group": "empty", "event": mail(2, "My CSV export comes out empty")},
        # Person 3 hit the error minutes before writing: a second signal beside the words.
        {"id": "3", "group": "empty", "event": error},
        {"id": "4", "group": "empty", "event": mail(3, "Export gave me an empty CSV file")},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    metrics, _ = evaluate_file(path)
    # Mails 1 and 2 can never merge on their own; of the 6 true pairs only (3, 4) can.
    assert metrics.pairwise_recall_ceiling == round(1 / 6, 4)
    assert metrics.pairwise_recall <= metrics.pairwise_recall_ceiling


def test_a_person_confirms_only_a_candidate_holding_the_signals_problem() -> None:
    truth = {"a": "x", "b": "x", "c": "y", "d": "x", "e": "z"}
    homes = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    # b's candidate holds a, c's does not hold a y; d's candidate 2 was joined into 1; e's
    # is its own issue.
    offers = [("b", [1, 3]), ("c", [1]), ("d", [2]), ("e", [5]), ("unlabeled", [1])]
    assert confirmed_homes(offers, truth, homes) == {"a": 1, "b": 1, "c": 3, "d": 1, "e": 5}


GROUPING_SET = SAMPLES.parent / "grouping" / "expected_groups.jsonl"


def test_the_grouping_set_meets_issue_11_s_targets() -> None:
    """SDK events of Python, Node, browser JavaScript, Java, .NET, native and Cocoa, labeled
    as Sentry groups them: pairwise precision >= 0.98 and recall >= 0.95."""
    metrics, rejected = evaluate_file(GROUPING_SET)
    assert rejected == [] and metrics.events >= 120 and metrics.groups >= 55
    assert metrics.pairwise_precision >= 0.98
    assert metrics.pairwise_recall >= 0.95
