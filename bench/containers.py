"""Container runs: dispatch to first command, against the floor of `podman run ... true`.

A repository of 2,000 files with a requirements file (its dependency layer built once before
timing). Each dispatch: resolve the run's image (dependency files read at the commit, the
layer looked up by their hash), make the hermetic checkout on a tmpfs, create and start the
isolated container, then run the first command (`true`) to completion; median of 10.
The floor: `podman run --rm --network none IMAGE true` on the same image, median of 10.
Then 8 runs of 10 commands each, in parallel and one after another.

Prints progress on stderr and one JSON object on the last line with `dispatch_to_first_command_s`,
`floor_s`, `ratio_to_floor`, `parallel_wall_s`, `serial_wall_s` (and the parts of the dispatch).
Targets (issue 4): dispatch at most 1.5 s and at most 3x the floor.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.containers.pool import RunPool  # noqa: E402
from runner.containers.run import Run  # noqa: E402
from runner.containers.service import open_connections, podman_binary, podman_env  # noqa: E402
from runner.containers.settings import ContainerSettings, LimitSettings  # noqa: E402
from store import open_db  # noqa: E402

COMMANDS = [
    "git status --short",
    "ls pkg0 | wc -l",
    "python3 -c 'import sys; print(sys.version_info[:2])'",
    "grep -rl 'def f1(' pkg1 | head -3",
    "echo edit >> pkg2/sub0/mod2.py",
    "git diff --stat",
    "python3 -c 'import iniconfig; print(iniconfig.__name__)'",
    "find . -name '*.py' | wc -l",
    "cat pkg3/sub3/mod3.py | head -5",
    "git log --oneline",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_repo(root: Path, files: int = 2000) -> tuple[Path, str]:
    repo = root / "repo"
    repo.mkdir()
    rng = random.Random(4)
    for i in range(files - 1):
        path = repo / f"pkg{i % 40}" / f"sub{i % 7}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"def f{j}(x):\n    return x * {rng.randint(0, 10**9)}\n" for j in range(60))
        path.write_text(body)
    (repo / "requirements.txt").write_text("iniconfig==2.0.0\n")
    env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b"}
    env |= {"GIT_COMMITTER_EMAIL": "b@x", "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"], ["gc", "-q"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    sha = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    return repo, sha


def work(run: Run) -> None:
    for command in COMMANDS:
        result = run.exec(command)
        assert result.exit_code == 0, (command, result.stderr)


def main() -> None:
    # As a normal user (rootless on cgroup v1) the memory and pids limits cannot be enforced;
    # the bench then runs without them, and says so.
    rootless = os.geteuid() != 0
    settings = ContainerSettings(
        max_parallel_runs=8, limits=LimitSettings(allow_unenforced=rootless)
    )
    if rootless:
        log("rootless: running without the limits this host cannot enforce")
    with tempfile.TemporaryDirectory(prefix="overnight-bench-") as tmp:
        repo, sha = make_repo(Path(tmp))
        log(f"repository of 2,000 files at {repo}")
        db = open_db(Path(tmp) / "bench.db")
        conns = open_connections(settings)
        log(f"podman service {conns.items[0].uri}")
        with RunPool(db, settings, conns, progress=lambda line: log(f"  {line}")) as pool:
            image = pool.image_for(repo, sha)  # builds the dependency layer when new
            log(f"image {image.tag} ({image.id[:12]})")
            with pool.start(repo, sha, image=image) as warm:  # host facts, caches
                warm.exec("true")

            floors = []
            for _ in range(10):
                started = time.monotonic()
                subprocess.run(
                    [podman_binary(), "run", "--rm", "--network", "none", image.id, "true"],
                    env=podman_env(settings),
                    check=True,
                )
                floors.append(time.monotonic() - started)
            floor = statistics.median(floors)
            log(f"floor (podman run --rm true): median {floor:.3f} s")

            ready, first, checkouts = [], [], []
            for i in range(10):
                pool._images.clear()  # resolve the image afresh, as a new dispatch would
                started = time.monotonic()
                run = pool.start(repo, sha, image=pool.image_for(repo, sha))
                ready.append(time.monotonic() - started)
                assert run.exec(["true"]).exit_code == 0
                first.append(time.monotonic() - started)
                checkouts.append(run.record.checkout["seconds"])
                run.finish()
                log(
                    f"  dispatch {i + 1}: ready {ready[-1]:.3f} s, "
                    f"first command done {first[-1]:.3f} s"
                )
            dispatch = statistics.median(first)
            log(
                f"dispatch to first command: median {dispatch:.3f} s "
                f"({dispatch / floor:.2f}x floor)"
            )

            started = time.monotonic()
            for _ in range(8):
                with pool.start(repo, sha, image=image) as run:
                    work(run)
            serial = time.monotonic() - started
            log(f"8 runs x 10 commands, one after another: {serial:.2f} s")
            started = time.monotonic()
            futures = [pool.submit(work, repo, sha, image=image) for _ in range(8)]
            for future in futures:
                future.result()
            parallel = time.monotonic() - started
            log(f"8 runs x 10 commands, in parallel: {parallel:.2f} s")
        conns.close()
    print(
        json.dumps(
            {
                "dispatch_to_first_command_s": round(dispatch, 3),
                "floor_s": round(floor, 3),
                "ratio_to_floor": round(dispatch / floor, 2),
                "parallel_wall_s": round(parallel, 2),
                "serial_wall_s": round(serial, 2),
                "dispatch_ready_s": round(statistics.median(ready), 3),
                "checkout_s": round(statistics.median(checkouts), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
