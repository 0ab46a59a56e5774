"""A SIGKILL in the middle of an ingest loses nothing and counts nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

TOTAL = 10_000


def stored(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM signals").fetchone()[0])
    except sqlite3.OperationalError:  # the table may not exist yet
        return 0


def test_kill_mid_ingest_then_rerun_stores_each_signal_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (inbox / "night.ndjson").open("w") as out:
        for n in range(TOTAL):
            out.write(
                json.dumps(
                    {
                        "id": f"signal-{n:05d}",
                        "kind": "error",
                        "route": f"/r/{n % 17}",
                        "error": {"type": "KeyError", "message": f"key {n}"},
                        "text": "padding " * 40,
                    }
                )
                + "\n"
            )
    db_path = tmp_path / "store.db"
    command = [sys.executable, "-m", "runner.cli", "--db", str(db_path), "ingest", "-q", str(inbox)]
    # A new session, so the kill reaches the ingest and its worker processes alike.
    victim = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 60
    while stored(db_path) == 0 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.005)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    partial = stored(db_path)
    assert 0 < partial < TOTAL, f"the kill landed outside the ingest ({partial} stored)"
    assert (inbox / "night.ndjson").exists(), "a file must not move to done/ before it is stored"

    subprocess.run(command, check=True)
    with sqlite3.connect(db_path) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM signals")]
    assert len(ids) == TOTAL
    assert set(ids) == {f"signal-{n:05d}" for n in range(TOTAL)}
    assert (inbox / "done" / "night.ndjson").exists()
