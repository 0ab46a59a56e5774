"""The night's pure parts: comparing test runs, bounding a diff, the window, the budget."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from runner.night.budget import NightBudget
from runner.night.check import CheckOutcome, compare
from runner.night.scope import measure, out_of_scope
from runner.night.window import next_window
from runner.routines import Guardrails
from runner.sources.junit import JUnitCase, cases
from runner.stopping import SLICE_S, wait_for_stop


def case(test_id: str, outcome: str) -> JUnitCase:
    return JUnitCase(test_id, outcome, 0.1, None)  # type: ignore[arg-type]


def test_compare_names_the_tests_fixed_and_broken() -> None:
    before = [case("a", "failed"), case("b", "passed"), case("c", "passed"), case("d", "error")]
    after = [case("a", "passed"), case("b", "failed"), case("d", "error")]
    fixed, broken = compare(before, after)
    assert fixed == ["a"]
    assert broken == ["b", "c"]  # c disappeared: it no longer passes


def test_the_check_passes_only_when_it_fails_before_passes_after_and_breaks_nothing() -> None:
    good = CheckOutcome(repro_before=1, repro_after=0)
    assert good.passed and good.summary == "fails before / passes after / no new failures"
    assert not CheckOutcome(repro_before=0, repro_after=0).passed
    assert "could not reproduce" in CheckOutcome(repro_before=0, repro_after=0).summary
    assert not CheckOutcome(repro_before=1, repro_after=1).passed
    broke = CheckOutcome(repro_before=1, repro_after=0, new_failures=["t::x"])
    assert not broke.passed and "1 new failures: t::x" in broke.summary
    missing = CheckOutcome(repro_before=1, repro_after=0, problems=["tests after: no report"])
    assert not missing.passed and "tests not compared" in missing.summary


def test_junit_cases_include_every_outcome() -> None:
    xml = b"""<testsuites><testsuite name="s">
      <testcase classname="tests.test_a" name="test_ok" time="0.01"/>
      <testcase classname="tests.test_a" name="test_bad" time="0.02">
        <failure message="boom"/></testcase>
      <testcase classname="tests.test_a" name="test_err"><error message="E"/></testcase>
      <testcase classname="tests.test_a" name="test_skip"><skipped message="later"/></testcase>
    </testsuite></testsuites>"""
    found = {c.test_id: c.outcome for c in cases(xml)}
    assert found == {
        "tests.test_a.test_ok": "passed",
        "tests.test_a.test_bad": "failed",
        "tests.test_a.test_err": "error",
        "tests.test_a.test_skip": "skipped",
    }


DIFF = """diff --git a/reports.py b/reports.py
--- a/reports.py
+++ b/reports.py
@@ -1,2 +1,3 @@
 a
-b
+c
+d
diff --git a/auth/session.py b/auth/session.py
--- a/auth/session.py
+++ b/auth/session.py
@@ -1 +1 @@
-x
+y
"""


def test_a_diff_beyond_its_declared_scope_or_into_denied_paths_is_named() -> None:
    size = measure(DIFF)
    assert size.files == ["reports.py", "auth/session.py"]
    assert (size.added, size.removed) == (3, 2)
    assert out_of_scope(size, ["reports.py", "auth/session.py"], Guardrails(deny=[])) == []
    reasons = out_of_scope(size, ["reports.py"], Guardrails())
    assert any("outside the declared scope: auth/session.py" in r for r in reasons)
    assert any("denied paths: auth/session.py" in r for r in reasons)
    tight = out_of_scope(size, size.files, Guardrails(deny=[], max_files=1, max_changed_lines=4))
    assert len(tight) == 2


def test_the_window_may_span_midnight() -> None:
    utc = UTC
    at = datetime(2026, 12, 1, 0, 30, tzinfo=utc)
    start, end = next_window("23:00-02:00", at)
    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=utc) and end - start == timedelta(hours=3)
    start, _ = next_window("01:00-06:00", datetime(2026, 12, 1, 7, 0, tzinfo=utc))
    assert start == datetime(2026, 12, 2, 1, 0, tzinfo=utc)


class LateSignal(threading.Event):
    """A SIGTERM that landed just before a wait began: its handler (setting the stop) runs
    only once that wait has ended, as CPython runs handlers between bytecodes."""

    def wait(self, timeout: float | None = None) -> bool:
        time.sleep(timeout or 0)
        self.set()
        return False


@pytest.mark.parametrize("hours", [2, None], ids=["the window", "a server"])
def test_a_wait_sees_a_late_stop_within_a_second(hours: int | None) -> None:
    stop, outcome = LateSignal(), []
    until = datetime.now(UTC) + timedelta(hours=hours) if hours else None
    waiting = threading.Thread(
        target=lambda: outcome.append(wait_for_stop(stop, until=until)), daemon=True
    )
    waiting.start()
    waiting.join(timeout=3 * SLICE_S)  # one wait for the whole time would not end
    assert outcome == [True]


def test_a_window_already_begun_starts_the_night_at_once() -> None:
    # The wall clock is read, not the wait's clock, which stops while the machine sleeps.
    began = time.monotonic()
    assert wait_for_stop(threading.Event(), until=datetime.now(UTC) - timedelta(minutes=5)) is False
    assert time.monotonic() - began < 0.1


def test_the_budget_fails_closed_across_threads() -> None:
    budget = NightBudget(1.0)
    granted: list[bool] = []

    def ask() -> None:
        granted.append(budget.reserve(0.3) is None)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 3 and budget.exhausted
    budget.settle(0.3, 0.1)
    assert budget.spent_usd == 0.1
    assert NightBudget(None).reserve(1e9) is None
