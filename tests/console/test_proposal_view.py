"""The Proposal screen's reads: typed models from the store, the diff parsed from git or text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.diff_model import Highlighter, parse_unified
from console.gitview import prepare_diff
from store.proposal_view import (
    StoreMissing,
    load_proposal,
    load_replay,
    load_signals,
    open_reader,
)
from store.transcript import CommandData, ModelReplyData, OutcomeData
from tests.console.proposal_seed import AGENT_RUN, REPRO, Seeded, seeded

__all__ = ["seeded"]


def test_the_reader_is_read_only_and_refuses_a_missing_store(seeded: Seeded, tmp_path: Path):
    db = open_reader(seeded.db_path)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM proposals")
    db.close()
    with pytest.raises(StoreMissing, match="no store at"):
        open_reader(tmp_path / "absent.db")
    assert not (tmp_path / "absent.db").exists()


def test_a_proposal_reads_with_its_issue_and_check(seeded: Seeded) -> None:
    db = open_reader(seeded.db_path)
    detail = load_proposal(db, seeded.proposal_id)
    assert detail is not None
    assert detail.issue_title == "ZeroDivisionError: division by zero"
    assert (detail.signal_count, detail.users_affected) == (4, 4)
    assert detail.proposal.head_commit == seeded.head and detail.proposal.verified
    assert [c.outcome for c in detail.checks] == ["passed"]
    assert load_proposal(db, 999) is None


def test_signals_read_newest_first_with_envelopes_and_a_limit(seeded: Seeded) -> None:
    db = open_reader(seeded.db_path)
    signals = load_signals(db, seeded.issue_id, limit=2)
    assert signals.total == 4
    assert [s.signal_id for s in signals.signals] == ["sig-feedback-0", "sig-error-2"]
    error = signals.signals[1]
    assert error.signal is not None and error.signal.error is not None
    assert [f.in_app for f in error.signal.error.frames] == [False, True, True, True]
    assert (error.fingerprint_score, error.structure_score, error.text_score) == (1.0, 0.92, 0.88)


def test_the_replay_is_the_agents_run_then_the_check_runs(seeded: Seeded) -> None:
    db = open_reader(seeded.db_path)
    replay = load_replay(db, seeded.proposal_id)
    assert replay is not None
    assert [r.run.purpose for r in replay.runs] == ["agent", "check_before", "check_after"]
    agent = replay.runs[0].steps
    assert agent[0].run_id == AGENT_RUN and [s.seq for s in agent] == list(range(1, 11))
    assert isinstance(agent[2].detail, ModelReplyData) and agent[2].detail.tool_calls
    assert isinstance(agent[-1].detail, OutcomeData)
    repro = [(s.purpose, s.seq) for s in replay.steps if s.is_repro]
    assert repro == [("agent", 4), ("agent", 8), ("check_before", 2), ("check_after", 2)]
    check = replay.runs[1].steps[1]
    assert isinstance(check.detail, CommandData) and check.detail.check == "repro"
    assert REPRO in " ".join(check.command or [])


def test_git_gives_the_diff_and_the_whole_files_for_highlighting(seeded: Seeded) -> None:
    db = open_reader(seeded.db_path)
    detail = load_proposal(db, seeded.proposal_id)
    assert detail is not None
    p = detail.proposal
    prepared = prepare_diff(p.repository, p.base_commit, p.head_commit, p.diff)
    assert prepared.origin == "git"
    assert [(f.path, f.added, f.removed) for f in prepared.files] == [
        ("reports.py", 3, 1),
        ("tests/test_reports.py", 4, 0),
    ]
    gone = prepare_diff(p.repository, p.base_commit, "0" * 40, p.diff)
    assert gone.origin == "stored" and "the stored diff is shown" in gone.note
    assert [f.path for f in gone.files] == ["reports.py", "tests/test_reports.py"]


def test_a_removed_line_that_looks_like_a_header_stays_a_line() -> None:
    text = "--- a/notes.md\n+++ b/notes.md\n@@ -1,2 +1,2 @@\n--- a rule\n+++ a new rule\n same\n"
    [patch] = parse_unified(text)
    assert patch.path == "notes.md"
    assert [(r.kind, r.text) for r in patch.rows[1:]] == [
        ("removed", "-- a rule"),
        ("added", "++ a new rule"),
        ("context", "same"),
    ]


def test_new_deleted_renamed_and_binary_files_are_told_apart() -> None:
    text = "\n".join(
        [
            "diff --git a/new.py b/new.py",
            "new file mode 100644",
            "--- /dev/null",
            "+++ b/new.py",
            "@@ -0,0 +1 @@",
            "+x = 1",
            "diff --git a/old.py b/old.py",
            "deleted file mode 100644",
            "--- a/old.py",
            "+++ /dev/null",
            "@@ -1 +0,0 @@",
            "-y = 2",
            "diff --git a/a.py b/b.py",
            "similarity index 100%",
            "rename from a.py",
            "rename to b.py",
            "diff --git a/logo.png b/logo.png",
            "Binary files a/logo.png and b/logo.png differ",
        ]
    )
    files = parse_unified(text)
    assert [(f.path, f.old_path, f.status) for f in files] == [
        ("new.py", "new.py", "added"),
        ("old.py", "old.py", "deleted"),
        ("b.py", "a.py", "renamed"),
        ("logo.png", "logo.png", "binary"),
    ]
    assert files[0].rows[1].new_no == 1 and files[1].rows[1].old_no == 1


def test_split_rows_pair_removals_with_the_additions_after_them() -> None:
    text = "--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n d\n"
    [patch] = parse_unified(text)
    pairs = [
        (p.left.text if p.left else None, p.right.text if p.right else None)
        for p in patch.split_rows()[1:]
    ]
    assert pairs == [("a", "a"), ("b", "B"), ("c", None), ("d", "d")]


def test_highlighting_sees_a_string_opened_above_its_window() -> None:
    lines = {1: 'doc = """', **{n: "def not_code():" for n in range(2, 80)}, 80: '"""'}
    function_name = "$text-warning underline"  # the theme's style for a function's name

    def styles(highlighter: Highlighter, n: int) -> set[str]:
        return {str(span.style) for span in highlighter.line("new", n, "").spans}

    # Up to HIGHLIGHT_CONTEXT lines above are given to the lexer: the string is seen.
    assert function_name not in styles(Highlighter("m.py", {}, lines), 20)
    # Read from the top, one window covers the rest: still inside the string at line 60.
    from_top = Highlighter("m.py", {}, lines)
    from_top.line("new", 1, "")
    assert function_name not in styles(from_top, 60)
    # Jumping straight to line 60, the opening quote is out of sight: code, as documented.
    assert function_name in styles(Highlighter("m.py", {}, lines), 60)
