"""A Run: one container on a fresh checkout, isolated by default, every command recorded.

    run = Run.start(db, connection, settings, repo, commit, image)
    result = run.exec("pytest -x", timeout=120)   # or an argv list
    run.finish("ok")                             # or use `with run:`

A command past its time limit, or past the run's, gets the container killed and removed and
the run recorded as `timeout`; later calls to `exec` raise `RunEnded`.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from podman.api import stream_frames

from runner.containers.checkout import Checkout, checkout_root, materialise, resolve_commit, tar_of
from runner.containers.limits import Limits, owner_token, resolve_limits
from runner.containers.output import CappedBuffer
from runner.containers.service import Connection
from runner.containers.settings import ContainerSettings, LimitSettings
from store.runs import (
    EventKind,
    ImageRecord,
    RunEvent,
    RunRecord,
    RunStatus,
    append_event,
    complete_event,
    finish_run,
    insert_run,
    set_checkout,
    set_container,
)
from store.signal import utcnow

LABEL_RUN = "overnight.run"
LABEL_OWNER = "overnight.owner"
WORKSPACE = "/workspace"
REDACTED = "<redacted>"
# A name part (between underscores) that marks a secret: API_TOKEN, DB_PASSWORD, AWS_SECRET_KEY.
_SECRET_NAME = re.compile(
    r"(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|APIKEY|CREDENTIALS?|AUTH|COOKIE|SESSION|DSN)"
    r"(_|$)",
    re.I,
)
# What every command sees; nothing comes from the host's environment.
BASE_ENV = {
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "GIT_AUTHOR_NAME": "overnight",
    "GIT_AUTHOR_EMAIL": "overnight@localhost",
    "GIT_COMMITTER_NAME": "overnight",
    "GIT_COMMITTER_EMAIL": "overnight@localhost",
    # Bytecode caches key on mtime in whole seconds: an edit within the second of an import
    # ran stale code, so a re-run diverged. No caches: the same steps give the same output,
    # and the workspace diff stays clean.
    "PYTHONDONTWRITEBYTECODE": "1",
}
_checkout_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="overnight-checkout")


class RunEnded(RuntimeError):
    """The run has finished (or timed out); no more commands can run in it."""


@dataclass
class ExecResult:
    """What one command did."""

    seq: int
    exit_code: int | None
    """None when the command was killed at its time limit."""
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False


def redact(env: dict[str, str], secret_names: set[str]) -> dict[str, str]:
    return {
        k: REDACTED if k in secret_names or _SECRET_NAME.search(k) else v for k, v in env.items()
    }


def container_spec(
    run_id: str,
    image_id: str,
    settings: ContainerSettings,
    limits: Limits,
    env: dict[str, str],
    workspace: Path | None,
) -> dict[str, Any]:
    """The libpod create spec. Written out field by field (podman-py's `create` cannot set
    the server-side timeout, and its `security_opt` does not reach no_new_privileges)."""
    tmpfs_opts = ["rw", "nosuid", "nodev", f"size={limits.requested.tmp_mb}m", "mode=1777"]
    if workspace is not None:
        ws: dict[str, Any] = {"type": "bind", "source": str(workspace), "options": ["rbind", "rw"]}
    else:  # a remote service cannot see our files: the checkout is copied in after start
        ws = {"type": "tmpfs", "source": "tmpfs", "options": ["rw", "nodev", "mode=1777"]}
    resources: dict[str, Any] = {}
    if limits.memory_bytes:
        resources["memory"] = {"limit": limits.memory_bytes, "swap": limits.memory_bytes}
    if limits.pids:
        resources["pids"] = {"limit": limits.pids}
    if limits.cpu_quota:
        resources["cpu"] = {"quota": limits.cpu_quota, "period": limits.cpu_period}
    return {
        "image": image_id,
        "command": ["sleep", "infinity"],
        "init": True,
        "labels": {LABEL_RUN: run_id, LABEL_OWNER: owner_token()},
        "user": settings.user,
        "work_dir": WORKSPACE,
        "hostname": "overnight",
        "env": env,
        "env_host": False,
        "httpproxy": False,
        "netns": {"nsmode": "bridge" if limits.requested.network else "none"},
        "cap_drop": ["ALL"],
        "no_new_privileges": True,
        "read_only_filesystem": True,
        "read_write_tmpfs": False,
        "mounts": [
            {"destination": WORKSPACE, **ws},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": tmpfs_opts},
        ],
        "resource_limits": resources,
        "timeout": int(limits.requested.run_timeout_s) + 1,
        "stop_timeout": 1,
    }


@dataclass
class Run:
    """One running container and its record."""

    db: sqlite_utils.Database
    conn: Connection
    record: RunRecord
    limits: Limits
    output_cap: int
    checkout: Checkout | None
    deadline: float
    on_end: Callable[[Run], None] | None = field(default=None, repr=False)
    """Called once when the run ends (the pool frees its slot)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ended: bool = False

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def container_id(self) -> str:
        assert self.record.container_id is not None
        return self.record.container_id

    @classmethod
    def start(
        cls,
        db: sqlite_utils.Database,
        conn: Connection,
        settings: ContainerSettings,
        repo: Path,
        commit: str,
        image: ImageRecord,
        *,
        issue_id: int | None = None,
        env: dict[str, str] | None = None,
        secret_names: set[str] | None = None,
        limits: LimitSettings | None = None,
        rerun_of: str | None = None,
    ) -> Run:
        """Check out `commit` of `repo` and start its container; return when a command can run."""
        started = time.monotonic()
        sha = resolve_commit(repo, commit)
        run_id = uuid.uuid4().hex[:12]
        resolved = resolve_limits(limits or settings.limits, conn.facts())
        run_env = {**BASE_ENV, **(env or {})}
        uid, gid = (int(x) for x in settings.user.split(":"))
        root = checkout_root(settings.checkout_root)
        dest = root / f"{owner_token().replace(':', '_')}_{run_id}"
        dest.mkdir(parents=True)
        # The checkout fills the folder while the container starts: a bind mount shows files
        # added after it was made, and the two together are most of the dispatch time.
        pending = _checkout_threads.submit(
            materialise, repo, sha, dest, settings.history_depth, (uid, gid)
        )
        spec = container_spec(
            run_id, image.id, settings, resolved, run_env, dest if conn.local else None
        )
        facts = conn.facts()
        record = RunRecord(
            id=run_id,
            issue_id=issue_id,
            rerun_of=rerun_of,
            repository=str(Path(repo).resolve()),
            commit_sha=sha,
            image_id=image.id,
            image_tag=image.tag,
            connection=f"{conn.name} {conn.uri}",
            env=redact(run_env, secret_names or set()),
            limits={
                "requested": resolved.requested.model_dump(),
                "in_force": resolved.in_force(),
                "dropped": resolved.dropped,
            },
            spec={**spec, "env": redact(run_env, secret_names or set())},
            host=facts.model_dump(),
            owner=owner_token(),
        )
        insert_run(db, record)
        run = cls(db, conn, record, resolved, resolved.requested.output_cap_bytes, None, 0.0)
        try:
            api = conn.client.api
            created = api.post("/containers/create", data=json.dumps(spec))
            created.raise_for_status()
            record.container_id = created.json()["Id"]
            set_container(db, run_id, run.container_id)
            api.post(f"/containers/{run.container_id}/start").raise_for_status()
            run.checkout = pending.result()
            if not conn.local:
                archive = tar_of(dest, uid, gid)
                api.put(
                    f"/containers/{run.container_id}/archive",
                    params={"path": WORKSPACE},
                    data=archive,
                ).raise_for_status()
            record.checkout = {
                **run.checkout.info.model_dump(),
                "transfer": "bind" if conn.local else "archive",
                "dispatch_s": round(time.monotonic() - started, 4),
            }
            set_checkout(db, run_id, record.checkout)
        except BaseException as exc:
            pending.cancel()
            run._teardown("interrupted", f"start failed: {exc}"[:500])
            if run.checkout is None:
                shutil.rmtree(dest, ignore_errors=True)
            raise
        run.deadline = started + resolved.requested.run_timeout_s
        return run

    def exec(
        self,
        command: list[str] | str,
        timeout: float | None = None,
        *,
        kind: EventKind = "exec",
        workdir: str = WORKSPACE,
    ) -> ExecResult:
        """Run a command in the container; a string is run by `bash -c`. Recorded as a run
        event when it starts and completed when it ends."""
        argv = ["bash", "-c", command] if isinstance(command, str) else list(command)
        if self._ended:
            raise RunEnded(f"run {self.id} has ended ({self.record.status})")
        limit = timeout if timeout is not None else self.limits.requested.command_timeout_s
        remaining = self.deadline - time.monotonic()
        run_limited = remaining < limit
        limit = max(0.0, min(limit, remaining))
        event = append_event(
            self.db,
            RunEvent(
                run_id=self.id,
                kind=kind,
                command=argv,
                data={"timeout_s": timeout, "workdir": workdir},
            ),
        )
        started = time.monotonic()
        out, err = CappedBuffer(self.output_cap), CappedBuffer(self.output_cap)
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            self._kill()

        timer = threading.Timer(limit, on_timeout)
        exit_code: int | None = None
        try:
            api = self.conn.client.api
            body = {"AttachStdout": True, "AttachStderr": True, "Cmd": argv, "WorkingDir": workdir}
            created = api.post(f"/containers/{self.container_id}/exec", data=json.dumps(body))
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
                    out.write(bytes(chunk_out))
                if chunk_err:
                    err.write(bytes(chunk_err))
            timer.cancel()
            if not timed_out.is_set():
                exit_code = api.get(f"/exec/{exec_id}/json").json().get("ExitCode")
        except Exception as exc:
            timer.cancel()
            if not timed_out.is_set():  # a failure becomes recorded output, not a crash
                err.write(f"\n[overnight: exec failed: {exc}]\n".encode())
        duration = time.monotonic() - started
        data = {**event.data, "stdout_cut": out.cut, "stderr_cut": err.cut}
        if timed_out.is_set():
            data["timed_out"] = True
            data["limit"] = "run" if run_limited else "command"
        done = event.model_copy(
            update={
                "stdout": out.text(),
                "stderr": err.text(),
                "exit_code": exit_code,
                "duration_s": round(duration, 4),
                "ended_at": utcnow(),
                "data": data,
            }
        )
        complete_event(self.db, done)
        if timed_out.is_set():
            which = "run" if run_limited else "command"
            self._teardown(
                "timeout", f"{which} time limit of {limit:.0f} s reached: {argv!r}"[:500]
            )
        return ExecResult(
            done.seq, exit_code, done.stdout or "", done.stderr or "", duration, timed_out.is_set()
        )

    def setup(self, command: list[str] | str, timeout: float | None = None) -> ExecResult:
        """A setup step (dependency install, fixtures): recorded, and replayed by a re-run."""
        return self.exec(command, timeout, kind="setup")

    def record_event(self, kind: EventKind, data: dict[str, Any]) -> RunEvent:
        """Record a step that is not a command (a model request or reply)."""
        event = RunEvent(run_id=self.id, kind=kind, data=data, ended_at=utcnow())
        return append_event(self.db, event)

    def finish(self, status: RunStatus = "ok", reason: str | None = None) -> None:
        """End the run: remove the container and the checkout, record the outcome."""
        self._teardown(status, reason)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc_type is None:
            self._teardown("ok", None)
        elif issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self._teardown("interrupted", exc_type.__name__)
        else:
            self._teardown("failed", f"{exc_type.__name__}: {exc}"[:500])

    def _kill(self) -> None:
        if self.record.container_id:
            with suppress(Exception):  # already gone: nothing left to kill
                self.conn.client.api.post(
                    f"/containers/{self.container_id}/kill", params={"signal": "SIGKILL"}
                )

    def _teardown(self, status: RunStatus, reason: str | None) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        if self.record.container_id:
            with suppress(Exception):  # a sweep at the next start removes what is left
                self.conn.client.api.delete(
                    f"/containers/{self.container_id}", params={"force": True, "v": True}
                )
        if self.checkout is not None:
            self.checkout.remove()
        if finish_run(self.db, self.id, status, reason):
            self.record.status, self.record.reason = status, reason
        if self.on_end is not None:
            self.on_end(self)
