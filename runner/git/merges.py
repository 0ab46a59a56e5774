"""Merging a proposal branch into its target, and undoing that merge while it is still the
target's tip. Every check runs before anything moves: a refusal leaves refs, index, work
tree and HEAD exactly as they were (only unreachable objects may be left in the store)."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import git

from runner.git.command import (
    Author,
    GitError,
    MergeRefused,
    dirty_paths,
    git_version,
    message_with_trailers,
    open_repo,
    operation_on,
    run,
    text,
    tip,
    worktree_of,
)
from runner.git.commits import commit_tree

MergeMode = Literal["ff-only", "merge", "auto"]
MERGE_TREE_VERSION = (2, 38)  # the first git whose merge-tree merges without a work tree


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: enough to undo it."""

    target: str
    previous_tip: str
    new_tip: str
    fast_forward: bool


def merge_tree_supported(version: tuple[int, ...]) -> bool:
    """Whether this git can check a merge for conflicts without touching any work tree."""
    return version[:2] >= MERGE_TREE_VERSION


def merge_branch(
    repo: Path,
    branch: str,
    *,
    into: str = "main",
    mode: MergeMode = "auto",
    expected_tip: str | None = None,
    author: Author | None = None,
    message: str | None = None,
    date: datetime | None = None,
) -> MergeResult:
    """Merge `branch` into `into`: a fast-forward when `mode` allows and history permits,
    else a merge commit. When `into` is checked out (here or in a linked worktree) its clean
    work tree follows. Raises MergeRefused, having changed nothing, when the branch is
    missing or already merged, `into` is not at `expected_tip` (a full SHA: the tip the
    reviewer saw), the checkout is dirty or has untracked files in the way, a rebase or
    bisect of `into` is under way, the merge conflicts, or `ff-only` cannot fast-forward.
    `author` and `date` make a merge commit's identity exact (else git's configuration)."""
    if mode not in ("ff-only", "merge", "auto"):
        raise ValueError(f"unknown merge mode {mode!r}")
    with open_repo(repo) as r, ExitStack() as stack:
        theirs = tip(r, branch)
        if theirs is None:
            raise MergeRefused(f"there is no branch {branch} to merge")
        ours = tip(r, into)
        if ours is None:
            raise MergeRefused(f"there is no target branch {into} to merge into")
        if expected_tip is not None and ours != expected_tip:
            raise MergeRefused(
                f"{into} moved since the proposal was shown (its tip is {ours[:12]}, "
                f"not {expected_tip[:12]}); look at it again before merging"
            )
        if ours == theirs or _is_ancestor(r, theirs, ours):
            raise MergeRefused(f"{branch} is already merged into {into}")
        can_ff = _is_ancestor(r, ours, theirs)
        if mode == "ff-only" and not can_ff:
            raise MergeRefused(
                f"{into} cannot fast-forward to {branch}: {into} has commits the proposal "
                "lacks; merge with a merge commit or redo the proposal on the new tip"
            )
        work = _clean_checkout(stack, r, into)
        fast_forward = can_ff and mode != "merge"
        tree = theirs if fast_forward else _merge_tree(r, ours, theirs, branch, into)
        if work is not None:
            _check_untracked(work, ours, tree, f"merging {branch}")
        if fast_forward:
            new, reason = theirs, f"overnight: merge {branch} (fast-forward)"
        else:
            title = message_with_trailers(message or f"Merge branch '{branch}' into {into}", {})
            new = commit_tree(r, tree, [ours, theirs], title, author, date)
            reason = f"overnight: merge {branch}"
        _move(r, work, into, ours, new, reason)
        return MergeResult(target=into, previous_tip=ours, new_tip=new, fast_forward=fast_forward)


def undo_merge(repo: Path, result: MergeResult) -> None:
    """Move `result.target` back to `result.previous_tip`, only while its tip is still
    `result.new_tip`; a clean checkout of the target follows. Raises MergeRefused otherwise,
    having changed nothing."""
    with open_repo(repo) as r, ExitStack() as stack:
        current = tip(r, result.target)
        if current is None:
            raise MergeRefused(f"the branch {result.target} no longer exists; nothing to undo")
        if current != result.new_tip:
            raise MergeRefused(
                f"{result.target} moved on since the merge (its tip is {current[:12]}, not "
                f"{result.new_tip[:12]}); undo by hand with git revert"
            )
        work = _clean_checkout(stack, r, result.target)
        if work is not None:
            _check_untracked(work, result.new_tip, result.previous_tip, "undoing the merge")
        reason = f"overnight: undo merge into {result.target}"
        _move(r, work, result.target, result.new_tip, result.previous_tip, reason)


