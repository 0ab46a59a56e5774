"""A Run: one container on a fresh checkout, isolated by default, every command recorded.

    run = Run.start(db, connection, settings, repo, commit, image)
    result = run.exec("pytest -x", timeout=120)   # or an argv list
    run.finish("ok")                             # or use `with run:`

    patch = run.diff()                           # before the run ends: its changes, new files too
    report = run.read_file("/tmp/junit.xml")     # bytes, or None when absent

A command past its time limit is stopped inside the container (exit 124, `timed_out`), and
the run goes on. Past the run's own limit the container is killed and removed and the run
recorded as `timeout`; later calls to `exec` raise `RunEnded`.
"""

from __future__ import annotations

import json
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

from runner.containers import collect
from runner.containers.checkout import Checkout, checkout_root, materialise, resolve_commit, tar_of
from runner.containers.execute import (
    KILL_AFTER_S,
    TIMEOUT_EXIT,
    Sink,
    Streamed,
    stream_exec,
)
from runner.containers.limits import Limits, owner_token, resolve_limits
from runner.containers.output import CappedBuffer
from runner.containers.service import Connection
from runner.containers.settings import ContainerSettings, LimitSettings
from runner.containers.spec import BASE_ENV, WORKSPACE, container_spec, redact
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

_checkout_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="overnight-checkout")


class RunEnded(RuntimeError):
    """The run has finished (or timed out); no more commands can run in it."""


@dataclass
class ExecResult:
    """What one command did."""

    seq: int
    exit_code: int | None
    """124 when stopped at its time limit (`timed_out`); None when the container had to be
    killed (the run has then ended) or the command could not be run."""
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False


