"""Triage's pipeline around the decisions: preparing batches before, writing them after.

A signal's features (fingerprint, structure, comparison text, words) depend on the signal
alone; where it belongs depends on every decision before it. So on a store with much to do,
worker processes read and prepare the next batches while the triage process decides and
writes, in storage order, with a bounded number of batches in flight (as `runner.ingest` parses
large files). A small store is prepared in this process: starting workers would cost more.

What a worker sends back is lean: the features, and the envelope again as compact JSON without
the raw payload and the contexts triage does not read. Validating that JSON once more here
costs less than unpickling pydantic models, and the signal triage decides on is still a whole
`Signal`, equal to the stored one but for those two fields.

Writing goes to a thread with a connection of its own when workers prepare: SQLite does most of
a commit with the GIL released, so one batch is written while the next is decided.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any

import sqlite_utils

from runner.triage.features import Features, LazySignal, features
from store import open_db
from store.signal import Signal
from store.signals import Span, envelopes, next_span, triaged_through

PARALLEL_MIN_SIGNALS = 6_000  # below this, starting workers costs more than it saves
READ_AHEAD = 2  # batches in flight per worker: enough to keep each busy, never the store
CACHE_KIB = 128 * 1024
KEPT_CONTEXTS = frozenset({"feedback"})  # Sentry user feedback names its event in there

# Features are rebuilt by field name, so a field added to them travels without a change here.
_REST = tuple(f.name for f in fields(Features) if f.name != "lazy")

Lean = tuple[str, tuple[Any, ...]]
"""A prepared signal as it crosses processes: its compact JSON and its other features."""


@dataclass
class Prepared:
    """One batch ready to decide: the span of stored signals and their features, in order."""

    span: Span
    features: list[Features]


def prepare_here(db: sqlite_utils.Database, span: Span) -> Prepared:
    """Read and prepare a span in this process."""
    return Prepared(span, [features(Signal.model_validate_json(e)) for e in envelopes(db, span)])


def lean(f: Features) -> Lean:
    """What crosses back from a worker for one signal."""
    signal = f.signal
    dropped = {key: True for key in signal.contexts if key not in KEPT_CONTEXTS}
    compact = signal.model_dump_json(
        exclude_defaults=True, exclude={"raw": True, "contexts": dropped}
    )
    return compact, tuple(getattr(f, name) for name in _REST)


def from_lean(item: Lean) -> Features:
    """The features of one signal as the worker computed them; its signal is parsed again only
    if something needs it."""
    compact, rest = item
    values: dict[str, Any] = dict(zip(_REST, rest, strict=True))
    return Features(lazy=LazySignal(json=compact), **values)


_reader: sqlite_utils.Database | None = None


def _open_reader(path: str) -> None:
    """Worker start-up: a connection of its own (never the parent's) to read envelopes."""
    global _reader
    # The parent may have paused its collector for the run; a worker keeps its own on, and
    # leaves what it inherited (the parent's index) out of every collection.
    gc.enable()
    gc.freeze()
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
    batch = [lean(features(Signal.model_validate_json(e))) for e in envelopes(_reader, span)]
    return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)


def database_file(db: sqlite_utils.Database) -> str | None:
    """The file behind a connection; None for an in-memory or temporary database."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file) or None
    return None


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
            batch: list[Lean] = pickle.loads(future.result())
            yield Prepared(span, [from_lean(item) for item in batch])


Write = Callable[[sqlite_utils.Database], None]
"""One batch's writes, as one transaction on the connection it is given."""


class Writer:
    """Writes batches in order, one at a time; on a thread of its own when `threaded`.

    Threaded, it opens a connection of its own to the store (the caller's stays free for
    reads), and at most one batch is in flight: `submit` first waits for the one before, so an
    error in writing a batch is raised there and nothing after it is written. Without a
    thread, or for an in-memory store, each batch is written at once on the caller's
    connection.
    """

    def __init__(self, db: sqlite_utils.Database, *, threaded: bool) -> None:
        path = database_file(db) if threaded else None
        self.own = open_db(path) if path else None
        self.db = self.own or db
        # Links, actors and issues are written at random places in their indexes: a page
        # cache that holds the hot index pages keeps each batch's writes from re-reading them.
        self.db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.thread = ThreadPoolExecutor(1, "triage-writer") if self.own else None
        self.pending: Future[None] | None = None

    def submit(self, write: Write) -> None:
        """Write a batch: after the one before it, on the writer's thread or here."""
        self.wait()
        if self.thread is None:
            write(self.db)
        else:
            self.pending = self.thread.submit(write, self.db)

    def wait(self) -> None:
        """Wait for the batch in flight; raise what writing it raised."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.wait()  # even when the caller failed: never close under a commit
        finally:
            if self.thread is not None:
                self.thread.shutdown()
            if self.own is not None:
                self.own.close()
