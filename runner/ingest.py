"""Storing what sources produce: signals in batches, rejections in the quarantine.

Idempotent by construction: signal ids are stable and inserts skip known ids, so ingesting the
same input twice, or again after a crash, stores each signal once. An inbox file moves to `done/`
only after everything in it is committed.

Each new signal is stored with its features (`runner.triage.features`), computed here where the
signal is parsed, so triage reads narrow rows rather than parsing every envelope again.

Large NDJSON files are parsed by a pool of worker processes (parsing, validation and features
are CPU-bound, and the GIL would serialise threads) while this process only writes; the file is
read in chunks with a bounded number in flight, so memory stays flat whatever the file's size.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import sqlite_utils

from runner.errors import UserError
from runner.sources import Parsed
from runner.sources.files import FILE_READERS
from runner.sources.inbox import parse_ndjson_lines
from runner.triage.features import stored_row
from store.signal import Signal
from store.signal_features import FeatureRow
from store.signals import (
    Rejection,
    SignalRow,
    bulk_writes,
    insert_rows,
    quarantine,
    rejection,
    signal_row,
)

BATCH = 2_000
PARALLEL_MIN_BYTES = 4 * 1_048_576  # below this, starting workers costs more than it saves

Progress = Callable[["IngestReport"], None]
Split = tuple[list[SignalRow], list[FeatureRow], list[Rejection]]
"""A batch ready to write: signal rows, the features of their signals, and rejections."""


@dataclass
class IngestReport:
    """What one ingest did: new signals, ones already stored, rejections and their reasons."""

    new: int = 0
    already_stored: int = 0
    rejected: int = 0
    files: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.new += other.new
        self.already_stored += other.already_stored
        self.rejected += other.rejected
        self.files += other.files
        self.reasons.extend(other.reasons)

    def record(self, db: sqlite_utils.Database, batch: Split) -> None:
        """Commit one batch and count it."""
        rows, features, bad = batch
        if rows:
            new = insert_rows(db, rows, features)
            self.new += new
            self.already_stored += len(rows) - new
        if bad:
            quarantine(db, bad)
            self.rejected += len(bad)
            self.reasons.extend(f"{r.origin}: {r.reason}" for r in bad)


def store_parsed(
    db: sqlite_utils.Database, items: Iterable[Parsed], on_batch: Progress | None = None
) -> IngestReport:
    """Write signals and rejections in batches; neither kind of item stops the other."""
    report = IngestReport()
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        report.record(db, split(batch))
        if on_batch:
            on_batch(report)
    return report


def split(batch: Iterable[Parsed], *, with_features: bool = True) -> Split:
    """A batch as it is written: the rows of its signals, their features (unless not
    `with_features`: triage then computes them), its rejections.

    A signal that cannot be written as JSON is a rejection too, so it fails alone.
    """
    rows, features, bad = [], [], []
    for item in batch:
        if not isinstance(item, Signal):
            bad.append(item)
            continue
        try:
            rows.append(signal_row(item))
        except ValueError as exc:  # not writable as JSON: a lone surrogate escape (`"\ud800"`)
            bad.append(rejection(item.source, f"{item.source}:{item.id}", str(exc), item.raw))
            continue
        # A signal is never lost to a fault in triage's code: stored without its features,
        # it has them computed by triage, which reports the fault. (A `try`, not `suppress`:
        # that is a context manager made, entered and left for every signal.)
        if with_features:
            try:  # noqa: SIM105
                features.append(stored_row(item))
            except Exception:
                pass
    return rows, features, bad


def _parse_chunk(path: str, first_line: int, lines: list[bytes]) -> Split:
    """Run in a worker process: parse a chunk of NDJSON lines into rows, their features and
    rejections."""
    return split(parse_ndjson_lines(Path(path), first_line, lines))


def store_ndjson_parallel(
    db: sqlite_utils.Database, path: Path, on_batch: Progress | None = None
) -> IngestReport:
    """Parse an NDJSON file in worker processes and write the results here, in file order."""
    workers = max(1, os.cpu_count() or 1)
    report = IngestReport()
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pending: deque[Future[Split]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool, path.open("rb") as handle:
        line_number = 1
        while True:
            lines = list(islice(handle, BATCH))
            if lines:
                pending.append(pool.submit(_parse_chunk, str(path), line_number, lines))
                line_number += len(lines)
            # Bounded read-ahead: enough to keep every worker busy, never the whole file.
            if pending and (len(pending) > 2 * workers or not lines):
                report.record(db, pending.popleft().result())
                if on_batch:
                    on_batch(report)
            if not lines and not pending:
                return report


def inbox_files(path: Path) -> Iterator[Path]:
    """The files of a folder that a reader knows, in name order; `done/` is not descended."""
    for child in sorted(path.iterdir()):
        if child.is_file() and child.suffix.lower() in FILE_READERS:
            yield child


def ingest_file(
    db: sqlite_utils.Database, file: Path, on_batch: Progress | None = None
) -> IngestReport:
    suffix = file.suffix.lower()
    with bulk_writes(db):
        if suffix in (".ndjson", ".jsonl") and file.stat().st_size >= PARALLEL_MIN_BYTES:
            report = store_ndjson_parallel(db, file, on_batch)
        else:
            report = store_parsed(db, FILE_READERS[suffix](file), on_batch)
    report.files = 1
    return report


def ingest_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path],
    *,
    move_done: bool = True,
    on_batch: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders. Files of a folder move to its `done/` when `move_done`."""
    total = IngestReport()
    for path in paths:
        if path.is_dir():
            targets = [(f, True) for f in inbox_files(path)]
        elif path.is_file():
            if path.suffix.lower() not in FILE_READERS:
                known = ", ".join(sorted(FILE_READERS))
                raise UserError(f"{path}: unknown file type '{path.suffix}'; expected {known}")
            targets = [(path, False)]
        else:
            raise UserError(f"{path}: no such file or folder")
        for file, in_folder in targets:
            total.add(ingest_file(db, file, on_batch))
            if in_folder and move_done:
                _move_to_done(file)
    return total


def _move_to_done(file: Path) -> None:
    done = file.parent / "done"
    done.mkdir(exist_ok=True)
    target = done / file.name
    n = 1
    while target.exists():  # the same name processed before: keep both
        target = done / f"{file.stem}.{n}{file.suffix}"
        n += 1
    shutil.move(str(file), target)
