"""A plain TF-IDF ranking on a labeled file, to compare triage's suggestions with.

    .venv/bin/python sample_signals/tracker_reports/baseline.py [FILE]

FILE defaults to this set's `expected_groups.jsonl`; any labeled file of reports, as e-mails
(`subject`, `body`) or as a tracker gives issues (`title`, `body`), e.g.
`sample_signals/tracker_reports_b/expected_groups.jsonl`.

Each report (title + body) is ranked, in arrival order, against the reports before it, by the
cosine of TF-IDF vectors (raw counts, smoothed idf over the whole file, l2-normalised; words
are runs of letters and digits, lower-cased, no stop list, no stemming). As in
`runner/triage/evaluate.py`'s `suggest_recall_at_1/_at_3`, only reports whose group already
had an earlier member are asked, and a hit at k means one of the first k candidates holds an
earlier member of the group. Two kinds of candidates are scored:

- `per_report`: every earlier report is its own issue, which is what triage's figure
  measures on a set where nothing merges (words alone never merge);
- `per_group`: earlier reports already joined by their true group (a person confirmed every
  earlier suggestion), a group scored by its best-matching member.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

DEFAULT = Path(__file__).resolve().parent / "expected_groups.jsonl"
_WORD = re.compile(r"[^\W_]+")


def load(path: Path) -> tuple[list[str], list[str]]:
    """(text, group) per line, in the file's order; text is the title and the body."""
    texts: list[str] = []
    groups: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            event = record["event"]
            title = event.get("subject") or event.get("title") or ""  # an e-mail's or a tracker's
            texts.append(f"{title}\n\n{event.get('body') or ''}")
            groups.append(str(record["group"]))
    return texts, groups


def tfidf(texts: list[str]) -> np.ndarray:
    """One l2-normalised TF-IDF row per text."""
    docs = [Counter(_WORD.findall(t.lower())) for t in texts]
    vocab = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    counts = np.zeros((len(docs), len(vocab)))
    for row, doc in enumerate(docs):
        for word, n in doc.items():
            counts[row, vocab[word]] = n
    df = (counts > 0).sum(axis=0)
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    weights = counts * idf
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1.0, norms)


def recall_at(groups: list[str], sims: np.ndarray, per_group: bool) -> tuple[float, float]:
    """suggest recall at 1 and at 3 over the reports whose group was seen before."""
    hits = [0, 0]
    asked = 0
    for i, group in enumerate(groups):
        if group not in groups[:i]:
            continue
        asked += 1
        earlier = sorted(range(i), key=lambda j: (-sims[i, j], j))
        ranked = [groups[j] for j in earlier]
        if per_group:
            ranked = list(dict.fromkeys(ranked))  # a group ranks at its best member
        hits[0] += group in ranked[:1]
        hits[1] += group in ranked[:3]
    return (hits[0] / asked, hits[1] / asked) if asked else (1.0, 1.0)


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT
    texts, groups = load(path)
    vectors = tfidf(texts)
    sims = vectors @ vectors.T
    result = {}
    for name, per_group in (("per_report", False), ("per_group", True)):
        at_1, at_3 = recall_at(groups, sims, per_group)
        result[name] = {
            "suggest_recall_at_1": round(at_1, 4),
            "suggest_recall_at_3": round(at_3, 4),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
