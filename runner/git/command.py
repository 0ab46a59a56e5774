"""How Overnight runs git: every command through gitpython, every failure one line a person
can act on, and the small reads (a commit's SHA, a file at a commit, a branch's tip) that the
rest of the package and the runner share."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git

from runner.errors import UserError

# No prompt may ever wait for a person (a night runs unattended), and read-only commands such
# as `status` must not rewrite the index behind the user's back (its optional stat refresh).
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_TRAILER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


class GitError(RuntimeError, UserError):
    """A git operation failed; the message is one line saying what and why (a UserError, so
    the CLI prints it as such). `reason` is git's own line, when git gave one."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class MergeRefused(GitError):
    """A merge or its undo was refused before anything in the repository changed."""


@dataclass(frozen=True)
class Author:
    """Who a commit is by (also its committer)."""

    name: str
    email: str


def open_repo(path: Path) -> git.Repo:
    """The repository at `path` (its top level or a linked worktree)."""
    try:
        return git.Repo(path)
    except git.NoSuchPathError:
        raise GitError(f"{path} does not exist") from None
    except git.InvalidGitRepositoryError:
        raise GitError(f"{path} is not a git repository") from None


def _reason(stderr: str) -> str:
    """git's own explanation: the first `fatal:`/`error:` line, else the first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else "no message from git"


def _subcommand(args: tuple[str, ...]) -> str:
    """The command's name among its arguments, past global options such as `-C dir`."""
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-C", "-c") else rest[1:]
    return rest[0] if rest else "command"


def run(
    repo: git.Repo | git.Git,
    *args: str,
    env: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
    input: bytes | None = None,
) -> tuple[int, bytes]:
    """Run `git <args>` in `repo` (a repository, or a folder given as `git.Git(folder)`),
    `input` on its stdin; the exit status and raw stdout. A status outside `ok` raises
    GitError with git's own reason."""
    runner = repo.git if isinstance(repo, git.Repo) else repo
    # gitpython hands `istream` to Popen as stdin, which needs a real file.
    with tempfile.TemporaryFile() if input is not None else nullcontext() as stdin:
        if stdin is not None and input is not None:
            stdin.write(input)
            stdin.seek(0)
        try:
            status, out, err = runner.execute(
                ["git", *args],
                istream=stdin,
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
                env={**_ENV, **(env or {})},
            )
        except git.GitCommandNotFound:
            raise GitError("git is not installed (no `git` on PATH)") from None
    if status not in ok:
        if isinstance(repo, git.Repo):
            where = repo.working_tree_dir or repo.git_dir
        else:
            where = repo.working_dir or Path.cwd()
        reason = _reason(str(err))
        raise GitError(f"git {_subcommand(args)} failed in {where}: {reason}", reason)
    assert isinstance(out, bytes)
    return status, out


def git_output(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, input: bytes | None = None
) -> bytes:
    """Stdout of `git <args>` run in `cwd`, a repository or not: for the few commands the
    functions of this package do not cover (the container checkout's `pack-objects`, say).
    A failure is a GitError with git's own reason."""
    return run(git.Git(cwd), *args, env=env, input=input)[1]


