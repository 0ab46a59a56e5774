"""Every git operation of Overnight, through gitpython: reading commits and files, building
proposal branches without touching the user's checkout, diffs, and merges that refuse
before they change anything."""

from runner.git.command import (
    Author,
    GitError,
    MergeRefused,
    branch_exists,
    delete_branch,
    git_output,
    is_dirty,
    resolve_commit,
    show_file,
)
from runner.git.commits import commit_diff, init_repository
from runner.git.diffs import DiffFile, diff_bytes, diff_files, diff_text
from runner.git.merges import MergeMode, MergeResult, merge_branch, undo_merge

__all__ = [
    "Author",
    "DiffFile",
    "GitError",
    "MergeMode",
    "MergeRefused",
    "MergeResult",
    "branch_exists",
    "commit_diff",
    "delete_branch",
    "diff_bytes",
    "diff_files",
    "diff_text",
    "git_output",
    "init_repository",
    "is_dirty",
    "merge_branch",
    "resolve_commit",
    "show_file",
    "undo_merge",
]
