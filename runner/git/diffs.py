"""What changed between two commits: per file (for a card's +/- and the file list) and as the
unified text a reviewer reads and `commit_diff` can apply."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runner.git.command import open_repo, resolve_in, run

# Flags that make git's diff output independent of the user's configuration: external diff
# drivers, textconv filters and custom prefixes would give text that no longer applies.
_PLAIN = ("--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")
Status = Literal["added", "modified", "deleted", "renamed"]
_STATUS: dict[str, Status] = {"A": "added", "D": "deleted", "R": "renamed", "C": "added"}


@dataclass(frozen=True)
class DiffFile:
    """One file of a diff; `old_path` only for a rename, counts are 0 for a binary file."""

    path: str
    old_path: str | None
    status: Status
    added: int
    removed: int
    binary: bool


def diff_files(repo: Path, base: str, head: str) -> list[DiffFile]:
    """The files that differ from `base` to `head`, renames detected, in git's order."""
    with open_repo(repo) as r:
        old, new = resolve_in(r, base), resolve_in(r, head)
        names = run(r, "diff", *_PLAIN, "--name-status", "-z", "-M", old, new)[1]
        counts = run(r, "diff", *_PLAIN, "--numstat", "-z", "-M", old, new)[1]
    fields = names.decode("utf-8", "surrogateescape").split("\0")
    numbers = _numstat(counts.decode("utf-8", "surrogateescape"))
    files: list[DiffFile] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        if code in "RC":
            old_path, path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path, path = None, fields[i + 1]
            i += 2
        added, removed = numbers.get(path, (None, None))
        files.append(
            DiffFile(
                path=path,
                old_path=old_path if code == "R" else None,
                status=_STATUS.get(code, "modified"),
                added=added or 0,
                removed=removed or 0,
                binary=added is None,
            )
        )
    return files


def _numstat(out: str) -> dict[str, tuple[int | None, int | None]]:
    """`--numstat -z` as {new path: (added, removed)}, None for a binary file's counts."""
    fields = out.split("\0")
    counts: dict[str, tuple[int | None, int | None]] = {}
    i = 0
    while i < len(fields) and fields[i]:
        added, removed, path = fields[i].split("\t", 2)
        if path:
            i += 1
        else:  # a rename: the old and the new path follow as fields of their own
            path = fields[i + 2]
            i += 3
        counts[path] = (
            None if added == "-" else int(added),
            None if removed == "-" else int(removed),
        )
    return counts


def diff_text(repo: Path, base: str, head: str) -> str:
    """The unified diff from `base` to `head` (binary files included, renames detected), in
    the form `commit_diff` applies. Bytes that are not UTF-8 are shown as U+FFFD."""
    return diff_bytes(repo, base, head).decode("utf-8", "replace")


def diff_bytes(repo: Path, base: str, head: str) -> bytes:
    """`diff_text` as git wrote it, byte for byte."""
    with open_repo(repo) as r:
        old, new = resolve_in(r, base), resolve_in(r, head)
        return run(r, "diff", *_PLAIN, "--binary", "-M", old, new)[1]
