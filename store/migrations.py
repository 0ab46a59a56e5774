"""Numbered schema migrations, applied in order when a database is opened.

Each migration runs inside one transaction with the row that records it, so a crash leaves the
database at the previous version, never half way. The tables for each area of the product live in
`store/schema.py`, one migration each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run several statements inside the caller's transaction.

    `executescript` would commit first and run outside any transaction, which would break the
    promise that a migration applies whole or not at all.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:80]}")


class NewerSchemaError(RuntimeError):
    """The database was written by a newer Overnight than this one."""


class Migrations:
    """An ordered registry of migrations for one application, as in simonw's sqlite-migrate."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[tuple[str, Migration]] = []

    def __call__(self, fn: Migration) -> Migration:
        self._steps.append((fn.__name__, fn))
        return fn

    @property
    def version(self) -> int:
        """The schema version this code writes: the number of registered migrations."""
        return len(self._steps)

    def apply(self, db: sqlite_utils.Database) -> int:
        """Bring `db` up to date; return how many migrations ran."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS _schema "
            "(app TEXT, version INTEGER, name TEXT, applied_at TEXT, PRIMARY KEY (app, version))"
        )
        row = db.execute(
            "SELECT COALESCE(MAX(version), 0) FROM _schema WHERE app = ?", [self.name]
        ).fetchone()
        current = int(row[0])
        if current > self.version:
            raise NewerSchemaError(
                f"this database is at schema version {current}, newer than this Overnight "
                f"understands ({self.version}); upgrade Overnight or point --db at another file"
            )
        for number, (name, step) in enumerate(self._steps[current:], start=current + 1):
            with db.atomic():  # one transaction: the migration and the row that records it
                step(db)
                db.conn.execute(
                    "INSERT INTO _schema (app, version, name, applied_at) VALUES (?, ?, ?, ?)",
                    [self.name, number, name, datetime.now(UTC).isoformat()],
                )
        return self.version - current
