"""A reviewer's redirect from step N, and a runner killed mid-dispatch: both continue the
earlier run from a step (replayed in a fresh container, then the conversation goes on), and
nothing is dispatched twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.dispatch import redispatch, request_dispatch
from runner.git import branch_exists
from store import open_db
from store.night import list_dispatches
from store.runs import get_run, list_runs

COLD_CACHE = "TimeoutError: dashboard refresh for team 1 timed out after 30 s"
SUMMARY = (
    "tests.test_reports.test_summary_of_team_without_tasks failed: ZeroDivisionError: "
    "division by zero"
)


def test_a_redirect_from_a_step_replays_it_and_continues(
    make_case: Callable[..., Any], demo_scripts: Path
) -> None:
    case = make_case(scripts=demo_scripts)
    first = case.dispatch(COLD_CACHE)
    assert first.outcome == "not_reproduced", first.reason
    events = case.events(first.run_id)
    # The step after the agent's second command: two replies and their commands.
    execs = [e for e in events if e.kind == "exec"]
    at_step = execs[1].seq
    db = open_db(case.db_path)
    redispatch(
        db,
        first.issue_id,
        "Try it with a cold cache: the entry expires after cache_ttl.",
        from_run=first.run_id,
        at_step=at_step,
    )
    db.close()
    case.run_queued()
    proposals = case.proposals(first.issue_id)
    assert [p.status for p in proposals] == ["redirected", "open"]
    second = proposals[1]
    assert second.outcome == "proposed" and second.verified, second.reason
    assert second.branch and branch_exists(case.repo, second.branch)
    replayed = [e for e in case.events(second.run_id) if e.kind == "setup"]
    assert [e.command for e in replayed] == [e.command for e in execs[:2]]
    assert all(e.data["replay_of"].startswith(first.run_id) for e in replayed)
    # The new conversation began where the old one was cut, with the reviewer's words.
    request = next(e for e in case.events(second.run_id) if e.kind == "model_request")
    assert "cold cache" in str(request.data["body"]["new_messages"])
    assert request.data["messages"] > 4


def _wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_runner_killed_mid_dispatch_resumes_and_dispatches_nothing_twice(
    make_case: Callable[..., Any], demo_scripts: Path
) -> None:
    case = make_case(scripts=demo_scripts, model="delay_s = 0.7")
    issue = case.issue(SUMMARY)
    db = open_db(case.db_path)
    request_dispatch(db, issue)
    db.close()
    argv = [sys.executable, "-m", "runner.cli", "--config", str(case.config_file)]
    env = {**os.environ, **case.environ}
    runner = subprocess.Popen(
        [*argv, "dispatch", "--queued"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def agent_has_run_two_commands() -> bool:
        db = open_db(case.db_path)
        try:
            runs = [r for r in list_runs(db) if r.purpose == "agent"]
            done = db.execute(
                "SELECT COUNT(*) FROM run_events WHERE kind = 'exec' AND ended_at IS NOT NULL"
            ).fetchone()[0]
            return bool(runs) and done >= 2
        finally:
            db.close()

    try:
        _wait_for(agent_has_run_two_commands, 120)
    finally:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    db = open_db(case.db_path)
    killed = next(r for r in list_runs(db) if r.purpose == "agent")
    assert killed.status == "running"  # nobody could record the end
    db.close()

    again = subprocess.run(
        [*argv, "dispatch", "--queued"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    db = open_db(case.db_path)
    first = get_run(db, killed.id)
    assert first is not None and first.status == "interrupted"
    dispatches = list_dispatches(db, issue_id=issue)
    assert [(d.state, d.why) for d in dispatches] == [("interrupted", "manual"), ("done", "resume")]
    assert dispatches[1].from_run == killed.id
    agent_runs = [r for r in list_runs(db) if r.purpose == "agent" and r.issue_id == issue]
    assert len(agent_runs) == 2  # the killed one and its continuation, no third
    db.close()
    proposals = case.proposals(issue)
    assert len(proposals) == 1 and proposals[0].outcome == "proposed", proposals
    resumed = proposals[0].run_id
    replayed = [e for e in case.events(resumed) if e.kind == "setup"]
    assert len(replayed) >= 2 and all(killed.id in e.data["replay_of"] for e in replayed)
    # The killed run's container is gone.
    listed = subprocess.run(
        ["podman", "ps", "-a", "--filter", f"label=overnight.run={killed.id}", "-q"],
        capture_output=True,
        text=True,
    )
    assert listed.stdout.strip() == ""
