"""Replay: a recorded run's transcript, and an exact re-run of it step by step.

A re-run starts a fresh container from the same image id on the same commit, with the same
environment and limits, and executes the recorded setup and exec steps in order, comparing
each step's exit code, stdout and stderr with the record.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from pydantic import BaseModel

from runner.containers.pool import RunPool
from runner.containers.settings import LimitSettings
from runner.containers.spec import REDACTED
from store.night import set_run_role
from store.runs import (
    ImageRecord,
    RunEvent,
    RunRecord,
    RunStatus,
    find_runs,
    get_image,
    list_events,
)
from store.transcript import describe_event

REPLAYED_KINDS = ("setup", "exec")


class ReplayError(RuntimeError):
    """The run cannot be found or re-run; the message says why."""


class StepResult(BaseModel):
    """One re-executed step compared with its record."""

    seq: int
    kind: str
    command: list[str]
    matched: bool
    diff: str = ""
    """Unified diffs of what differed (exit code, stdout, stderr); empty when matched."""


class RerunReport(BaseModel):
    original: str
    rerun: str
    steps: list[StepResult]

    @property
    def matched(self) -> bool:
        return all(s.matched for s in self.steps)


def resolve_run(db: sqlite_utils.Database, ref: str) -> RunRecord:
    """The run whose id is `ref` or starts with it."""
    found = find_runs(db, ref)
    exact = [r for r in found if r.id == ref]
    if exact:
        return exact[0]
    if not found:
        raise ReplayError(f"no run with id {ref!r}")
    if len(found) > 1:
        raise ReplayError(f"{ref!r} matches {len(found)} runs; give more of the id")
    return found[0]


def display_command(argv: list[str]) -> str:
    """A command as a person would type it: the script of `bash -c`, else the quoted argv."""
    if len(argv) == 3 and argv[:2] == ["bash", "-c"]:
        return argv[2]
    return shlex.join(argv)


def _indent(text: str | None) -> str:
    return "".join(f"    {line}\n" for line in (text or "").splitlines())


def transcript(run: RunRecord, events: list[RunEvent]) -> str:
    """The run as text: its header, then each step with command, output, exit code, duration."""
    in_force = run.limits.get("in_force", {})
    lines = [
        f"run {run.id}  {run.status}{f' ({run.reason})' if run.reason else ''}",
        f"  repository {run.repository} @ {run.commit_sha}",
        f"  image      {run.image_tag or ''} {run.image_id[:19]}",
        f"  connection {run.connection}",
        f"  limits     {', '.join(f'{k}={v}' for k, v in in_force.items())}",
        f"  env        {', '.join(sorted(run.env))}",
        f"  started    {run.started_at:%Y-%m-%d %H:%M:%S}  ended "
        f"{f'{run.ended_at:%Y-%m-%d %H:%M:%S}' if run.ended_at else '-'}",
        "",
    ]
    for e in events:
        if e.command is None:
            lines.append(f"[{e.seq}] {describe_event(e)}")
            continue
        code: object = e.exit_code
        if e.data.get("timed_out"):
            code = f"{e.exit_code} (stopped at its {e.data.get('limit', 'command')} time limit)"
        if e.data.get("error"):
            code = f"{e.exit_code} ({e.data['error']})"
        took = f"{e.duration_s:.2f} s" if e.duration_s is not None else "did not finish"
        shown = display_command(e.command)
        if e.data.get("tool") == "edit":  # the edit program's argv says nothing to a person
            arguments = e.data.get("arguments") or {}
            how = "replace text in" if arguments.get("old") else "write"
            shown = f"edit: {how} {arguments.get('path')}"
        lines.append(f"[{e.seq}] {e.kind}: {shown}")
        lines.append(f"  exit {code}, {took}")
        if e.stdout:
            lines.append("  stdout:\n" + _indent(e.stdout).rstrip("\n"))
        if e.stderr:
            lines.append("  stderr:\n" + _indent(e.stderr).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _diff(name: str, recorded: str, now: str) -> str:
    return "".join(
        difflib.unified_diff(
            recorded.splitlines(keepends=True),
            now.splitlines(keepends=True),
            fromfile=f"{name} (recorded)",
            tofile=f"{name} (re-run)",
        )
    )


def rerun(
    pool: RunPool,
    run_id: str,
    on_step: Callable[[StepResult], None] | None = None,
) -> RerunReport:
    """Re-execute a recorded run in a fresh container; compare each step."""
    original = resolve_run(pool.db, run_id)
    steps = [e for e in list_events(pool.db, original.id) if e.kind in REPLAYED_KINDS]
    image = get_image(pool.db, original.image_id) or ImageRecord(
        id=original.image_id, tag=original.image_tag or original.image_id, kind="base"
    )
    if not Path(original.repository).exists():
        raise ReplayError(f"the repository {original.repository} is no longer there")
    if any(v == REDACTED for v in original.env.values()):
        redacted = sorted(k for k, v in original.env.items() if v == REDACTED)
        raise ReplayError(f"the run had secret variables ({', '.join(redacted)}); cannot re-run")
    limits = LimitSettings.model_validate(original.limits.get("requested", {}))
    base_env = dict(original.env)
    new = pool.start(
        Path(original.repository),
        original.commit_sha,
        image,
        issue_id=original.issue_id,
        env=base_env,
        limits=limits,
        rerun_of=original.id,
    )
    set_run_role(pool.db, new.id, "replay", proposal_id=original.proposal_id)
    results: list[StepResult] = []
    with new:
        for step in steps:
            assert step.command is not None
            got = new.exec(
                step.command,
                step.data.get("timeout_s"),
                kind=step.kind,
                workdir=step.data.get("workdir", "/workspace"),
            )
            parts = []
            if got.exit_code != step.exit_code or got.timed_out != bool(step.data.get("timed_out")):
                parts.append(f"exit code: recorded {step.exit_code}, re-run {got.exit_code}\n")
            if got.stdout != (step.stdout or ""):
                parts.append(_diff("stdout", step.stdout or "", got.stdout))
            if got.stderr != (step.stderr or ""):
                parts.append(_diff("stderr", step.stderr or "", got.stderr))
            result = StepResult(
                seq=step.seq,
                kind=step.kind,
                command=step.command,
                matched=not parts,
                diff="".join(parts),
            )
            results.append(result)
            if on_step:
                on_step(result)
            if new.record.status != "running":  # the run's own limit ended it
                break
        status: RunStatus = "ok" if all(r.matched for r in results) else "failed"
        new.finish(status, None if status == "ok" else "re-run diverged from the record")
    return RerunReport(original=original.id, rerun=new.id, steps=results)
