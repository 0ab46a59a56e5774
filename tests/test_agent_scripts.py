"""The demo's agent scripts are honest: played on the host, they really fix the demo app's bugs.

Each script in `sample_signals/agent_scripts/` is the scripted model's side of one demo run.
Here its tool calls are played in order against a fresh git copy of the demo app, without a
container or a model: `bash` as `bash -c` in the checkout, `edit` as the agent's tool defines
it (the exact, unique `old` replaced by `new`; no `old`: `new` is the whole file). The ending is
then checked the way the runner checks it: the repro command fails on the original tree and
passes on the patched one, the test suite has no new failures and the target test turned
green, and the declared scope covers the diff (except for the script that must wander). The
exit code of every command is held to the story the script's `say` texts tell.

Then every script's `match` is held to a real triage of the sample signals: each dispatchable
issue is answered by exactly one script, the one written for its problem, and no script answers
an issue of another problem. When the demo app or triage changes, these tests say which script
no longer fits. The scripts for tests (`tests/fixtures/agent_scripts/`) are held to their form,
and the two written for the demo app are played on it too.
"""

from __future__ import annotations

import collections
import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.routines import DEFAULT_DENY
from store import open_db
from store.issues import Issue, links_for_issue, list_issues

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_signals"
DEMO = SAMPLES / "demo_app"
DEMO_SCRIPTS = SAMPLES / "agent_scripts"
FIXTURE_SCRIPTS = ROOT / "tests" / "fixtures" / "agent_scripts"
ENDINGS = {"submit", "cannot_reproduce", "give_up"}
TOOLS = {"bash", "edit", *ENDINGS}
SUITE = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]  # the runner's test command


@dataclass(frozen=True)
class Expect:
    """What a script must do: its ending, and the exit code of each of its bash calls."""

    ending: str
    exits: str
    """One letter per bash call, in order: `0` it succeeds, `F` it fails (non-zero)."""
    target: str | None = None
    """The failing test the fix must turn green, as `file::name`."""
    added: tuple[str, ...] = ()
    """Tests the fix adds, which must pass after it."""
    in_scope: bool = True
    """False for the script whose diff must reach beyond its declared scope."""


EXPECTED = {
    "summary-empty-team": Expect(
        "submit", "F00F0", "tests/test_reports.py::test_summary_of_team_without_tasks"
    ),
    "csv-export-filter-empty": Expect(
        "submit", "F000F0", "tests/test_reports.py::test_export_csv_filtered_by_status"
    ),
    "date-en-gb": Expect(
        "submit", "F000F0", "tests/test_reports.py::test_date_range_british_locale"
    ),
    "pagination-last-page": Expect(
        "submit", "F000F0", "tests/test_search.py::test_last_partial_page"
    ),
    "settings-missing-section": Expect(
        "submit",
        "0F00F0",
        added=(
            "tests/test_settings_sections.py::test_missing_optional_section_gives_the_default",
            "tests/test_settings_sections.py::test_configured_section_still_wins",
        ),
    ),
    "dashboard-unknown-widget": Expect("submit", "0F0F", in_scope=False),
    "dashboard-refresh-cold-cache": Expect("cannot_reproduce", "0000"),
    "dashboard-refresh-cold-cache-redirected": Expect(
        "submit", "00F00F0", added=("tests/test_dashboard.py::test_refresh_with_cold_cache",)
    ),
    "search-blank-per-page": Expect("give_up", "000"),
}
# Scripts that answer an issue only once a reviewer has redirected it: the issue's problem,
# and context a reviewer would give (`overnight redispatch ISSUE --context TEXT`).
REDIRECTS = {
    "dashboard-refresh-cold-cache-redirected": (
        "dashboard-refresh-cold-cache",
        "Try it with a cold cache: the team's entry expires after cache_ttl.",
    ),
}


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def calls(script: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for turn in script["turns"] for call in turn.get("calls", [])]


def denied(path: str) -> bool:
    """Whether the routines' default deny globs cover `path`, as the safety filter matches."""
    return any(fnmatch.fnmatchcase(path.lower(), glob) for glob in DEFAULT_DENY)


