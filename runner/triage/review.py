"""A person's answers to triage: confirm a proposed duplicate, or split a signal off.

The small public functions the console calls. A split is remembered in `splits`: the two
issues are never merged again automatically, and later signals with the split signal's
fingerprint follow the split-off issue (see `decide`).
"""

from __future__ import annotations

import sqlite_utils

from runner.errors import UserError
from runner.routines import Routines
from runner.triage.decide import new_issue
from runner.triage.features import actor_key, features
from runner.triage.lanes import assess_issues
from store.issues import get_issue, get_link, links_for_issue, next_issue_id
from store.link_decisions import merge_issue, reject_proposal, split_between, split_signal
from store.signal import utcnow
from store.signals import get_signal


def confirm_link(
    db: sqlite_utils.Database, link_id: int, *, by: str = "person", routines: Routines | None = None
) -> int:
    """Confirm a proposed link: the signal's issue merges into the proposed one. Returns it."""
    link = get_link(db, link_id)
    if link is None:
        raise UserError(f"no link {link_id}")
    if link.state != "proposed":
        raise UserError(f"link {link_id} is {link.state}, not proposed; nothing to confirm")
    source = link.home_issue_id
    if source is None or source == link.issue_id:
        raise UserError(f"link {link_id}: the signal has no separate issue to merge")
    if split_between(db, source, link.issue_id):
        raise UserError(f"issues #{source} and #{link.issue_id} were split apart by a person")
    merge_issue(db, source=source, target=link.issue_id, link_id=link_id, by=by)
    if routines is not None:
        assess_issues(db, [link.issue_id], routines)
    return link.issue_id


def split_link(
    db: sqlite_utils.Database, link_id: int, *, by: str = "person", routines: Routines | None = None
) -> int:
    """Split a link apart. Returns the issue the signal now belongs to.

    A proposed link: the signal stays in its own issue, and the two issues are never proposed
    or merged again. A linked signal: it leaves its issue for a new issue of its own, and later
    signals like it follow it there.
    """
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
        if issue is None or issue.signal_count <= 1:
            raise UserError(f"link {link_id}: the signal is alone in its issue; nothing to split")
        fresh = new_issue(f, next_issue_id(db), utcnow())
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
    if routines is not None:
        assess_issues(db, touched, routines)
    return home


def _actors(db: sqlite_utils.Database, signal_ids: list[str]) -> list[str]:
    names: set[str] = set()
    for signal_id in signal_ids:
        signal = get_signal(db, signal_id)
        key = actor_key(signal) if signal else None
        if key:
            names.add(key)
    return sorted(names)
