"""Typed signal reads and writes: idempotent inserts, reads by id and by span, the quarantine,
pull cursors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlite_utils

from store.signal import Action, ErrorDetail, Frame, Signal
from store.signals import (
    BULK_CACHE_KIB,
    BULK_CHECKPOINT_PAGES,
    bulk_writes,
    count_signals,
    get_cursor,
    get_signal,
    insert_signals,
    iter_signals,
    list_quarantine,
    next_span,
    quarantine,
    rejection,
    set_cursor,
    signals_by_id,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def make_signal(n: int) -> Signal:
    return Signal(
        id=f"sig-{n}",
        kind="error",
        source="test",
        occurred_at=NOW,
        received_at=NOW,
        title=f"KeyError {n}",
        route="/dashboard",
        error=ErrorDetail(
            type="KeyError", message=str(n), frames=[Frame(file="a.py", function="f", in_app=True)]
        ),
    )


def test_the_same_signal_twice_is_stored_once(fresh_db: sqlite_utils.Database) -> None:
    assert insert_signals(fresh_db, [make_signal(1), make_signal(2)]) == 2
    assert insert_signals(fresh_db, [make_signal(2), make_signal(3)]) == 1
    assert count_signals(fresh_db) == 3


def test_signals_round_trip_as_models(fresh_db: sqlite_utils.Database) -> None:
    insert_signals(fresh_db, [make_signal(1)])
    stored = get_signal(fresh_db, "sig-1")
    assert stored == make_signal(1)
    assert [s.id for s in iter_signals(fresh_db, untriaged=True)] == ["sig-1"]
    assert get_signal(fresh_db, "missing") is None


def test_signals_are_read_by_id_in_one_go(fresh_db: sqlite_utils.Database) -> None:
    insert_signals(fresh_db, [make_signal(1), make_signal(2), make_signal(3)])
    found = signals_by_id(fresh_db, ["sig-3", "sig-1", "missing"])
    assert found == {"sig-3": make_signal(3), "sig-1": make_signal(1)}
    assert signals_by_id(fresh_db, []) == {}


def test_a_span_names_signals_in_storage_order(fresh_db: sqlite_utils.Database) -> None:
    insert_signals(fresh_db, [make_signal(1), make_signal(2), make_signal(3)])
    span = next_span(fresh_db, 0, 2)
    assert span is not None and (span.after, span.size) == (0, 2)
    rest = next_span(fresh_db, span.last, 2)
    assert rest is not None and rest.size == 1 and rest.last > span.last
    assert next_span(fresh_db, rest.last, 2) is None


def test_signals_are_read_without_the_fields_asked_away(fresh_db: sqlite_utils.Database) -> None:
    busy = make_signal(2).model_copy(
        update={"actions": [Action(message="GET /dashboard")], "tags": {"team": "t1"}}
    )
    insert_signals(fresh_db, [make_signal(1), busy])
    assert signals_by_id(fresh_db, ["sig-2"]) == {"sig-2": busy}
    lean = signals_by_id(fresh_db, ["sig-1", "sig-2"], without=("actions", "tags"))
    assert lean == {"sig-1": make_signal(1), "sig-2": make_signal(2)}
    with pytest.raises(ValueError, match="breadcrumbs"):
        signals_by_id(fresh_db, ["sig-2"], ("breadcrumbs",))


def test_quarantine_keeps_bytes_and_reason_once(fresh_db: sqlite_utils.Database) -> None:
    bad = rejection("inbox", "f.ndjson:3", "malformed JSON", b"\xff{not json")
    assert quarantine(fresh_db, [bad]) == 1
    assert quarantine(fresh_db, [rejection("inbox", "f.ndjson:3", "x", b"\xff{not json")]) == 0
    [kept] = list_quarantine(fresh_db)
    assert kept.raw == b"\xff{not json" and kept.reason == "malformed JSON"


def test_cursor_is_upserted(fresh_db: sqlite_utils.Database) -> None:
    assert get_cursor(fresh_db, "sentry-api", "org/proj") is None
    set_cursor(fresh_db, "sentry-api", "org/proj", "0:100:0")
    set_cursor(fresh_db, "sentry-api", "org/proj", "0:200:0")
    assert get_cursor(fresh_db, "sentry-api", "org/proj") == "0:200:0"


def test_an_envelope_is_stored_without_its_defaults_and_reads_back_whole(
    fresh_db: sqlite_utils.Database,
) -> None:
    signal = make_signal(1).model_copy(update={"actions": [Action(message="click #refresh")]})
    insert_signals(fresh_db, [signal])
    (envelope,) = fresh_db.execute("SELECT envelope FROM signals").fetchone()
    assert '"in_app":true' in envelope and '"sourcemap"' not in envelope  # False: the default
    assert '"chain"' not in envelope and '"tags"' not in envelope
    assert len(envelope) < len(signal.model_dump_json())
    assert get_signal(fresh_db, signal.id) == signal


def test_bulk_writes_enlarge_the_page_cache_and_space_checkpoints_then_restore_both(
    fresh_db: sqlite_utils.Database,
) -> None:
    def settings() -> tuple[int, int]:
        cache = fresh_db.execute("PRAGMA cache_size").fetchone()[0]
        return int(cache), int(fresh_db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    before = settings()
    with bulk_writes(fresh_db):
        assert settings() == (-BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES) != before
        insert_signals(fresh_db, [make_signal(1)])
    assert settings() == before
    with pytest.raises(RuntimeError), bulk_writes(fresh_db):
        raise RuntimeError("a failed batch")
    assert settings() == before
