"""The console and a running night share one SQLite file: a real `overnight run --once` works
through redirects while a Pilot-driven console merges, closes and undoes. No "database is
locked" reaches the person, and no decision or run event is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.app import make_app
from runner.dispatch import redispatch
from store import open_db
from store.night import list_dispatches
from store.review import list_decisions, list_proposals
from store.runs import list_events, list_runs
from tests.conftest import copy_demo

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_decisions_made_while_a_night_runs_are_all_kept(
    demo_night: Path, tmp_path: Path
) -> None:
    demo = copy_demo(demo_night, tmp_path)
    config = demo / "overnight.toml"
    # Slow replies, so the night is writing the whole time the person works.
    config.write_text(config.read_text().replace("port = ", "delay_s = 0.4\nport = "))
    db = open_db(demo / "overnight.db")
    redo = [p for p in list_proposals(db) if p.outcome in ("not_reproduced", "gave_up")]
    for p in redo:
        redispatch(db, p.issue_id, "Try it with a cold cache, and say what you find.")
    runs_before = len(list_runs(db))
    db.close()
    night = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "--config", str(config), "run", "--once"],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = make_app(demo / "overnight.db", repo=demo / "teamboard", poll_seconds=0.1)
    made = 0
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (("m",), ("c", "enter"), ("u",), ("m",), ("c", "enter")):
            await pilot.pause(0.5)
            await pilot.press(*keys)
            made += 1
            deadline = time.monotonic() + 20
            while len(app.decisions_made) < made and time.monotonic() < deadline:
                await pilot.pause(0.1)
        while night.poll() is None:
            await pilot.pause(0.5)
        said = [str(n.message) for n in app._notifications]
    out = night.stdout.read() if night.stdout else ""
    assert night.returncode == 0, out
    assert not [s for s in said if "locked" in s.lower()], said
    assert len(app.decisions_made) == made
    db = open_db(demo / "overnight.db")
    decisions = list_decisions(db)
    assert [d.action for d in decisions] == ["merge", "close", "merge", "close"]
    undone = db.execute("SELECT action FROM decisions WHERE undone_at IS NOT NULL").fetchall()
    assert undone == [("close",)]  # the undo is kept on record, not a deleted row
    runs = list_runs(db, limit=1000)
    assert len(runs) > runs_before  # the night did work meanwhile
    assert all(r.status != "running" for r in runs)
    for run in runs:
        assert all(e.ended_at is not None for e in list_events(db, run.id)), run.id
    redirects = [d for d in list_dispatches(db) if d.why == "redirect"]
    assert sorted(d.issue_id for d in redirects) == sorted(p.issue_id for p in redo)
    assert all(d.state == "done" for d in redirects), out
    db.close()
