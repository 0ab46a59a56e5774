"""Real repositories for the git tests, made with the git command line (not with the code under
test), and a snapshot of everything in a repository a refused operation must leave alone."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.git import Author

AUTHOR = Author("Overnight", "overnight@example.invalid")
DATE = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BINARY = bytes(range(256)) * 4
RENAMED_TEXT = "".join(f"line {n} of a file that moves\n" for n in range(40))


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No user or system configuration leaks into a test; the helpers commit as a tester."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Tester\n\temail = tester@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    """Run git in `repo` and return its stdout; a failure fails the test loudly."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, input=input)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr.decode()}"
    return proc.stdout.decode()


def commit(repo: Path, message: str, files: dict[str, str | bytes | None]) -> str:
    """Write (or, for None, delete) `files` and commit them (only them), return the new HEAD."""
    for name, content in files.items():
        path = repo / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    git(repo, "add", "--all", "--", *files)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose `main` has one commit: text, binary, to-be-renamed, to-be-deleted."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    commit(
        path,
        "base",
        {
            "app.py": "def greet():\n    return 'helo'\n",
            "data.bin": BINARY,
            "old_name.txt": RENAMED_TEXT,
            "gone.txt": "soon deleted\n",
            "pkg/util.py": "X = 1\n",
        },
    )
    return path


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a person could notice: every ref, HEAD, status, and the bytes of every file
    of `.git` but its object store (index, reflogs, config, ORIG_HEAD …) and of the work tree,
    with the work tree's modes and modification times."""
    git_dir = repo / ".git"
    metadata = {
        str(p.relative_to(git_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(git_dir.rglob("*"))
        if p.is_file() and p.relative_to(git_dir).parts[0] != "objects"
    }
    work = {}
    for p in sorted(repo.rglob("*")):
        rel = p.relative_to(repo)
        if rel.parts[0] == ".git":
            continue
        st = os.lstat(p)
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        work[str(rel)] = (digest, st.st_mode, st.st_mtime_ns)
    flags = ("--porcelain=v2", "--branch", "--untracked-files=all", "--ignored")
    status = git(repo, "--no-optional-locks", "status", *flags)
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "HEAD": (git_dir / "HEAD").read_text(),
        "status": status,
        "git_dir": metadata,
        "work_tree": work,
    }


def without(snap: dict[str, object], *names: str) -> dict[str, object]:
    """`snap` without the refs, reflogs and ref lines of the branches `names`."""
    refs = str(snap["refs"]).splitlines()
    git_dir = dict(snap["git_dir"])  # type: ignore[call-overload]
    for name in names:
        refs = [line for line in refs if not line.startswith(f"refs/heads/{name} ")]
        git_dir.pop(f"refs/heads/{name}", None)
        git_dir.pop(f"logs/refs/heads/{name}", None)
    return {**snap, "refs": refs, "git_dir": git_dir}
