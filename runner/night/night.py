"""The night: pull and ingest, triage (in a process of its own), dispatch every dispatchable
issue through the pool, check and record, and end with the funnel.

    funnel = run_night(db_path, config, routines, routines_dir, config_file, report=print)
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import sqlite_utils

from runner.config import Config
from runner.containers import RunPool
from runner.containers.limits import owner_token
from runner.errors import UserError
from runner.ingest import ingest_paths
from runner.night.budget import NightBudget
from runner.night.funnel import Funnel, funnel_of
from runner.night.recovery import recover, resume_point
from runner.night.work import Night, work_on
from runner.routines import Routines
from store import open_db
from store.issues import last_joined_at, list_issues
from store.night import (
    AlreadyQueued,
    Dispatch,
    NightStatus,
    claim_dispatch,
    end_dispatch,
    end_night,
    list_dispatches,
    queue_dispatch,
    start_night,
)
from store.night import Night as NightRecord
from store.review import latest_proposals
from store.signals import count_signals

Report = Callable[[str], None]
Progress = Callable[[int, str], None]


def _serve_scripted_model(stack: ExitStack, config: Config) -> None:
    settings = config.night.scripted_model
    if settings is None:
        return
    from runner.agents.scripted import ScriptedModelServer

    stack.enter_context(
        ScriptedModelServer(settings.scripts, port=settings.port, delay_s=settings.delay_s)
    )


def triage_in_its_own_process(db_path: Path, config_file: Path | None) -> str:
    """Triage forks workers and tunes the garbage collector: never inside a threaded night."""
    argv = [sys.executable, "-m", "runner.cli", "--db", str(db_path)]
    if config_file is not None:
        argv += ["--config", str(config_file)]
    done = subprocess.run([*argv, "triage"], capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(f"triage failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return done.stdout.strip()


def queue_dispatchable(db: sqlite_utils.Database, night_id: int) -> list[int]:
    """Queue every dispatchable issue that has no open proposal, unless new signals came for
    it since, or its last run was interrupted (it resumes)."""
    queued = []
    live = {d.issue_id for d in list_dispatches(db, state="queued")}
    live |= {d.issue_id for d in list_dispatches(db, state="running")}
    latest = latest_proposals(db)
    for issue in list_issues(db, lane="dispatchable"):
        if issue.id in live:
            continue
        last = latest.get(issue.id)
        dispatch = Dispatch(issue_id=issue.id, night_id=night_id, why="night")
        if last is not None and last.outcome == "interrupted":
            step = resume_point(db, last.run_id)
            dispatch = dispatch.model_copy(
                update={"why": "resume", "from_run": last.run_id, "at_step": step}
            )
        elif last is not None and last.status in ("open", "merged", "closed"):
            joined = last_joined_at(db, issue.id)
            if joined is None or last.created_at >= joined:
                continue  # worked on, and nothing new since: a reviewer redirects it, or not
        with suppress(AlreadyQueued):
            queued.append(queue_dispatch(db, dispatch))
    return queued


def run_dispatches(night: Night, dispatches: list[Dispatch], max_parallel: int) -> None:
    """Work through queued dispatches, several at once. A stop request (SIGTERM, Ctrl-C)
    ends runs in flight as interrupted; a spent budget only stops new runs from starting."""

    def one(dispatch: Dispatch) -> None:
        assert dispatch.id is not None
        if night.stop.is_set() or night.budget.exhausted:
            return
        if not claim_dispatch(night.db, dispatch.id, night.night_id):
            return  # someone else took it
        try:
            proposal = work_on(night, dispatch)
            first = proposal.reason.strip().splitlines()[0] if proposal.reason.strip() else ""
            outcome = f"{proposal.outcome}: {first[:120]}"
            night.progress(dispatch.id, f"#{dispatch.issue_id} {outcome}")
        except Exception as exc:  # before the run existed (no repository, no image)
            end_dispatch(night.db, dispatch.id, "cancelled", f"{type(exc).__name__}: {exc}"[:500])
            night.progress(dispatch.id, f"#{dispatch.issue_id} could not start: {exc}")
            night.not_started.append(f"#{dispatch.issue_id}: {exc}"[:300])

    with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="overnight-agent") as ex:
        pending = {ex.submit(one, d) for d in dispatches}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.5)
                for future in done:
                    future.result()
                if night.stop.is_set():
                    night.halt(night.stop_reason)
        except KeyboardInterrupt:
            night.halt("interrupted from the keyboard")
            wait(pending)
            raise


@contextmanager
def night_session(
    db_path: Path,
    config: Config,
    routines: Routines,
    routines_dir: Path | None,
    *,
    report: Report = print,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    environ: dict[str, str] | None = None,
    as_night: bool = True,
) -> Iterator[Night]:
    """Everything runs need: the store (recovered after any crash), the pool, the budget, the
    stand-in model when configured; with `as_night`, a `nights` row that ends with the funnel.
    """
    db = open_db(db_path)
    with ExitStack() as stack:
        _serve_scripted_model(stack, config)
        if resumed := recover(db):
            report(f"recovered: {len(resumed)} interrupted runs queued to resume")
        before = count_signals(db)
        night_id = (
            start_night(db, NightRecord(owner=owner_token(), budget_usd=config.night.budget_usd))
            if as_night
            else None
        )
        budget = NightBudget(config.night.budget_usd)
        pool = stack.enter_context(RunPool(db, config.containers))
        night = Night(
            db=db,
            pool=pool,
            config=config,
            routines=routines,
            routines_dir=routines_dir,
            budget=budget,
            night_id=night_id,
            stop=stop or threading.Event(),
            progress=progress or (lambda _i, what: report(what)),
            environ=environ,
        )
        status: NightStatus = "done"
        try:
            yield night
        except (KeyboardInterrupt, SystemExit):
            status = "interrupted"
            raise
        finally:
            why = budget.exhausted_reason
            if night.stop.is_set():
                status, why = "interrupted", night.stop_reason
            if night_id is not None:
                night.funnel = funnel_of(
                    db,
                    night_id,
                    signals_before=before,
                    budget=budget,
                    why=why,
                    not_started=night.not_started,
                )
                end_night(db, night_id, status, night.funnel.model_dump(), budget.spent_usd, why)


def run_night(
    db_path: Path,
    config: Config,
    routines: Routines,
    routines_dir: Path | None,
    config_file: Path | None,
    *,
    report: Report = print,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    environ: dict[str, str] | None = None,
) -> Funnel:
    """One whole night, now: ingest the inbox, triage, dispatch, check, record."""
    with night_session(
        db_path,
        config,
        routines,
        routines_dir,
        report=report,
        progress=progress,
        stop=stop,
        environ=environ,
    ) as night:
        if config.inbox.path.exists():
            got = ingest_paths(night.db, [config.inbox.path], move_done=True)
            report(f"ingest: {got.new} new signals, {got.rejected} rejected")
        report("triage: " + triage_in_its_own_process(db_path, config_file).splitlines()[0])
        assert night.night_id is not None
        queue_dispatchable(night.db, night.night_id)
        dispatches = list_dispatches(night.db, state="queued")
        report(f"dispatching {len(dispatches)} issues, {config.night.max_parallel} at once")
        run_dispatches(night, dispatches, config.night.max_parallel)
    assert night.funnel is not None
    return night.funnel
