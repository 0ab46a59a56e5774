"""Typed reads for the console's Proposal screen: the proposal, its signals, its replay.

Each read opens its own read-only connection (`open_reader`), so a console worker thread never
shares a connection, never migrates and never takes the write lock. The screen sees only the
pydantic models below; no SQL or row leaves this module.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlite_utils
from pydantic import BaseModel, Field

from store.issues import LinkState
from store.read import StoreUnavailable, connect_read_only
from store.review import CheckTest, Proposal, check_tests, get_proposal
from store.runs import EventKind, RunPurpose, RunRecord, get_run, list_events
from store.signal import Signal
from store.transcript import CommandData, EventData, event_data

SIGNALS_SHOWN = 50
"""At most this many signals of an issue are read for the Signals tab (the latest)."""
_REPLAYED_PURPOSES: tuple[RunPurpose, ...] = ("check_before", "check_after")


StoreMissing = StoreUnavailable
"""Raised by `open_reader` when there is no store (the read path's own error)."""


def open_reader(path: Path) -> sqlite_utils.Database:
    """A read-only connection to the store at `path`, for one thread; never migrates."""
    return sqlite_utils.Database(connect_read_only(Path(path)))


class ProposalDetail(BaseModel):
    """A proposal with what the Reasoning tab shows beside it: its issue and check cases."""

    proposal: Proposal
    issue_title: str
    issue_kind: str
    signal_count: int = 0
    users_affected: int = 0
    checks: list[CheckTest] = Field(default_factory=list)
    """The runner's check, test by test, before and after the fix."""


def load_proposal(db: sqlite_utils.Database, proposal_id: int) -> ProposalDetail | None:
    """The proposal `proposal_id` and its issue's headline; None when there is none."""
    proposal = get_proposal(db, proposal_id)
    if proposal is None:
        return None
    row = db.execute(
        "SELECT title, kind, signal_count, users_affected FROM issues WHERE id = ?",
        [proposal.issue_id],
    ).fetchone()
    title, kind, count, users = row if row else (f"issue {proposal.issue_id}", "error", 0, 0)
    return ProposalDetail(
        proposal=proposal,
        issue_title=title,
        issue_kind=kind,
        signal_count=count,
        users_affected=users,
        checks=check_tests(db, proposal_id),
    )


class LinkedSignal(BaseModel):
    """One signal behind an issue and why it was linked: three scores and the rule."""

    link_id: int
    state: LinkState
    fingerprint_score: float
    structure_score: float
    text_score: float
    rule: str
    linked_at: datetime
    signal_id: str
    signal: Signal | None = None
    """The envelope; None when the signal row is gone."""


class IssueSignals(BaseModel):
    """The latest signals of an issue (at most `SIGNALS_SHOWN`) and how many there are."""

    issue_id: int
    total: int
    signals: list[LinkedSignal]


def load_signals(
    db: sqlite_utils.Database, issue_id: int, limit: int = SIGNALS_SHOWN
) -> IssueSignals:
    """The issue's latest links with their envelopes, newest first, in one query."""
    rows = db.execute(
        "SELECT l.id, l.state, l.fingerprint_score, l.structure_score, l.text_score, l.rule, "
        "l.created_at, l.signal_id, s.envelope FROM links l "
        "LEFT JOIN signals s ON s.id = l.signal_id "
        "WHERE l.issue_id = ? ORDER BY l.id DESC LIMIT ?",
        [issue_id, limit],
    ).fetchall()
    total = db.execute("SELECT COUNT(*) FROM links WHERE issue_id = ?", [issue_id]).fetchone()[0]
    signals = [
        LinkedSignal(
            link_id=r[0],
            state=r[1],
            fingerprint_score=r[2],
            structure_score=r[3],
            text_score=r[4],
            rule=r[5],
            linked_at=r[6],
            signal_id=r[7],
            signal=Signal.model_validate_json(r[8]) if r[8] else None,
        )
        for r in rows
    ]
    return IssueSignals(issue_id=issue_id, total=int(total), signals=signals)


class ReplayStep(BaseModel):
    """One step of a run as the agent (or the runner's check) saw it."""

    run_id: str
    purpose: RunPurpose
    seq: int
    kind: EventKind
    command: list[str] | None = None
    stdout: str | None = None
    stderr: str | None = None
    exit_code: int | None = None
    duration_s: float | None = None
    detail: EventData
    """The typed data of the event's kind (model request, reply, tool, command, outcome)."""
    is_repro: bool = False
    """The step runs the proposal's reproduction command."""


class ReplayRun(BaseModel):
    """A run and its steps, in order."""

    run: RunRecord
    steps: list[ReplayStep]


class Replay(BaseModel):
    """The agent's run, then the runner's check runs (before, after) of the proposal."""

    proposal_id: int
    runs: list[ReplayRun]

    @property
    def steps(self) -> list[ReplayStep]:
        return [step for run in self.runs for step in run.steps]


def _is_repro(step: ReplayStep, repro_command: str | None) -> bool:
    if isinstance(step.detail, CommandData) and step.detail.check == "repro":
        return True
    if not repro_command or step.kind != "exec" or not step.command:
        return False
    return repro_command.strip() in " ".join(step.command)


def _replay_run(run: RunRecord, db: sqlite_utils.Database, repro: str | None) -> ReplayRun:
    steps = []
    for event in list_events(db, run.id):
        step = ReplayStep(
            run_id=run.id,
            purpose=run.purpose,
            seq=event.seq,
            kind=event.kind,
            command=event.command,
            stdout=event.stdout,
            stderr=event.stderr,
            exit_code=event.exit_code,
            duration_s=event.duration_s,
            detail=event_data(event),
        )
        step.is_repro = _is_repro(step, repro)
        steps.append(step)
    return ReplayRun(run=run, steps=steps)


def load_replay(db: sqlite_utils.Database, proposal_id: int) -> Replay | None:
    """The proposal's agent run and check runs with their steps; None without the proposal."""
    proposal = get_proposal(db, proposal_id)
    if proposal is None:
        return None
    runs: list[ReplayRun] = []
    agent = get_run(db, proposal.run_id)
    if agent is not None:
        runs.append(_replay_run(agent, db, proposal.repro_command))
    check_ids = db.execute(
        "SELECT id, purpose FROM runs WHERE proposal_id = ? AND purpose IN (?, ?) "
        "ORDER BY started_at, id",
        [proposal_id, *_REPLAYED_PURPOSES],
    ).fetchall()
    order = {purpose: i for i, purpose in enumerate(_REPLAYED_PURPOSES)}
    for run_id, _purpose in sorted(check_ids, key=lambda r: order[r[1]]):
        run = get_run(db, run_id)
        if run is not None:
            runs.append(_replay_run(run, db, proposal.repro_command))
    return Replay(proposal_id=proposal_id, runs=runs)
