"""Features computed at ingest, read back by triage; missing or stale rows computed by triage."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

import runner.ingest
from runner.ingest import store_parsed
from runner.triage.engine import triage_pending
from runner.triage.features import (
    COMPUTED_BY,
    FEATURES_VERSION,
    FORMAT,
    Features,
    decode,
    encode,
    features,
    signal_text,
)
from runner.triage.fingerprint import fingerprint
from runner.triage.structure import structure
from store import open_db
from store.issues import list_issues
from store.signal import Signal
from store.signals import count_untriaged, insert_signals

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
            make_signal(
                kind="feedback",
                text=f"invoice INV-100{n} shows the wrong total",
                actor={"id": f"p{n}", "email": f"P{n}@Example.com"},
                contexts={"feedback": {"associated_event_id": f"4F2C-{n}"}},
            ),
        ]
    return signals


def stored_rows(db: sqlite_utils.Database) -> dict[str, tuple[str, str]]:
    rows = db.execute("SELECT signal_id, version, data FROM signal_features").fetchall()
    return {signal_id: (version, data) for signal_id, version, data in rows}


def decisions(db: sqlite_utils.Database) -> tuple[list[tuple[object, ...]], list[object]]:
    links = db.execute(
        "SELECT signal_id, issue_id, state, fingerprint_score, structure_score, text_score, "
        "rule, candidates FROM links ORDER BY id"
    ).fetchall()
    issues = [i.model_dump(exclude={"created_at", "updated_at"}) for i in list_issues(db)]
    return links, issues


def envelope_features(db: sqlite_utils.Database, signal_id: str) -> Features:
    """The features of a signal as its stored envelope gives them, without the signal."""
    (envelope,) = db.execute("SELECT envelope FROM signals WHERE id = ?", [signal_id]).fetchone()
    return features(Signal.model_validate_json(envelope))._replace(lazy=None)


def test_ingest_stores_the_features_triage_would_compute_from_the_envelope(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    signals = night()
    store_signals(*signals)

    rows = stored_rows(fresh_db)
    assert set(rows) == {s.id for s in signals}
    for signal_id, (version, data) in rows.items():
        assert version == FEATURES_VERSION
        assert decode(signal_id, data) == envelope_features(fresh_db, signal_id)
    feedback_row = decode(signals[4].id, rows[signals[4].id][1])
    assert feedback_row.event == "4f2c0"  # the fields a feedback carries, not just defaults
    assert feedback_row.actor_keys == {"id:p0", "email:p0@example.com"}
    assert "inv-1000" in feedback_row.record_ids


def test_each_feature_is_what_its_name_says() -> None:
    signal = make_signal(
        kind="feedback",
        occurred_at="2026-11-23T04:05:06+02:00",
        route="/invoices/INV-1002",
        environment="staging",
        level="warning",
        text="the invoice INV-1002 page is broken, refresh spins",
        intent="pay the invoice",
        actor={"id": "p7", "email": "Pat@Example.com"},
        contexts={"feedback": {"associated_event_id": "AB-12"}},
    )
    f = features(signal)
    assert (f.lazy, f.id, f.kind, f.source) == (signal, signal.id, "feedback", "test")
    assert f.seen == "2026-11-23T02:05:06+00:00"
    assert (f.environment, f.level, f.test_id, f.event) == ("staging", "warning", None, "ab12")
    assert f.fingerprint == fingerprint(signal) and f.structure == structure(signal)
    assert f.text == signal_text(signal) and f.actor == "p7"
    assert {"invoic", "refresh"} <= f.words and "broken" not in f.words  # a complaint word
    assert f.places == {"invoic"}
    assert "inv-1002" in f.quoted and f.record_ids == {"inv-1002"}
    assert f.failure is True
    assert f.actor_keys == {"id:p7", "email:pat@example.com"}


def test_equal_features_are_stored_as_equal_rows() -> None:
    signal = feedback("the export button does nothing at all", user="f9")
    assert encode(features(signal)) == encode(features(signal.model_copy()))
    assert decode(signal.id, encode(features(signal))) == features(signal)._replace(lazy=None)


def test_missing_and_stale_rows_are_computed_by_triage_and_decide_alike(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None], tmp_path: Path
) -> None:
    signals = night()
    store_signals(*signals)
    other = open_db(tmp_path / "other.db")
    store_parsed(other, signals[:10])
    insert_signals(other, signals[10:20])  # stored by code that stores no features
    store_parsed(other, signals[20:])
    # Rows an older version of the code wrote: never read (this data would not decode).
    other.execute("UPDATE signal_features SET version = '0.older', data = '[]' WHERE seq % 3 = 0")
    other.conn.commit()
    stale = other.execute(
        "SELECT COUNT(*) FROM signal_features WHERE version != ?", [FEATURES_VERSION]
    ).fetchone()[0]
    assert stale > 0 and len(stored_rows(other)) == len(signals) - 10

    assert triage_pending(other, batch_size=4).signals == len(signals)
    assert triage_pending(fresh_db, batch_size=4).signals == len(signals)
    assert decisions(other) == decisions(fresh_db)
    assert count_untriaged(other) == 0
    other.close()


def test_a_signal_stored_before_keeps_the_features_of_its_envelope(
    fresh_db: sqlite_utils.Database,
) -> None:
    first = crash("division by zero", user="u1")
    insert_signals(fresh_db, [first])  # by code that stores no features
    same_id = crash("an other message entirely", user="u2").model_copy(update={"id": first.id})

    store_parsed(fresh_db, [first, same_id])

    assert stored_rows(fresh_db) == {}  # the stored envelope is the first's: no row for it
    assert triage_pending(fresh_db).signals == 1
    (issue,) = list_issues(fresh_db)
    assert issue.texts == [features(first).text]


def test_a_fault_in_features_loses_no_signal_at_ingest(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(signal: Signal) -> tuple[str, str, str]:
        raise RuntimeError("a bug in a grouping rule")

    monkeypatch.setattr(runner.ingest, "stored_row", broken)
    report = store_parsed(fresh_db, night()[:5])

    assert report.new == 5 and stored_rows(fresh_db) == {}
    monkeypatch.undo()
    assert triage_pending(fresh_db).signals == 5


def test_the_version_covers_every_module_of_triage_that_features_use() -> None:
    code = (
        "import json, sys; import runner.triage.features; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('runner.triage.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    used = set(json.loads(done.stdout))
    uncovered = {m for m in used if not any(m == c or m.startswith(c + ".") for c in COMPUTED_BY)}
    assert uncovered == set(), "add them to runner.triage.features.COMPUTED_BY"
    assert FEATURES_VERSION.startswith(f"{FORMAT}.") and len(FEATURES_VERSION) == 18
