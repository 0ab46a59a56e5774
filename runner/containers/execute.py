"""One command in a running container: under an in-container time limit, streamed as it runs.

Each command runs as `timeout --kill-after=5s N COMMAND` (GNU coreutils, in every Debian
image): at N seconds its process group gets SIGTERM, 5 s later SIGKILL, and `timeout` exits
124 (137 after the SIGKILL). A command past its limit is then output like any other; the
container and the run go on. The host keeps a timer as the backstop, for a command whose
in-container limit did not end it (its output held open by a process that left the group):
past N + 5 + 2 s the host kills the container.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podman.api import stream_frames

KILL_AFTER_S = 5
BACKSTOP_GRACE_S = 2.0
TIMEOUT_EXIT = 124
KILLED_EXIT = 137

Sink = Callable[[bytes], None]


@dataclass
class Streamed:
    """How one command ended."""

    exit_code: int | None
    """None when the host killed the container, or the exec itself failed."""
    duration_s: float
    timed_out: bool = False
    """The in-container limit ended it (exit 124, or 137 after the grace)."""
    killed: bool = False
    """It ignored SIGTERM and was ended by the SIGKILL after the grace."""
    backstop: bool = False
    """It outlived even the grace, and the host killed the container."""
    error: str | None = None
    """Why the exec could not be run or followed (a transport error), if so."""


def under_timeout(argv: list[str], limit_s: float) -> list[str]:
    """`argv` run under coreutils' `timeout` (a limit of 0 would mean none: at least 10 ms)."""
    return ["timeout", f"--kill-after={KILL_AFTER_S}s", f"{max(limit_s, 0.01):.3f}s", *argv]


def stream_exec(
    api: Any,
    container_id: str,
    argv: list[str],
    workdir: str,
    limit_s: float,
    on_stdout: Sink,
    on_stderr: Sink,
    kill: Callable[[], None],
) -> Streamed:
    """Run `argv` in the container under `limit_s`, passing output to the sinks as it comes.
    `kill` (the container) is called only by the host's backstop."""
    started = time.monotonic()
    backstop = threading.Event()

    def on_backstop() -> None:
        backstop.set()
        kill()

    timer = threading.Timer(limit_s + KILL_AFTER_S + BACKSTOP_GRACE_S, on_backstop)
    exit_code: int | None = None
    error = None
    try:
        body = {
            "AttachStdout": True,
            "AttachStderr": True,
            "Cmd": under_timeout(argv, limit_s),
            "WorkingDir": workdir,
        }
        created = api.post(f"/containers/{container_id}/exec", data=json.dumps(body))
        created.raise_for_status()
        exec_id = created.json()["Id"]
        timer.start()
        stream = api.post(
            f"/exec/{exec_id}/start",
            data=json.dumps({"Detach": False, "Tty": False}),
            stream=True,
        )
        stream.raise_for_status()
        for frame in stream_frames(stream, demux=True):
            chunk_out, chunk_err = frame if isinstance(frame, tuple) else (frame, None)
            if chunk_out:
                on_stdout(bytes(chunk_out))
            if chunk_err:
                on_stderr(bytes(chunk_err))
        timer.cancel()
        if not backstop.is_set():
            exit_code = api.get(f"/exec/{exec_id}/json").json().get("ExitCode")
    except Exception as exc:
        timer.cancel()
        if not backstop.is_set():
            error = str(exc)
    duration = time.monotonic() - started
    # Exit 124 (or 137) that came at the limit is the limit's; the same code earlier is the
    # command's own.
    at_limit = duration >= limit_s
    timed_out = exit_code in (TIMEOUT_EXIT, KILLED_EXIT) and at_limit
    return Streamed(
        exit_code=exit_code,
        duration_s=duration,
        timed_out=timed_out,
        killed=timed_out and exit_code == KILLED_EXIT,
        backstop=backstop.is_set(),
        error=error,
    )
