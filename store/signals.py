"""Typed reads and writes of signals, the quarantine and pull cursors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

import sqlite_utils
from pydantic import BaseModel

from store.signal import Signal, iso_text, utcnow
from store.signal_features import FeatureRow, insert_features, insert_features_at

_INSERT = (
    "INSERT OR IGNORE INTO signals "
    "(id, kind, source, occurred_at, received_at, title, route, envelope) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


SignalRow = tuple[str, str, str, str, str, str, str | None, str]


def signal_row(s: Signal) -> SignalRow:
    """The row a signal is stored as; built apart from the insert so workers can build rows.

    The envelope leaves out fields at their defaults (reading it back gives the same
    `Signal`): an envelope is mostly empty optional fields, and without them a typical one
    is a third smaller, two rows fit a page where one filled it, and ingest writes a third
    fewer pages. It is what `model_dump_json(exclude_defaults=True)` writes, through the
    serializer it calls (without its layer of keyword arguments: a row is built for every
    signal).
    """
    return (
        s.id,
        s.kind,
        s.source,
        iso_text(s.occurred_at),
        iso_text(s.received_at),
        s.title,
        s.route,
        s.__pydantic_serializer__.to_json(s, exclude_defaults=True).decode(),
    )


BULK_CACHE_KIB = 16_384
BULK_CHECKPOINT_PAGES = 10_000


@contextmanager
def bulk_writes(db: sqlite_utils.Database) -> Iterator[None]:
    """A larger page cache, and rarer checkpoints, for the connection while a long run of
    batches is stored; the connection's own settings are restored after.

    Each batch inserts its ids at random places in the index of signal ids; once that index
    outgrows the default cache (2 MB, some 40,000 signals), every batch read its pages back
    from the file. 16 MB holds the indexes of a few hundred thousand signals. And a batch
    of 2,000 signals fills more than the default WAL of 1,000 pages, so each commit copied
    the WAL into the database and synced both; at 10,000 pages (40 MB) that happens every
    few batches, and a page several batches changed is copied once.
    """
    conn = db.conn
    cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    checkpoint = int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {cache}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")


def insert_rows(
    db: sqlite_utils.Database, rows: list[SignalRow], features: Sequence[FeatureRow] = ()
) -> int:
    """Store signal rows, and the features of those that are new, in one transaction; return
    how many were new (a known id is skipped, its features with it)."""
    conn = db.conn
    with conn:
        before = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM signals").fetchone()[0]
        changes = conn.total_changes
        conn.executemany(_INSERT, rows)
        new = conn.total_changes - changes
        if not (features and new):
            return new
        if new < len(rows):
            insert_features(db, features, int(before))
            return new
        # All new, so stored one after another: each took the `seq` after the one before it,
        # up to the highest now (the first may be past `before`, if rows were ever deleted;
        # a row skipped as known takes a `seq` too, which is why this is only for all new).
        last = int(conn.execute("SELECT MAX(seq) FROM signals").fetchone()[0])
        first = last - new + 1
        insert_features_at(db, features, {row[0]: first + i for i, row in enumerate(rows)})
    return new


def insert_signals(db: sqlite_utils.Database, signals: Iterable[Signal]) -> int:
    """Store signals in one transaction; return how many were new."""
    return insert_rows(db, [signal_row(s) for s in signals])


def get_signal(db: sqlite_utils.Database, signal_id: str) -> Signal | None:
    row = db.execute("SELECT envelope FROM signals WHERE id = ?", [signal_id]).fetchone()
    return Signal.model_validate_json(row[0]) if row else None


def signals_by_id(
    db: sqlite_utils.Database, ids: Iterable[str], without: Sequence[str] = ()
) -> dict[str, Signal]:
    """The stored signals with these ids, by id (ids not stored are left out); `without` those
    top-level fields (see `envelopes`)."""
    rows = db.execute(
        f"SELECT {_envelope_without(without)} FROM signals "
        "WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(list(ids))],
    )
    signals = (Signal.model_validate_json(envelope) for (envelope,) in rows)
    return {signal.id: signal for signal in signals}


def iter_signals(
    db: sqlite_utils.Database,
    *,
    untriaged: bool = False,
    kind: str | None = None,
    limit: int | None = None,
) -> Iterator[Signal]:
    """Signals in the order they were received; with `untriaged`, only those triage has not
    reached yet, in the order triage takes them (storage order)."""
    where, params = [], []
    if untriaged:
        where.append(_UNTRIAGED)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    sql = "SELECT envelope FROM signals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq" if untriaged else " ORDER BY received_at, seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    for (envelope,) in db.execute(sql, params):
        yield Signal.model_validate_json(envelope)


# Triage takes signals in `seq` order and records the last one it committed, so "untriaged" is
# one comparison with one number rather than a mark on every row.
_UNTRIAGED = "seq > (SELECT last_seq FROM triage_progress)"


def triaged_through(db: sqlite_utils.Database) -> int:
    """The `seq` up to which every signal is triaged (0 before the first batch)."""
    return int(db.execute("SELECT last_seq FROM triage_progress").fetchone()[0])


def count_untriaged(db: sqlite_utils.Database) -> int:
    """How many signals triage has not reached yet."""
    return int(db.execute(f"SELECT COUNT(*) FROM signals WHERE {_UNTRIAGED}").fetchone()[0])


class Span(NamedTuple):
    """A run of consecutive stored signals: `size` of them, `seq` after `after` up to `last`."""

    after: int
    last: int
    size: int


def next_span(db: sqlite_utils.Database, after: int, limit: int) -> Span | None:
    """The next (up to) `limit` signals stored after `seq` `after`; None when there are none.

    A span read now names the same signals later: rows are never deleted and new ones get
    higher `seq`s, so a span can be handed to another connection (a worker) to read.
    """
    row = db.execute(
        "SELECT MAX(seq), COUNT(*) FROM "
        "(SELECT seq FROM signals WHERE seq > ? ORDER BY seq LIMIT ?)",
        [after, limit],
    ).fetchone()
    return Span(after, int(row[0]), int(row[1])) if row[1] else None


def _envelope_without(fields: Sequence[str]) -> str:
    """The SQL of the envelope column without these top-level fields."""
    if not fields:
        return "envelope"
    if unknown := set(fields) - Signal.model_fields.keys():
        raise ValueError(f"not fields of a signal: {sorted(unknown)}")
    paths = ", ".join(f"'$.{name}'" for name in fields)
    return f"json_remove(envelope, {paths})"


def count_signals(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM signals").fetchone()[0])


class Rejection(BaseModel):
    """An input that could not become a signal, with why."""

    id: str
    source: str
    origin: str
    reason: str
    raw: bytes
    received_at: datetime


def rejection(source: str, origin: str, reason: str, raw: bytes | str) -> Rejection:
    """Build a quarantine row; its id makes quarantining the same bytes twice a no-op."""
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    digest = hashlib.sha256(origin.encode("utf-8", "replace") + b"\x00" + data).hexdigest()[:32]
    return Rejection(
        id=digest, source=source, origin=origin, reason=reason, raw=data, received_at=utcnow()
    )


def quarantine(db: sqlite_utils.Database, rejections: Iterable[Rejection]) -> int:
    """Keep rejected inputs for inspection; return how many were new."""
    rows = [
        (r.id, r.source, r.origin, r.reason, r.raw, r.received_at.isoformat()) for r in rejections
    ]
    before = db.conn.total_changes
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO quarantine (id, source, origin, reason, raw, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return db.conn.total_changes - before


def list_quarantine(db: sqlite_utils.Database, limit: int = 1000) -> list[Rejection]:
    rows = db.execute(
        "SELECT id, source, origin, reason, raw, received_at FROM quarantine "
        "ORDER BY received_at, rowid LIMIT ?",
        [limit],
    ).fetchall()
    return [
        Rejection(id=r[0], source=r[1], origin=r[2], reason=r[3], raw=r[4], received_at=r[5])
        for r in rows
    ]


def get_cursor(db: sqlite_utils.Database, source: str, scope: str) -> str | None:
    row = db.execute(
        "SELECT cursor FROM pull_cursors WHERE source = ? AND scope = ?", [source, scope]
    ).fetchone()
    return row[0] if row else None


def set_cursor(db: sqlite_utils.Database, source: str, scope: str, cursor: str) -> None:
    with db.conn:
        db.execute(
            "INSERT INTO pull_cursors (source, scope, cursor, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source, scope) DO UPDATE SET cursor = excluded.cursor, "
            "updated_at = excluded.updated_at",
            [source, scope, cursor, utcnow().isoformat()],
        )
