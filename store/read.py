"""The store's read path: read-only connections for readers, and a cheap "has anything changed?".

A reader never migrates and never writes: it opens the file with SQLite's `mode=ro` URI, so a
console left open beside a running night can neither take the write lock nor hold up a
checkpoint with a write transaction. A connection serves one thread at a time (sqlite3
connections are not for sharing across threads). `DataVersion` polls `PRAGMA data_version` on a
connection kept for that alone: the value changes whenever another connection commits, and
reading it costs no I/O.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from store.db import BUSY_TIMEOUT_MS
from store.schema import migrations


class StoreUnavailable(RuntimeError):
    """The store cannot be read: missing, not an Overnight store, or at another schema version."""


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the store at `path` (never migrates); `StoreUnavailable` when
    there is no store there."""
    if not path.exists():
        raise StoreUnavailable(
            f"no store at {path}: run `overnight run --once` (or `overnight demo`) first"
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    # Used by one thread only; `check_same_thread=False` lets `Reader.close` close them all.
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The store's schema version, 0 for a file no Overnight has migrated."""
    try:
        row = conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM _schema WHERE app = ?", [migrations.name]
        ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0])


class Reader:
    """Read-only access to one store file.

    `borrow()` lends a connection to one thread at a time and takes it back after: Textual
    starts a thread per worker, so a connection per thread *ever* would pile up; a small pool
    keeps "one connection per worker thread" without that.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._idle: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()
        self._opened = 0
        self._closed = False
        conn = connect_read_only(self.path)
        version = schema_version(conn)
        conn.close()
        if version != migrations.version:
            raise StoreUnavailable(
                f"the store at {self.path} is at schema version {version}, this Overnight "
                f"reads version {migrations.version}: open it once with an `overnight` command "
                "that writes (e.g. `overnight setup`) to migrate it"
            )

    @contextmanager
    def borrow(self) -> Iterator[sqlite_utils.Database]:
        """A read-only database for this thread until the block ends (the typed reads in
        `store` all take one)."""
        with self._lock:
            if self._closed:
                raise StoreUnavailable("the store's reader is closed (the console is quitting)")
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = sqlite_utils.Database(connect_read_only(self.path))
            with self._lock:
                self._opened += 1
        try:
            yield db
        finally:
            if db.conn.in_transaction:  # never keep a snapshot open between reads
                db.conn.rollback()
            with self._lock:
                if self._closed:  # the pool closed while this was lent out
                    db.conn.close()
                else:
                    self._idle.append(db)

    @property
    def opened(self) -> int:
        """How many connections the pool has opened (at most the threads reading at once)."""
        return self._opened

    def close(self) -> None:
        """Close the idle connections now, and each lent one when it comes back."""
        with self._lock:
            self._closed = True
            for db in self._idle:
                db.conn.close()
            self._idle.clear()


class DataVersion:
    """Tells whether anyone committed to the store since the last look.

    `PRAGMA data_version` changes when a *different* connection commits, so it lives on a
    connection that does nothing else: the console's own writes show up as changes too.
    """

    def __init__(self, path: Path) -> None:
        self._conn = connect_read_only(Path(path))
        self._conn_lock = threading.Lock()
        self._closed = False
        self._last = 0
        self._last = self._read()

    def _read(self) -> int:
        with self._conn_lock:
            if self._closed:  # a poll that outlived the app: nothing changes any more
                return self._last
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """True once for each batch of commits made since the previous call."""
        now = self._read()
        if now == self._last:
            return False
        self._last = now
        return True

    def close(self) -> None:
        """Close the connection; a poll still under way in a thread finishes first."""
        # Under the lock: closing a connection another thread is reading crashes sqlite3.
        with self._conn_lock:
            self._closed = True
            self._conn.close()
