"""Proposal branches from a diff, built beside the user's checkout without touching it; and the
demo's fresh repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.git import (
    GitError,
    commit_diff,
    diff_bytes,
    diff_files,
    diff_text,
    init_repository,
)
from tests.runner.git_ops.conftest import (
    AUTHOR,
    BINARY,
    DATE,
    commit,
    git,
    head,
    snapshot,
    without,
)

TRAILERS = {"Overnight-Issue": "7", "Overnight-Run": "3", "Overnight-Check": "verified"}


def agent_diff(repo: Path, tmp_path: Path) -> str:
    """What an agent's container hands back: `git diff --binary` against the base, made in a
    clone of its own, with an edit, a new file, a deletion, a rename and binary changes."""
    clone = tmp_path / "container"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    (clone / "app.py").write_text("def greet():\n    return 'hello'\n")
    (clone / "new.txt").write_text("a new file\n")
    (clone / "gone.txt").unlink()
    (clone / "old_name.txt").rename(clone / "new_name.txt")
    (clone / "data.bin").write_bytes(BINARY[::-1])
    (clone / "pkg" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\xff" * 30)
    git(clone, "add", "--all")
    return git(clone, "diff", "--cached", "--binary", "--full-index", "-M", "HEAD")


def busy_checkout(repo: Path) -> None:
    """The user at work: another branch checked out, an edit unstaged, one staged, one new."""
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, "feature work", {"pkg/util.py": "X = 2\n"})
    (repo / "app.py").write_text("# not saved yet\n")
    (repo / "gone.txt").write_text("staged edit\n")
    git(repo, "add", "gone.txt")
    (repo / "notes.txt").write_text("untracked\n")


def test_commit_diff_builds_the_branch_and_leaves_the_checkout_untouched(
    repo: Path, tmp_path: Path
) -> None:
    base = head(repo)
    diff = agent_diff(repo, tmp_path)
    busy_checkout(repo)
    before = snapshot(repo)

    sha = commit_diff(
        repo, base, diff, branch="overnight/7-3", message="Fix the greeting\n\nWhy: typo.",
        author=AUTHOR, trailers=TRAILERS, date=DATE,
    )  # fmt: skip

    assert without(snapshot(repo), "overnight/7-3") == without(before, "overnight/7-3")
    assert head(repo, "overnight/7-3") == sha
    assert git(repo, "rev-parse", f"{sha}^@").split() == [base]
    assert git(repo, "diff", "--binary", "--full-index", "-M", base, sha) == diff
    body = git(repo, "log", "-1", "--format=%B", sha)
    assert body.startswith("Fix the greeting\n\nWhy: typo.\n")
    parsed = git(repo, "interpret-trailers", "--parse", input=body.encode())
    assert parsed.splitlines() == [f"{k}: {v}" for k, v in TRAILERS.items()]
    who = git(repo, "log", "-1", "--format=%an <%ae> %at|%cn <%ce> %ct", sha).strip()
    stamp = int(DATE.timestamp())
    assert who == f"{AUTHOR.name} <{AUTHOR.email}> {stamp}|{AUTHOR.name} <{AUTHOR.email}> {stamp}"


def test_commit_diff_works_while_the_user_holds_the_index_lock(repo: Path, tmp_path: Path) -> None:
    diff = agent_diff(repo, tmp_path)
    (repo / ".git" / "index.lock").write_bytes(b"")  # a git command of the user's, running
    before = snapshot(repo)

    sha = commit_diff(repo, "main", diff, branch="p", message="m", author=AUTHOR, trailers={})

    assert head(repo, "p") == sha
    assert without(snapshot(repo), "p") == without(before, "p")


def test_the_same_diff_and_date_give_the_same_commit(repo: Path, tmp_path: Path) -> None:
    base, diff = head(repo), agent_diff(repo, tmp_path)
    kwargs = {"message": "Fix", "author": AUTHOR, "trailers": TRAILERS, "date": DATE}
    first = commit_diff(repo, base, diff, branch="overnight/1-1", **kwargs)  # type: ignore[arg-type]
    second = commit_diff(repo, base, diff, branch="overnight/1-2", **kwargs)  # type: ignore[arg-type]
    assert first == second


def test_diff_files_and_diff_text_describe_the_proposal(repo: Path, tmp_path: Path) -> None:
    base = head(repo)
    sha = commit_diff(
        repo, base, agent_diff(repo, tmp_path), branch="p", message="m", author=AUTHOR,
        trailers={},
    )  # fmt: skip

    files = {f.path: f for f in diff_files(repo, base, "p")}

    assert sorted(files) == [
        "app.py", "data.bin", "gone.txt", "new.txt", "new_name.txt", "pkg/logo.png",
    ]  # fmt: skip
    assert (files["app.py"].status, files["app.py"].added, files["app.py"].removed) == (
        "modified", 1, 1,
    )  # fmt: skip
    assert (files["new.txt"].status, files["new.txt"].added) == ("added", 1)
    assert (files["gone.txt"].status, files["gone.txt"].removed) == ("deleted", 1)
    renamed = files["new_name.txt"]
    assert (renamed.status, renamed.old_path, renamed.added, renamed.removed) == (
        "renamed", "old_name.txt", 0, 0,
    )  # fmt: skip
    assert files["data.bin"].binary and files["data.bin"].status == "modified"
    assert files["pkg/logo.png"].binary and files["pkg/logo.png"].status == "added"
    assert not files["app.py"].binary and files["app.py"].old_path is None
    assert "rename from old_name.txt" in diff_text(repo, base, sha)
    again = commit_diff(
        repo, base, diff_bytes(repo, base, sha), branch="q", message="m", author=AUTHOR,
        trailers={},
    )  # fmt: skip
    assert head(repo, f"{again}^{{tree}}") == head(repo, f"{sha}^{{tree}}")


def test_a_diff_that_does_not_apply_is_refused_and_creates_nothing(repo: Path) -> None:
    bad = (
        "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n"
        " def nothing_like_this():\n-    return 1\n+    return 2\n"
    )
    before = snapshot(repo)
    with pytest.raises(GitError, match="does not apply"):
        commit_diff(repo, "main", bad, branch="p", message="m", author=AUTHOR, trailers={})
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("diff", "branch", "error"),
    [
        ("", "p", "empty"),
        ("   \n", "p", "empty"),
        ("not a diff at all\n", "p", "does not apply"),
        ("x", "bad..name", "not a valid branch name"),
    ],
)
def test_bad_input_is_a_clear_error(repo: Path, diff: str, branch: str, error: str) -> None:
    before = snapshot(repo)
    with pytest.raises(GitError, match=error):
        commit_diff(repo, "main", diff, branch=branch, message="m", author=AUTHOR, trailers={})
    assert snapshot(repo) == before


def test_an_existing_branch_is_never_overwritten(repo: Path, tmp_path: Path) -> None:
    diff = agent_diff(repo, tmp_path)
    git(repo, "branch", "overnight/7-3")
    before = snapshot(repo)
    with pytest.raises(GitError, match="already exists"):
        commit_diff(
            repo, "main", diff, branch="overnight/7-3", message="m", author=AUTHOR, trailers={}
        )
    assert snapshot(repo) == before


def test_unknown_base_and_bad_trailers_are_refused(repo: Path, tmp_path: Path) -> None:
    diff = agent_diff(repo, tmp_path)
    with pytest.raises(GitError, match="is not a commit"):
        commit_diff(repo, "nope", diff, branch="p", message="m", author=AUTHOR, trailers={})
    with pytest.raises(GitError, match="trailer key"):
        commit_diff(
            repo, "main", diff, branch="p", message="m", author=AUTHOR, trailers={"a b": "c"}
        )
    with pytest.raises(GitError, match="one line"):
        commit_diff(
            repo, "main", diff, branch="p", message="m", author=AUTHOR, trailers={"K": "a\nb"}
        )
    assert git(repo, "branch", "--list", "p") == ""


def test_init_repository_commits_the_source_without_caches(tmp_path: Path) -> None:
    source = tmp_path / "demo_app"
    for name, content in {
        "app/main.py": "print('hi')\n",
        "app/__pycache__/main.cpython-311.pyc": "x",
        "app/stale.pyc": "x",
        ".pytest_cache/v/cache": "x",
        "tests/test_main.py": "def test(): pass\n",
        "README.md": "demo\n",
    }.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(content)

    sha = init_repository(source, tmp_path / "a", author=AUTHOR, message="Demo", date=DATE)
    other = init_repository(source, tmp_path / "b", author=AUTHOR, message="Demo", date=DATE)

    dest = tmp_path / "a"
    assert sha == other == head(dest)
    assert git(dest, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(dest, "ls-files").split() == ["README.md", "app/main.py", "tests/test_main.py"]
    assert git(dest, "status", "--porcelain", "--ignored") == ""
    assert git(dest, "log", "--format=%s %an").strip() == f"Demo {AUTHOR.name}"
    with pytest.raises(GitError, match="not empty"):
        init_repository(source, dest, author=AUTHOR, message="Demo")
    (tmp_path / "empty").mkdir()
    with pytest.raises(GitError, match="not a valid branch name"):
        init_repository(source, tmp_path / "c", branch="a..b", author=AUTHOR, message="D")
    assert not (tmp_path / "c").exists()
    init_repository(source, tmp_path / "empty", branch="trunk", author=AUTHOR, message="D")
    assert git(tmp_path / "empty", "branch", "--show-current").strip() == "trunk"
