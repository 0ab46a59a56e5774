"""One dispatch, end to end: an agent run in a container, the runner's check, the proposal.

    proposal = work_on(night, dispatch)

Whatever happens inside (a model that stays down, a container error, a limit) becomes the
proposal's outcome and reason; only an interruption (SIGTERM, Ctrl-C) is passed on, after the
run is recorded as interrupted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from runner.agents.conversation import Resumption, resume_from
from runner.agents.loop import Agent, Limits, Totals
from runner.agents.models import ModelError, UserMessage, open_model
from runner.agents.prompt import issue_data, redirect_message, task_message, template_text
from runner.agents.tools import CommandOutcome, Ending, Interrupted, LimitsExceeded, Submitted
from runner.config import Config
from runner.containers import LimitSettings, Run, RunEnded, RunPool
from runner.errors import UserError
from runner.git import resolve_commit
from runner.night.budget import NightBudget
from runner.night.check import Checker
from runner.night.proposal import Attempt, record_ending, record_submission
from runner.routines import AgentProfile, Guardrails, Routines, match_routine
from store.issues import Issue, get_issue
from store.night import Dispatch, DispatchState, end_dispatch, set_dispatch_run, set_run_role
from store.review import Proposal, proposal_for_run
from store.runs import list_events
from store.transcript import OutcomeData

Progress = Callable[[int, str], None]
"""Told (dispatch id, what is happening) as a run goes on."""


@dataclass
class Night:
    """What the runs of one night share."""

    db: sqlite_utils.Database
    pool: RunPool
    config: Config
    routines: Routines
    routines_dir: Path | None
    budget: NightBudget
    night_id: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    stop_reason: str = "the runner was asked to stop"
    progress: Progress = lambda _id, _what: None
    environ: dict[str, str] | None = None

    active: dict[str, Run] = field(default_factory=dict)
    funnel: Any = None
    """The night's funnel, once it has ended."""
    not_started: list[str] = field(default_factory=list)
    """Dispatches whose run could not start, each with the reason (no image, limits the host
    cannot enforce, no repository)."""
    """Agent runs in progress, so a stop can end them at once."""

    def should_stop(self) -> str | None:
        return self.stop_reason if self.stop.is_set() else None

    def halt(self, reason: str) -> None:
        """Stop the night: no new run starts, runs in flight end as interrupted."""
        self.stop_reason = reason
        self.stop.set()
        for run in list(self.active.values()):
            run.finish("interrupted", reason)


class RunWorkspace:
    """The agent's container, as the loop sees it: commands in, outcomes and records out."""

    def __init__(self, run: Run, should_stop: Callable[[], str | None]) -> None:
        self.run = run
        self.should_stop = should_stop

    def run_command(
        self, argv: list[str], timeout_s: float, data: dict[str, Any]
    ) -> CommandOutcome:
        try:
            got = self.run.exec(argv, timeout_s, data=data)
        except RunEnded as exc:
            if stop := self.should_stop():
                raise Interrupted(stop) from exc
            raise LimitsExceeded(f"the run's container time limit ended it ({exc})") from exc
        if stop := self.should_stop():
            raise Interrupted(stop)
        return CommandOutcome(got.exit_code, got.stdout, got.stderr, got.duration_s, got.timed_out)

    def record(self, kind: str, data: dict[str, Any]) -> int:
        return self.run.record_event(kind, data).seq  # type: ignore[arg-type]


def profile_for(routines: Routines, issue: Issue) -> tuple[str, AgentProfile, Guardrails]:
    """The agent profile and guardrails for an issue: its routine's, else the first profile."""
    routine = match_routine(routines, issue)
    if routine is not None and routine.profile:
        return routine.profile, routines.profiles[routine.profile], routine.guardrails
    if not routines.profiles:
        raise UserError("the routines define no agent profile to dispatch to")
    name = next(iter(routines.profiles))
    return name, routines.profiles[name], routine.guardrails if routine else Guardrails()


def _limits(night: Night, profile: AgentProfile) -> LimitSettings:
    base = night.config.containers.limits
    return base.model_copy(
        update={
            "memory_mb": profile.memory_mb() if base.memory_mb else None,
            "cpus": profile.cpus,
            "network": profile.network,
            "run_timeout_s": profile.max_minutes * 60 + 120,  # the loop's own limit ends first
        }
    )


def _earlier_summary(db: sqlite_utils.Database, run_id: str) -> str:
    earlier = proposal_for_run(db, run_id)
    commands = [e for e in list_events(db, run_id) if e.kind == "exec" and e.command]
    lines = []
    if earlier is not None:
        lines.append(f"- outcome: {earlier.outcome} ({earlier.reason})")
        if earlier.files:
            lines.append(f"- files changed: {', '.join(earlier.files)}")
        if earlier.check_summary:
            lines.append(f"- the runner's check: {earlier.check_summary}")
    for event in commands[-6:]:
        assert event.command is not None
        shown = event.command[-1] if event.data.get("tool") == "bash" else event.data.get("tool")
        lines.append(f"- ran `{str(shown)[:160]}` → exit {event.exit_code}")
    return "\n".join(lines) or "(no record of it)"


