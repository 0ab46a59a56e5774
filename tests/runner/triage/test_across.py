"""People's words meeting errors: the words are one signal; a structural one must agree to link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

from runner.triage.decide import Thresholds, decide, new_issue
from runner.triage.engine import triage_pending
from runner.triage.features import features
from runner.triage.index import Index, profile_of
from runner.triage.text import normalise
from runner.triage.vocabulary import place_words, record_ids, reports_failure
from store.issues import home_issue_ids, links_for_signal

from .conftest import crash, feedback

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def homes(db: sqlite_utils.Database, *signals: object) -> list[int]:
    ids = [s.id for s in signals]  # type: ignore[attr-defined]
    found = home_issue_ids(db, ids)
    return [found[i] for i in ids]


def refresh_timeout(team: int) -> object:
    return crash(
        f"dashboard refresh for team {team} timed out after 30s",
        type_="TimeoutError",
        file="app/dashboard.py",
        function="refresh",
        route="/dashboard/refresh",
        intent="refresh the dashboard",
        user=f"u{team}",
    )


def summary_crash(team: int) -> object:
    return crash(route="/reports/summary", intent="view the team summary", user=f"s{team}")


def proposals(db: sqlite_utils.Database, signal: object) -> list[object]:
    return [x for x in links_for_signal(db, signal.id) if x.state == "proposed"]  # type: ignore[attr-defined]


def test_routeless_words_are_one_signal_and_propose_the_issue_they_describe(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    errors = [refresh_timeout(1), refresh_timeout(2), summary_crash(1), summary_crash(2)]
    crashed = feedback("the dashboard crashed when I clicked refresh", route=None)
    spun = feedback("I tried to refresh the dashboard and it spun forever", route=None, user="f2")
    store_signals(*errors, crashed, spun)
    triage_pending(fresh_db)
    refresh, _, summary, _ = homes(fresh_db, *errors)
    assert refresh != summary
    # "refresh" in the words names the place of the refresh issue: the words again, not a
    # second signal. Each is proposed, the refresh issue ranked first.
    first = homes(fresh_db, crashed)[0]
    assert first not in (refresh, summary)
    (proposal,) = proposals(fresh_db, crashed)
    assert proposal.issue_id == refresh == proposal.candidates[0][0]  # type: ignore[attr-defined]
    # The second report meets the first one's issue too: either is this problem.
    assert homes(fresh_db, spun)[0] not in (refresh, summary, first)
    (proposal,) = proposals(fresh_db, spun)
    offered = [c[0] for c in proposal.candidates]  # type: ignore[attr-defined]
    assert offered[0] in (refresh, first) and refresh in offered and summary not in offered
    assert len(offered) <= 3


def test_the_same_person_writing_minutes_after_their_error_is_a_second_signal(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    errors = [refresh_timeout(1), summary_crash(1)]
    after = feedback("I tried to refresh the dashboard and it spun forever", route=None, user="u1")
    stranger = feedback("refresh of the dashboard spun forever for me", route=None, user="zz")
    store_signals(*errors, after, stranger)
    triage_pending(fresh_db)
    refresh = homes(fresh_db, errors[0])[0]
    assert homes(fresh_db, after) == [refresh]
    [link] = [x for x in links_for_signal(fresh_db, after.id) if x.state == "linked"]
    assert link.rule == "place + words agree" and link.structure_score == 1.0
    assert homes(fresh_db, stranger)[0] != refresh


def test_an_error_joins_the_feedback_that_came_before_it(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    early = feedback("Refresh of the dashboard fails every time", route="/dashboard/refresh")
    store_signals(early)
    triage_pending(fresh_db)
    later = refresh_timeout(3)
    store_signals(later)
    triage_pending(fresh_db)
    assert homes(fresh_db, early) == homes(fresh_db, later)


def test_a_request_never_merges_with_a_crash() -> None:
    index = Index()
    for n, signal in enumerate([refresh_timeout(1), summary_crash(1), crash(route="/search")]):
        index.add(profile_of(new_issue(features(signal), n + 1, NOW)))  # type: ignore[arg-type]
    complaint = feedback(
        "The dashboard refresh is stuck and spins forever", route="/dashboard/refresh"
    )
    request = feedback(
        "Please make the dashboard refresh look prettier", route="/dashboard/refresh"
    )
    assert decide(features(complaint), index, Thresholds()).action == "link"
    decision = decide(features(request), index, Thresholds())
    assert decision.action != "link"


def test_different_quoted_records_are_different_places(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    coupon = crash(
        "unsupported operand type(s) for *: 'decimal.Decimal' and 'float'",
        type_="TypeError",
        file="billing/invoices.py",
        function="apply_coupon",
        route="/billing/invoices/INV-1002",
    )
    right = feedback("Invoice INV-1002 gives a server error when I open it", route=None)
    wrong = feedback("Invoice INV-1003 gives a server error when I open it", route=None, user="x")
    store_signals(coupon, right, wrong)
    triage_pending(fresh_db)
    home = homes(fresh_db, coupon)[0]
    # The quoted id is words (one signal): proposed, the invoice's issue first.
    assert [p.candidates[0][0] for p in proposals(fresh_db, right)] == [home]  # type: ignore[attr-defined]
    # Another record is another place: never linked, never proposed.
    assert homes(fresh_db, wrong)[0] != home
    assert all(p.issue_id != home for p in proposals(fresh_db, wrong))  # type: ignore[attr-defined]


def test_place_words_come_from_routes_functions_and_tests() -> None:
    assert place_words(["/dashboard/refresh"], "dashboard:refresh") == {"refresh"}
    assert place_words(["/billing/invoices/inv-1002"], None) == {"invoic"}
    assert place_words([], None, "tests/test_search.py::test_last_partial_page") >= {"partial"}
    assert record_ids(["/billing/invoices/inv-1002", "/api/teams/:id"]) == {"inv-1002"}


def test_failure_is_told_from_a_request() -> None:
    def says(text: str) -> bool:
        return reports_failure(normalise(text), text)

    assert says("I tried to refresh the dashboard and it spun forever")
    assert says("Clicked Summary and got a 500")
    assert says("Mobile dashboard won't load")
    assert not says("Would love a dark mode for the dashboard")
    assert not says("Member avatars look blurry on my monitor")


def test_a_person_writing_after_their_error_was_triaged_in_an_earlier_run(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    error = refresh_timeout(1)
    store_signals(error, summary_crash(1))
    triage_pending(fresh_db)
    later = feedback("I tried to refresh the dashboard and it spun forever", route=None, user="u1")
    store_signals(later)
    triage_pending(fresh_db)
    assert homes(fresh_db, later) == homes(fresh_db, error)
