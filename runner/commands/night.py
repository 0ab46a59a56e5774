"""`overnight run`, `dispatch`, `redispatch` and `proposals`: the night and what it made."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType

from runner.cli import Context, Subcommands
from runner.commands.triage import routines_of
from runner.dispatch import redispatch, request_dispatch
from runner.errors import UserError
from runner.night.night import night_session, run_dispatches, run_night
from runner.night.progress import LineProgress
from runner.night.window import next_window
from runner.stopping import wait_for_stop
from store.db import database_file
from store.issues import get_issue
from store.night import DispatchWhy, list_dispatches
from store.review import Proposal, list_proposals


def register(commands: Subcommands) -> None:
    run = commands.add_parser(
        "run",
        help="the runner: each night in the window, ingest, triage, dispatch, check, record",
        description=(
            "Wait for the nightly window ([night] window in overnight.toml), do the night, "
            "sleep until the next. With --once, do one night now and print its funnel. "
            "SIGTERM stops cleanly: runs in flight end as interrupted and resume next time."
        ),
    )
    run.add_argument("--once", action="store_true", help="do one night now, then stop")
    run.set_defaults(handler=run_run)

    dispatch = commands.add_parser(
        "dispatch",
        help="run an agent on one issue now (or work through queued requests)",
        description="Run an agent on an issue now: the runner checks what it submits, and the "
        "result is a proposal (see `overnight proposals`).",
    )
    dispatch.add_argument(
        "issue_id", type=int, nargs="?", help="the issue (see `overnight issues`)"
    )
    dispatch.add_argument(
        "--anyway",
        action="store_true",
        help="dispatch an issue the safety filter held for a person (the record shows it)",
    )
    dispatch.add_argument(
        "--queued",
        action="store_true",
        help="work through every queued request (redirects from the console) and stop",
    )
    dispatch.set_defaults(handler=run_dispatch)

    again = commands.add_parser(
        "redispatch",
        help="redirect an issue's agent with a reviewer's context",
        description="Start a new run carrying your context and a summary of the earlier "
        "attempt; with --from-run and --at-step, replay that run's commands up to the step "
        "and continue the conversation from there.",
    )
    again.add_argument("issue_id", type=int)
    again.add_argument("--context", required=True, help="what the agent should know or change")
    again.add_argument("--from-run", help="the earlier run to continue from")
    again.add_argument("--at-step", type=int, help="the step (event number) to continue from")
    again.add_argument("--later", action="store_true", help="only queue it for the next night")
    again.set_defaults(handler=run_redispatch)

    proposals = commands.add_parser(
        "proposals",
        help="list what agent runs came to: proposals, checks, branches, cost",
        description="Every agent run's result: issue, outcome, the runner's check, branch, "
        "diff size and cost.",
    )
    proposals.add_argument("--json", action="store_true", help="JSON Lines, one per proposal")
    proposals.add_argument("--issue", type=int, help="only this issue's")
    proposals.set_defaults(handler=run_proposals)


def _routines_dir(ctx: Context) -> Path:
    """Where the routines file's relative paths (prompt templates) are taken from."""
    return ctx.config_file.parent if ctx.config_file else Path.cwd()


def _db_path(ctx: Context) -> Path:
    name = database_file(ctx.db())  # the store is created and migrated first
    if name is None:
        raise UserError("the night needs a store file (not an in-memory database)")
    return Path(name)


def _stop_on_sigterm(stop: threading.Event) -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)


def run_run(ctx: Context) -> int:
    db_path = _db_path(ctx)
    stop = threading.Event()
    _stop_on_sigterm(stop)
    progress = LineProgress(sys.stderr)
    done_for = None
    while True:
        if not ctx.args.once:
            start, end = next_window(ctx.config.night.window)
            if start == done_for:  # this window's night is done: wait for the next
                start, end = next_window(ctx.config.night.window, end + timedelta(minutes=1))
            done_for = start
            if start > start.now(start.tzinfo):
                print(f"waiting for the window: {start:%Y-%m-%d %H:%M} to {end:%H:%M}", flush=True)
                if wait_for_stop(stop, until=start):
                    return 0
        funnel = run_night(
            db_path,
            ctx.config,
            routines_of(ctx),
            _routines_dir(ctx),
            ctx.config_file,
            report=progress.say,
            progress=progress.update,
            stop=stop,
            environ=dict(os.environ),
        )
        progress.close()
        print(funnel.render())
        if ctx.args.once or stop.is_set():
            return 0