def _replay(run: Run, resumption: Resumption) -> None:
    """Bring the new container to the earlier run's state at the step."""
    for event in resumption.commands:
        if event.command:
            run.exec(
                event.command,
                max(30.0, (event.duration_s or 0) * 3),
                kind="setup",
                data={"replay_of": f"{event.run_id}#{event.seq}", **event.data},
            )


def work_on(night: Night, dispatch: Dispatch) -> Proposal:
    """Run an agent on the dispatch's issue, check what it submits, record the result."""
    assert dispatch.id is not None
    db, settings = night.db, night.config.night
    issue = get_issue(db, dispatch.issue_id)
    if issue is None:
        raise UserError(f"no issue #{dispatch.issue_id}")
    if settings.repository is None:
        raise UserError("set [night] repository in overnight.toml: the repository agents work on")
    repo = settings.repository
    base = resolve_commit(repo, settings.branch)
    profile_name, profile, guardrails = profile_for(night.routines, issue)
    night.progress(dispatch.id, f"#{issue.id} preparing the image")
    image = night.pool.image_for(repo, base)
    night.progress(dispatch.id, f"#{issue.id} starting the container")
    run = night.pool.start(repo, base, image, issue_id=issue.id, limits=_limits(night, profile))
    set_run_role(db, run.id, "agent", dispatch_id=dispatch.id)
    set_dispatch_run(db, dispatch.id, run.id)
    workspace = RunWorkspace(run, night.should_stop)
    night.active[run.id] = run
    endpoint = profile.endpoint_settings()
    attempt = Attempt(
        db, settings, night.night_id, dispatch, issue, run, profile_name, profile.model
    )
    agent: Agent | None = None
    try:
        model = open_model(endpoint, environ=night.environ)
        system = template_text(profile.prompt, night.routines_dir)
        first = None
        messages = []
        if dispatch.from_run and dispatch.at_step is not None:
            earlier_events = list_events(db, dispatch.from_run)
            resumption = resume_from(earlier_events, dispatch.at_step)
            night.progress(dispatch.id, f"#{issue.id} replaying {len(resumption.commands)} steps")
            _replay(run, resumption)
            system = resumption.system or system
            messages = list(resumption.messages)
            if dispatch.context:
                messages.append(UserMessage(text=redirect_message(dispatch.context)))
        else:
            earlier = _earlier_summary(db, dispatch.from_run) if dispatch.from_run else None
            first = UserMessage(
                text=task_message(issue_data(db, issue), context=dispatch.context, earlier=earlier)
            )
        agent = Agent(
            model=model,
            protocol=endpoint.protocol,
            system=system,
            workspace=workspace,
            recorder=workspace,
            limits=Limits(
                max_steps=profile.max_steps,
                max_seconds=profile.max_minutes * 60,
                max_cost_usd=profile.max_cost_usd,
                prices=profile.prices,
            ),
            spending=night.budget,
            should_stop=night.should_stop,
            messages=messages,
        )
        night.progress(dispatch.id, f"#{issue.id} agent at work")
        end = agent.run(first)
    except ModelError as exc:
        end = Ending(f"the model could not be used: {exc.reason}")
    except (KeyboardInterrupt, SystemExit):
        night.active.pop(run.id, None)
        _finish(attempt, Interrupted("the runner was stopped"), agent.totals if agent else None)
        raise
    except Exception as exc:  # a container or store error ends this run, not the night
        end = Ending(f"{type(exc).__name__}: {exc}"[:500])
    night.active.pop(run.id, None)
    totals = agent.totals if agent is not None else None
    run.record_event("outcome", OutcomeData(outcome=end.outcome, reason=end.reason).model_dump())
    if isinstance(end, Submitted):
        night.progress(dispatch.id, f"#{issue.id} collecting the diff")
        try:
            diff = run.diff()
        except Exception as exc:
            diff = ""
            end = Ending(f"the diff could not be taken out of the container: {exc}"[:500])
        run.finish("ok")
        if isinstance(end, Submitted):
            checker = Checker(
                db,
                night.pool,
                settings.test_command,
                settings.repro_timeout_s,
                settings.test_timeout_s,
                _limits(night, profile),
            )
            night.progress(dispatch.id, f"#{issue.id} the runner checks the fix")
            proposal = record_submission(
                attempt,
                end,
                diff=diff,
                image=image,
                guardrails=guardrails,
                checker=checker,
                totals=totals,
            )
            end_dispatch(db, dispatch.id, "done", proposal.outcome)
            return proposal
    return _finish(attempt, end, totals)


def _finish(attempt: Attempt, end: Ending, totals: Totals | None) -> Proposal:
    """Record a run that ended without a submission, and end its dispatch."""
    interrupted = isinstance(end, Interrupted)
    attempt.run.finish("interrupted" if interrupted else "ok", end.reason[:500])
    proposal = record_ending(attempt, end, totals)
    assert attempt.dispatch.id is not None
    state: DispatchState = "interrupted" if interrupted else "done"
    end_dispatch(attempt.db, attempt.dispatch.id, state, end.reason[:500])
    return proposal
