"""The store: location, WAL, migrations, and refusing a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from store import NewerSchemaError, default_db_path, open_db
from store.schema import migrations


def test_open_applies_every_migration_once(db_path: Path) -> None:
    db = open_db(db_path)
    versions = [r[0] for r in db.execute("SELECT version FROM _schema ORDER BY version")]
    assert versions == list(range(1, migrations.version + 1))
    db.close()
    again = open_db(db_path)
    assert again.execute("SELECT COUNT(*) FROM _schema").fetchone()[0] == migrations.version
    tables = {"signals", "quarantine", "pull_cursors", "issues", "links", "splits", "runs"}
    tables |= {"run_events", "images", "proposals", "decisions"}
    assert tables <= set(again.table_names())


def test_wal_and_busy_timeout(fresh_db: sqlite_utils.Database) -> None:
    assert fresh_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert fresh_db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_reader_sees_committed_rows_while_a_writer_holds_a_transaction(db_path: Path) -> None:
    writer = open_db(db_path)
    reader = open_db(db_path)
    writer.execute("INSERT INTO pull_cursors VALUES ('s', 'a', 'c1', 'now')")
    writer.conn.execute("BEGIN")
    writer.conn.execute("INSERT INTO pull_cursors VALUES ('s', 'b', 'c2', 'now')")
    assert reader.execute("SELECT COUNT(*) FROM pull_cursors").fetchone()[0] == 1
    writer.conn.commit()
    assert reader.execute("SELECT COUNT(*) FROM pull_cursors").fetchone()[0] == 2


def test_a_newer_database_is_refused_clearly(db_path: Path) -> None:
    open_db(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _schema VALUES ('overnight', ?, 'from the future', 'later')",
        [migrations.version + 1],
    )
    conn.commit()
    conn.close()
    with pytest.raises(NewerSchemaError, match="newer than this Overnight understands"):
        open_db(db_path)


def test_default_location_follows_env_and_xdg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OVERNIGHT_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "overnight" / "overnight.db"
    monkeypatch.setenv("OVERNIGHT_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"


def test_a_failing_migration_leaves_the_previous_version(db_path: Path) -> None:
    from store.migrations import Migrations, run_script

    broken = Migrations("broken-app")

    @broken
    def m001_ok(db: sqlite_utils.Database) -> None:
        run_script(db, "CREATE TABLE a (x INTEGER);")

    @broken
    def m002_fails_half_way(db: sqlite_utils.Database) -> None:
        run_script(db, "CREATE TABLE b (x INTEGER);\nCREATE TABLE a (x INTEGER);")

    db = sqlite_utils.Database(sqlite3.connect(db_path))
    with pytest.raises(sqlite3.OperationalError):
        broken.apply(db)
    assert "b" not in db.table_names()  # the half-applied step was rolled back whole
    assert (
        db.execute("SELECT MAX(version) FROM _schema WHERE app = 'broken-app'").fetchone()[0] == 1
    )
