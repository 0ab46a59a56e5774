"""The read path: read-only per-thread connections, data_version, and the writer's retries."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from store import open_db
from store.read import DataVersion, Reader, StoreUnavailable
from store.schema import migrations
from store.writer import StoreBusy, Writer, retry_busy_for


def test_a_reader_cannot_write_and_never_migrates(db_path: Path) -> None:
    open_db(db_path).close()
    reader = Reader(db_path)
    with pytest.raises(sqlite3.OperationalError, match="readonly"), reader.borrow() as db:
        db.execute("CREATE TABLE nope (x)")
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM _schema WHERE version = ?", [migrations.version])
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable, match="schema version"):
        Reader(db_path)
    version = sqlite3.connect(db_path).execute("SELECT MAX(version) FROM _schema").fetchone()
    assert version[0] == migrations.version - 1  # the reader did not migrate it back


def test_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="overnight run --once"):
        Reader(tmp_path / "absent.db")
    assert not (tmp_path / "absent.db").exists()


def test_threads_reading_at_once_each_have_a_connection_and_return_it(db_path: Path) -> None:
    open_db(db_path).close()
    reader = Reader(db_path)
    seen: list[int] = []
    together = threading.Barrier(3)

    def read() -> None:
        with reader.borrow() as db:
            together.wait()  # all three hold a connection at the same time
            seen.append(id(db.conn))
            db.execute("SELECT COUNT(*) FROM issues").fetchone()

    for _round in range(4):  # later threads reuse the pool: no connection per thread ever
        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(set(seen)) == 3
    assert reader.opened == 3
    reader.close()


def test_data_version_changes_when_another_connection_commits(db_path: Path) -> None:
    writer = Writer(db_path)
    version = DataVersion(db_path)
    assert not version.changed()
    writer.call(
        lambda db: (
            db.conn.execute(
                "INSERT INTO nights (owner, status, started_at) VALUES ('t', 'done', 'x')"
            )
            and db.conn.commit()
        )
    )
    assert version.changed()
    assert not version.changed()  # once per batch of commits
    version.close()
    writer.close()


def test_the_writer_waits_out_another_writer(db_path: Path) -> None:
    writer = Writer(db_path, deadline_s=10)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO nights (owner, status, started_at) VALUES ('night', 'running', 'x')")
    writer.db.conn.execute("PRAGMA busy_timeout = 50")  # fail fast, so the retry is what waits

    def release() -> None:
        time.sleep(0.4)
        other.execute("COMMIT")

    threading.Thread(target=release).start()
    start = time.monotonic()

    def insert(db) -> int:  # type: ignore[no-untyped-def]
        with db.conn:
            return int(
                db.conn.execute(
                    "INSERT INTO nights (owner, status, started_at) VALUES ('me', 'done', 'y')"
                ).lastrowid
            )

    assert writer.call(insert) == 2
    assert time.monotonic() - start >= 0.3
    owners = [r[0] for r in writer.db.execute("SELECT owner FROM nights ORDER BY id")]
    assert owners == ["night", "me"]


def test_the_writer_gives_up_with_words_not_database_is_locked(db_path: Path) -> None:
    writer = Writer(db_path)
    writer.db.conn.execute("PRAGMA busy_timeout = 10")
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def insert(db) -> None:  # type: ignore[no-untyped-def]
        with db.conn:
            db.conn.execute("INSERT INTO nights (owner, status, started_at) VALUES ('a', 'b', 'c')")

    with pytest.raises(StoreBusy, match="store stayed busy") as caught:
        retry_busy_for(0.2, insert, writer.db)
    assert "database is locked" not in str(caught.value)
    other.execute("ROLLBACK")
