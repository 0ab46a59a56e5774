"""The store's write path for a person's decisions: short transactions that wait, then retry.

The console and a running night share one SQLite file. SQLite's busy timeout makes a writer wait
for the lock; in WAL mode a transaction that began by reading and then writes can still get
`SQLITE_BUSY` at once (its snapshot went stale), which no timeout helps. `Writer.call` therefore
retries the whole, short, transaction with a growing pause until a deadline, holding the
process's write lock (`store.runs.write_lock`) so threads of this process never interleave on
its one connection. A person sees "the store is busy" only after `deadline_s`, never "database
is locked" on the first collision.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import sqlite_utils

from store.db import open_db
from store.runs import write_lock

P = ParamSpec("P")
T = TypeVar("T")


DEADLINE_S = 30.0
"""How long a person's decision waits for a night's write before saying the store is busy."""


class StoreBusy(RuntimeError):
    """Another process held the store's write lock past the writer's deadline."""


def is_busy(exc: BaseException) -> bool:
    """Whether an error is SQLite's "locked/busy", which a retry can cure."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_busy(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `fn` (one short transaction) until it does not fail with SQLITE_BUSY, or
    `DEADLINE_S` runs out. `fn` must be safe to repeat: a failed transaction was rolled back."""
    return retry_busy_for(DEADLINE_S, fn, *args, **kwargs)


def retry_busy_for(deadline_s: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`retry_busy` with a deadline of `deadline_s` seconds."""
    give_up = time.monotonic() + deadline_s
    pause = 0.005
    while True:
        try:
            with write_lock:
                return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() + pause > give_up:
                raise StoreBusy(
                    f"the store stayed busy for {deadline_s:.0f} s (a night is writing); "
                    "try again in a moment"
                ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


class Writer:
    """The one connection a process writes a person's decisions through.

    Opening it migrates the store (a writer may); readers (`store.read.Reader`) never do.
    """

    def __init__(self, path: Path, *, deadline_s: float = DEADLINE_S) -> None:
        self.path = Path(path)
        self.deadline_s = deadline_s
        self.db: sqlite_utils.Database = open_db(self.path)

    def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """`fn(self.db, *args, **kwargs)` under the write lock, retried while the store is busy."""
        return retry_busy_for(self.deadline_s, fn, self.db, *args, **kwargs)

    def close(self) -> None:
        """Close the connection once any write under way has finished."""
        with write_lock:
            self.db.close()
