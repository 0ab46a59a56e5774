"""Commits made without a work tree: a proposal branch built from a diff in a temporary
index, and the first commit of a fresh repository for `overnight demo`."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import git

from runner.git.command import (
    Author,
    GitError,
    check_branch_name,
    identity_env,
    message_with_trailers,
    open_repo,
    resolve_in,
    run,
    text,
    tip,
    worktree_of,
)

_SKIPPED = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", "*.pyc")


def commit_tree(
    r: git.Repo,
    tree: str,
    parents: list[str],
    message: str,
    author: Author | None,
    date: datetime | None,
) -> str:
    """A commit object of `tree` on `parents` (no ref moves, no hooks, never signed: a night
    runs unattended and a signing prompt would hang it)."""
    with tempfile.TemporaryDirectory(prefix="overnight-git-") as tmp:
        message_file = Path(tmp) / "message"
        message_file.write_text(message, encoding="utf-8")
        parent_args = [arg for parent in parents for arg in ("-p", parent)]
        env = identity_env(author, date)
        return text(
            r, "commit-tree", "--no-gpg-sign", tree, *parent_args, "-F", str(message_file), env=env
        )


def create_branch(r: git.Repo, branch: str, commit: str, reason: str) -> None:
    """Point the new `refs/heads/<branch>` at `commit`; an existing branch is never moved."""
    try:
        run(r, "update-ref", "-m", reason, f"refs/heads/{branch}", commit, "")
    except GitError:
        if tip(r, branch) is not None:
            raise GitError(f"branch {branch} already exists; it was left as it is") from None
        raise


def commit_diff(
    repo: Path,
    base: str,
    diff: str | bytes,
    *,
    branch: str | None,
    message: str,
    author: Author,
    trailers: Mapping[str, str],
    date: datetime | None = None,
) -> str:
    """One commit: `diff` (`git diff --binary` output, with a/ and b/ prefixes) applied to
    `base`, on the new `branch` (or on no ref at all when `branch` is None, for a commit the
    runner only checks out). The diff is applied in a temporary index, so the user's work
    tree, index, HEAD and checked-out branch are never touched. Returns the commit's SHA."""
    if branch is not None:
        check_branch_name(branch)
    raw = diff.encode("utf-8", "surrogateescape") if isinstance(diff, str) else diff
    if not raw.strip():
        raise GitError("the diff is empty: there is nothing to commit")
    with open_repo(repo) as r:
        if branch is not None and tip(r, branch) is not None:
            raise GitError(f"branch {branch} already exists; it was left as it is")
        if branch is not None and worktree_of(r, branch) is not None:
            # An unborn branch checked out somewhere: giving it a commit would change that tree.
            raise GitError(f"branch {branch} is checked out in a work tree; pick another name")
        base_sha = resolve_in(r, base)
        full_message = message_with_trailers(message, trailers)
        with tempfile.TemporaryDirectory(prefix="overnight-git-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            patch = Path(tmp) / "diff.patch"
            patch.write_bytes(raw)
            run(r, "read-tree", base_sha, env=env)
            try:
                # nowarn: the diff is the agent's, exactly; a user's apply.whitespace=error
                # must not reject or "fix" it.
                run(r, "apply", "--cached", "--whitespace=nowarn", str(patch), env=env)
            except GitError as e:
                raise GitError(f"the diff does not apply to {base_sha[:12]}: {e.reason}") from None
            tree = text(r, "write-tree", env=env)
        if tree == text(r, "rev-parse", f"{base_sha}^{{tree}}"):
            raise GitError("the diff changes nothing in the base commit's files")
        commit = commit_tree(r, tree, [base_sha], full_message, author, date)
        if branch is not None:
            create_branch(r, branch, commit, f"overnight: proposal on {base_sha[:12]}")
        return commit


def init_repository(
    source: Path,
    dest: Path,
    *,
    branch: str = "main",
    author: Author,
    message: str,
    date: datetime | None = None,
) -> str:
    """Copy the files of `source` (without caches, byte code or a `.git`) into a new
    repository at `dest` with one commit on `branch`, checked out. Returns its SHA."""
    check_branch_name(branch)
    if not source.is_dir():
        raise GitError(f"{source} is not a directory to copy")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise GitError(f"{dest} already exists and is not empty; choose a new directory")
    shutil.copytree(source, dest, ignore=_SKIPPED, symlinks=True, dirs_exist_ok=True)
    # `--template=`: nothing of the host's templates (hooks included) comes along.
    run(git.Git(dest), "init", "-q", "--template=", str(dest))
    with open_repo(dest) as r:
        # Set here rather than with `init -b`: the user's init.defaultBranch must not matter.
        run(r, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        run(r, "add", "--all")
        tree = text(r, "write-tree")
        commit = commit_tree(r, tree, [], message_with_trailers(message, {}), author, date)
        create_branch(r, branch, commit, "overnight: initial commit")
        return commit