def _is_ancestor(r: git.Repo, ancestor: str, descendant: str) -> bool:
    status, _ = run(r, "merge-base", "--is-ancestor", ancestor, descendant, ok=(0, 1))
    return status == 0


def _clean_checkout(stack: ExitStack, r: git.Repo, branch: str) -> git.Repo | None:
    """The work tree where `branch` is checked out, if any. Refused when it has uncommitted
    changes (a moving branch would carry them onto another commit, or lose them) or when a
    rebase or bisect of `branch` is under way."""
    busy = operation_on(r, branch)
    if busy is not None:
        raise MergeRefused(f"a {busy} of {branch} is in progress; finish or abort it first")
    where = worktree_of(r, branch)
    if where is None:
        return None
    work = stack.enter_context(open_repo(where))
    dirty = dirty_paths(work)
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise MergeRefused(
            f"{branch} is checked out in {where} with uncommitted changes ({shown}); "
            "commit or stash them first"
        )
    return work


def _merge_tree(r: git.Repo, ours: str, theirs: str, branch: str, into: str) -> str:
    """The tree of merging `theirs` into `ours`, computed in the object store alone; a
    conflict is a refusal naming the files."""
    version = git_version(r)
    if not merge_tree_supported(version):
        shown = ".".join(map(str, version))
        raise MergeRefused(
            f"git {shown} cannot check a merge for conflicts without touching the work tree; "
            "a merge commit needs git 2.38 or later (fast-forwards work with any git)"
        )
    try:
        status, out = run(
            r, "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs,
            ok=(0, 1),
        )  # fmt: skip
    except GitError as e:
        raise MergeRefused(f"{branch} cannot be merged into {into}: {e.reason}") from None
    tree, *conflicted = [field for field in out.decode("utf-8", "replace").split("\0") if field]
    if status == 1:
        names = sorted(set(conflicted))
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise MergeRefused(
            f"{branch} conflicts with {into} in {shown or 'its history'}; "
            "redo the proposal on the current tip"
        )
    return tree


def _check_untracked(work: git.Repo, old: str, new: str, doing: str) -> None:
    """Refuse when switching the checkout from `old` to `new` would overwrite or remove a
    file git does not track (ignored ones too: they may be a person's only copy)."""
    root = Path(work.working_tree_dir or ".")
    out = run(work, "diff-tree", "-r", "-z", "--name-only", "--no-renames", "--diff-filter=A",
              old, new)[1]  # fmt: skip
    added = [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]
    blocked = [p for p in added if os.path.lexists(root / p)]
    if not blocked:
        # What the list above cannot see (an untracked file where a directory must go, or
        # the reverse) read-tree finds in a dry run, on a copy of the index so that its stat
        # refresh leaves the real one alone.
        with tempfile.TemporaryDirectory(prefix="overnight-git-") as tmp:
            index = root / text(work, "rev-parse", "--git-path", "index")
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if index.exists():
                shutil.copyfile(index, env["GIT_INDEX_FILE"])
            run(work, "update-index", "-q", "--refresh", env=env, ok=(0, 1))
            try:
                run(work, "read-tree", "-m", "-u", "-n", old, new, env=env)
            except GitError as e:
                reason = e.reason.removeprefix("error: ").removeprefix("fatal: ").rstrip(".")
                raise MergeRefused(f"{doing} would lose work in {root}: {reason}") from None
        return
    shown = ", ".join(blocked[:3]) + (f" and {len(blocked) - 3} more" if len(blocked) > 3 else "")
    raise MergeRefused(
        f"{doing} would overwrite untracked files in {root} ({shown}); move them away first"
    )


def _move(r: git.Repo, work: git.Repo | None, branch: str, old: str, new: str, why: str) -> None:
    """Move `branch` from `old` to `new`, its checkout (if any) first, so a failure of the
    guarded ref update can put the checkout back."""
    if work is not None:
        run(work, "update-index", "-q", "--refresh", ok=(0, 1))
        run(work, "read-tree", "-m", "-u", old, new)
    try:
        run(r, "update-ref", "-m", why, f"refs/heads/{branch}", new, old)
    except GitError:
        if work is not None:
            run(work, "read-tree", "-m", "-u", new, old)
        raise MergeRefused(
            f"{branch} moved while it was being updated; nothing was changed"
        ) from None
