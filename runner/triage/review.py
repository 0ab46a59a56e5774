"""A person's answers to triage: confirm a proposed duplicate, or split a signal off.

The small public functions the console calls. A split is remembered in `splits`: the two
issues are never merged again automatically, and later signals with the split signal's
fingerprint follow the split-off issue (see `decide`).

One writer changes issue state (`store.triage_requests`): while a triage runs, a decision is
queued for it and applied between its batches (the call waits for the answer); otherwise the
caller takes the lease and applies it here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlite_utils

from runner.errors import UserError
from runner.routines import Routines
from runner.triage.decide import new_issue
from runner.triage.features import actor_key, features
from runner.triage.lanes import assess_issues
from store import triage_requests as requests
from store.issues import get_issue, get_link, links_for_issue
from store.link_decisions import merge_issue, reject_proposal, split_between, split_signal
from store.signal import utcnow
from store.signals import get_signal
from store.triage_requests import Ask, reserve_issue_ids

WAIT_S = 120.0
"""How long a decision waits for a running triage to apply it."""
POLL_S = 0.05


def confirm_link(
    db: sqlite_utils.Database,
    link_id: int,
    *,
    by: str = "person",
    routines: Routines | None = None,
    into: int | None = None,
) -> int:
    """Confirm a proposed link: the signal's issue merges into the proposed one, or into
    `into`, another of the link's candidates. Returns the issue merged into."""
    return _decide(db, Ask("confirm", link_id, by, into), routines)


def split_link(
    db: sqlite_utils.Database, link_id: int, *, by: str = "person", routines: Routines | None = None
) -> int:
    """Split a link apart. Returns the issue the signal now belongs to.

    A proposed link: the signal stays in its own issue, and the two issues are never proposed
    or merged again. A linked signal: it leaves its issue for a new issue of its own, and later
    signals like it follow it there.
    """
    return _decide(db, Ask("split", link_id, by), routines)


def _decide(db: sqlite_utils.Database, ask: Ask, routines: Routines | None) -> int:
    deadline = time.monotonic() + WAIT_S
    while True:
        token, current = requests.acquire(db, "person")
        if token is not None:
            try:
                result, touched = apply(db, ask, lambda: reserve_issue_ids(db, 1))
            finally:
                requests.release(db, token)
            break
        if current is not None and current.holder == "triage":
            result, touched = _through_triage(db, ask, deadline)
            break
        if time.monotonic() > deadline:
            raise UserError("another decision holds the store; try again")
        time.sleep(POLL_S)
    if routines is not None:
        assess_issues(db, touched, routines)
    return result


def _through_triage(db: sqlite_utils.Database, ask: Ask, deadline: float) -> tuple[int, list[int]]:
    """Queue the decision for the running triage and wait for its answer."""
    request_id = requests.enqueue(db, ask)
    while (answer := requests.outcome(db, request_id)) is None:
        if time.monotonic() > deadline:
            raise UserError(
                f"the running triage has not applied decision {request_id} yet; it will"
            )
        if requests.holder(db) is None and requests.outcome(db, request_id) is None:
            # The triage ended before reaching it: apply it now, as its last step would have.
            token, _ = requests.acquire(db, "person")
            if token is not None:
                try:
                    if requests.outcome(db, request_id) is None:
                        result = _answer(db, request_id, ask)
                        if result.error:
                            raise UserError(result.error)
                        return result.result or 0, result.touched
                finally:
                    requests.release(db, token)
        time.sleep(POLL_S)
    if answer.error:
        raise UserError(answer.error)
    return answer.result or 0, answer.touched


def _answer(db: sqlite_utils.Database, request_id: int, ask: Ask) -> requests.Outcome:
    try:
        result, touched = apply(db, ask, lambda: reserve_issue_ids(db, 1))
        outcome = requests.Outcome(result, touched, None)
    except UserError as exc:
        outcome = requests.Outcome(None, [], str(exc))
    requests.answer(db, request_id, outcome)
    return outcome


