"""Container runs through Podman: clean checkouts, isolation and limits, every step recorded.

The agent loop needs only this:

    with RunPool(db, config.containers) as pool:          # connects, sweeps dead runs' leftovers
        with pool.start(repo_path, commit, issue_id=7) as run:
            result = run.exec("pytest -x", timeout=120)   # ExecResult: exit_code, stdout, ...
            run.record_event("model_reply", {...})
        # leaving the block: ok; an exception: failed; Ctrl-C: interrupted
"""

from runner.containers.pool import ImageMissing, RunPool
from runner.containers.run import ExecResult, Run, RunEnded
from runner.containers.settings import ContainerSettings, LimitSettings

__all__ = [
    "ContainerSettings",
    "ExecResult",
    "ImageMissing",
    "LimitSettings",
    "Run",
    "RunEnded",
    "RunPool",
]
