"""Batches prepared by workers and written by the writer process decide as in one process."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from runner.ingest import store_parsed
from runner.triage import parallel, writer
from runner.triage.engine import triage_pending
from runner.triage.features import features
from runner.triage.parallel import from_wire, to_wire
from store import open_db
from store.issues import list_issues
from store.signal import Signal
from store.signals import count_untriaged
from store.triage_batches import TriageBatch

from .conftest import crash, feedback, make_signal


def night() -> list[Signal]:
    """Errors, regressions and feedback over a few problems, repeated with varying details."""
    signals: list[Signal] = []
    for n in range(6):
        signals += [
            crash(
                f"division by zero in row {n}",
                user=f"u{n}",
                line=40 + n,
                # Workers read envelopes without breadcrumbs; new issues take them as repro.
                actions=[{"message": f"GET /dashboard?row={n}", "category": "navigation"}],
                tags={"team": f"t{n}"},
            ),
            crash("'team' missing", type_="KeyError", file="app/teams.py", user=f"t{n}"),
            feedback(f"the dashboard crashed when I clicked refresh ({n})", user=f"f{n}"),
            make_signal(
                kind="regression",
                test_id="tests/test_export.py::test_csv",
                error={"type": "AssertionError", "message": f"expected {n} rows"},
            ),
        ]
    return signals


def decisions(db: sqlite_utils.Database) -> tuple[list[tuple[object, ...]], list[object]]:
    links = db.execute(
        "SELECT signal_id, issue_id, state, fingerprint_score, structure_score, text_score, "
        "rule FROM links ORDER BY id"
    ).fetchall()
    issues = [i.model_dump(exclude={"created_at", "updated_at"}) for i in list_issues(db)]
    return links, issues


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any store is large enough for workers (and so for the writer's process)."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_SIGNALS", 1)


@pytest.mark.usefixtures("in_workers")
def test_workers_decide_exactly_as_one_process(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None], tmp_path: Path
) -> None:
    signals = night()
    store_signals(*signals)
    alone = open_db(tmp_path / "alone.db")
    store_parsed(alone, signals)

    report = triage_pending(fresh_db, batch_size=5, workers=2)
    assert triage_pending(alone, batch_size=5, workers=0).signals == report.signals == 24
    assert decisions(fresh_db) == decisions(alone)
    assert count_untriaged(fresh_db) == count_untriaged(alone) == 0
    alone.close()


@pytest.mark.usefixtures("in_workers")
def test_a_failed_write_in_the_writer_process_counts_nothing_twice(
    db_path: Path,
    fresh_db: sqlite_utils.Database,
    store_signals: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_signals(*[crash(user=f"u{n}", line=n) for n in range(9)])
    monkeypatch.setattr(writer, "COMMIT_SIGNALS", 4)  # batches of two, committed in pairs
    real = writer.write_triage_batch
    written: list[int] = []

    # In the writer's process, which is forked with this in place.
    def failing_fourth(db: sqlite_utils.Database, batch: TriageBatch) -> None:
        if len(written) == 3:
            raise RuntimeError("disk full")
        real(db, batch)
        written.append(1)

    monkeypatch.setattr(writer, "write_triage_batch", failing_fourth)
    with pytest.raises(RuntimeError, match="disk full"):
        triage_pending(fresh_db, batch_size=2, workers=1)
    monkeypatch.setattr(writer, "write_triage_batch", real)
    fresh_db.close()

    # The first two batches were committed; the third, written but not committed, went with
    # the failed fourth: it is triaged again, not lost and not counted twice.
    db = open_db(db_path)
    (issue,) = list_issues(db)
    assert (issue.signal_count, count_untriaged(db)) == (4, 5)
    triage_pending(db, batch_size=2, workers=1)
    (issue,) = list_issues(db)
    assert (issue.signal_count, issue.users_affected, count_untriaged(db)) == (9, 9, 0)
    db.close()


def test_what_crosses_from_a_worker_is_the_features_and_the_signal_is_read_on_demand(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    event = {"associated_event_id": "4f2c"}
    signal = make_signal(kind="feedback", text="it broke", contexts={"feedback": event, "os": {}})
    store_signals(signal)

    back = from_wire(pickle.loads(pickle.dumps(to_wire(features(signal)))), fresh_db)

    assert back.signal == signal
    assert back == features(signal)
