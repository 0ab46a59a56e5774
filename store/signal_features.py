"""Signals' features as ingest stores them for triage: one narrow row per signal.

A row is keyed by its signal's `seq`, so triage reads a span of them in storage order without
touching the envelopes. What the data means is the runner's (`runner.triage.features`); here it
is a signal id, a version and a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlite_utils

FeatureRow = tuple[str, str, str]
"""(signal id, version, data): a row as ingest hands it over."""

_INSERT = (
    "INSERT OR IGNORE INTO signal_features (seq, signal_id, version, data) "
    "SELECT seq, id, ?, ? FROM signals WHERE id = ? AND seq > ?"
)


def insert_features(db: sqlite_utils.Database, rows: Sequence[FeatureRow], after: int) -> None:
    """Store the features of signals stored after `seq` `after` (in the caller's transaction).

    Rows of signals stored before `after` are skipped: those were already stored, maybe from
    other content under the same id, and the features must be those of the stored envelope.
    """
    db.conn.executemany(_INSERT, [(version, data, id_, after) for id_, version, data in rows])


_INSERT_AT = (
    "INSERT OR IGNORE INTO signal_features (seq, signal_id, version, data) VALUES (?, ?, ?, ?)"
)


def insert_features_at(
    db: sqlite_utils.Database, rows: Sequence[FeatureRow], seqs: dict[str, int]
) -> None:
    """Store features under the `seq`s their signals were just stored at (in the caller's
    transaction); a row whose signal is not in `seqs` is skipped.

    For a batch whose signals were all new: their `seq`s are known without looking each id
    up again, as `insert_features` must.
    """
    db.conn.executemany(
        _INSERT_AT,
        [(seqs[id_], id_, version, data) for id_, version, data in rows if id_ in seqs],
    )


class StoredFeatures(NamedTuple):
    """One signal of a span as triage reads it: its stored features, if any."""

    seq: int
    signal_id: str
    version: str
    data: str


def span_features(db: sqlite_utils.Database, after: int, last: int) -> list[StoredFeatures]:
    """The stored features rows of the signals after `seq` `after` up to `last`, in `seq`
    order (signals without one are left out)."""
    rows = db.execute(
        "SELECT seq, signal_id, version, data FROM signal_features "
        "WHERE seq > ? AND seq <= ? ORDER BY seq",
        [after, last],
    )
    return [StoredFeatures(*row) for row in rows]


def envelopes_without_features(
    db: sqlite_utils.Database, after: int, last: int, version: str
) -> list[tuple[int, str]]:
    """(seq, envelope) of the signals after `seq` `after` up to `last` that have no features
    row of `version`, in `seq` order."""
    rows = db.execute(
        "SELECT s.seq, s.envelope FROM signals s LEFT JOIN signal_features f ON f.seq = s.seq "
        "WHERE s.seq > ? AND s.seq <= ? AND (f.version IS NULL OR f.version != ?) "
        "ORDER BY s.seq",
        [after, last, version],
    )
    return [(int(seq), str(envelope)) for seq, envelope in rows]
