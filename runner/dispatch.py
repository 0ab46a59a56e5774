"""Asking the runner for an agent run: the small public functions the console and CLI call.

They only write a queued `Dispatch`; the night (or `overnight dispatch --queued`) claims it
and does the work, so a person's key press never waits for a container.
"""

from __future__ import annotations

import sqlite_utils

from runner.errors import UserError
from store.issues import get_issue
from store.night import AlreadyQueued, Dispatch, DispatchWhy, queue_dispatch
from store.review import proposal_for_run, set_proposal_status
from store.runs import get_run


def request_dispatch(
    db: sqlite_utils.Database,
    issue_id: int,
    *,
    why: DispatchWhy = "manual",
    context: str | None = None,
    from_run: str | None = None,
    at_step: int | None = None,
    requested_by: str | None = None,
) -> int:
    """Queue an agent run for an issue; return the dispatch id."""
    if get_issue(db, issue_id) is None:
        raise UserError(f"no issue #{issue_id}")
    if at_step is not None and from_run is None:
        raise UserError("--at-step needs --from-run: the run whose steps are replayed")
    if from_run is not None:
        run = get_run(db, from_run)
        if run is None:
            raise UserError(f"no run {from_run}")
        if run.issue_id != issue_id:
            raise UserError(f"run {from_run} worked on issue #{run.issue_id}, not #{issue_id}")
    try:
        return queue_dispatch(
            db,
            Dispatch(
                issue_id=issue_id,
                why=why,
                context=context,
                from_run=from_run,
                at_step=at_step,
                requested_by=requested_by,
            ),
        )
    except AlreadyQueued as exc:
        raise UserError(str(exc)) from exc


def redispatch(
    db: sqlite_utils.Database,
    issue_id: int,
    context: str,
    *,
    from_run: str | None = None,
    at_step: int | None = None,
    requested_by: str | None = None,
) -> int:
    """A reviewer's redirect: a new run carrying `context` (and, with `from_run`/`at_step`, the
    earlier run's steps up to that point). The earlier run's proposal is marked redirected."""
    if not context.strip():
        raise UserError("a redirect needs context: what should the agent do differently?")
    dispatch_id = request_dispatch(
        db,
        issue_id,
        why="redirect",
        context=context,
        from_run=from_run,
        at_step=at_step,
        requested_by=requested_by,
    )
    if from_run is not None and (earlier := proposal_for_run(db, from_run)) is not None:
        assert earlier.id is not None
        set_proposal_status(db, earlier.id, "redirected")
    return dispatch_id