def text(repo: git.Repo, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Stdout of `git <args>` as text, without its final newline."""
    return run(repo, *args, env=env)[1].decode("utf-8", "replace").rstrip("\n")


def git_version(repo: git.Repo) -> tuple[int, ...]:
    """The version of the git binary, e.g. (2, 39, 5)."""
    return tuple(int(part) for part in repo.git.version_info if isinstance(part, int))


def tip(repo: git.Repo, branch: str) -> str | None:
    """The commit `refs/heads/<branch>` points at, or None when there is no such branch."""
    status, out = run(
        repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", ok=(0, 1)
    )
    return out.decode().strip() if status == 0 else None


def check_branch_name(branch: str) -> None:
    """Raise GitError unless `branch` is a name git accepts for a branch."""
    status, _ = run(git.Git(), "check-ref-format", f"refs/heads/{branch}", ok=(0, 1))
    if status != 0 or branch.startswith("-"):
        raise GitError(f"{branch!r} is not a valid branch name")


def worktree_of(repo: git.Repo, branch: str) -> Path | None:
    """The work tree where `branch` is checked out (this one or a linked one), else None."""
    listing = text(repo, "worktree", "list", "--porcelain")
    path: Path | None = None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree "))
        elif line == f"branch refs/heads/{branch}":
            return path
    return None


def operation_on(repo: git.Repo, branch: str) -> str | None:
    """The operation ("rebase" or "bisect") in progress on `branch` in any work tree, if any:
    its HEAD is detached meanwhile, but the branch is in use and is written when it ends."""
    common = Path(repo.common_dir)
    ref = f"refs/heads/{branch}"
    for git_dir in [common, *sorted(common.glob("worktrees/*"))]:
        for state, name in (("rebase-merge", "rebase"), ("rebase-apply", "rebase")):
            head_name = git_dir / state / "head-name"
            if head_name.is_file() and head_name.read_text().strip() == ref:
                return name
        start = git_dir / "BISECT_START"
        if start.is_file() and start.read_text().strip() in (branch, ref):
            return "bisect"
    return None


def identity_env(author: Author | None, date: datetime | None) -> dict[str, str]:
    """Environment that makes a commit's author and committer (and, given, its dates) exact,
    so the same inputs give the same SHA."""
    env: dict[str, str] = {}
    if author is not None:
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"] = author.name
            env[f"GIT_{role}_EMAIL"] = author.email
    if date is not None:
        offset = date.utcoffset()
        if offset is None:
            raise ValueError("a commit date needs a time zone (an aware datetime)")
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        stamp = f"{int(date.timestamp())} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
    return env


def message_with_trailers(message: str, trailers: Mapping[str, str]) -> str:
    """`message` with `trailers` appended as a final paragraph of git trailers."""
    body = message.strip()
    if not body:
        raise GitError("a commit needs a message")
    lines = []
    for key, value in trailers.items():
        if not _TRAILER_KEY.match(key):
            raise GitError(f"{key!r} is not a trailer key (letters, digits and '-')")
        if "\n" in value or not value.strip():
            raise GitError(f"trailer {key} needs a value on one line")
        lines.append(f"{key}: {value.strip()}")
    return body + ("\n\n" + "\n".join(lines) if lines else "") + "\n"


def resolve_commit(repo: Path, rev: str) -> str:
    """The full SHA of the commit `rev` names in `repo`."""
    with open_repo(repo) as r:
        return resolve_in(r, rev)


def resolve_in(r: git.Repo, rev: str) -> str:
    if not rev or rev.startswith("-"):
        raise GitError(f"{rev!r} is not a commit in {r.working_tree_dir or r.git_dir}")
    status, out = run(r, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", ok=(0, 1, 128))
    if status != 0:
        raise GitError(f"{rev!r} is not a commit in {r.working_tree_dir or r.git_dir}")
    return out.decode().strip()


def show_file(repo: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` at commit `rev`, or None when no file is there (absent, or a
    directory). An unknown `rev` is a GitError."""
    with open_repo(repo) as r:
        commit = resolve_in(r, rev)
        listing = run(r, "ls-tree", "-z", commit, "--", path.strip("/"))[1].decode()
        entry = listing.split("\0", 1)[0]
        if not entry:
            return None
        mode_type_oid, _, name = entry.partition("\t")
        _, kind, oid = mode_type_oid.split()
        if kind != "blob" or name != path.strip("/"):
            return None
        return run(r, "cat-file", "blob", oid)[1]


def branch_exists(repo: Path, branch: str) -> bool:
    """Whether `refs/heads/<branch>` exists in `repo`."""
    with open_repo(repo) as r:
        return tip(r, branch) is not None


def delete_branch(repo: Path, branch: str) -> None:
    """Delete `branch` (merged or not); refuse when it is checked out in any work tree."""
    with open_repo(repo) as r:
        old = tip(r, branch)
        if old is None:
            raise GitError(f"there is no branch {branch} in {repo}")
        where = worktree_of(r, branch)
        if where is not None:
            raise GitError(f"{branch} is checked out in {where}; switch away before deleting it")
        run(r, "update-ref", "-d", f"refs/heads/{branch}", old)


def dirty_paths(r: git.Repo) -> list[str]:
    """Tracked paths with changes in the work tree or the index (untracked files ignored)."""
    if r.bare:
        return []
    out = run(r, "status", "--porcelain=v1", "-z", "--untracked-files=no")[1].decode()
    entries = out.split("\0")
    paths: list[str] = []
    skip = False
    for entry in entries:
        if skip:
            skip = False
            continue
        if len(entry) > 3:
            paths.append(entry[3:])
            skip = entry[0] in "RC"  # a rename's original path follows as its own field
    return paths


def is_dirty(repo: Path) -> bool:
    """Whether tracked files have changes in the work tree or the index."""
    with open_repo(repo) as r:
        return bool(dirty_paths(r))
