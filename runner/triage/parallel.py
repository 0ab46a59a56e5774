"""Preparing triage's batches: reading signals and computing their features, in workers.

A signal's features (fingerprint, structure, comparison text, words) depend on the signal
alone; where it belongs depends on every decision before it. So on a store with much to do,
worker processes read and prepare the next batches while the triage process decides and
writes, in storage order, with a bounded number of batches in flight (as `runner.ingest` parses
large files). A small store is prepared in this process: starting workers would cost more.

What a worker sends back is the features of each signal, as a plain tuple, without the signal:
the deciding process reads and parses an envelope again only for the signals that found an issue
(most only join one), and rebuilding a tuple costs a fraction of unpickling objects.
A worker runs without the cyclic garbage collector: parsing and features make no cycles (a
batch is freed by reference counting), and collections set off by each batch's thousands of
young objects would cost it more than the parsing does.

Writing is `runner.triage.writer`'s.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sqlite3
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any

import sqlite_utils

from runner.triage.features import Features, LazySignal, features
from store.db import database_file
from store.signal import Signal
from store.signals import Span, envelopes, get_signal, next_span, triaged_through

PARALLEL_MIN_SIGNALS = 6_000  # below this, starting workers costs more than it saves
READ_AHEAD = 2  # batches in flight per worker: enough to keep each busy, never the store

Wire = tuple[Any, ...]
"""A prepared signal as it crosses processes: its features, but for the signal itself."""


@dataclass
class Prepared:
    """One batch ready to decide: the span of stored signals and their features, in order."""

    span: Span
    features: list[Features]


def prepare_here(db: sqlite_utils.Database, span: Span) -> Prepared:
    """Read and prepare a span in this process."""
    return Prepared(span, [features(Signal.model_validate_json(e)) for e in envelopes(db, span)])


UNREAD = ("raw", "actions")
"""What features never read of a signal: workers parse envelopes without it (Sentry events
carry up to a hundred breadcrumbs). The deciding process reads whole signals, where needed.
Tags are read: fingerprint variables (`{{ tags.x }}`) and built-in rules use them."""


def to_wire(f: Features) -> Wire:
    """What crosses back from a worker for one signal."""
    return f[1:]


def from_wire(item: Wire, db: sqlite_utils.Database) -> Features:
    """The features of one signal as the worker computed them; its signal is read from `db`
    only if something needs it."""
    return Features(LazySignal(load=partial(_stored_signal, db, item[0])), *item)


def _stored_signal(db: sqlite_utils.Database, signal_id: str) -> Signal:
    signal = get_signal(db, signal_id)
    assert signal is not None, f"signal {signal_id} vanished from the store"
    return signal


_reader: sqlite_utils.Database | None = None


def _open_reader(path: str) -> None:
    """Worker start-up: a connection of its own (never the parent's) to read envelopes."""
    global _reader
    gc.disable()  # see the module's docstring
    gc.freeze()  # what it inherited (the parent's index) stays out of any collection
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("PRAGMA query_only = ON")
    _reader = sqlite_utils.Database(conn)


def _prepare_remote(span: Span) -> bytes:
    """Run in a worker: read a span, parse each envelope, compute its features.

    The batch goes back pickled here, so the parent unpickles it in its main thread when it is
    needed: left to the pool, its result thread would unpickle it and take the GIL from the
    thread that decides, and from every SQLite call that lets go of it.
    """
    assert _reader is not None, "worker started without its reader"
    batch = [
        to_wire(features(Signal.model_validate_json(e))) for e in envelopes(_reader, span, UNREAD)
    ]
    return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


class Feed:
    """Prepared batches of untriaged signals, in storage order, each `size` signals at most.

    Use as a context manager: the workers (if any) stop when it closes. Each batch's span
    starts where the one before ended, so batches are handed out as triage will commit them;
    signals stored while the feed runs are read too, as a later batch.
    """

    def __init__(self, db: sqlite_utils.Database, size: int, workers: int | None = None) -> None:
        self.db = db
        self.size = size
        self.after = triaged_through(db)
        self.workers = max(1, (os.cpu_count() or 1) - 1) if workers is None else workers
        self.pool: ProcessPoolExecutor | None = None
        """The workers; None when batches are prepared in this process."""
        path = database_file(db)
        upcoming = next_span(db, self.after, PARALLEL_MIN_SIGNALS)
        if path and self.workers > 0 and upcoming and upcoming.size >= PARALLEL_MIN_SIGNALS:
            context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_open_reader, initargs=(path,)
            )

    def __enter__(self) -> Feed:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _next_span(self) -> Span | None:
        span = next_span(self.db, self.after, self.size)
        if span is not None:
            self.after = span.last
        return span

    def __iter__(self) -> Iterator[Prepared]:
        if self.pool is None:
            while (span := self._next_span()) is not None:
                yield prepare_here(self.db, span)
            return
        pending: deque[tuple[Span, Future[bytes]]] = deque()
        while True:
            while len(pending) < READ_AHEAD * self.workers and (span := self._next_span()):
                pending.append((span, self.pool.submit(_prepare_remote, span)))
            if not pending:
                return
            span, future = pending.popleft()
            batch: list[Wire] = pickle.loads(future.result())
            yield Prepared(span, [from_wire(item, self.db) for item in batch])