def apply(
    db: sqlite_utils.Database, ask: Ask, allocate: Callable[[], int]
) -> tuple[int, list[int]]:
    """Apply one decision, by whoever holds the lease; returns the signal's issue and the
    issues changed. `allocate` gives the id of an issue a split creates."""
    if ask.action == "confirm":
        target, source = _confirm(db, ask.link_id, by=ask.decided_by, into=ask.into)
        return target, [target, source]
    if ask.action == "split":
        return _split(db, ask.link_id, by=ask.decided_by, allocate=allocate)
    raise UserError(f"unknown decision {ask.action!r}")


def _confirm(
    db: sqlite_utils.Database, link_id: int, *, by: str, into: int | None = None
) -> tuple[int, int]:
    link = get_link(db, link_id)
    if link is None:
        raise UserError(f"no link {link_id}")
    if link.state != "proposed":
        raise UserError(f"link {link_id} is {link.state}, not proposed; nothing to confirm")
    target_id = link.issue_id if into is None else into
    offered = {link.issue_id, *(issue for issue, _score in link.candidates)}
    if target_id not in offered:
        listed = ", ".join(f"#{i}" for i in sorted(offered))
        raise UserError(f"link {link_id}: issue #{target_id} is not a candidate ({listed})")
    source = link.home_issue_id
    if source is None or source == target_id:
        raise UserError(f"link {link_id}: the signal has no separate issue to merge")
    if split_between(db, source, target_id):
        raise UserError(f"issues #{source} and #{target_id} were split apart by a person")
    target = get_issue(db, target_id)
    if target is None or target.status != "open":
        raise UserError(f"link {link_id}: issue #{target_id} is no longer open")
    merge_issue(db, source=source, target=target_id, link_id=link_id, by=by)
    return target_id, source


def _split(
    db: sqlite_utils.Database, link_id: int, *, by: str, allocate: Callable[[], int]
) -> tuple[int, list[int]]:
    link = get_link(db, link_id)
    if link is None:
        raise UserError(f"no link {link_id}")
    signal = get_signal(db, link.signal_id)
    if signal is None:
        raise UserError(f"link {link_id}: signal {link.signal_id} is no longer stored")
    f = features(signal)
    if link.state == "proposed":
        home = link.home_issue_id
        if home is None:
            raise UserError(f"link {link_id}: the signal has no issue of its own")
        reject_proposal(
            db,
            link_id=link_id,
            issue_id=link.issue_id,
            other_issue_id=home,
            signal_id=signal.id,
            fingerprint=f.fingerprint.hash,
            by=by,
        )
        touched = [home, link.issue_id]
    elif link.state == "linked":
        issue = get_issue(db, link.issue_id)
        if issue is None or issue.status != "open":
            raise UserError(f"link {link_id}: issue #{link.issue_id} is no longer open")
        if issue.signal_count <= 1:
            raise UserError(f"link {link_id}: the signal is alone in its issue; nothing to split")
        fresh = new_issue(f, allocate(), utcnow())
        remaining = [
            other.signal_id
            for other in links_for_issue(db, issue.id, ["linked"])
            if other.signal_id != signal.id
        ]
        split_signal(
            db,
            link_id=link_id,
            new_issue=fresh,
            signal_id=signal.id,
            fingerprint=f.fingerprint.hash,
            actors={
                issue.id: _actors(db, remaining),
                fresh.id: [a for a in [f.actor] if a],
            },
            by=by,
        )
        home = fresh.id
        touched = [issue.id, fresh.id]
    else:
        raise UserError(f"link {link_id} is {link.state}; only proposed or linked links split")
    return home, touched


def _actors(db: sqlite_utils.Database, signal_ids: list[str]) -> list[str]:
    names: set[str] = set()
    for signal_id in signal_ids:
        signal = get_signal(db, signal_id)
        key = actor_key(signal) if signal else None
        if key:
            names.add(key)
    return sorted(names)