# --- playing a script -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What the container gives a command: `python` with pytest first on PATH, no bytecode,
    and no pytest plugins but pytest's own (the demo app needs only pytest; the plugins of
    Overnight's own test tools would also make each run eight times slower)."""
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "python").symlink_to(sys.executable)
    return {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path_factory.mktemp("home")),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo app's contents in a git repository of their own, as `overnight demo` makes it."""
    repo = tmp_path_factory.mktemp("base") / "teamboard"
    shutil.copytree(DEMO, repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Teamboard")
    return repo


def clone(base: Path, into: Path) -> Path:
    git(base.parent, "clone", "-q", str(base), str(into))
    return into


def bash(repo: Path, env: dict[str, str], command: str, timeout: float = 120) -> int:
    return subprocess.run(
        ["bash", "-c", command], cwd=repo, env=env, capture_output=True, timeout=timeout
    ).returncode


def edit(repo: Path, path: str, new: str, old: str | None = None) -> None:
    """The agent's `edit` tool: replace the exact, unique `old`, or write `new` as the file."""
    target = (repo / path).resolve()
    assert not Path(path).is_absolute() and target.is_relative_to(repo), path
    if old is None:
        target.write_text(new, encoding="utf-8")
        return
    text = target.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: `old` occurs {text.count(old)} times, not once"
    target.write_text(text.replace(old, new), encoding="utf-8")


def play(repo: Path, env: dict[str, str], script: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Run every call but the ending; return the exit letters of the bash calls and the ending."""
    *steps, ending = calls(script)
    exits = ""
    for call in steps:
        args = call["arguments"]
        if call["tool"] == "bash":
            rc = bash(repo, env, args["command"], args.get("timeout_s", 120))
            exits += "0" if rc == 0 else "F"
        else:
            assert call["tool"] == "edit", call["tool"]
            edit(repo, args["path"], args["new"], args.get("old"))
    return exits, ending


def junit(repo: Path, env: dict[str, str]) -> dict[str, bool]:
    """The suite's result per test (`file::name` → passed), from its JUnit XML."""
    report = repo.parent / f"{repo.name}-junit.xml"
    subprocess.run(
        [*SUITE, f"--junitxml={report}"], cwd=repo, env=env, capture_output=True, timeout=300
    )
    results = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        failed = any(child.tag in ("failure", "error") for child in case)
        results[f"{module}.py::{case.get('name')}"] = not failed
    return results


@pytest.fixture(scope="module")
def suite_before(base_repo: Path, env: dict[str, str]) -> dict[str, bool]:
    return junit(clone(base_repo, base_repo.parent / "before"), env)


def test_the_original_suite_fails_on_the_four_regressions(suite_before: dict[str, bool]) -> None:
    failing = sorted(test for test, passed in suite_before.items() if not passed)
    targets = sorted(e.target for e in EXPECTED.values() if e.target)
    assert failing == targets and len(suite_before) == 21


def test_every_demo_script_is_written() -> None:
    assert sorted(path.stem for path in DEMO_SCRIPTS.glob("*.toml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_script_does_what_it_says(
    name: str,
    base_repo: Path,
    env: dict[str, str],
    suite_before: dict[str, bool],
    tmp_path: Path,
) -> None:
    script, expect = load(DEMO_SCRIPTS / f"{name}.toml"), EXPECTED[name]
    repo = clone(base_repo, tmp_path / "teamboard")
    exits, ending = play(repo, env, script)
    assert ending["tool"] == expect.ending
    assert exits == expect.exits, "a command's exit code no longer fits the script's story"
    git(repo, "add", "-A")
    changed = set(git(repo, "diff", "--cached", "--name-only", "HEAD").split())
    if expect.ending != "submit":
        assert changed == set(), "a script that does not submit must leave the tree as it was"
        return

    args = ending["arguments"]
    original = clone(base_repo, tmp_path / "original")
    assert bash(original, env, args["repro_command"]) != 0, "the repro passes before the fix"
    assert bash(repo, env, args["repro_command"]) == 0, "the repro fails after the fix"
    assert changed, "a submit with no diff"
    assert (changed <= set(args["scope"])) is expect.in_scope, (changed, args["scope"])
    assert not any(map(denied, changed)), "a denied path makes any proposal out of scope"

    after = junit(repo, env)
    broken = [t for t, passed in suite_before.items() if passed and not after.get(t)]
    assert broken == [], "tests that passed before fail after"
    if expect.target:
        assert not suite_before[expect.target] and after[expect.target]
    assert all(after.get(test) and test not in suite_before for test in expect.added)
    # The reasoning's figures are the suite's, after the fix.
    claimed = re.search(r"(\d+) passed(?: \([^)]*\))?, (\d+) failed", args["reasoning"])
    assert claimed, "the reasoning quotes the suite's result"
    assert (int(claimed[1]), int(claimed[2])) == (
        sum(after.values()),
        sum(not passed for passed in after.values()),
    )


# --- matching a script to its issue -----------------------------------------------------------


def issue_text(issue: Issue, full: bool) -> str:
    """The issue as the prompt shows it: always title, error type and message, the in-app
    frames and the test id; with `full`, also the routes, repro steps, labels and the texts of
    its signals."""
    parts = [issue.title, issue.error_type or "", issue.description, issue.test_id or ""]
    parts += [f"{s.module or ''} {s.function or ''} {s.file or ''}" for s in issue.scope]
    if full:
        parts += [issue.location or "", *issue.routes_seen, *issue.repro, *issue.labels]
        parts += issue.texts
    return "\n".join(parts)


def matches(script: dict[str, Any], text: str, fold: bool = False) -> bool:
    norm = str.casefold if fold else str
    return any(all(norm(s) in norm(text) for s in strings) for strings in script["match"])


@pytest.fixture(scope="module")
def triaged(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Issue, str]]:
    """Every issue of a real triage of the sample signals, with the problem most of its
    signals are labelled with."""
    db_path = tmp_path_factory.mktemp("triage") / "overnight.db"
    for args in (["ingest", "-q", "--keep", str(SAMPLES / "inbox")], ["triage", "-q"]):
        subprocess.run(
            [sys.executable, "-m", "runner.cli", "--db", str(db_path), *args],
            check=True,
            capture_output=True,
            cwd=db_path.parent,
        )
    lines = (SAMPLES / "expected_groups.jsonl").read_text(encoding="utf-8").splitlines()
    group_of = {row["id"]: row["group"] for row in map(json.loads, filter(None, lines))}
    db = open_db(db_path)
    try:
        issues = []
        for issue in list_issues(db):
            links = links_for_issue(db, issue.id, states=["linked"])
            votes = collections.Counter(group_of[link.signal_id] for link in links)
            issues.append((issue, votes.most_common(1)[0][0]))
        return issues
    finally:
        db.close()


def test_each_dispatchable_issue_is_answered_by_its_own_script(
    triaged: list[tuple[Issue, str]],
) -> None:
    # In file-name order, the order the scripted model tries them in.
    scripts = {path.stem: load(path) for path in sorted(DEMO_SCRIPTS.glob("*.toml"))}
    answered: dict[str, list[str]] = {}
    for issue, group in triaged:
        if issue.lane == "dispatchable":
            text = issue_text(issue, full=False)
            answered[group] = [n for n, s in scripts.items() if matches(s, text)]
            # The title alone is enough too, should a prompt leave the frames out.
            by_title = [n for n, s in scripts.items() if matches(s, issue.title)]
            assert by_title == answered[group], f"#{issue.id} by its title alone: {by_title}"
            for name, (redirected, context) in REDIRECTS.items():
                if redirected == group:
                    chosen = [n for n, s in scripts.items() if matches(s, f"{text}\n{context}")]
                    assert chosen[0] == name, f"the redirect of #{issue.id} plays {chosen}"
        # Even with every field of the prompt, and ignoring case, no script answers an issue of
        # another problem (billing-zero-seats is a ZeroDivisionError, KeyError: 'sso' is held).
        wrong = [
            n
            for n, s in scripts.items()
            if REDIRECTS.get(n, (n,))[0] != group
            and matches(s, issue_text(issue, full=True), fold=True)
        ]
        assert wrong == [], f"#{issue.id} ({group}) {issue.title!r} also matches {wrong}"
    assert answered == {name: [name] for name in EXPECTED if name not in REDIRECTS}


# --- the scripts must be well formed ----------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DEMO_SCRIPTS.glob("*.toml")), ids=lambda p: p.stem)
def test_demo_script_is_well_formed(path: Path) -> None:
    script = load(path)
    assert script["name"] == path.stem and script["description"]
    assert script["match"] and all(strings and all(strings) for strings in script["match"])
    every = calls(script)
    assert all(call["tool"] in TOOLS for call in every)
    assert [call["tool"] in ENDINGS for call in every].count(True) == 1
    assert every[-1]["tool"] in ENDINGS, "the ending is the last call"
    assert all(turn.get("say") for turn in script["turns"][:-1]), "every step says why"


# --- the scripts for tests ----------------------------------------------------------------------

# Scripts that only make sense in a container (network, writes outside /workspace, timeouts,
# HTTP faults) are checked for form here, never played on the host. These two are written for
# the demo app; the wandering run's suite still fails, as it fixed one regression of four.
PLAYED_FIXTURES = {"bench": "000000", "wanders": "FF"}


@pytest.mark.parametrize("path", sorted(FIXTURE_SCRIPTS.glob("*.toml")), ids=lambda p: p.stem)
def test_fixture_script_answers_only_its_marker(path: Path) -> None:
    script = load(path)
    assert script["name"] == path.stem and script["description"]
    [[marker]] = script["match"]
    assert marker.startswith("OVERNIGHT-")
    others = [p for p in FIXTURE_SCRIPTS.glob("*.toml") if p != path]
    assert not any(matches(load(other), marker) for other in others)
    assert all(call["tool"] in TOOLS for call in calls(script))


def test_stuck_script_repeats_one_command_four_times() -> None:
    script = load(FIXTURE_SCRIPTS / "stuck.toml")
    commands = [c["arguments"]["command"] for c in calls(script) if c["tool"] == "bash"]
    assert len(commands) == 4 and len(set(commands)) == 1


@pytest.mark.parametrize("name", sorted(PLAYED_FIXTURES))
def test_fixture_script_fits_the_demo_app(
    name: str, base_repo: Path, env: dict[str, str], tmp_path: Path
) -> None:
    script = load(FIXTURE_SCRIPTS / f"{name}.toml")
    repo = clone(base_repo, tmp_path / "teamboard")
    exits, ending = play(repo, env, script)
    assert exits == PLAYED_FIXTURES[name]
    git(repo, "add", "-A")
    changed = set(git(repo, "diff", "--cached", "--name-only", "HEAD").split())
    if name == "wanders":
        scope = set(ending["arguments"]["scope"])
        assert scope < changed and any(map(denied, changed - scope))
        assert bash(repo, env, ending["arguments"]["repro_command"]) == 0
    else:
        assert changed == set() and ending["tool"] == "give_up"
