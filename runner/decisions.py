"""A person's review decisions: the public actions the console's keys call.

One key each (`m` merge, `r` redirect, `c` close), and `u` to take the last one back while
nothing irreversible has happened: a merge only while its commit is still the target's tip, a
redirect only while its dispatch is still queued. Every decision is a row with its time
(`store.review.record_decision`), so the stats are honest; an undone one stays, marked.

Git goes through `runner.git` (merge, undo), the queue through `runner.dispatch`, links through
`runner.triage.review`. Each function takes the writer's database; store writes retry while a
running night holds the lock (`store.writer.retry_busy`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from runner import dispatch, git
from runner.errors import UserError
from runner.routines import Routines
from runner.triage import review as triage_review
from store.issues import get_issue
from store.night import end_dispatch, get_dispatch
from store.review import Decision, Proposal, get_proposal, record_decision
from store.undo import UndoRefused, last_live_decision, mark_undone
from store.writer import retry_busy

CloseReason = Literal["wrong tree", "won't fix", "duplicate"]
CLOSE_REASONS: tuple[CloseReason, ...] = ("wrong tree", "won't fix", "duplicate")
WITH_DIFF = ("proposed", "unverified")


def _open_proposal(db: sqlite_utils.Database, proposal_id: int) -> Proposal:
    proposal = get_proposal(db, proposal_id)
    if proposal is None:
        raise UserError(f"no proposal #{proposal_id}")
    if proposal.status != "open":
        raise UserError(f"proposal #{proposal_id} is already {proposal.status}")
    return proposal


def _record(db: sqlite_utils.Database, decision: Decision) -> Decision:
    decision_id = retry_busy(record_decision, db, decision)
    return decision.model_copy(update={"id": decision_id})


def merge_proposal(
    db: sqlite_utils.Database,
    proposal_id: int,
    *,
    repo: Path | None = None,
    into: str = "main",
    mode: git.MergeMode = "auto",
    expected_tip: str | None = None,
    by: str = "person",
) -> Decision:
    """Merge the proposal's branch into `into` (fast-forward or merge commit per `mode`) and
    record it. A refusal (conflict, dirty tree, moved target) raises `UserError` and leaves the
    repository exactly as it was; so does a failure to record the decision."""
    proposal = _open_proposal(db, proposal_id)
    if proposal.outcome not in WITH_DIFF or not proposal.branch:
        raise UserError(f"proposal #{proposal_id} has no branch to merge ({proposal.outcome})")
    repository = Path(repo or proposal.repository)
    issue = get_issue(db, proposal.issue_id)
    title = issue.title if issue else f"issue #{proposal.issue_id}"
    try:
        result = git.merge_branch(
            repository,
            proposal.branch,
            into=into,
            mode=mode,
            expected_tip=expected_tip,
            message=f"Merge {proposal.branch}: {title}\n\nOvernight proposal #{proposal_id}.",
        )
    except git.MergeRefused as exc:
        raise UserError(
            f"merge of #{proposal.issue_id} refused: {exc} (the repository is as it was)"
        ) from exc
    detail: dict[str, Any] = {
        "repository": str(repository),
        "branch": proposal.branch,
        "target": result.target,
        "previous_tip": result.previous_tip,
        "new_tip": result.new_tip,
        "fast_forward": result.fast_forward,
    }
    decision = Decision(
        proposal_id=proposal_id,
        issue_id=proposal.issue_id,
        action="merge",
        detail=detail,
        decided_by=by,
    )
    try:
        return _record(db, decision)
    except BaseException:
        git.undo_merge(repository, result)  # the store said no: git must not say yes
        raise


def close_proposal(
    db: sqlite_utils.Database,
    proposal_id: int,
    reason: CloseReason,
    *,
    duplicate_of: int | None = None,
    by: str = "person",
) -> Decision:
    """Close a proposal with a reason: wrong tree, won't fix, or duplicate of another issue."""
    if reason not in CLOSE_REASONS:
        raise UserError(f"close reason must be one of {', '.join(CLOSE_REASONS)}, not {reason!r}")
    proposal = _open_proposal(db, proposal_id)
    text: str = reason
    if reason == "duplicate":
        if duplicate_of is None:
            raise UserError("a duplicate needs the issue it duplicates")
        if duplicate_of == proposal.issue_id or get_issue(db, duplicate_of) is None:
            raise UserError(f"no other issue #{duplicate_of} to be a duplicate of")
        text = f"duplicate of #{duplicate_of}"
    decision = Decision(
        proposal_id=proposal_id,
        issue_id=proposal.issue_id,
        action="close",
        reason=text,
        detail={"duplicate_of": duplicate_of} if duplicate_of is not None else {},
        decided_by=by,
    )
    return _record(db, decision)


