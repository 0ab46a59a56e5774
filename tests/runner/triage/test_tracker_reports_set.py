"""The tracker-shaped report set: bug reports with issue-form boilerplate, logs, vague titles.

`sample_signals/tracker_reports/expected_groups.jsonl` is written by its `generate.py`; the
committed file must be what the generator writes today, or the figures quoted for it would
describe another set. Words are the only signal, so triage must never join two problems.
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from runner.sources.records import parse_record
from runner.triage.evaluate import Metrics, evaluate_file

SET = Path(__file__).parents[3] / "sample_signals" / "tracker_reports"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tracker_reports_generate", SET / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_file_is_what_the_generator_writes() -> None:
    committed = (SET / "expected_groups.jsonl").read_text(encoding="utf-8")
    assert _generator().render() == committed, "run sample_signals/tracker_reports/generate.py"


def test_words_alone_never_join_two_problems_and_propose_the_right_issue() -> None:
    metrics, bad = evaluate_file(SET / "expected_groups.jsonl")
    assert bad == [] and metrics.events >= 90 and metrics.groups >= 40
    assert metrics.pairwise_precision >= 0.95
    # The targets for real duplicate bug reports (issue 11); a plain TF-IDF ranking of the
    # raw words (`baseline.py`) reaches 0.72 and 0.91 here.
    assert metrics.suggest_recall_at_1 >= 0.80
    assert metrics.suggest_recall_at_3 >= 0.95


def _reshaped(
    tmp_path: Path,
    reshape: Callable[[int, dict[str, Any]], dict[str, Any]],
    at_1: float = 0.80,
) -> Metrics:
    """The set with each report given in another shape (`reshape(n, report)`), evaluated:
    the same reports must rank the same however they arrive."""
    lines = (SET / "expected_groups.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines):
        record = json.loads(line)
        record["event"] = reshape(n, record["event"])
        out.append(json.dumps(record))
    path = tmp_path / "reshaped.jsonl"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    metrics, bad = evaluate_file(path)
    assert bad == [] and metrics.events == len(lines)
    assert metrics.pairwise_precision >= 0.95
    assert metrics.suggest_recall_at_1 >= at_1
    return metrics


def test_a_page_every_report_comes_from_ties_no_two_reports(tmp_path: Path) -> None:
    # Each report carries its own address on a tracker (or all come from one feedback page):
    # the same route template for all of them, which is no place where a problem happened.
    _reshaped(tmp_path, lambda n, r: r | {"url": f"https://tracker.example/petrel/issues/{n}"})


def test_the_same_reports_as_envelopes_rank_the_same(tmp_path: Path) -> None:
    # A report given as an Overnight envelope names its heading `title` and its body `text`:
    # the heading is the person's words too (left out, @1 fell to 0.63), and a body with a
    # pasted log longer than a signal holds is cut, not refused.
    def envelope(n: int, report: dict[str, Any]) -> dict[str, Any]:
        body = report["body"] + ("\n\n" + "log: sync step done\n" * 2_000 if n == 0 else "")
        return {"kind": "feedback", "title": report["subject"], "text": body}

    assert _reshaped(tmp_path, envelope).suggest_recall_at_3 >= 0.95


SETTINGS = ("server", "port", "useSsl", "syncInterval", "folders", "signature", "theme", "fontFace")
SETTINGS += ("fontSize", "sound", "badge", "proxy", "timeout", "cacheSize", "language", "oauth")
LOG_LINES = ("[main] starting", "[main] loading profile", "[db] opening store", "[net] connected")
LOG_LINES += ("[ui] window created", "[ui] rendering list", "[cache] warming", "[main] ready")


def _document(text: str) -> dict[str, Any]:
    """`text` as an Atlassian document: a paragraph a line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.splitlines()
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


TRACKERS: dict[str, Callable[[int, dict[str, Any]], dict[str, Any]]] = {
    # Each tracker's export of an issue, as its API documents it (the values are the set's).
    "GitLab": lambda n, r: {
        "iid": n,
        "title": r["subject"],
        "description": r["body"],
        "author": {"username": r["from"].split("@")[0], "name": "A. Person"},
        "created_at": r["date"],
        "web_url": f"https://gitlab.example/petrel/petrel/-/issues/{n}",
    },
    "Linear": lambda n, r: {
        "identifier": f"PET-{n}",
        "title": r["subject"],
        "description": r["body"],
        "creator": {"name": r["from"].split("@")[0]},
        "createdAt": r["date"],
    },
    "Jira": lambda n, r: {
        "id": str(10_000 + n),
        "key": f"PET-{n}",
        "fields": {
            "summary": r["subject"],
            "description": r["body"],
            "reporter": {"displayName": "A. Person", "emailAddress": r["from"]},
            "created": r["date"].replace("Z", "+00:00").replace("+00:00", ".000+0000"),
        },
    },
    "Jira (API 3)": lambda n, r: {
        "key": f"PET-{n}",
        "fields": {
            "summary": r["subject"],
            "description": _document(r["body"]),
            "reporter": {"displayName": "A. Person", "emailAddress": r["from"]},
            "created": r["date"],
        },
    },
    "Canny": lambda n, r: {
        "title": r["subject"],
        "details": r["body"],
        "author": {"name": "A. Person", "email": r["from"]},
        "created": r["date"],
    },
}


