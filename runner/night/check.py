"""The runner's own check of a submitted fix: an agent's word never marks a fix verified.

In fresh containers from the same image: the reproduction on the original commit (must fail)
and on the patched commit (must pass), and the repository's test command on both, compared
test by test from JUnit XML (no test that passed before may fail after). The four runs go in
parallel; each is an ordinary recorded run, so a reviewer can replay the check too.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlite_utils

from runner.containers import LimitSettings, RunPool
from runner.sources.junit import JUnitCase, cases
from store.night import set_run_role
from store.runs import ImageRecord, RunPurpose
from store.transcript import CommandData

JUNIT_PATH = "/tmp/overnight-junit.xml"
_GREEN = ("passed", "skipped")
Phase = Literal["before", "after"]


@dataclass
class CheckOutcome:
    """What the runner found, phase by phase."""

    repro_before: int | None = None
    repro_after: int | None = None
    tests_before: list[JUnitCase] = field(default_factory=list)
    tests_after: list[JUnitCase] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    new_failures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why a part of the check could not be done (no JUnit report, a run that failed)."""
    runs: dict[str, RunPurpose] = field(default_factory=dict)
    """The check's runs and what each was for (check_before or check_after)."""

    @property
    def passed(self) -> bool:
        return (
            not self.problems
            and self.repro_before not in (0, None)
            and self.repro_after == 0
            and not self.new_failures
        )

    @property
    def summary(self) -> str:
        """The check in words, as every card shows it."""
        parts = [
            "fails before"
            if self.repro_before not in (0, None)
            else "passes before (the runner could not reproduce it)"
            if self.repro_before == 0
            else "reproduction not run before",
            "passes after"
            if self.repro_after == 0
            else f"fails after (exit {self.repro_after})"
            if self.repro_after is not None
            else "reproduction not run after",
        ]
        if self.problems:
            parts.append("tests not compared: " + "; ".join(self.problems))
        elif self.new_failures:
            parts.append(
                f"{len(self.new_failures)} new failures: {', '.join(self.new_failures[:5])}"
            )
        else:
            parts.append("no new failures")
        return " / ".join(parts)


def compare(before: list[JUnitCase], after: list[JUnitCase]) -> tuple[list[str], list[str]]:
    """Tests the fix turned green, and tests that were green and are not any more (a test
    that disappeared counts as no longer passing)."""
    was = {c.test_id: c.outcome for c in before}
    now = {c.test_id: c.outcome for c in after}
    fixed = [t for t, o in now.items() if o == "passed" and was.get(t) in ("failed", "error")]
    broken = [t for t, o in was.items() if o == "passed" and now.get(t) not in _GREEN]
    return sorted(fixed), sorted(broken)


@dataclass
class Checker:
    """Runs the check for one repository's proposals."""

    db: sqlite_utils.Database
    pool: RunPool
    test_command: str
    repro_timeout_s: float
    test_timeout_s: float
    limits: LimitSettings | None = None

    def check(
        self,
        repo: Path,
        base: str,
        patched: str,
        image: ImageRecord,
        repro_command: str,
        *,
        issue_id: int | None,
    ) -> CheckOutcome:
        outcome = CheckOutcome()
        jobs: list[tuple[Phase, str, Literal["repro", "tests"]]] = [
            ("before", base, "repro"),
            ("after", patched, "repro"),
            ("before", base, "tests"),
            ("after", patched, "tests"),
        ]
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="overnight-check") as ex:
            futures = [
                ex.submit(self._one, repo, sha, image, phase, part, repro_command, issue_id)
                for phase, sha, part in jobs
            ]
            results = [f.result() for f in futures]
        for (phase, _sha, part), (run_id, exit_code, junit, problem) in zip(
            jobs, results, strict=True
        ):
            outcome.runs[run_id] = "check_before" if phase == "before" else "check_after"
            if problem:
                outcome.problems.append(f"{part} {phase}: {problem}")
            if part == "repro":
                setattr(outcome, f"repro_{phase}", exit_code)
            else:
                setattr(outcome, f"tests_{phase}", junit)
        if not outcome.problems:
            outcome.fixed, outcome.new_failures = compare(outcome.tests_before, outcome.tests_after)
        return outcome

    def _one(
        self,
        repo: Path,
        sha: str,
        image: ImageRecord,
        phase: Phase,
        part: Literal["repro", "tests"],
        repro_command: str,
        issue_id: int | None,
    ) -> tuple[str, int | None, list[JUnitCase], str | None]:
        run = self.pool.start(repo, sha, image, issue_id=issue_id, limits=self.limits)
        with run:
            set_run_role(self.db, run.id, "check_before" if phase == "before" else "check_after")
            if part == "repro":
                result = run.exec(
                    repro_command,
                    self.repro_timeout_s,
                    data=CommandData(check="repro").model_dump(exclude_defaults=True),
                )
                problem = "the reproduction timed out" if result.timed_out else None
                return run.id, result.exit_code, [], problem
            command = self.test_command.replace("{junit}", JUNIT_PATH)
            result = run.exec(
                command,
                self.test_timeout_s,
                data=CommandData(check="tests").model_dump(exclude_defaults=True),
            )
            report = run.read_file(JUNIT_PATH)
            if report is None:
                why = "timed out" if result.timed_out else f"exited {result.exit_code}"
                return (
                    run.id,
                    result.exit_code,
                    [],
                    f"the test command wrote no JUnit report ({why})",
                )
            try:
                return run.id, result.exit_code, cases(report), None
            except ValueError as exc:
                return run.id, result.exit_code, [], str(exc)
