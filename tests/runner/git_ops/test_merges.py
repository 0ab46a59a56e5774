"""The console's `m` and `u`: a real merge of a proposal branch, refused before anything moves
when it cannot be done cleanly, and undone only while its commit is still the target's tip."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.git import MergeRefused, merge_branch, undo_merge
from runner.git.merges import merge_tree_supported
from tests.runner.git_ops.conftest import AUTHOR, DATE, commit, git, head, snapshot, without

FIXED = "def greet():\n    return 'hello'\n"
BRANCH = "overnight/1-1"


@pytest.fixture
def proposal(repo: Path) -> tuple[str, str]:
    """A proposal branch one commit ahead of `main`, which stays checked out: (base, tip)."""
    base = head(repo)
    git(repo, "switch", "-q", "-c", BRANCH)
    tip = commit(repo, "Fix", {"app.py": FIXED, "new.txt": "new\n", "docs/guide.md": "# Guide\n"})
    git(repo, "switch", "-q", "main")
    return base, tip


def diverge(repo: Path, files: dict[str, str | bytes | None] | None = None) -> str:
    """A commit on `main` that the proposal lacks (by default, one that merges cleanly)."""
    branch = git(repo, "branch", "--show-current").strip()
    git(repo, "switch", "-q", "main")
    sha = commit(repo, "Meanwhile", files or {"pkg/util.py": "X = 3\n"})
    git(repo, "switch", "-q", branch)
    return sha


def contents(repo: Path) -> dict[str, bytes]:
    """The work tree's files and their bytes."""
    files = (p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
    return {str(p.relative_to(repo)): p.read_bytes() for p in files}


def away_from_main(repo: Path) -> None:
    """The user works on another branch, with edits, so `main` is not checked out."""
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "app.py").write_text("# half-done\n")


def test_fast_forward_brings_the_checked_out_work_tree_along(
    repo: Path, proposal: tuple[str, str]
) -> None:
    base, tip = proposal
    result = merge_branch(repo, BRANCH, expected_tip=base)

    assert (result.target, result.previous_tip, result.new_tip) == ("main", base, tip)
    assert result.fast_forward
    assert head(repo, "main") == tip
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert (repo / "app.py").read_text() == FIXED
    assert (repo / "docs" / "guide.md").is_file()
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_fast_forward_of_a_branch_not_checked_out_touches_nothing_else(
    repo: Path, proposal: tuple[str, str]
) -> None:
    _, tip = proposal
    away_from_main(repo)
    before = snapshot(repo)

    result = merge_branch(repo, BRANCH, mode="ff-only")

    assert result.fast_forward and head(repo, "main") == tip
    assert without(snapshot(repo), "main") == without(before, "main")


def test_merge_mode_makes_a_merge_commit_even_when_it_could_fast_forward(
    repo: Path, proposal: tuple[str, str]
) -> None:
    base, tip = proposal
    result = merge_branch(repo, BRANCH, mode="merge", author=AUTHOR, date=DATE)

    assert not result.fast_forward
    assert git(repo, "rev-parse", "main^@").split() == [base, tip]
    assert head(repo, "main^{tree}") == head(repo, f"{tip}^{{tree}}")
    assert git(repo, "log", "-1", "--format=%s|%an", "main").strip() == (
        f"Merge branch '{BRANCH}' into main|{AUTHOR.name}"
    )
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo / "app.py").read_text() == FIXED


@pytest.mark.parametrize("checked_out", [True, False])
def test_auto_merges_diverged_histories_with_a_merge_commit(
    repo: Path, proposal: tuple[str, str], checked_out: bool
) -> None:
    _, tip = proposal
    if not checked_out:
        away_from_main(repo)
    meanwhile = diverge(repo)
    before = snapshot(repo)

    result = merge_branch(repo, BRANCH, author=AUTHOR, date=DATE)

    assert not result.fast_forward and result.previous_tip == meanwhile
    assert git(repo, "rev-parse", "main^@").split() == [meanwhile, tip]
    assert git(repo, "show", "main:pkg/util.py") == "X = 3\n"
    assert git(repo, "show", "main:app.py") == FIXED
    if checked_out:
        assert (repo / "app.py").read_text() == FIXED
        assert (repo / "pkg" / "util.py").read_text() == "X = 3\n"
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    else:
        assert without(snapshot(repo), "main") == without(before, "main")


def test_a_target_checked_out_in_a_linked_worktree_follows_the_merge(
    repo: Path, proposal: tuple[str, str], tmp_path: Path
) -> None:
    _, tip = proposal
    git(repo, "switch", "-q", "-c", "feature")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked), "main")

    merge_branch(repo, BRANCH)

    assert head(linked) == tip
    assert (linked / "app.py").read_text() == FIXED
    assert git(linked, "status", "--porcelain", "--untracked-files=all") == ""


def _moved(repo: Path) -> dict[str, Any]:
    base = head(repo, "main")
    diverge(repo)
    return {"expected_tip": base}


def _edit(repo: Path) -> dict[str, Any]:
    (repo / "app.py").write_text("# unsaved\n")
    return {}


def _stage(repo: Path) -> dict[str, Any]:
    (repo / "pkg" / "util.py").write_text("X = 9\n")
    git(repo, "add", "pkg/util.py")
    return {}


def _untracked(repo: Path) -> dict[str, Any]:
    (repo / "new.txt").write_text("mine\n")
    return {}