@pytest.mark.parametrize("tracker", TRACKERS)
def test_the_same_reports_from_other_trackers_rank_the_same(tmp_path: Path, tracker: str) -> None:
    # Before, a report whose words are a `description` or `details` (or a Jira issue's
    # `fields`) was no signal at all.
    assert _reshaped(tmp_path, TRACKERS[tracker]).suggest_recall_at_3 >= 0.95
    report = TRACKERS[tracker](
        7,
        {
            "subject": "Crash",
            "body": "It crashes.",
            "from": "ana@x.example",
            "date": "2026-09-01T22:02:00Z",
        },
    )
    signal = parse_record(report, json.dumps(report), "test")
    assert signal.text == "Crash\n\nIt crashes." and signal.actor is not None
    assert signal.occurred_at.isoformat() == "2026-09-01T22:02:00+00:00"


PASTED_AS: dict[str, Callable[[str], str]] = {
    "fenced": lambda block: f"```\n{block}\n```",
    "bare": lambda block: block,
    "in <details>": lambda block: f"<details><summary>Logs</summary>\n\n{block}\n\n</details>",
    "indented": lambda block: "\n".join(f"    {line}" for line in block.splitlines()),
}


@pytest.mark.parametrize("shape", PASTED_AS)
def test_pasted_configs_and_logs_do_not_outweigh_the_reports_words(
    tmp_path: Path, shape: str
) -> None:
    # Two reports in five paste a long block that says nothing of their fault: their settings
    # or a start-up log, the same keys and lines as every other report that pastes one. Read
    # whole, such blocks ranked reports by their pastes, however they were pasted: @1 0.56,
    # @3 0.67 (now 0.76 and 0.94).
    rng = random.Random(1)

    def pasted() -> str:
        if rng.random() < 0.5:
            keys = rng.sample(SETTINGS, 12)
            settings = {
                key: rng.choice([True, False, rng.randrange(999), "default"]) for key in keys
            }
            return json.dumps(settings, indent=2)
        times = sorted(f"10:{rng.randrange(60):02d}:{rng.randrange(60):02d}" for _ in range(30))
        return "\n".join(
            f"{time} {rng.choice(LOG_LINES)} id={rng.randrange(10**6)}" for time in times
        )

    def with_paste(n: int, report: dict[str, Any]) -> dict[str, Any]:
        if rng.random() >= 0.4:
            return report
        block = PASTED_AS[shape](pasted())
        return report | {"body": report["body"] + "\n\nMy settings / log:\n\n" + block}

    metrics = _reshaped(tmp_path, with_paste, at_1=0.75)
    assert metrics.suggest_recall_at_3 >= 0.90


LONGER_QUESTIONS = {
    "### Describe the bug": (
        "### Please describe the problem you ran into, in as much detail as you can"
    ),
    "### Steps to reproduce": "### What exact steps would someone else follow to see it happen?",
    "### Expected behavior": "### What did you expect to happen when you followed those steps?",
    "### Actual behavior": "### What actually happened instead of what you expected?",
    "### Relevant log output": "### Please paste any relevant log output (formatted as code)",
    "### Environment": "### Which version of the app and which operating system do you use?",
    "### Additional context": "### Is there anything else we should know about your setup?",
}
MORE_QUESTIONS = (
    "### Did you try with all add-ons turned off and the app restarted in safe mode?\n\nYes\n\n"
    "### Which installation channel did you get the application from?\n\n_No response_\n\n"
    "### Is this a regression from an earlier version that worked for you?\n\n_No response_\n\n"
    "### Does it also happen with a brand new profile and default settings?\n\nNot tried\n\n"
    "### Code of Conduct\n\n- [X] I agree to follow this project's Code of Conduct"
)


def test_a_longer_issue_form_ranks_the_same_reports_the_same(tmp_path: Path) -> None:
    # The form's questions made five times as long and five more of them, and half of the
    # reports that had no form given one: the questions are the same in every report, so
    # they must not rank reports by which form they came through. Before, @1 0.74 and @3
    # 0.94; now 0.83 and 0.98, what the set gives as it is.
    rng = random.Random(1)

    def longer(n: int, report: dict[str, Any]) -> dict[str, Any]:
        body = report["body"]
        if "### Describe the bug" not in body:
            if rng.random() >= 0.5:
                return report
            body = f"### Describe the bug\n\n{body}\n\n### Steps to reproduce\n\n_No response_"
        for question, longer_one in LONGER_QUESTIONS.items():
            body = body.replace(question, longer_one)
        return report | {"body": f"{body}\n\n{MORE_QUESTIONS}"}

    assert _reshaped(tmp_path, longer).suggest_recall_at_3 >= 0.97


def test_the_same_reports_as_a_tracker_api_gives_them_rank_the_same(tmp_path: Path) -> None:
    # GitHub's API shape: `title`, `body`, `user.login`, `created_at`, its own `url`, and
    # `comments` as a count. The title is the person's words; before, only the body was read
    # (@1 0.61, @3 0.87).
    def api_issue(n: int, report: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": 9000 + n,
            "number": 1000 + n,
            "title": report["subject"],
            "body": report["body"],
            "user": {"login": report["from"].split("@")[0]},
            "created_at": report["date"],
            "url": f"https://api.tracker.example/repos/petrel/petrel/issues/{1000 + n}",
            "comments": 3,
            "state": "closed",
        }

    assert _reshaped(tmp_path, api_issue).suggest_recall_at_3 >= 0.95
    # A report with a title and no body is a report too.
    titled = {"title": "Crash when opening a calendar invite", "body": None, "comments": 0}
    signal = parse_record(titled, json.dumps(titled), "test")
    assert (signal.kind, signal.title) == ("feedback", titled["title"])
    # As `gh issue list --json title,body,author,createdAt` writes it.
    listed = {**titled, "author": {"login": "aiko"}, "createdAt": "2026-09-01T22:02:00Z"}
    signal = parse_record(listed, json.dumps(listed), "test")
    assert signal.actor is not None and signal.actor.name == "aiko"
    assert signal.occurred_at.isoformat() == "2026-09-01T22:02:00+00:00"
