"""Whether a submitted diff stays within what the agent declared and the routine allows."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from runner.routines import Guardrails

_FILE_HEADER = re.compile(r"^diff --git a/(?P<old>.+?) b/(?P<new>.+)$")


@dataclass(frozen=True)
class DiffSize:
    files: list[str]
    added: int
    removed: int


def measure(diff: str) -> DiffSize:
    """Files touched and lines added and removed, read from a `git diff` text."""
    files: list[str] = []
    added = removed = 0
    for line in diff.splitlines():
        if match := _FILE_HEADER.match(line):
            for path in (match["old"], match["new"]):
                if path not in files:
                    files.append(path)
        elif line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return DiffSize(files, added, removed)


def out_of_scope(size: DiffSize, declared: list[str], guardrails: Guardrails) -> list[str]:
    """Every reason the diff goes beyond its bounds; empty when it stays within them."""
    reasons = []
    outside = [f for f in size.files if f not in declared]
    if outside:
        reasons.append(f"changes files outside the declared scope: {', '.join(outside)}")
    denied = [
        f for f in size.files if any(fnmatch.fnmatchcase(f.lower(), g) for g in guardrails.deny)
    ]
    if denied:
        reasons.append(f"touches denied paths: {', '.join(denied)}")
    if len(size.files) > guardrails.max_files:
        reasons.append(
            f"touches {len(size.files)} files; the routine allows {guardrails.max_files}"
        )
    changed = size.added + size.removed
    if changed > guardrails.max_changed_lines:
        reasons.append(
            f"changes {changed} lines; the routine allows {guardrails.max_changed_lines}"
        )
    return reasons
