"""Money and stopping: limits fail closed before a request is sent, and SIGTERM ends a night
cleanly, runs in flight recorded as interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from store import open_db
from store.issues import links_for_issue
from store.night import list_dispatches, list_nights
from store.runs import list_runs

PRICED = """
[profiles.test.prices]
input_per_mtok = 1000.0
output_per_mtok = 1000.0
"""


def test_a_run_that_could_cross_its_cost_limit_ends_before_sending(
    make_case: Callable[..., Any],
) -> None:
    case = make_case(profile="max_cost_usd = 0.5\n" + PRICED)
    proposal = case.dispatch("OVERNIGHT-PROBE-STUCK")
    assert proposal.outcome == "gave_up"
    assert "would cross the run's limit of $0.50" in proposal.reason
    requests = [e for e in case.events(proposal.run_id) if e.kind == "model_request"]
    assert requests == []  # refused before sending anything


def test_a_spent_night_budget_starts_no_new_run_and_the_funnel_says_why(
    make_case: Callable[..., Any],
) -> None:
    case = make_case(
        profile="max_cost_usd = 100\n" + PRICED, night="budget_usd = 0.5\nmax_parallel = 1"
    )
    first = case.issue("OVERNIGHT-PROBE-STUCK one")
    second = case.issue("OVERNIGHT-PROBE-STUCK two")
    funnel = case.night()
    assert funnel.stopped_because and "night's budget of $0.50 is spent" in funnel.stopped_because
    assert funnel.outcomes == {"gave_up": 1} and funnel.dispatched == 1
    ran = [p.issue_id for p in case.proposals()]
    assert ran == [first]
    db = open_db(case.db_path)
    waiting = [d.issue_id for d in list_dispatches(db, state="queued")]
    assert waiting == [second]  # still queued for the next night
    night = list_nights(db)[0]
    assert night.status == "done" and night.reason == funnel.stopped_because
    db.close()


def test_sigterm_ends_the_night_cleanly(make_case: Callable[..., Any]) -> None:
    case = make_case(model="delay_s = 1.0")
    for n in range(3):
        case.issue(f"OVERNIGHT-PROBE-SLOW-COMMAND {n}")
    argv = [sys.executable, "-m", "runner.cli", "--config", str(case.config_file), "run"]
    runner = subprocess.Popen(
        [*argv, "--once"],
        env={**os.environ, **case.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        db = open_db(case.db_path)
        started = [r for r in list_runs(db) if r.purpose == "agent"]
        db.close()
        if len(started) >= 2:
            break
        time.sleep(0.2)
    runner.send_signal(signal.SIGTERM)
    out, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, out
    db = open_db(case.db_path)
    runs = [r for r in list_runs(db) if r.purpose == "agent"]
    assert runs and all(r.status != "running" for r in runs)
    night = list_nights(db)[0]
    assert night.status == "interrupted"
    states = {d.state for d in list_dispatches(db)}
    assert "running" not in states
    db.close()
    outcomes = {p.outcome for p in case.proposals()}
    assert "interrupted" in outcomes, out
    listed = subprocess.run(
        ["podman", "ps", "-a", "--filter", "label=overnight.run", "-q"],
        capture_output=True,
        text=True,
    )
    ours = {r.container_id for r in runs}
    assert not ours & set(listed.stdout.split())
    # The next night resumes each interrupted run from its last completed step.
    interrupted = {p.issue_id for p in case.proposals() if p.outcome == "interrupted"}
    again = subprocess.run(
        [*argv, "--once"],
        env={**os.environ, **case.environ},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    db = open_db(case.db_path)
    resumed = [d for d in list_dispatches(db) if d.why == "resume"]
    db.close()
    assert {d.issue_id for d in resumed} == interrupted
    assert all(d.state == "done" and d.from_run for d in resumed)
    finished = {p.issue_id for p in case.proposals() if p.outcome == "gave_up"}
    assert interrupted <= finished


def probe_error(signal_id: str, occurred_at: str) -> str:
    """One error of the stuck probe as the inbox takes it (its script gives up)."""
    frames = [
        {"file": "demo_app/app.py", "module": "demo_app.app", "function": function, "line": line}
        | {"in_app": True}
        for function, line in (("__call__", 145), ("authenticate", 167))
    ]
    return json.dumps(
        {
            "kind": "error",
            "id": signal_id,
            "occurred_at": occurred_at,
            "route": "/probe",
            "error": {"type": "ProbeError", "message": "OVERNIGHT-PROBE-STUCK", "frames": frames},
        }
    )


def test_an_issue_with_an_open_proposal_waits_until_new_signals_arrive(
    make_case: Callable[..., Any],
) -> None:
    case = make_case()
    inbox = case.root / "inbox"
    inbox.mkdir()
    (inbox / "first.ndjson").write_text(probe_error("probe-1", "2026-11-23T12:00:00+00:00"))
    assert case.night().dispatched == 1
    assert case.night().dispatched == 0  # worked on, nothing new: it waits for a person
    # A report that arrives after the proposal is news, even when it happened before the
    # first (a late upload, an export of yesterday's events).
    (inbox / "late.ndjson").write_text(probe_error("probe-2", "2026-11-22T08:00:00+00:00"))
    assert case.night().dispatched == 1
    (issue,) = {p.issue_id for p in case.proposals()}
    db = open_db(case.db_path)
    assert {link.signal_id for link in links_for_issue(db, issue)} == {"probe-1", "probe-2"}
    db.close()
    assert case.night().dispatched == 0


def test_the_runner_waits_for_its_window_and_stops_on_sigterm(
    make_case: Callable[..., Any],
) -> None:
    now = time.localtime()
    start = f"{(now.tm_hour + 2) % 24:02d}:00"
    case = make_case(night=f'window = "{start}-{(now.tm_hour + 3) % 24:02d}:00"')
    argv = [sys.executable, "-m", "runner.cli", "--config", str(case.config_file), "run"]
    runner = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert runner.stdout is not None
    line = runner.stdout.readline()
    assert line.startswith("waiting for the window:") and start in line
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=10) == 0
    db = open_db(case.db_path)
    assert list_nights(db) == []  # no night began outside the window
    db.close()


def test_a_run_that_cannot_start_is_named_in_the_funnel(make_case: Callable[..., Any]) -> None:
    case = make_case(night='branch = "no-such-branch"')
    issue = case.issue("OVERNIGHT-PROBE-STUCK")
    funnel = case.night()
    assert funnel.dispatched == 0 and len(funnel.not_started) == 1
    assert funnel.not_started[0].startswith(f"#{issue}:")
    assert "no-such-branch" in funnel.not_started[0]
    assert "1 could not start" in funnel.render()
    db = open_db(case.db_path)
    (dispatch,) = list_dispatches(db, issue_id=issue)
    assert dispatch.state == "cancelled" and "no-such-branch" in (dispatch.reason or "")
    db.close()
