"""Parametrised cases of one test failing at the same place are one problem.

A real pytest run writes the JUnit report; the real JUnit reader ingests it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlite_utils

from runner.ingest import store_parsed
from runner.sources.junit import read_junit_file
from runner.triage.engine import triage_pending
from runner.triage.fingerprint import fingerprint
from runner.triage.structure import structure
from store.issues import home_issue_ids, proposed_links
from store.signal import Signal

TESTS = """
import pytest

def naturalsize(n):
    return f"{n / 1000:.1f} kB"

@pytest.mark.parametrize("args, expected", [
    ((1000,), "1.0 KB"), ((2000,), "2.0 MiB"), ((300,), "300 Bytes"),
    ((123456,), "123.5 GB"), ((10**6,), "1.0 MB"), ((7,), "7 Bytes"),
])
def test_naturalsize(args, expected):
    assert naturalsize(*args) == expected

@pytest.mark.parametrize("n", [1, 2])
def test_other_place(n):
    assert n / 0
"""


def run_pytest(tmp_path: Path) -> Path:
    (tmp_path / "test_sizes.py").write_text(TESTS)
    report = tmp_path / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    return report


def test_parametrised_cases_failing_at_one_place_are_one_issue(
    tmp_path: Path, fresh_db: sqlite_utils.Database
) -> None:
    report = run_pytest(tmp_path)
    signals = [s for s in read_junit_file(report) if isinstance(s, Signal)]
    assert len(signals) == 8  # six cases of one test, two of another
    sizes_cases = [s for s in signals if "test_naturalsize[" in (s.test_id or "")]
    # Each of two signals agrees on its own: one place (the test, without its parameters) and
    # one fingerprint (the test's own frames, when nothing else is left to group on).
    assert len({structure(s).location for s in sizes_cases}) == 1
    assert len({fingerprint(s).hash for s in sizes_cases}) == 1

    store_parsed(fresh_db, signals)
    triage_pending(fresh_db)
    homes = home_issue_ids(fresh_db, [s.id for s in signals])
    sizes = {homes[s.id] for s in signals if "test_naturalsize[" in (s.test_id or "")}
    others = {homes[s.id] for s in signals if "test_other_place[" in (s.test_id or "")}
    assert len(sizes) == 1 and len(others) == 1 and sizes != others
    # No look-alike is left for a person to confirm.
    assert proposed_links(fresh_db) == []


PHPUNIT_REPORT = Path(__file__).parents[2] / "fixtures" / "junit" / "phpunit-data-provider.xml"


def test_a_phpunit_data_provider_failing_at_one_place_is_one_issue(
    tmp_path: Path, fresh_db: sqlite_utils.Database
) -> None:
    # A real PHPUnit report: suites nest per directory, class and data provider, and every
    # suite carries a timestamp here, as other runners write them. Each case is read once.
    suites = PHPUNIT_REPORT.read_text().split("<testsuite ")
    stamps = (f'<testsuite timestamp="2026-11-23T10:00:0{n}" ' for n in range(len(suites)))
    report = tmp_path / "report.xml"
    report.write_text(suites[0] + "".join(next(stamps) + part for part in suites[1:]))
    signals = [s for s in read_junit_file(report) if isinstance(s, Signal)]
    assert len(signals) == 5  # four data sets of one test and one other test: once each
    data_sets = [s for s in signals if "with data set" in (s.test_id or "")]
    assert len(data_sets) == 4 and len({structure(s).location for s in data_sets}) == 1
    # PHPUnit prints the stack as `SizeTest.php:13`: the frame is the test's method.
    functions = {s.error.frames[-1].function for s in signals if s.error and s.error.frames}
    assert functions == {"testNaturalSize", "testZeroIsZero"}

    store_parsed(fresh_db, signals)
    triage_pending(fresh_db)
    homes = home_issue_ids(fresh_db, [s.id for s in signals])
    assert len({homes[s.id] for s in data_sets}) == 1
    other = next(s for s in signals if s not in data_sets)
    assert homes[other.id] != homes[data_sets[0].id]
    # No data set is left for a person to confirm against another.
    ids = {s.id for s in data_sets}
    assert not [link for link in proposed_links(fresh_db) if link.signal_id in ids]
