"""Blocking keeps the candidates per signal bounded however many issues exist."""

from __future__ import annotations

from datetime import UTC, datetime

from runner.triage.decide import new_issue
from runner.triage.features import features
from runner.triage.index import (
    LOCATION_BUCKET,
    TOKEN_BUCKET,
    TOKENS_PER_SIGNAL,
    TYPE_FRAME_BUCKET,
    Index,
    profile_of,
)

from .conftest import crash, feedback


def test_candidates_stay_bounded_as_issues_grow() -> None:
    index = Index()
    now = datetime.now(UTC)
    for n in range(2_000):
        f = features(crash(f"fault {n}", function=f"f{n % 50}", route=f"/r{n % 3}"))
        index.add(profile_of(new_issue(f, n + 1, now)))
    probe = features(crash("fault", function="f7", route="/r1"))
    bound = TYPE_FRAME_BUCKET + TOKEN_BUCKET * TOKENS_PER_SIGNAL
    assert len(index.candidates(probe.fingerprint, probe.structure, probe.text)) <= bound
    words = features(feedback("the report is wrong", route="/r1"))
    bound = LOCATION_BUCKET + TOKEN_BUCKET * TOKENS_PER_SIGNAL
    assert len(index.candidates(words.fingerprint, words.structure, words.text)) <= bound
