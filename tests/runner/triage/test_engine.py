"""Crash safety: counts and triage's progress mark are written in one transaction per batch."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

import store.triage_batches
from runner.triage import engine
from runner.triage.decide import Decision, Thresholds
from runner.triage.engine import Triage, triage_pending
from runner.triage.index import load_index
from store import open_db
from store.issues import list_issues
from store.signals import count_untriaged
from store.triage_batches import (
    IssueUpdate,
    NewLink,
    TriageBatch,
    TriageMoved,
    write_triage_batch,
)

from .conftest import crash, feedback, make_signal


def untriaged(db: sqlite_utils.Database) -> int:
    return count_untriaged(db)


def test_a_crash_mid_batch_never_counts_a_signal_twice(
    db_path: Path,
    fresh_db: sqlite_utils.Database,
    store_signals: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_signals(*[crash(user=f"u{n}", line=n) for n in range(5)])
    triage_pending(fresh_db, batch_size=2)  # two batches of two, one of one
    store_signals(*[crash(user=f"v{n}", line=n) for n in range(4)])

    # The second run dies while writing its first batch, after the links went in.
    real = store.triage_batches.write_triage_batch

    def dying(db: sqlite_utils.Database, batch: TriageBatch) -> None:
        db.conn.executemany(
            "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, "
            "structure_score, text_score, rule, candidates, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x')",
            batch.links,
        )
        raise RuntimeError("power cut")

    monkeypatch.setattr(engine, "write_triage_batch", dying)
    with pytest.raises(RuntimeError):
        triage_pending(fresh_db, batch_size=2)
    monkeypatch.setattr(engine, "write_triage_batch", real)
    fresh_db.close()

    db = open_db(db_path)  # a new process, as after the crash
    (issue,) = list_issues(db)
    assert issue.signal_count == 5 and untriaged(db) == 4
    triage_pending(db, batch_size=2)
    (issue,) = list_issues(db)
    assert (issue.signal_count, issue.users_affected, untriaged(db)) == (9, 9, 0)
    links = db.execute("SELECT COUNT(*) FROM links WHERE state = 'linked'").fetchone()[0]
    assert links == 9
    db.close()


def test_running_again_finds_nothing_to_do(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    store_signals(crash())
    assert triage_pending(fresh_db).signals == 1
    assert triage_pending(fresh_db).signals == 0


def test_a_batch_from_a_stale_progress_mark_is_refused(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    signal = crash()
    store_signals(signal)
    triage_pending(fresh_db)  # a first run took the signal: progress is past it

    # A second run that read the same signal before the first committed tries to write it.
    link = NewLink(signal.id, 1, "linked", 1.0, 1.0, 1.0, "all three agree")
    with pytest.raises(TriageMoved), fresh_db.conn:
        write_triage_batch(
            fresh_db,
            TriageBatch(
                new_issues=[],
                updates=[IssueUpdate(1, 2, 1, "2026-11-24T03:00:00+00:00", None)],
                links=[link],
                fingerprints=[],
                actors=[],
                after=0,
                through=1,
                now="2026-11-24T03:00:00+00:00",
            ),
        )
    (issue,) = list_issues(fresh_db)
    assert issue.signal_count == 1
    assert fresh_db.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 1


def test_what_a_run_keeps_in_memory_is_what_the_next_run_reads_back(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    regression = make_signal(
        kind="regression",
        test_id="tests/test_export.py::test_csv",
        error={"type": "AssertionError", "message": "expected 3 rows"},
        environment="ci",
    )
    store_signals(
        crash(user="u1"),
        crash(user="u2", line=41, route="/dashboard?team=2"),
        feedback("the export button does nothing", route="/export", user="f1"),
        regression,
    )
    run = Triage(fresh_db, Thresholds())
    assert run.run_batch() == 4
    kept = ("structure", "texts", "signal_count", "users_affected", "last_seen", "routes_seen")
    kept += ("kinds", "sources", "labels", "test_id")
    read_back = load_index(fresh_db).profiles
    assert len(read_back) == 3
    for issue_id, profile in run.index.profiles.items():
        for name in kept:
            assert getattr(profile, name) == getattr(read_back[issue_id], name), name


def test_a_kill_between_batches_loses_only_what_was_not_committed(
    db_path: Path,
    fresh_db: sqlite_utils.Database,
    store_signals: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_signals(*[crash(user=f"u{n}", line=n) for n in range(9)])
    monkeypatch.setattr(engine, "COMMIT_SIGNALS", 4)  # batches of two, committed in pairs
    fresh_db.close()

    def killed_after_three_batches() -> None:
        db = open_db(db_path)

        def on_batch(report: engine.TriageReport) -> None:
            if report.signals == 6:  # the third batch is written, not yet committed
                os._exit(9)  # no commit, no cleanup: as a kill

        triage_pending(db, batch_size=2, on_batch=on_batch)

    child = multiprocessing.get_context("fork").Process(target=killed_after_three_batches)
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 9

    db = open_db(db_path)
    (issue,) = list_issues(db)
    assert (issue.signal_count, untriaged(db)) == (4, 5)
    triage_pending(db, batch_size=2)  # the dead run's lease is not in the way
    (issue,) = list_issues(db)
    assert (issue.signal_count, issue.users_affected, untriaged(db)) == (9, 9, 0)
    assert db.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 9
    db.close()


def test_a_failed_write_rolls_back_the_batches_since_the_last_commit(
    db_path: Path,
    fresh_db: sqlite_utils.Database,
    store_signals: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_signals(*[crash(user=f"u{n}", line=n) for n in range(9)])
    monkeypatch.setattr(engine, "COMMIT_SIGNALS", 4)
    real = engine.write_triage_batch
    written: list[int] = []

    def failing_fourth(db: sqlite_utils.Database, batch: TriageBatch) -> None:
        if len(written) == 3:
            raise RuntimeError("disk full")
        real(db, batch)
        written.append(1)

    monkeypatch.setattr(engine, "write_triage_batch", failing_fourth)
    with pytest.raises(RuntimeError, match="disk full"):
        triage_pending(fresh_db, batch_size=2)
    monkeypatch.setattr(engine, "write_triage_batch", real)
    fresh_db.close()

    # The first two batches were committed; the third, written but not committed, went with
    # the failed fourth: it is triaged again, not lost and not counted twice.
    db = open_db(db_path)
    (issue,) = list_issues(db)
    assert (issue.signal_count, untriaged(db)) == (4, 5)
    triage_pending(db, batch_size=2)
    (issue,) = list_issues(db)
    assert (issue.signal_count, issue.users_affected, untriaged(db)) == (9, 9, 0)
    db.close()


def test_a_failure_to_decide_keeps_the_whole_batches_written_before_it(
    db_path: Path,
    fresh_db: sqlite_utils.Database,
    store_signals: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_signals(*[crash(user=f"u{n}", line=n) for n in range(9)])
    real = engine.decide
    calls: list[int] = []

    def failing_seventh(*args: Any) -> Decision:
        calls.append(1)
        if len(calls) == 7:
            raise RuntimeError("a bug in deciding")
        return real(*args)

    monkeypatch.setattr(engine, "decide", failing_seventh)
    with pytest.raises(RuntimeError, match="a bug"):
        triage_pending(fresh_db, batch_size=2)
    monkeypatch.setattr(engine, "decide", real)
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the collector is handed back
    fresh_db.close()

    db = open_db(db_path)  # what the failed run committed: its three whole batches
    (issue,) = list_issues(db)
    assert (issue.signal_count, untriaged(db)) == (6, 3)
    triage_pending(db, batch_size=2)
    (issue,) = list_issues(db)
    assert (issue.signal_count, untriaged(db)) == (9, 0)
    db.close()