def redirect_proposal(
    db: sqlite_utils.Database,
    proposal_id: int,
    context: str,
    *,
    at_step: int | None = None,
    from_run: str | None = None,
    by: str = "person",
) -> Decision:
    """Send the issue's agent back with `context`: from the start, or (with `at_step`) from that
    step of `from_run` (default: the proposal's run). The new dispatch is queued; the decision
    records its id."""
    proposal = _open_proposal(db, proposal_id)
    from_run = (from_run or proposal.run_id) if at_step is not None else None
    dispatch_id = retry_busy(
        dispatch.redispatch,
        db,
        proposal.issue_id,
        context,
        from_run=from_run,
        at_step=at_step,
        requested_by=by,
    )
    decision = Decision(
        proposal_id=proposal_id,
        issue_id=proposal.issue_id,
        action="redirect",
        context=context,
        detail={"dispatch_id": dispatch_id, "at_step": at_step, "from_run": from_run},
        decided_by=by,
    )
    try:
        return _record(db, decision)
    except BaseException:
        end_dispatch(db, dispatch_id, "cancelled", "the redirect was not recorded")
        raise


def undo_last_decision(db: sqlite_utils.Database, *, repo: Path | None = None) -> Decision:
    """Take back the most recent decision not yet undone; return it.

    A merge is undone only while its commit is still the target's tip (`runner.git.undo_merge`
    refuses otherwise), a redirect only while its dispatch is queued; a close always can be.
    """
    decision = last_live_decision(db)
    if decision is None:
        raise UserError("nothing to undo")
    what = f"the {decision.action} of proposal #{decision.proposal_id}"
    if decision.action == "merge":
        detail = decision.detail
        repository = Path(repo or detail["repository"])
        result = git.MergeResult(
            target=detail["target"],
            previous_tip=detail["previous_tip"],
            new_tip=detail["new_tip"],
            fast_forward=detail["fast_forward"],
        )
        try:
            git.undo_merge(repository, result)
        except git.MergeRefused as exc:
            raise UserError(f"cannot undo {what}: {exc}") from exc
        retry_busy(mark_undone, db, decision)
    elif decision.action == "redirect":
        dispatch_id = decision.detail.get("dispatch_id")
        try:
            retry_busy(mark_undone, db, decision, cancel_dispatch=dispatch_id)
        except UndoRefused as exc:
            started = get_dispatch(db, dispatch_id) if dispatch_id is not None else None
            state = started.state if started else "gone"
            raise UserError(f"cannot undo {what}: its agent run is {state}") from exc
    else:
        retry_busy(mark_undone, db, decision)
    return decision


def dispatch_anyway(db: sqlite_utils.Database, issue_id: int, *, by: str = "person") -> int:
    """A person overrides the safety filter for a held issue: queue its agent; the dispatch
    records why (`held_override`) and who. Returns the dispatch id."""
    issue = get_issue(db, issue_id)
    if issue is None:
        raise UserError(f"no issue #{issue_id}")
    if issue.lane != "held" or issue.status != "open":
        raise UserError(f"issue #{issue_id} is not held (lane {issue.lane}, {issue.status})")
    return retry_busy(dispatch.request_dispatch, db, issue_id, why="held_override", requested_by=by)


def confirm_link(
    db: sqlite_utils.Database,
    link_id: int,
    *,
    by: str = "person",
    routines: Routines | None = None,
    into: int | None = None,
) -> int:
    """Confirm a duplicate triage proposed: the signal's issue merges into the proposed one,
    or into `into`, another of the link's candidates."""
    return retry_busy(triage_review.confirm_link, db, link_id, by=by, routines=routines, into=into)


def split_link(
    db: sqlite_utils.Database, link_id: int, *, by: str = "person", routines: Routines | None = None
) -> int:
    """Split a proposed duplicate apart for good (triage never proposes it again)."""
    return retry_busy(triage_review.split_link, db, link_id, by=by, routines=routines)
