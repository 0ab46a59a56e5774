"""Ingest stores each new signal's features, computed where it parses it: in its pool too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

import runner.ingest
from runner.ingest import ingest_paths
from runner.triage.engine import triage_pending
from runner.triage.features import FEATURES_VERSION, decode, features
from store.signal import Signal


def write_file(path: Path, count: int) -> None:
    with path.open("w") as out:
        for n in range(count):
            if n % 4 == 3:
                record = {
                    "kind": "feedback",
                    "route": f"/reports/{n}",
                    "actor": {"id": f"f{n}"},
                    "text": f"the report for team {n % 3} came out empty",
                }
            else:
                frame = {"file": "app/reports.py", "function": f"build_{n % 3}", "in_app": True}
                record = {
                    "kind": "error",
                    "route": f"/reports/{n}",
                    "actor": {"id": f"u{n}"},
                    "error": {"type": "KeyError", "message": f"key {n}", "frames": [frame]},
                }
            out.write(json.dumps(record) + "\n")


def features_rows(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    return db.execute(
        "SELECT f.signal_id, f.version, f.data, s.envelope FROM signal_features f "
        "JOIN signals s ON s.seq = f.seq ORDER BY f.seq"
    ).fetchall()


@pytest.mark.parametrize("in_pool", [True, False])
def test_every_new_signal_is_stored_with_its_features(
    fresh_db: sqlite_utils.Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_pool: bool,
) -> None:
    if in_pool:  # any file is large enough for the pool of workers
        monkeypatch.setattr(runner.ingest, "PARALLEL_MIN_BYTES", 0)
    source = tmp_path / "night.ndjson"
    write_file(source, 2_500)  # more than one chunk of lines

    assert ingest_paths(fresh_db, [source], move_done=False).new == 2_500

    rows = features_rows(fresh_db)
    assert len(rows) == 2_500
    for signal_id, version, data, envelope in rows:
        signal = Signal.model_validate_json(envelope)
        assert (signal_id, version) == (signal.id, FEATURES_VERSION)
        assert decode(signal_id, data) == features(signal)._replace(lazy=None)

    # The same file again stores nothing new, and no second row.
    assert ingest_paths(fresh_db, [source], move_done=False).already_stored == 2_500
    assert len(features_rows(fresh_db)) == 2_500
    assert triage_pending(fresh_db).signals == 2_500


def assert_features_match_envelopes(db: sqlite_utils.Database) -> None:
    for signal_id, version, data, envelope in features_rows(db):
        signal = Signal.model_validate_json(envelope)
        assert (signal_id, version) == (signal.id, FEATURES_VERSION)
        assert decode(signal_id, data) == features(signal)._replace(lazy=None)


@pytest.mark.parametrize("in_pool", [True, False])
def test_a_batch_of_known_and_new_signals_stores_the_features_of_the_new(
    fresh_db: sqlite_utils.Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_pool: bool,
) -> None:
    # Known ids amid new ones: each skipped row takes a seq (AUTOINCREMENT), so the new
    # signals' seqs have gaps, and each features row must still sit at its own signal's seq.
    if in_pool:
        monkeypatch.setattr(runner.ingest, "PARALLEL_MIN_BYTES", 0)
    every = tmp_path / "every.ndjson"
    write_file(every, 300)
    lines = every.read_text().splitlines(keepends=True)
    (tmp_path / "some.ndjson").write_text("".join(lines[::3]))
    assert ingest_paths(fresh_db, [tmp_path / "some.ndjson"], move_done=False).new == 100
    # Ending on a known id: the next new signal's seq is past the highest stored one.
    (tmp_path / "more.ndjson").write_text("".join(lines[:-1] + lines[:1]))

    report = ingest_paths(fresh_db, [tmp_path / "more.ndjson"], move_done=False)
    assert (report.new, report.already_stored) == (199, 101)
    fresh = [json.dumps({"kind": "feedback", "text": f"new {n}"}) + "\n" for n in range(50)]
    (tmp_path / "fresh.ndjson").write_text("".join(fresh))
    assert ingest_paths(fresh_db, [tmp_path / "fresh.ndjson"], move_done=False).new == 50

    assert len(features_rows(fresh_db)) == 349
    assert_features_match_envelopes(fresh_db)
