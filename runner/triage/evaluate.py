"""Measuring de-duplication against labels: pairwise and B-cubed precision and recall.

A labeled file is JSON Lines, `{"id": ..., "group": ..., "event": {...}}` a line, where the
event is anything `parse_record` accepts (an Overnight envelope, a raw Sentry event, a user
report, a feedback record); each line is an event of its own, even one under an id an earlier
line used or one Relay would refuse (grouping never reads it). It is ingested and triaged into
a temporary store; each event's predicted cluster is the issue it is counted in, so a "needs
confirmation" link counts as not merged. What the person's keys make of it is measured
beside: how often the issue they need is among the candidates (`suggest_recall_at_*`), how
many keys (`confirmations_per_signal`), and the recall once they confirmed each right first
candidate (`pairwise_recall_confirmed`).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import BaseModel

from runner.errors import UserError
from runner.ingest import store_parsed
from runner.sources import sentry_schema as schema
from runner.sources.records import BadRecord, parse_record
from runner.triage.across import elsewhere, words_only
from runner.triage.decide import Thresholds
from runner.triage.engine import triage_pending
from runner.triage.features import features
from store import open_db
from store.issues import home_issue_ids
from store.signal import Signal, content_id

SOURCE = "evaluate"


class Metrics(BaseModel):
    """De-duplication quality; the key names are what `--evaluate` prints."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    events: int
    groups: int
    issues: int
    proposed: int = 0
    rejected: int = 0
    suggest_recall_at_1: float = 1.0
    """Over signals whose true group had an earlier member: the share whose issue (the one
    joined, else the first proposed candidate) holds an earlier member of the group."""
    suggest_recall_at_3: float = 1.0
    """The same, with the issue joined or any of the first three candidates."""
    confirmations_per_signal: float = 0.0
    """Proposed links a person would have to decide, per signal."""
    pairwise_recall_confirmed: float = 0.0
    """Pairwise recall once a person has confirmed each proposed link whose first candidate
    is right (one key each, `confirmations_per_signal` of them at most): what the morning's
    confirmations make of triage's automatic recall."""
    pairwise_recall_ceiling: float = 1.0
    """The most pairwise recall any triage that merges only where two independent signals
    agree can reach on the set: each signal of words alone (`across.words_only`) stays
    apart, every other pair of a group counts as merged. An upper bound, not a forecast."""


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Metrics:
    """Compare two clusterings of the same items (item → cluster label)."""
    items = list(truth)
    joint = Counter((truth[i], predicted[i]) for i in items)
    true_sizes = Counter(truth[i] for i in items)
    pred_sizes = Counter(predicted[i] for i in items)
    together = sum(_pairs(n) for n in joint.values())
    pred_pairs = sum(_pairs(n) for n in pred_sizes.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    precision = together / pred_pairs if pred_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(items) or 1
    b_precision = sum(joint[(truth[i], predicted[i])] / pred_sizes[predicted[i]] for i in items)
    b_recall = sum(joint[(truth[i], predicted[i])] / true_sizes[truth[i]] for i in items)
    return Metrics(
        pairwise_precision=round(precision, 4),
        pairwise_recall=round(recall, 4),
        pairwise_f1=round(f1, 4),
        bcubed_precision=round(b_precision / n, 4),
        bcubed_recall=round(b_recall / n, 4),
        events=len(items),
        groups=len(true_sizes),
        issues=len(pred_sizes),
    )


def recall_ceiling(truth: Mapping[str, str], alone: set[str]) -> float:
    """`pairwise_recall_ceiling` of items labeled with their groups (`truth`), of which those
    in `alone` can never be merged automatically."""
    sizes = Counter(truth.values())
    apart = Counter(truth[item] for item in alone)
    true_pairs = sum(_pairs(n) for n in sizes.values())
    reachable = sum(_pairs(n - apart[group]) for group, n in sizes.items())
    return round(reachable / true_pairs, 4) if true_pairs else 1.0


def suggestions(
    db: sqlite_utils.Database, truth: Mapping[str, str], offers: list[tuple[str, list[int]]]
) -> tuple[float, float, float]:
    """suggest_recall_at_1, suggest_recall_at_3 and confirmations_per_signal, from the links
    triage wrote (`truth`: signal id → group; `offers`: `proposals(db)`), in the order triage
    decided."""
    rows = db.execute(
        "SELECT signal_id, issue_id FROM links WHERE state = 'linked' ORDER BY id"
    ).fetchall()
    offered: dict[str, list[int]] = {}
    for signal_id, ranked in offers:
        offered.setdefault(signal_id, []).extend(ranked)
    members: dict[int, set[str]] = {}  # issue → groups of the signals placed in it so far
    seen_groups: set[str] = set()
    hits = [0, 0]
    asked = 0
    for signal_id, issue_id in rows:
        if signal_id not in truth:
            continue
        group = truth[signal_id]
        if group in seen_groups:
            asked += 1
            joined = issue_id in members
            first = [issue_id] if joined else offered.get(signal_id, [])
            hits[0] += any(group in members.get(i, ()) for i in first[:1])
            hits[1] += any(group in members.get(i, ()) for i in first[:3])
        seen_groups.add(group)
        members.setdefault(issue_id, set()).add(group)
    at_1 = hits[0] / asked if asked else 1.0
    at_3 = hits[1] / asked if asked else 1.0
    per_signal = len(offers) / len(truth) if truth else 0.0
    return round(at_1, 4), round(at_3, 4), round(per_signal, 4)


def proposals(db: sqlite_utils.Database) -> list[tuple[str, list[int]]]:
    """(signal, the issues proposed for it, best first) per proposed link, in the order
    triage proposed them."""
    rows = db.execute(
        "SELECT signal_id, issue_id, candidates FROM links WHERE state = 'proposed' ORDER BY id"
    ).fetchall()
    return [
        (signal_id, [int(c[0]) for c in json.loads(candidates or "[]")] or [int(issue_id)])
        for signal_id, issue_id, candidates in rows
    ]


def confirmed_homes(
    offers: list[tuple[str, list[int]]], truth: Mapping[str, str], homes: Mapping[str, int]
) -> dict[str, int]:
    """Each signal's issue once a person has confirmed, in order, every proposal (signal,
    candidates) whose first candidate holds a member of the signal's true group (`truth`,
    `homes`: signal → group, → the issue triage placed it in)."""
    groups: dict[int, set[str]] = {}  # issue → the true groups of the signals it holds
    for signal_id, issue_id in homes.items():
        groups.setdefault(issue_id, set()).add(truth[signal_id])
    joined: dict[int, int] = {}  # issue → the issue it was confirmed into

    def final(issue_id: int) -> int:
        while issue_id in joined:
            issue_id = joined[issue_id]
        return issue_id

    for signal_id, ranked in offers:
        if signal_id not in truth:
            continue
        own, target = final(homes[signal_id]), final(ranked[0])
        if own != target and truth[signal_id] in groups.get(target, ()):
            joined[own] = target
            groups.setdefault(target, set()).update(groups.pop(own, ()))
    return {signal_id: final(issue_id) for signal_id, issue_id in homes.items()}


def _labeled_signal(event: Any, raw: str) -> Signal:
    """The signal of a labeled event. An `event_id` that is no UUID, which Relay refuses,
    says nothing of how the event groups: the event is grouped under an id of its content,
    as one without an `event_id` is."""
    try:
        return parse_record(event, raw, SOURCE)
    except BadRecord:
        if not (isinstance(event, dict) and _refused_id(event.get("event_id"))):
            raise
    return parse_record({k: v for k, v in event.items() if k != "event_id"}, raw, SOURCE)


def _refused_id(value: Any) -> bool:
    try:
        schema.event_id(value)
    except BadRecord:
        return True
    return False


def read_labeled(path: Path) -> tuple[list[tuple[str, str, Signal]], list[str]]:
    """(label id, group, signal) per good line, and a reason per line that is not."""
    good: list[tuple[str, str, Signal]] = []
    bad: list[str] = []
    raws: dict[str, str] = {}  # signal id → the event it was read from
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "group" not in record or "event" not in record:
                raise BadRecord("expected an object with 'id', 'group' and 'event'")
            event = record["event"]
            raw = json.dumps(event, sort_keys=True)
            signal = _labeled_signal(event, raw)
        except (json.JSONDecodeError, BadRecord) as exc:
            bad.append(f"{path}:{number}: {exc}")
            continue
        if raws.setdefault(signal.id, raw) != raw:
            # Another event under an id already used (test fixtures copy their `event_id`):
            # each line is an event to group, where a live ingest keeps the first.
            signal = signal.model_copy(update={"id": content_id(signal.id, str(number))})
        good.append((str(record.get("id", number)), str(record["group"]), signal))
    return good, bad


def evaluate_file(path: Path, thresholds: Thresholds | None = None) -> tuple[Metrics, list[str]]:
    """Ingest and triage a labeled file in a temporary store; the metrics and any rejections."""
    labeled, bad = read_labeled(path)
    if not labeled:
        raise UserError(f"{path}: no labeled events to evaluate")
    with tempfile.TemporaryDirectory(prefix="overnight-evaluate-") as tmp:
        db = open_db(Path(tmp) / "evaluate.db")
        try:
            store_parsed(db, [signal for _id, _group, signal in labeled])
            report = triage_pending(db, thresholds)
            homes = home_issue_ids(db, {signal.id for _i, _g, signal in labeled})
            by_signal = {signal.id: group for _i, group, signal in labeled}
            offers = proposals(db)
            at_1, at_3, per_signal = suggestions(db, by_signal, offers)
            confirmed = confirmed_homes(offers, by_signal, homes)
        finally:
            db.close()
    truth = {label_id: group for label_id, group, _s in labeled}
    described = [(label_id, features(signal)) for label_id, _g, signal in labeled]
    others = elsewhere(f for _id, f in described)
    alone = {label_id for label_id, f in described if words_only(f, others)}
    predicted = {label_id: homes[signal.id] for label_id, _g, signal in labeled}
    metrics = score(truth, predicted)
    after = score(truth, {label_id: confirmed[signal.id] for label_id, _g, signal in labeled})
    extra = {
        "proposed": report.proposed,
        "rejected": len(bad),
        "suggest_recall_at_1": at_1,
        "suggest_recall_at_3": at_3,
        "confirmations_per_signal": per_signal,
        "pairwise_recall_confirmed": after.pairwise_recall,
        "pairwise_recall_ceiling": recall_ceiling(truth, alone),
    }
    return metrics.model_copy(update=extra), bad
