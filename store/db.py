"""Opening the database: location, connection settings, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from store.schema import migrations

BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    """`$OVERNIGHT_DB`, else `$XDG_DATA_HOME/overnight/overnight.db` (~/.local/share by default)."""
    if env := os.environ.get("OVERNIGHT_DB"):
        return Path(env)
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "overnight" / "overnight.db"


def open_db(path: Path | str | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store; `":memory:"` gives a private one.

    WAL mode lets the console read while the runner writes; the busy timeout makes a second
    writer wait instead of failing.
    """
    target = default_db_path() if path is None else path
    if str(target) != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    migrations.apply(db)
    return db


def database_file(db: sqlite_utils.Database) -> str | None:
    """The file behind a connection; None for an in-memory or temporary database."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file) or None
    return None
