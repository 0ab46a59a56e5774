"""Storing what sources produce: signals in batches, rejections in the quarantine.

Idempotent by construction: signal ids are stable and inserts skip known ids, so ingesting the
same input twice, or again after a crash, stores each signal once. An inbox file moves to `done/`
only after everything in it is committed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from runner.errors import UserError
from runner.sources import Parsed, file_readers
from store.signal import Signal
from store.signals import Rejection, insert_signals, quarantine

BATCH = 2_000


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


def store_parsed(
    db: sqlite_utils.Database,
    items: Iterable[Parsed],
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Write signals and rejections in batches; neither kind of item stops the other."""
    report = IngestReport()
    signals: list[Signal] = []
    rejections: list[Rejection] = []

    def flush() -> None:
        if signals:
            new = insert_signals(db, signals)
            report.new += new
            report.already_stored += len(signals) - new
            signals.clear()
        if rejections:
            quarantine(db, rejections)
            report.rejected += len(rejections)
            report.reasons.extend(f"{r.origin}: {r.reason}" for r in rejections)
            rejections.clear()
        if on_batch:
            on_batch(report)

    for item in items:
        (signals if isinstance(item, Signal) else rejections).append(item)  # type: ignore[arg-type]
        if len(signals) + len(rejections) >= BATCH:
            flush()
    flush()
    return report


def inbox_files(path: Path) -> Iterator[Path]:
    """The files of a folder that a reader knows, in name order; `done/` is not descended."""
    readers = file_readers()
    for child in sorted(path.iterdir()):
        if child.is_file() and child.suffix.lower() in readers:
            yield child


def ingest_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path],
    *,
    move_done: bool = True,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Ingest files and folders. Files of a folder move to its `done/` when `move_done`."""
    readers = file_readers()
    total = IngestReport()
    for path in paths:
        if path.is_dir():
            targets = [(f, True) for f in inbox_files(path)]
        elif path.is_file():
            if path.suffix.lower() not in readers:
                known = ", ".join(sorted(readers))
                raise UserError(
                    f"{path}: unknown file type '{path.suffix}'; expected one of {known}"
                )
            targets = [(path, False)]
        else:
            raise UserError(f"{path}: no such file or folder")
        for file, in_folder in targets:
            report = store_parsed(db, readers[file.suffix.lower()](file), on_batch)
            report.files = 1
            total.add(report)
            if in_folder and move_done:
                _move_to_done(file)
    return total


def _move_to_done(file: Path) -> None:
    done = file.parent / "done"
    done.mkdir(exist_ok=True)
    target = done / file.name
    if target.exists():  # the same name processed before: keep both
        stem, n = file.stem, 1
        while (target := done / f"{stem}.{n}{file.suffix}").exists():
            n += 1
    shutil.move(str(file), target)
