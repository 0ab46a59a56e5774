"""Crash safety: counts and `triaged_at` are written in one transaction per batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

import store.issues
from runner.triage import engine
from runner.triage.engine import triage_pending
from store import open_db
from store.issues import list_issues

from .conftest import crash


def untriaged(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM signals WHERE triaged_at IS NULL").fetchone()[0])


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
    real = store.issues.commit_triage_batch

    def dying(db: sqlite_utils.Database, **rows: object) -> None:
        with db.conn:
            db.conn.executemany(
                "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, "
                "structure_score, text_score, rule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'x')",
                rows["links"],  # type: ignore[arg-type]
            )
            raise RuntimeError("power cut")

    monkeypatch.setattr(engine, "commit_triage_batch", dying)
    with pytest.raises(RuntimeError):
        triage_pending(fresh_db, batch_size=2)
    monkeypatch.setattr(engine, "commit_triage_batch", real)
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
