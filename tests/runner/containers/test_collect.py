"""Taking results out of a run before teardown: the workspace diff and single files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlite_utils

from runner.containers.collect import DIFF_CAP_BYTES, CollectError
from runner.containers.pool import RunPool
from store.runs import list_events
from tests.runner.containers.conftest import MakeRepo, git


def test_the_diff_holds_every_change_and_applies_on_the_host(
    pool: RunPool, make_repo: MakeRepo, fresh_db: sqlite_utils.Database, tmp_path: Path
) -> None:
    repo, [_, sha] = make_repo(
        {
            "app.py": "def add(a, b):\n    return a - b\n",
            "old.txt": "to be deleted\n",
            "keep.log": "tracked although ignored later\n",
        },
        {".gitignore": "*.log\n"},
    )
    with pool.start(repo, sha) as run:
        script = (
            "sed -i 's/a - b/a + b/' app.py && rm old.txt && mkdir -p pkg "
            "&& printf 'new\\n' > pkg/new.py && printf '\\x00\\xff\\x01binary' > blob.bin "
            "&& printf 'caf\\xe9\\n' > latin1.txt && echo noise > debug.log "
            # The agent's own index must neither decide the diff nor be changed by it.
            "&& git add app.py && git rm -q --cached keep.log"
        )
        assert run.exec(script).exit_code == 0
        index_before = run.exec("sha256sum .git/index").stdout
        patch = run.diff_bytes()
        assert run.exec("sha256sum .git/index").stdout == index_before
        assert run.diff() == patch.decode("utf-8", "surrogateescape")
    names = {
        line.split(" b/")[-1]
        for line in patch.decode("latin-1").splitlines()
        if line.startswith("diff --git ")
    }
    assert names == {"app.py", "old.txt", "pkg/new.py", "blob.bin", "latin1.txt"}
    assert b"GIT binary patch" in patch and b"caf\xe9" in patch
    # The patch is exact: applied to the base commit on the host it gives the run's tree.
    target = tmp_path / "apply"
    subprocess.run(["git", "clone", "-q", str(repo), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "apply", "--binary", "-"], input=patch, check=True)
    assert (target / "blob.bin").read_bytes() == b"\x00\xff\x01binary"
    assert (target / "latin1.txt").read_bytes() == b"caf\xe9\n"
    assert "a + b" in (target / "app.py").read_text() and not (target / "old.txt").exists()
    assert (target / "keep.log").exists() and not (target / "debug.log").exists()
    collected = [e for e in list_events(fresh_db, run.id) if e.kind == "collect"]
    assert len(collected) == 2
    assert collected[0].data["what"] == "diff" and collected[0].data["base"] == sha
    assert collected[0].data["files"] == 5 and collected[0].data["bytes"] == len(patch)
    assert collected[0].stdout == patch.decode("utf-8", "replace")


def test_a_diff_is_never_cut_and_an_unchanged_tree_gives_none(
    pool: RunPool, make_repo: MakeRepo
) -> None:
    repo, [first, second] = make_repo({"a.txt": "one\n"}, {"a.txt": "two\n"})
    with pool.start(repo, second) as run:
        assert run.diff() == ""
        # Far past the 64 KB command output cap: the whole of it comes back.
        run.exec("head -c 3000000 /dev/urandom | base64 > big.txt")
        patch = run.diff_bytes()
        assert len(patch) > 4_000_000 and patch.endswith(b"\n")
        head, tail = run.exec("head -n 1 big.txt; tail -n 1 big.txt").stdout.split()
        assert f"\n+{head}\n".encode() in patch and patch.endswith(f"+{tail}\n".encode())
        with pytest.raises(CollectError, match="past the cap"):
            run.diff_bytes(max_bytes=100_000)
        # Against another base: the unknown one is an error, not an empty diff.
        with pytest.raises(CollectError, match="exit"):
            run.diff("0" * 40)
        assert run.exec("echo still running").exit_code == 0
    assert DIFF_CAP_BYTES >= 5_000_000
    assert git(repo, "status", "--porcelain") == ""  # the host repository is untouched
    assert git(repo, "rev-parse", "HEAD~1") == first


def test_read_file_returns_bytes_or_none(
    pool: RunPool, make_repo: MakeRepo, fresh_db: sqlite_utils.Database
) -> None:
    repo, [sha] = make_repo({"README": "hi\n"})
    with pool.start(repo, sha) as run:
        run.exec("printf '<testsuite>\\x00\\xff</testsuite>' > /tmp/junit.xml")
        assert run.read_file("/tmp/junit.xml") == b"<testsuite>\x00\xff</testsuite>"
        assert run.read_file("README") == b"hi\n"  # relative to /workspace
        assert run.read_file("/tmp/absent.xml") is None
        assert run.read_file("/tmp") is None  # a directory is not a file
        run.exec("head -c 20000 /dev/zero > /tmp/big")
        assert len(run.read_file("/tmp/big", max_bytes=20000) or b"") == 20000
        with pytest.raises(CollectError, match="past the cap of 19999"):
            run.read_file("/tmp/big", max_bytes=19999)
    events = [e for e in list_events(fresh_db, run.id) if e.kind == "collect"]
    assert [e.data.get("absent", False) for e in events] == [False, False, True, True, False, False]
    assert events[0].data["bytes"] == 25 and len(events[0].data["sha256"]) == 64
    assert events[0].stdout is None  # sizes and digests only, not the content
