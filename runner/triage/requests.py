"""A person's decisions, applied by the running triage between its batches.

While a triage holds the lease (`store.triage_requests`), `confirm_link` and `split_link`
queue their decision instead of writing behind its back; the triage applies each between two
batches, once everything before is committed, with the same code a person's direct decision
uses, and then brings its in-memory index in line: a merged issue is forgotten, the issues
changed are read again, a split is remembered. One writer changes issue state.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import sqlite_utils

from runner.errors import UserError
from runner.triage import review
from runner.triage.index import profile_of
from store import triage_requests as requests
from store.issues import fingerprints_of, get_issue, get_link, list_splits

if TYPE_CHECKING:
    from runner.triage.engine import Triage

LEASE_WAIT_S = 60.0


def take_lease(db: sqlite_utils.Database) -> str:
    """Become the one writer of issue state: wait while a person applies a decision; refuse
    when another triage runs."""
    deadline = time.monotonic() + LEASE_WAIT_S
    while True:
        token, current = requests.acquire(db, "triage")
        if token is not None:
            return token
        if current is not None and current.holder == "triage":
            raise UserError(f"another triage is running (pid {current.pid} on {current.host})")
        if time.monotonic() > deadline:
            raise UserError("a person's decision has held the store too long; try again")
        time.sleep(0.05)


def apply_pending(run: Triage) -> int:
    """Apply every queued decision and answer it; returns how many there were."""
    queued = requests.pending(run.db)
    for request in queued:
        try:
            result, touched = review.apply(run.db, request.ask, run.new_id)
            outcome = requests.Outcome(result, touched, None)
        except UserError as exc:
            outcome = requests.Outcome(None, [], str(exc))
        if outcome.error is None:
            refresh(run, set(outcome.touched))
            link = get_link(run.db, request.link_id)
            if link is not None and link.signal_id in run.index.homes and outcome.result:
                run.index.homes[link.signal_id] = outcome.result
        requests.answer(run.db, request.id, outcome)
    if queued:
        # Identical evidence inherits a placement only while the issues it names stand as
        # they were.
        run.index.identical.clear()
    return len(queued)


def refresh(run: Triage, ids: set[int]) -> None:
    """Read the changed issues again into the index: open ones as they now are, others out."""
    index = run.index
    moved: dict[int, int] = {}
    for issue_id in sorted(ids):
        issue = get_issue(run.db, issue_id)
        if issue is None or issue.status != "open":
            index.forget(issue_id)
            if issue is not None and issue.merged_into is not None:
                moved[issue_id] = issue.merged_into
            continue
        known = issue_id in index.profiles
        profile = profile_of(issue)
        if known:
            index.profiles[issue_id] = profile
            index.touch(profile)
        else:
            index.add(profile)
        for fp in fingerprints_of(run.db, issue_id):
            index.add_fingerprint(fp, issue_id)
    for split in list_splits(run.db):
        pair = (split.issue_id, split.other_issue_id)
        if not ids & set(pair):
            continue
        for a, b in (pair, pair[::-1]):
            if a in index.profiles:
                index.profiles[a].split_from.add(b)
        if split.other_issue_id in index.profiles:
            index.profiles[split.other_issue_id].from_split = True
        if split.fingerprint:
            index.split_fingerprints[(split.issue_id, split.fingerprint)] = split.other_issue_id
    if moved:
        for signal_id, home in index.homes.items():
            if home in moved:
                index.homes[signal_id] = moved[home]
