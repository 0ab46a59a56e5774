"""The two-of-three decision, run through the engine over a real store."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlite_utils

from runner.sources.records import parse_record
from runner.triage.engine import triage_pending
from store.issues import get_issue, links_for_issue, list_issues
from store.signal import Signal

from .conftest import crash, feedback


def homes(db: sqlite_utils.Database) -> dict[str, int]:
    rows = db.execute("SELECT signal_id, issue_id FROM links WHERE state = 'linked'")
    return {r[0]: r[1] for r in rows}


def test_duplicates_link_with_their_scores_and_rule(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    a = crash("division by zero for team 3", line=40, user="u1")
    b = crash("division by zero for team 9", line=41, user="u2", route="/dashboard?team=9")
    c = crash("division by zero for team 9", line=41, user="u2", route="/dashboard?team=2")
    store_signals(a, b, c)
    report = triage_pending(fresh_db)
    assert (report.signals, report.new_issues, report.linked) == (3, 1, 2)
    (issue,) = list_issues(fresh_db)
    assert issue.signal_count == 3 and issue.users_affected == 2
    assert issue.routes_seen == ["/dashboard"]
    assert [s.function for s in issue.scope] == ["ratio", "handle"]
    assert issue.repro[0] == "Open /dashboard"
    linked = links_for_issue(fresh_db, issue.id)
    assert linked[1].rule == "all three agree"
    assert (linked[1].fingerprint_score, linked[1].structure_score) == (1.0, 1.0)


def test_users_affected_counts_each_person_once_across_runs(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    store_signals(crash(user="u1", line=1), crash(user="u2", line=2))
    triage_pending(fresh_db)
    # The next night: a person already counted, the same new person twice, and one anonymous.
    later = [crash(user=u, line=n) for n, u in enumerate(["u1", "u3", "u3"], start=3)]
    store_signals(*later, crash(line=9).model_copy(update={"actor": None, "id": "anon"}))
    triage_pending(fresh_db)
    (issue,) = list_issues(fresh_db)
    assert (issue.signal_count, issue.users_affected) == (6, 3)
    actors = fresh_db.execute("SELECT actor FROM issue_actors ORDER BY actor").fetchall()
    assert [a[0] for a in actors] == ["u1", "u2", "u3"]


def test_different_faults_stay_apart(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    store_signals(
        crash(),
        crash("'plan'", type_="KeyError", file="app/billing/invoice.py", function="total"),
        crash(function="average"),  # same route and type, another function
    )
    triage_pending(fresh_db)
    assert len(set(homes(fresh_db).values())) == 3


def test_paraphrased_feedback_joins_the_error_on_its_route(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    error = crash(
        "dashboard refresh timed out",
        type_="TimeoutError",
        file="app/dashboard.py",
        function="refresh",
        route="/dashboard/refresh",
        intent="refresh the dashboard",
    )
    one = feedback("the dashboard crashed when I clicked refresh", route="/dashboard/refresh")
    other = feedback("I tried to refresh the dashboard and it spun forever", "/dashboard/refresh")
    store_signals(error, one, other)
    triage_pending(fresh_db)
    found = homes(fresh_db)
    assert found[one.id] == found[error.id] == found[other.id]


def test_fingerprint_only_gives_a_proposal(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    first = crash("alpha beta gamma", route="/reports")
    second = crash("completely other words here", route="/settings/plan", release="2.0")
    store_signals(first, second)
    report = triage_pending(fresh_db)
    found = homes(fresh_db)
    assert found[first.id] != found[second.id]
    assert report.proposed == 1
    proposed = links_for_issue(fresh_db, found[first.id], ["proposed"])
    assert proposed[0].signal_id == second.id
    assert proposed[0].rule == "fingerprint only: needs confirmation"
    assert proposed[0].home_issue_id == found[second.id]
    waiting = get_issue(fresh_db, found[second.id])
    assert waiting is not None and waiting.signal_count == 1


def test_a_custom_fingerprint_groups_different_exception_types(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # A fingerprint the developer set is their decision that these are one problem.
    def event(type_: str, module: str, fingerprint: list[str]) -> Signal:
        frames = [{"module": module, "function": "call", "in_app": True}]
        record = {
            "platform": "python",
            "fingerprint": fingerprint,
            "exception": {
                "values": [{"type": type_, "value": "x", "stacktrace": {"frames": frames}}]
            },
        }
        return parse_record(record, json.dumps(record), "test")

    down = event("OperationalError", "app.db", ["database-unavailable"])
    timeout = event("TimeoutError", "app.cache", ["database-unavailable"])
    other = event("TimeoutError", "app.cache", ["cache-cold"])
    store_signals(down, timeout, other)
    report = triage_pending(fresh_db)
    found = homes(fresh_db)
    assert found[down.id] == found[timeout.id] != found[other.id]
    assert report.proposed == 0
    (joined,) = links_for_issue(fresh_db, found[down.id])[1:]
    assert joined.rule == "the same grouping hash"


def test_the_same_stack_without_a_message_joins_from_another_page(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # With no words on either side nothing says the reason differs: the hash decides.
    def event(url: str, value: str | None = None) -> Signal:
        frames = [
            {"module": "com.shop.Web", "function": "handle", "in_app": True},
            {"module": "com.shop.Cart", "function": "total", "in_app": True},
        ]
        exception: dict[str, object] = {
            "type": "NullPointerException",
            "stacktrace": {"frames": frames},
        }
        if value:
            exception["value"] = value
        record = {"platform": "java", "request": {"url": url}, "exception": {"values": [exception]}}
        return parse_record(record, json.dumps(record), "test")

    first = event("https://x/orders/1", "Cannot invoke Coupon.rate() on null")
    other_page, unworded = event("https://x/cart/view"), event("https://x/search")
    elsewhere = event("https://x/checkout", "tax service answered in an unknown format")
    store_signals(first, other_page, unworded, elsewhere)
    report = triage_pending(fresh_db)
    found = homes(fresh_db)
    assert found[first.id] == found[other_page.id] == found[unworded.id]
    # Seen at a page the issue never was, with words the issue never had: a look-alike.
    assert found[elsewhere.id] != found[first.id] and report.proposed == 1


def test_the_same_stack_marked_in_app_otherwise_is_the_same_problem(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # Sentry gives an event the hash of its in-app frames and that of all its frames, and a
    # group with either takes it: another release's in-app settings do not split an issue.
    def event(in_app: tuple[bool, bool, bool], caller: str = "handle") -> Signal:
        names = (("django.core", "dispatch"), ("shop.views", caller), ("shop.cart", "total"))
        frames = [
            {"module": m, "function": f, "in_app": flag}
            for (m, f), flag in zip(names, in_app, strict=True)
        ]
        value = {"type": "KeyError", "value": "'sku'", "stacktrace": {"frames": frames}}
        record = {"platform": "python", "exception": {"values": [value]}}
        return parse_record(record, json.dumps(record), "test")

    marked = event((False, True, True))
    only_top = event((False, False, True))
    unmarked = event((False, False, False))
    other_caller = event((False, True, True), caller="checkout")
    store_signals(marked, only_top, unmarked, other_caller)
    triage_pending(fresh_db)
    found = homes(fresh_db)
    assert found[marked.id] == found[only_top.id] == found[unmarked.id]
    # Another in-app caller is another stack, in-app or whole.
    assert found[other_caller.id] != found[marked.id]


def test_the_first_error_defines_an_issue_that_feedback_founded(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    words = feedback("the dashboard crashed when I clicked refresh", route="/dashboard/refresh")
    error = crash(
        "dashboard refresh timed out",
        type_="TimeoutError",
        file="app/dashboard.py",
        function="refresh",
        route="/dashboard/refresh",
        intent="refresh the dashboard",
    )
    store_signals(words, error)
    triage_pending(fresh_db)
    (issue,) = list_issues(fresh_db)
    assert issue.title == "TimeoutError: dashboard refresh timed out"
    assert issue.error_type == "TimeoutError" and issue.top_frame == "dashboard:refresh"
    assert [s.function for s in issue.scope] == ["refresh", "handle"]
    # Later errors now meet it on structure and fingerprint, as with any error issue.
    again = crash(
        "dashboard refresh timed out",
        type_="TimeoutError",
        file="app/dashboard.py",
        function="refresh",
        route="/dashboard/refresh",
        user="u7",
    )
    store_signals(again)
    triage_pending(fresh_db)
    assert links_for_issue(fresh_db, issue.id)[-1].rule == "all three agree"


def _parsed(record: dict[str, object]) -> Signal:
    return parse_record(record, json.dumps(record), "test")


def test_a_message_on_the_same_page_with_other_words_is_no_look_alike(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    # Without a stack, structure is the page alone: only agreeing words make a look-alike,
    # and these are under the text threshold (similarity 0.65 against 0.7).
    def message(n: int, text: str) -> Signal:
        record = {"event_id": f"{n:032x}", "message": text, "request": {"url": "https://x/pay"}}
        return _parsed(record)

    store_signals(
        message(1, "Payment webhook retry queue is backing up"),
        message(2, "Payment webhook signature check skipped"),
    )
    report = triage_pending(fresh_db)
    assert (report.new_issues, report.proposed) == (2, 0)


def test_security_reports_of_other_violations_on_one_page_are_never_look_alikes(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    def report(directive: str, blocked: str) -> Signal:
        body = {"document-uri": "https://x/boards/7", "violated-directive": directive}
        return _parsed({"csp-report": {**body, "blocked-uri": blocked}})

    # Their messages share the words of Relay's template ("Blocked 'script' from ..."), which
    # restate the directive and origin the hashes already tell apart.
    store_signals(
        report("img-src", "https://pixel.example/p.gif"),
        report("script-src-elem", "https://cdn.example/x.js"),
        report("script-src-elem", "inline"),
    )
    report_ = triage_pending(fresh_db)
    assert (report_.new_issues, report_.proposed) == (3, 0)
