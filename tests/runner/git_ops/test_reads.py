"""The small reads the runner shares: commits, files at a commit, branches, a dirty checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.git import (
    GitError,
    branch_exists,
    delete_branch,
    git_output,
    is_dirty,
    merge_branch,
    resolve_commit,
    show_file,
)
from tests.runner.git_ops.conftest import BINARY, commit, git, head, snapshot


def test_resolve_commit_gives_the_full_sha_and_refuses_what_is_not_a_commit(repo: Path) -> None:
    sha = head(repo)
    assert resolve_commit(repo, "main") == sha
    assert resolve_commit(repo, sha[:8]) == sha
    assert resolve_commit(repo, "HEAD") == sha
    for rev in ("nope", "", "--all", "main:app.py"):
        with pytest.raises(GitError, match="is not a commit"):
            resolve_commit(repo, rev)


def test_a_path_that_is_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="is not a git repository"):
        resolve_commit(tmp_path, "HEAD")
    with pytest.raises(GitError, match="does not exist"):
        is_dirty(tmp_path / "missing")


def test_show_file_reads_the_commit_never_the_work_tree(repo: Path) -> None:
    first = head(repo)
    commit(repo, "later", {"app.py": "changed\n"})
    (repo / "app.py").write_text("unsaved\n")

    assert show_file(repo, first, "app.py") == b"def greet():\n    return 'helo'\n"
    assert show_file(repo, "main", "app.py") == b"changed\n"
    assert show_file(repo, "main", "data.bin") == BINARY
    assert show_file(repo, "main", "pkg/util.py") == b"X = 1\n"
    assert show_file(repo, "main", "missing.txt") is None
    assert show_file(repo, "main", "pkg") is None
    assert show_file(repo, "main", "pkg/") is None
    with pytest.raises(GitError, match="is not a commit"):
        show_file(repo, "nope", "app.py")


def test_branches_exist_and_are_deleted_unless_checked_out(repo: Path) -> None:
    git(repo, "branch", "overnight/1-1")
    assert branch_exists(repo, "overnight/1-1") and branch_exists(repo, "main")
    assert not branch_exists(repo, "overnight/2-2")

    delete_branch(repo, "overnight/1-1")

    assert not branch_exists(repo, "overnight/1-1")
    before = snapshot(repo)
    with pytest.raises(GitError, match="checked out"):
        delete_branch(repo, "main")
    with pytest.raises(GitError, match="no branch"):
        delete_branch(repo, "overnight/1-1")
    assert snapshot(repo) == before


def test_is_dirty_sees_tracked_changes_only(repo: Path) -> None:
    assert not is_dirty(repo)
    (repo / "notes.txt").write_text("untracked\n")
    assert not is_dirty(repo)
    os.utime(repo / "app.py", ns=(1, 1))  # a new time stamp is not a change
    assert not is_dirty(repo)
    (repo / "pkg" / "util.py").write_text("X = 2\n")
    assert is_dirty(repo)
    git(repo, "add", "pkg/util.py")
    assert is_dirty(repo)


def test_a_touched_but_unchanged_checkout_still_merges(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "p")
    tip = commit(repo, "Fix", {"app.py": "fixed\n"})
    git(repo, "switch", "-q", "main")
    os.utime(repo / "app.py", ns=(1, 1))

    merge_branch(repo, "p")

    assert head(repo) == tip and (repo / "app.py").read_text() == "fixed\n"
    assert git(repo, "status", "--porcelain") == ""


def test_git_output_runs_any_command_with_stdin_and_environment(repo: Path, tmp_path: Path) -> None:
    blob = git_output(repo, "hash-object", "-w", "--stdin", input=b"payload\n").decode().strip()
    assert git(repo, "cat-file", "blob", blob) == "payload\n"
    env = {"GIT_DIR": str(repo / ".git")}
    assert git_output(tmp_path, "rev-parse", "HEAD", env=env).decode().strip() == head(repo)
    with pytest.raises(GitError, match=r"git rev-parse failed in .*: fatal: not a git repository"):
        git_output(tmp_path, "rev-parse", "HEAD")
    with pytest.raises(GitError, match=r"git show failed in .*: fatal: "):
        git_output(tmp_path, "-C", str(repo), "-c", "core.pager=cat", "show", "nope")
