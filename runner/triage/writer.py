"""Writing triage's batches: in order, each whole, several to a transaction.

A batch's writes land all over the file (links and actors in indexes keyed by hashes, counts on
issues of every age), so writing one costs a good part of what deciding it does. On a store
with much to do they go to a process of its own, with a connection of its own: one batch is
written while the next is decided, and neither waits for the other's turn with the GIL, as a
thread would (SQLite lets go of it once a row). One batch is in flight at a time: `submit` first
waits for the one before, so an error in writing a batch is raised there and nothing after it is
written.

The issues a batch founded are built here from their founding signals: reading and parsing a
signal again costs the deciding process more than anything else about a new issue.

Every batch is whole in the transaction it is written in, triage's progress mark included, so a
crash or an error loses the batches since the last commit, never part of one: the next run
triages them again. Closing the writer commits what it wrote, even after the caller failed (the
batches are whole); a batch that failed to write is rolled back with the rest of its
transaction.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, NamedTuple

import sqlite_utils

from runner.triage.decide import new_issue
from runner.triage.features import read_ahead
from runner.triage.parallel import Wire, from_wire
from store import open_db
from store.db import database_file
from store.issues import Issue
from store.signals import signals_by_id
from store.triage_batches import TriageBatch, write_triage_batch

COMMIT_SIGNALS = 10_000
"""Batches are committed together until this many signals are written: a commit writes every
page its batches changed, and pages that several batches change are then written once."""
CACHE_KIB = 32 * 1024
"""Page cache of the writing connection: it keeps the hot index pages, so each batch's writes
do not read them again."""


class Founded(NamedTuple):
    """An issue founded in a batch, as the writer is handed it."""

    issue_id: int
    features: Wire
    """The features of the signal that founded it, but for the signal itself."""
    changes: dict[str, Any] | None
    """What later signals of the same batch changed about it."""


def found_issues(db: sqlite_utils.Database, founded: Sequence[Founded], now: str) -> list[Issue]:
    """The rows of founded issues, built from their signals as stored in `db`."""
    features = [from_wire(issue.features, db) for issue in founded]
    read_ahead(features, partial(signals_by_id, db))  # one query, not one a signal
    created = datetime.fromisoformat(now)
    issues = []
    for issue, f in zip(founded, features, strict=True):
        row = new_issue(f, issue.issue_id, created)
        issues.append(row.model_copy(update=issue.changes) if issue.changes else row)
    return issues


class Writer:
    """Writes batches on a connection, in this process."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.uncommitted = 0
        """Signals written since the last commit."""

    def submit(self, batch: TriageBatch, founded: Sequence[Founded] = ()) -> None:
        """Write a batch, with the issues it founded; commit when enough signals have been
        written since the last commit."""
        try:
            if founded:
                issues = found_issues(self.db, founded, batch.now)
                batch = batch._replace(new_issues=[*batch.new_issues, *issues])
            write_triage_batch(self.db, batch)
        except BaseException:
            self.db.conn.rollback()
            self.uncommitted = 0
            raise
        self.uncommitted += batch.signals
        if self.uncommitted >= COMMIT_SIGNALS:
            self.commit()

    def commit(self) -> None:
        self.db.conn.commit()
        self.uncommitted = 0

    def flush(self) -> None:
        """Commit what was written, so another connection may write."""
        self.commit()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.commit()


FLUSH = "flush"
"""The message that asks the writer process to commit now."""


class WriterProcess:
    """A `Writer` in a process of its own, on its own connection to the store file at `path`."""

    def __init__(self, path: str) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(path, theirs), name="triage-writer", daemon=True
        )
        self.process.start()
        theirs.close()
        self.in_flight = False

    def submit(self, batch: TriageBatch, founded: Sequence[Founded] = ()) -> None:
        """Send a batch (and the issues it founded) to be written once the one before it is."""
        self.wait()
        self.conn.send((batch, founded))
        self.in_flight = True

    def flush(self) -> None:
        """Wait for the batch in flight and commit everything written, so another connection
        may write (a person's decision between batches)."""
        self.wait()
        self.conn.send(FLUSH)
        self.in_flight = True
        self.wait()

    def wait(self) -> None:
        """Wait for the batch in flight; raise what writing it raised."""
        if self.in_flight:
            self.in_flight = False
            error = self._receive()
            if error is not None:
                raise error

    def _receive(self) -> BaseException | None:
        try:
            answer: BaseException | None = self.conn.recv()
        except EOFError:
            self.process.join()
            raise RuntimeError(
                f"the triage writer stopped (exit code {self.process.exitcode}); "
                "what it had not committed is triaged again by the next run"
            ) from None
        return answer

    def __enter__(self) -> WriterProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.wait()  # even when the caller failed: its batches are whole
        finally:
            self.conn.send(None)  # close: commit and stop
            self._receive()
            self.process.join()
            self.conn.close()


def _serve(path: str, conn: Connection) -> None:
    """The writer process: write each batch received and answer with None or the error."""
    # Ctrl-C reaches every process of the terminal: the parent decides when this one stops,
    # so that what was written is committed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    db = open_db(path)
    writer = Writer(db)
    while (message := conn.recv()) is not None:
        try:
            if message == FLUSH:
                writer.commit()
            else:
                writer.submit(*message)
        except Exception as error:
            conn.send(error)
        else:
            conn.send(None)
    writer.commit()
    db.close()
    conn.send(None)


def open_writer(db: sqlite_utils.Database, *, apart: bool) -> Writer | WriterProcess:
    """A writer for the store of `db`: in a process of its own when `apart` (and the store is a
    file), else here on `db` itself."""
    path = database_file(db) if apart else None
    return WriterProcess(path) if path else Writer(db)
