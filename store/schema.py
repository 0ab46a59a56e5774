"""The schema, as numbered migrations: one function per step, never edited once released.

Tables by area:
- signals: `signals`, `quarantine`, `pull_cursors`
- triage: `issues`, `links`, `splits`
- runs: `runs`, `run_events`, `images`
- review: `proposals`, `decisions`
"""

from __future__ import annotations

import sqlite_utils

from store.migrations import Migrations

migrations = Migrations("overnight")


@migrations
def m001_signals(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE signals (
            id TEXT PRIMARY KEY,          -- stable: the source's event id or a content hash
            kind TEXT NOT NULL,           -- error | feedback | regression
            source TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            title TEXT NOT NULL,
            route TEXT,
            envelope TEXT NOT NULL,       -- the whole Signal as JSON, raw payload included
            triaged_at TEXT               -- NULL until triage has decided where it belongs
        );
        CREATE INDEX signals_untriaged ON signals (received_at) WHERE triaged_at IS NULL;
        CREATE INDEX signals_received ON signals (received_at);

        -- Rejected input, kept verbatim with the reason, so nothing is lost and it can be fixed.
        CREATE TABLE quarantine (
            id TEXT PRIMARY KEY,          -- hash of origin + bytes: re-ingesting adds no copy
            source TEXT NOT NULL,
            origin TEXT NOT NULL,         -- file:line, or the client address and path
            reason TEXT NOT NULL,
            raw BLOB NOT NULL,
            received_at TEXT NOT NULL
        );

        -- Where a pull source got to, so a restart resumes instead of starting over.
        CREATE TABLE pull_cursors (
            source TEXT NOT NULL,
            scope TEXT NOT NULL,          -- e.g. org/project, or org/project/issue
            cursor TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, scope)
        );
        """
    )
