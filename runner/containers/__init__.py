"""Container runs through Podman: clean checkouts, isolation and limits, every step recorded.

The agent loop needs only this:

    with RunPool(db, config.containers) as pool:          # connects, sweeps dead runs' leftovers
        with pool.start(repo_path, commit, issue_id=7) as run:
            result = run.exec("pytest -x", timeout=120)   # ExecResult: exit_code, stdout, ...
            run.record_event("model_reply", {...})
            patch = run.diff()                            # the workspace's changes, new files too
            junit = run.read_file("/tmp/junit.xml")       # bytes, or None when absent
        # leaving the block: ok; an exception: failed; Ctrl-C: interrupted

- A command past its time limit is output, not the end of the run: it is stopped inside the
  container (coreutils `timeout`, SIGKILL 5 s after SIGTERM), and `exec` returns
  `timed_out=True`, `exit_code=124`; the next `exec` works. Only the run's own limit (or a
  command that cannot be stopped) kills the container and ends the run as `timeout`; later
  calls raise `RunEnded`.
- `Run.diff(base=None)` / `Run.diff_bytes`: `git diff --binary` of the whole work tree against
  the run's commit (or `base`), taken in the container through a temporary index. Whole or
  not at all: its own 5 MB cap, else `CollectError`. Call it before the run ends.
- `Run.read_file(path, max_bytes=5_000_000)`: a file's bytes, None if absent, `CollectError`
  if larger. Both are recorded as `collect` events.
- Limits the host cannot enforce (memory, pids, cpus without their cgroup controllers, as in
  rootless Podman on cgroup v1) fail closed: `Run.start` raises `LimitsUnenforced`, unless
  `[containers.limits] allow_unenforced = true`; then the run records them as dropped.
"""

from runner.containers.collect import CollectError
from runner.containers.limits import LimitsUnenforced
from runner.containers.pool import ImageMissing, RunPool
from runner.containers.run import ExecResult, Run, RunEnded
from runner.containers.settings import ContainerSettings, LimitSettings

__all__ = [
    "CollectError",
    "ContainerSettings",
    "ExecResult",
    "ImageMissing",
    "LimitSettings",
    "LimitsUnenforced",
    "Run",
    "RunEnded",
    "RunPool",
]