@dataclass
class Run:
    """One running container and its record.

    - `exec(command, timeout)`: one command, recorded; past its limit it is stopped inside
      the container and returns `timed_out=True`, exit code 124, and the run goes on.
    - `diff(base=None)` / `diff_bytes`: the workspace's changes against the run's commit, new
      files included, whole (5 MB cap, else `CollectError`); call before the run ends.
    - `read_file(path, max_bytes)`: a file's bytes, or None when absent.
    - `record_event(kind, data)`: a step that is not a command (model requests and replies).
    - `finish(status, reason)`, or `with run:`: remove the container and checkout, record.
    """

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
        resolved.require_enforced()
        run_env = {**BASE_ENV, **(env or {})}
        uid, gid = (int(x) for x in settings.user.split(":"))
        root = checkout_root(settings.checkout_root)
        dest = root / f"{owner_token().replace(':', '_')}_{run_id}"
        dest.mkdir(parents=True)
        # The checkout fills the folder while the container starts: a bind mount shows files
        # added after it was made, and the two together are most of the dispatch time.
        facts = conn.facts()
        # Rootful and local, the checkout is chowned to the run's uid. Rootless, the host user is
        # the run's uid inside (see `container_spec`); remote, the tar says who owns the files.
        owner = (uid, gid) if conn.local and not facts.rootless else None
        pending = _checkout_threads.submit(
            materialise, repo, sha, dest, settings.history_depth, owner
        )
        spec = container_spec(
            run_id,
            image.id,
            settings,
            resolved,
            run_env,
            dest if conn.local else None,
            rootless=facts.rootless,
        )
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
        data: dict[str, Any] | None = None,
    ) -> ExecResult:
        """Run a command in the container; a string is run by `bash -c`. Recorded as a run
        event when it starts and completed when it ends.

        Past its time limit (`timeout`, default the run's `command_timeout_s`) the command is
        stopped inside the container: the result has `timed_out=True` and exit code 124, and
        the run goes on. Only the run's own limit, or a command that cannot be stopped, ends
        the run (as `timeout`); later calls then raise `RunEnded`. `data` rides along in the
        event (what the command was for: the tool call, the part of a check)."""
        argv = ["bash", "-c", command] if isinstance(command, str) else list(command)
        limit, run_limited = self.time_limit(timeout)
        event = append_event(
            self.db,
            RunEvent(
                run_id=self.id,
                kind=kind,
                command=argv,
                data={**(data or {}), "timeout_s": timeout, "workdir": workdir},
            ),
        )
        out, err = CappedBuffer(self.output_cap), CappedBuffer(self.output_cap)
        got = self.stream(argv, workdir, limit, out.write, err.write)
        data = {**event.data, "stdout_cut": out.cut, "stderr_cut": err.cut}
        exit_code = got.exit_code
        if got.timed_out or got.backstop:
            data.update(timed_out=True, limit="run" if run_limited else "command")
            data["limit_s"] = round(limit, 3)
            exit_code = TIMEOUT_EXIT if got.timed_out else None
            if got.killed:
                data["killed_after_s"] = KILL_AFTER_S  # it ignored SIGTERM
            if got.backstop:
                data["backstop"] = True  # the container was killed from the host
        done = event.model_copy(
            update={
                "stdout": out.text(),
                "stderr": err.text(),
                "exit_code": exit_code,
                "duration_s": round(got.duration_s, 4),
                "ended_at": utcnow(),
                "data": data,
            }
        )
        complete_event(self.db, done)
        if got.backstop or (got.timed_out and run_limited):
            why = f"run time limit of {self.limits.requested.run_timeout_s:.0f} s reached"
            if not run_limited:
                why = f"a command outlived its time limit of {limit:.0f} s and was killed"
            self._teardown("timeout", f"{why}: {argv!r}"[:500])
        return ExecResult(
            done.seq,
            exit_code,
            done.stdout or "",
            done.stderr or "",
            got.duration_s,
            bool(data.get("timed_out")),
        )

    def diff(self, base: str | None = None) -> str:
        """The workspace's changes against `base` (default: the run's commit) as a binary-safe
        patch, new files included; see `diff_bytes`. Decoded as UTF-8 with surrogate escapes:
        `.encode("utf-8", "surrogateescape")` gives back the exact bytes."""
        return self.diff_bytes(base).decode("utf-8", "surrogateescape")

    def diff_bytes(self, base: str | None = None, max_bytes: int = collect.DIFF_CAP_BYTES) -> bytes:
        """The workspace's changes against `base` (default: the run's commit): `git diff
        --binary` of a temporary index holding the whole work tree, so new files (not ignored)
        are in it and the workspace's own index is untouched. Taken in the container, so call
        it before the run ends. Recorded as a `collect` event with the whole patch. Raises
        `CollectError` when git fails or the patch is larger than `max_bytes`."""
        return collect.diff(self, base or self.record.commit_sha, max_bytes)

    def read_file(self, path: str, max_bytes: int = 5_000_000) -> bytes | None:
        """The bytes of a file in the container (e.g. a JUnit XML report under /tmp), or None
        when there is no such file; a relative path is taken from /workspace. Recorded as a
        `collect` event with the size and sha256 (not the content). Raises `CollectError` when
        the file is larger than `max_bytes` or cannot be read."""
        return collect.read_file(self, path, max_bytes)

    def time_limit(self, timeout: float | None) -> tuple[float, bool]:
        """The time limit for the next command, and whether the run's deadline sets it (for
        `exec` and `collect`).
        Raises `RunEnded` when the run has ended or its deadline has passed."""
        if self._ended:
            raise RunEnded(f"run {self.id} has ended ({self.record.status})")
        limit = timeout if timeout is not None else self.limits.requested.command_timeout_s
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            why = f"run time limit of {self.limits.requested.run_timeout_s:.0f} s reached"
            self._teardown("timeout", why)
            raise RunEnded(f"run {self.id} has ended (timeout: {why})")
        return min(limit, remaining), remaining < limit

    def stream(
        self, argv: list[str], workdir: str, limit: float, on_out: Sink, on_err: Sink
    ) -> Streamed:
        """Run `argv` under `limit`, output to the sinks; not recorded (`exec` records)."""
        api, cid = self.conn.client.api, self.container_id
        got = stream_exec(api, cid, argv, workdir, limit, on_out, on_err, self._kill)
        if got.error is not None:  # a failure becomes recorded output, not a crash
            on_err(f"\n[overnight: exec failed: {got.error}]\n".encode())
        return got

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
