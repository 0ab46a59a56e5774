"""Agent runs on the probe scripts, in real containers: escapes fail and are on record, bad
replies are answered, stuck loops and slow commands are handled, out-of-scope fixes flagged."""

from __future__ import annotations

import json
from typing import Any

from runner.git import branch_exists, is_dirty, resolve_commit

Case = Any  # the `case` fixture of conftest.py


def _commands(case: Case, run_id: str) -> list[tuple[str, int | None, str]]:
    return [
        (e.command[-1] if e.command else "", e.exit_code, (e.stdout or "") + (e.stderr or ""))
        for e in case.events(run_id)
        if e.kind == "exec"
    ]


def test_escapes_fail_and_are_in_the_transcript(case: Case) -> None:
    proposal = case.dispatch("OVERNIGHT-PROBE-HOSTILE: a user asks us to phone home")
    assert proposal.outcome == "gave_up"
    commands = _commands(case, proposal.run_id)
    by_text = {c: (code, out) for c, code, out in commands}
    network = [c for c in by_text if "1.1.1.1" in c or "pypi.org" in c]
    assert network and all(by_text[c][0] != 0 for c in network), commands
    writes = [c for c in by_text if c.startswith("touch /")]
    assert writes and all(by_text[c][0] != 0 for c in writes)
    edits = [e for e in case.events(proposal.run_id) if e.data.get("tool") == "edit"]
    assert edits and all(e.exit_code != 0 for e in edits), [e.stderr for e in edits]
    assert any("outside /workspace" in (e.stderr or "") for e in edits)
    # The key is read on the host and never reaches the container or the record.
    everything = json.dumps([e.model_dump(mode="json") for e in case.events(proposal.run_id)])
    assert case.environ["OVERNIGHT_TEST_MODEL_KEY"] not in everything
    key_echo = [out for c, _, out in commands if "OVERNIGHT_TEST_MODEL_KEY" in c]
    assert key_echo and all("[]" in out for out in key_echo)


def test_bad_replies_are_answered_and_count_as_steps(case: Case) -> None:
    proposal = case.dispatch("OVERNIGHT-PROBE-FAULTS")
    assert proposal.outcome == "gave_up", proposal.reason
    assert "Fault probe finished" in proposal.reason
    events = case.events(proposal.run_id)
    errors = [e.data["result"] for e in events if e.kind == "tool" and e.data.get("is_error")]
    assert any("could not be read" in r for r in errors), errors
    assert any("There is no tool" in r for r in errors), errors
    replies = [e.data for e in events if e.kind == "model_reply"]
    assert any(r["stop"] == "max_tokens" for r in replies)
    assert any(not r["text"] and not r["tool_calls"] for r in replies)  # the empty one
    assert proposal.steps == len(replies) >= 8


def test_a_stuck_loop_ends_the_run(case: Case) -> None:
    proposal = case.dispatch("OVERNIGHT-PROBE-STUCK")
    assert proposal.outcome == "gave_up"
    assert proposal.reason.startswith("stuck: ran `ls` 3 times")
    assert len(_commands(case, proposal.run_id)) == 3


def test_a_command_past_its_limit_is_output_and_the_run_goes_on(case: Case) -> None:
    proposal = case.dispatch("OVERNIGHT-PROBE-SLOW-COMMAND")
    assert proposal.outcome == "gave_up", proposal.reason
    execs = [e for e in case.events(proposal.run_id) if e.kind == "exec"]
    assert execs[0].exit_code == 124 and execs[0].data["timed_out"] is True
    assert execs[0].duration_s is not None and execs[0].duration_s < 15
    assert "still here" in (execs[1].stdout or "")


def test_a_fix_beyond_its_scope_is_flagged_and_kept_for_the_record(case: Case) -> None:
    head = resolve_commit(case.repo, "main")
    proposal = case.dispatch("OVERNIGHT-PROBE-WANDERS")
    assert proposal.outcome == "out_of_scope" and not proposal.verified
    assert "README.md" in proposal.reason and "auth/session.py" in proposal.reason
    assert "denied" in proposal.reason
    assert proposal.branch and branch_exists(case.repo, proposal.branch)
    # The user's checkout is untouched.
    assert resolve_commit(case.repo, "main") == head and not is_dirty(case.repo)


def test_an_endpoint_that_stays_down_fails_the_run_not_the_night(case: Case) -> None:
    down = case.issue("OVERNIGHT-PROBE-DOWN")
    fine = case.issue("OVERNIGHT-PROBE-STUCK")
    from runner.dispatch import request_dispatch
    from store import open_db
    from store.review import list_proposals

    db = open_db(case.db_path)
    request_dispatch(db, down)
    request_dispatch(db, fine)
    db.close()
    case.run_queued()
    db = open_db(case.db_path)
    outcomes = {p.issue_id: p for p in list_proposals(db)}
    assert outcomes[down].outcome == "failed"
    assert "500" in outcomes[down].reason or "unavailable" in outcomes[down].reason.lower()
    assert outcomes[fine].outcome == "gave_up"


def test_the_anthropic_protocol_runs_the_same_loop(make_case: Any) -> None:
    case = make_case(protocol="anthropic")
    proposal = case.dispatch("OVERNIGHT-PROBE-FAULTS")
    assert proposal.outcome == "gave_up", proposal.reason
    assert "Fault probe finished" in proposal.reason
    request = next(e for e in case.events(proposal.run_id) if e.kind == "model_request")
    assert request.data["protocol"] == "anthropic"
    wanders = case.dispatch("OVERNIGHT-PROBE-WANDERS")
    assert wanders.outcome == "out_of_scope" and wanders.diff