def _work_now(ctx: Context, dispatch_ids: list[int] | None) -> int:
    progress = LineProgress(sys.stderr)
    stop = threading.Event()
    _stop_on_sigterm(stop)
    with night_session(
        _db_path(ctx),
        ctx.config,
        routines_of(ctx),
        _routines_dir(ctx),
        report=progress.say,
        progress=progress.update,
        stop=stop,
        environ=dict(os.environ),
        as_night=False,
    ) as night:
        queued = list_dispatches(night.db, state="queued")
        chosen = [d for d in queued if dispatch_ids is None or d.id in dispatch_ids]
        run_dispatches(night, chosen, ctx.config.night.max_parallel)
        for d in chosen:
            for proposal in list_proposals(night.db, issue_id=d.issue_id):
                if proposal.dispatch_id == d.id:
                    print(_line(proposal))
    progress.close()
    return 0


def run_dispatch(ctx: Context) -> int:
    if ctx.args.queued:
        return _work_now(ctx, None)
    if ctx.args.issue_id is None:
        raise UserError("name an issue to dispatch, or use --queued")
    issue = get_issue(ctx.db(), ctx.args.issue_id)
    if issue is None:
        raise UserError(f"no issue #{ctx.args.issue_id}")
    if issue.lane == "held" and not ctx.args.anyway:
        reasons = "; ".join(issue.reasons) or "held"
        raise UserError(f"issue #{issue.id} is held for a person ({reasons}); add --anyway")
    why: DispatchWhy = "held_override" if issue.lane == "held" else "manual"
    dispatch_id = request_dispatch(ctx.db(), issue.id, why=why, requested_by=os.environ.get("USER"))
    return _work_now(ctx, [dispatch_id])


def run_redispatch(ctx: Context) -> int:
    dispatch_id = redispatch(
        ctx.db(),
        ctx.args.issue_id,
        ctx.args.context,
        from_run=ctx.args.from_run,
        at_step=ctx.args.at_step,
        requested_by=os.environ.get("USER"),
    )
    if ctx.args.later:
        print(f"queued dispatch {dispatch_id} for issue #{ctx.args.issue_id}")
        return 0
    return _work_now(ctx, [dispatch_id])


def first_line(text: str, limit: int = 100) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _line(p: Proposal) -> str:
    check = "verified" if p.verified else (p.check_summary or "-")
    size = f"+{p.added}/-{p.removed}" if p.diff else "-"
    return (
        f"{p.id:>4} #{p.issue_id:<4} {p.outcome:<14} {p.status:<10} {size:<10} "
        f"${p.cost_usd:<7.4f} {p.branch or '-':<32} {check if p.diff else first_line(p.reason)}"
    )


def run_proposals(ctx: Context) -> int:
    proposals = list_proposals(ctx.db(), issue_id=ctx.args.issue)
    if ctx.args.json:
        for p in proposals:
            row = p.model_dump(mode="json", exclude={"diff", "reasoning"})
            row["diff_lines"] = p.added + p.removed
            print(json.dumps(row))
        return 0
    if not proposals:
        print("no proposals yet: run `overnight run --once` (or `overnight demo`)")
        return 0
    print(
        f"{'ID':>4} {'ISSUE':<5} {'OUTCOME':<14} {'STATUS':<10} {'DIFF':<10} {'COST':<8} "
        f"{'BRANCH':<32} CHECK / REASON"
    )
    for p in proposals:
        print(_line(p))
    return 0
