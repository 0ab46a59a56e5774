"""Which reports of a labeled file triage's suggestions miss, and what outranked the right issue.

    .venv/bin/python sample_signals/tracker_reports_b/misses.py [FILE]

FILE defaults to this set's `expected_groups.jsonl`. The file is triaged in a temporary store
as `overnight triage --evaluate` does; then, for each report whose group already had an
earlier member (the reports `suggest_recall_at_1/_at_3` ask about), the rank of the first
proposed candidate that holds an earlier member of its group. Every report not at rank 1 is
printed with the first three candidates (or the issue it was joined to), each named by the
first report placed in it, and their scores. A diagnostic to read, not a figure: the figures
are `--evaluate`'s.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from runner.ingest import store_parsed
from runner.triage.engine import triage_pending
from runner.triage.evaluate import read_labeled
from store import open_db

DEFAULT = Path(__file__).resolve().parent / "expected_groups.jsonl"


def misses(path: Path) -> tuple[int, list[tuple[int | None, str, str, list[tuple[str, float]]]]]:
    """(reports asked, [(rank or None, report id, title, first three candidates), ...])."""
    labeled, _bad = read_labeled(path)
    truth = {signal.id: (label, group, signal.title) for label, group, signal in labeled}
    with tempfile.TemporaryDirectory(prefix="overnight-misses-") as tmp:
        db = open_db(Path(tmp) / "misses.db")
        try:
            store_parsed(db, [signal for _l, _g, signal in labeled])
            triage_pending(db, None)
            rows = db.execute(
                "SELECT signal_id, issue_id, state, candidates FROM links "
                "WHERE state IN ('linked', 'proposed') ORDER BY id"
            ).fetchall()
        finally:
            db.close()
    offered: dict[str, list[tuple[int, float]]] = {}
    for signal_id, issue_id, state, candidates in rows:
        if state == "proposed":
            ranked = [(int(c[0]), float(c[1])) for c in json.loads(candidates or "[]")]
            offered.setdefault(signal_id, []).extend(ranked or [(int(issue_id), 0.0)])
    members: dict[int, set[str]] = {}  # issue → the groups of the reports placed in it so far
    named: dict[int, str] = {}  # issue → the first report placed in it
    asked = 0
    out: list[tuple[int | None, str, str, list[tuple[str, float]]]] = []
    for signal_id, issue_id, state, _c in rows:
        if state != "linked" or signal_id not in truth:
            continue
        label, group, title = truth[signal_id]
        if any(group in groups for groups in members.values()):
            asked += 1
            # A report joined to an issue (merged) is judged by that issue, as --evaluate does.
            ranked = [(issue_id, 1.0)] if issue_id in members else offered.get(signal_id, [])
            hits = [n for n, (i, _s) in enumerate(ranked, 1) if group in members.get(i, ())]
            if not hits or hits[0] != 1:
                top = [(named.get(i, "?"), round(score, 3)) for i, score in ranked[:3]]
                out.append((hits[0] if hits else None, label, title, top))
        members.setdefault(issue_id, set()).add(group)
        named.setdefault(issue_id, label)
    return asked, out


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT
    asked, missed = misses(path)
    print(f"{asked} reports asked, {len(missed)} not at rank 1")
    for rank, label, title, top in sorted(missed, key=lambda m: (m[0] or 99, m[1])):
        print(f"rank {rank or '>3'}  {label}: {title!r}")
        for name, score in top:
            print(f"    {score:6.3f}  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
