"""A person's answers: a split is remembered and later signals follow it; confirm merges."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlite_utils

from runner.errors import UserError
from runner.triage.decide import Thresholds
from runner.triage.engine import Triage, triage_pending
from runner.triage.requests import apply_pending, take_lease
from runner.triage.review import confirm_link, split_link
from store import triage_requests as requests
from store.issues import get_issue, get_link, links_for_signal, list_splits

from .conftest import crash, feedback


def home(db: sqlite_utils.Database, signal_id: str) -> int:
    (link,) = [link for link in links_for_signal(db, signal_id) if link.state == "linked"]
    return link.issue_id


def test_a_split_signal_leaves_and_later_look_alikes_follow_it(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # Two faults that triage took for one: same route, type and function, another caller.
    a = crash("division by zero", user="u1")
    b = crash("division by zero", user="u2", release="2.0")
    store_signals(a, b)
    triage_pending(fresh_db)
    old = home(fresh_db, a.id)
    assert home(fresh_db, b.id) == old

    (link,) = [x for x in links_for_signal(fresh_db, b.id) if x.state == "linked"]
    new = split_link(fresh_db, link.id, by="ada")
    assert new != old and home(fresh_db, b.id) == new
    assert [x.state for x in links_for_signal(fresh_db, b.id)] == ["split", "linked"]
    old_issue, new_issue = get_issue(fresh_db, old), get_issue(fresh_db, new)
    assert old_issue is not None and new_issue is not None
    assert (old_issue.signal_count, old_issue.users_affected) == (1, 1)
    assert (new_issue.signal_count, new_issue.users_affected) == (1, 1)
    (split,) = list_splits(fresh_db)
    assert (split.issue_id, split.other_issue_id, split.decided_by) == (old, new, "ada")

    # Later signals that fit the split-off issue better follow the person's decision, in a
    # new triage run.
    later = crash("division by zero", user="u3", release="2.0", line=77)
    store_signals(later)
    triage_pending(fresh_db)
    assert home(fresh_db, later.id) == new
    # One that matches both sides of the split equally is a person's to place: a proposal.
    twin = crash("division by zero", user="u4", line=78)
    store_signals(twin)
    triage_pending(fresh_db)
    assert home(fresh_db, twin.id) not in (old, new)
    (proposal,) = [x for x in links_for_signal(fresh_db, twin.id) if x.state == "proposed"]
    assert proposal.issue_id in (old, new)
    assert "split apart by a person: needs confirmation" in proposal.rule


def test_confirming_a_proposal_merges_the_issues_and_keeps_the_history(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    first = crash("alpha beta gamma", route="/reports", user="u1")
    second = crash("completely other words here", route="/settings/plan", user="u2")
    store_signals(first, second)
    triage_pending(fresh_db)
    (proposal,) = [x for x in links_for_signal(fresh_db, second.id) if x.state == "proposed"]
    waiting = proposal.home_issue_id
    target = confirm_link(fresh_db, proposal.id)
    assert target == home(fresh_db, first.id) == home(fresh_db, second.id)
    merged = get_issue(fresh_db, waiting or 0)
    assert merged is not None and merged.status == "merged" and merged.merged_into == target
    issue = get_issue(fresh_db, target)
    assert issue is not None and (issue.signal_count, issue.users_affected) == (2, 2)
    with pytest.raises(UserError, match="not proposed"):
        confirm_link(fresh_db, proposal.id)


def test_a_split_proposal_is_never_confirmed_later(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    first = crash("alpha beta gamma", route="/reports")
    second = crash("completely other words here", route="/settings/plan")
    store_signals(first, second)
    triage_pending(fresh_db)
    (proposal,) = [x for x in links_for_signal(fresh_db, second.id) if x.state == "proposed"]
    assert split_link(fresh_db, proposal.id) == proposal.home_issue_id
    assert [x.state for x in links_for_signal(fresh_db, second.id)] == ["split", "linked"]
    with pytest.raises(UserError):
        confirm_link(fresh_db, proposal.id)
    # Another signal of the second kind joins its own issue, not the one it was split from.
    again = crash("completely other words here", route="/settings/plan", user="u9")
    store_signals(again)
    triage_pending(fresh_db)
    assert home(fresh_db, again.id) == proposal.home_issue_id


def three_reports(
    db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> tuple[int, list[int]]:
    """Two reports of one export fault, then a third whose words fit both: its proposal's
    link id and candidates."""
    store_signals(
        feedback("The CSV export is empty when a status filter is set", route=None, user="a"),
        feedback("Exported CSV file is blank with the status filter on", route=None, user="b"),
    )
    triage_pending(db)
    third = feedback("CSV export empty: status filter gives a blank file", route=None, user="c")
    store_signals(third)
    triage_pending(db)
    (proposal,) = [x for x in links_for_signal(db, third.id) if x.state == "proposed"]
    return proposal.id, [issue for issue, _score in proposal.candidates]


def test_a_person_confirms_another_candidate_than_the_first(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    link_id, candidates = three_reports(fresh_db, store_signals)
    assert len(candidates) == 2
    with pytest.raises(UserError, match="is not a candidate"):
        confirm_link(fresh_db, link_id, into=999)
    target = confirm_link(fresh_db, link_id, into=candidates[1])
    assert target == candidates[1]
    link = get_link(fresh_db, link_id)
    assert link is not None and (link.state, link.issue_id) == ("linked", candidates[1])
    issue = get_issue(fresh_db, candidates[1])
    assert issue is not None and issue.signal_count == 2


def test_the_candidate_chosen_goes_through_a_running_triage(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    link_id, candidates = three_reports(fresh_db, store_signals)
    token = take_lease(fresh_db)  # as a running triage does
    answer: list[int] = []
    person = threading.Thread(
        target=lambda: answer.append(confirm_link(fresh_db, link_id, into=candidates[1]))
    )
    person.start()
    try:
        deadline = time.monotonic() + 10
        while not requests.pending(fresh_db):
            assert time.monotonic() < deadline, "the decision was never queued"
            time.sleep(0.01)
        (queued,) = requests.pending(fresh_db)
        assert (queued.action, queued.into) == ("confirm", candidates[1])
        assert apply_pending(Triage(fresh_db, Thresholds())) == 1
    finally:
        requests.release(fresh_db, token)
        person.join(timeout=10)
    assert answer == [candidates[1]]