def _ignored(repo: Path) -> dict[str, Any]:
    (repo / ".git" / "info" / "exclude").write_text("new.txt\n")
    (repo / "new.txt").write_text("mine, and ignored\n")
    return {}


def _file_where_a_folder_goes(repo: Path) -> dict[str, Any]:
    (repo / "docs").write_text("a file named like the proposal's new folder\n")
    return {}


def _conflict(repo: Path) -> dict[str, Any]:
    diverge(repo, {"app.py": "def greet():\n    return 'hullo'\n"})
    return {}


def _conflict_elsewhere(repo: Path) -> dict[str, Any]:
    away_from_main(repo)
    return _conflict(repo)


def _rebasing(repo: Path) -> dict[str, Any]:
    diverge(repo, {"app.py": "def greet():\n    return 'hullo'\n"})
    git(repo, "switch", "-q", "-c", "side", "main~1")
    commit(repo, "Side", {"app.py": "def greet():\n    return 'hallo'\n"})
    git(repo, "switch", "-q", "main")
    subprocess.run(["git", "rebase", "-q", "side"], cwd=repo, capture_output=True)  # conflicts
    assert (repo / ".git" / "rebase-merge").is_dir()
    return {}


def _unrelated(repo: Path) -> dict[str, Any]:
    git(repo, "switch", "-q", "--orphan", "elsewhere")
    commit(repo, "Another history", {"other.txt": "x\n"})
    git(repo, "switch", "-q", "main")
    return {"branch": "elsewhere"}


def _diverged_ff_only(repo: Path) -> dict[str, Any]:
    diverge(repo)
    return {"mode": "ff-only"}


REFUSALS: dict[str, tuple[Callable[[Path], dict[str, Any]], str]] = {
    "target moved": (_moved, r"main moved since the proposal was shown"),
    "unstaged edit": (_edit, r"uncommitted changes \(app.py\); commit or stash"),
    "staged edit": (_stage, r"uncommitted changes \(pkg/util.py\)"),
    "untracked file in the way": (_untracked, r"overwrite untracked files .*\(new.txt\)"),
    "ignored file in the way": (_ignored, r"overwrite untracked files .*\(new.txt\)"),
    "file where a folder goes": (
        _file_where_a_folder_goes,
        r"would lose work in .*: Untracked working tree file .docs. would be overwritten",
    ),
    "conflict": (_conflict, r"conflicts with main in app.py"),
    "conflict, not checked out": (_conflict_elsewhere, r"conflicts with main in app.py"),
    "rebase in progress": (_rebasing, r"a rebase of main is in progress"),
    "unrelated histories": (_unrelated, r"cannot be merged into main: .*unrelated histories"),
    "ff-only but diverged": (_diverged_ff_only, r"main cannot fast-forward"),
    "no such branch": (lambda repo: {"branch": "overnight/9-9"}, r"no branch overnight/9-9"),
    "no such target": (lambda repo: {"into": "trunk"}, r"no target branch trunk"),
    "already merged": (lambda repo: {"branch": "main", "into": BRANCH}, r"already merged"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_merge_leaves_the_repository_exactly_as_it_was(
    repo: Path, proposal: tuple[str, str], case: str
) -> None:
    arrange, message = REFUSALS[case]
    kwargs: dict[str, Any] = {"branch": BRANCH, **arrange(repo)}
    before = snapshot(repo)

    with pytest.raises(MergeRefused, match=message):
        merge_branch(repo, **kwargs)

    assert snapshot(repo) == before


def test_undo_of_a_checked_out_fast_forward_restores_the_work_tree(
    repo: Path, proposal: tuple[str, str]
) -> None:
    base, tip = proposal
    before = contents(repo)
    undo_merge(repo, merge_branch(repo, BRANCH))

    assert head(repo, "main") == base and head(repo, BRANCH) == tip
    assert not (repo / "new.txt").exists() and not (repo / "docs").exists()
    assert contents(repo) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_undo_of_a_merge_commit_on_a_branch_not_checked_out(
    repo: Path, proposal: tuple[str, str]
) -> None:
    away_from_main(repo)
    meanwhile = diverge(repo)
    result = merge_branch(repo, BRANCH, mode="merge")
    before = snapshot(repo)

    undo_merge(repo, result)

    assert head(repo, "main") == meanwhile
    assert without(snapshot(repo), "main") == without(before, "main")


def test_undo_is_refused_once_the_target_moved_on(repo: Path, proposal: tuple[str, str]) -> None:
    result = merge_branch(repo, BRANCH)
    commit(repo, "After the merge", {"pkg/util.py": "X = 4\n"})
    before = snapshot(repo)

    with pytest.raises(MergeRefused, match=r"moved on since the merge.*git revert"):
        undo_merge(repo, result)

    assert snapshot(repo) == before


def test_undo_is_refused_in_a_dirty_checkout(repo: Path, proposal: tuple[str, str]) -> None:
    result = merge_branch(repo, BRANCH)
    (repo / "app.py").write_text("# edited after the merge\n")
    before = snapshot(repo)

    with pytest.raises(MergeRefused, match="uncommitted changes"):
        undo_merge(repo, result)

    assert snapshot(repo) == before


def test_merge_commits_need_git_2_38_for_a_conflict_check_without_a_work_tree() -> None:
    assert not merge_tree_supported((2, 37, 9))
    assert merge_tree_supported((2, 38, 0))
    assert merge_tree_supported((3, 0))
