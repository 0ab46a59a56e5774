"""One writer of issue state: a person's decisions while a real triage runs.

A real `overnight triage` process works through a large night while the test confirms a
proposal and splits a signal off through the public functions the console calls. Both become
requests the running triage applies between batches; afterwards every count matches the
links, no issue id was taken twice, and nothing was linked into the merged issue.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from runner.ingest import ingest_paths, store_parsed
from runner.triage.engine import triage_pending
from runner.triage.review import confirm_link, split_link
from store import open_db
from store.issues import get_issue, links_for_issue, links_for_signal
from store.triage_requests import holder

from .conftest import crash

OVERNIGHT = Path(sys.executable).with_name("overnight")


def write_night(path: Path, count: int, problems: int) -> None:
    """`count` errors over `problems` faults, each fault on its own route and function."""
    rng = random.Random(5)
    with path.open("w") as out:
        for i in range(count):
            n = rng.randrange(problems)
            frames = [
                {
                    "file": "app/views.py",
                    "module": "app.views",
                    "function": "handle",
                    "in_app": True,
                },
                {
                    "file": f"app/m{n}.py",
                    "module": f"app.m{n}",
                    "function": f"f{n}",
                    "in_app": True,
                },
            ]
            record = {
                "kind": "error",
                "route": f"/area{n}/items/{rng.randrange(999)}",
                "actor": {"id": f"u{rng.randrange(500)}"},
                "error": {"type": "KeyError", "message": f"key k{n} missing", "frames": frames},
                "occurred_at": f"2026-11-23T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            }
            out.write(json.dumps(record) + "\n")


def test_a_person_confirms_and_splits_while_a_real_triage_runs(tmp_path: Path) -> None:
    path = tmp_path / "night.db"
    db = open_db(path)
    first = crash("alpha beta gamma", route="/reports", user="u1")
    second = crash("completely other words here", route="/settings/plan", user="u2")
    a = crash("division by zero", user="a1")
    b = crash("division by zero", user="a2", line=41)
    store_parsed(db, [first, second, a, b])
    triage_pending(db)
    (proposal,) = [x for x in links_for_signal(db, second.id) if x.state == "proposed"]
    (b_link,) = [x for x in links_for_signal(db, b.id) if x.state == "linked"]
    old_home = b_link.issue_id
    assert get_issue(db, old_home).signal_count == 2  # type: ignore[union-attr]

    # A large night arrives; a real triage process works through it.
    night = tmp_path / "night.ndjson"
    write_night(night, 40_000, 4_000)
    ingest_paths(db, [night], move_done=False)
    env = dict(os.environ)
    process = subprocess.Popen(
        [str(OVERNIGHT), "--db", str(path), "triage"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while (lease := holder(db)) is None or lease.holder != "triage":
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "triage never took the lease"
            time.sleep(0.02)
        target = confirm_link(db, proposal.id, by="ada")
        split_home = split_link(db, b_link.id, by="ada")
        still_running = process.poll() is None
    finally:
        _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    requests = db.execute("SELECT action, applied_at, error FROM triage_requests").fetchall()
    # Both went through the running triage (or, had it just finished, were applied after it).
    assert sorted(r[0] for r in requests) == ["confirm", "split"]
    assert all(r[1] is not None and r[2] is None for r in requests)
    assert still_running, "triage finished before the decisions: the test proved nothing"

    merged = get_issue(db, proposal.home_issue_id or 0)
    assert merged is not None and merged.status == "merged" and merged.merged_into == target
    assert not links_for_issue(db, merged.id, ["linked"])
    split_issue = get_issue(db, split_home)
    assert split_issue is not None and split_home != old_home
    assert [x.signal_id for x in links_for_issue(db, split_home, ["linked"])][:1] == [b.id]
    # Every open issue's count is what its links say: triage never wrote over a decision.
    wrong = db.execute(
        "SELECT i.id, i.signal_count, COUNT(l.id) FROM issues i "
        "LEFT JOIN links l ON l.issue_id = i.id AND l.state = 'linked' "
        "WHERE i.status = 'open' GROUP BY i.id HAVING i.signal_count != COUNT(l.id)"
    ).fetchall()
    assert wrong == []
    # Ids came from one sequence: dense, none taken twice (the key would have refused it).
    count, top = db.execute("SELECT COUNT(*), MAX(id) FROM issues").fetchone()
    assert top - count < 10
    assert holder(db) is None
    db.close()
