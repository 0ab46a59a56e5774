"""The README's first command, less the console: one whole night on the sample signals, as a
user runs it (`overnight demo --no-review` in a subprocess), checked in the store and in the
demo repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from runner.git import is_dirty, resolve_commit
from store import open_db
from store.review import check_tests, list_proposals
from store.runs import list_events, list_runs

FIXED = {
    "summary-empty-team",
    "csv-export-filter-empty",
    "date-en-gb",
    "pagination-last-page",
    "settings-missing-section",
}


def test_the_demo_night_makes_verified_proposals_and_every_other_outcome(demo_night: Path) -> None:
    dest = demo_night
    printed = (dest / "demo.out").read_text()
    assert "unique issues" in printed and "verified" in printed
    db = open_db(dest / "overnight.db")
    proposals = list_proposals(db)
    outcomes = sorted(p.outcome for p in proposals)
    assert outcomes.count("proposed") >= 4, [(p.issue_id, p.outcome, p.reason) for p in proposals]
    assert {"not_reproduced", "out_of_scope", "gave_up"} <= set(outcomes)
    repo = dest / "teamboard"
    assert not is_dirty(repo) and resolve_commit(repo, "HEAD") == resolve_commit(repo, "main")
    for p in proposals:
        events = list_events(db, p.run_id)
        kinds = [e.kind for e in events]
        assert kinds[0] == "model_request" and "outcome" in kinds, kinds
        assert kinds[-1] == ("collect" if p.diff else "outcome")
        assert all(e.ended_at is not None for e in events)
        if p.outcome != "proposed":
            continue
        # Verified by the runner: fails before, passes after, no new failures; a branch.
        assert p.verified and p.repro_before not in (0, None) and p.repro_after == 0
        assert p.check_summary == "fails before / passes after / no new failures"
        assert p.branch and resolve_commit(repo, p.branch)
        trailers = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%(trailers)", p.branch],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Overnight-Issue: {p.issue_id}" in trailers and "Overnight-Check: fails" in trailers
        checks = [r for r in list_runs(db) if r.proposal_id == p.id]
        assert sorted(r.purpose for r in checks) == ["check_after"] * 2 + ["check_before"] * 2
        tests = check_tests(db, p.id)
        assert {t.phase for t in tests} == {"before", "after"}
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "runner.cli",
            "--config",
            str(dest / "overnight.toml"),
            "proposals",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == len(proposals) and all("branch" in r and "cost_usd" in r for r in rows)
