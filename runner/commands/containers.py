"""`overnight doctor`, `overnight image build`, `overnight runs`, `overnight replay`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from runner.cli import Context, Subcommands
from runner.containers.checkout import checkout_root, is_tmpfs
from runner.containers.images import (
    ImageBuildError,
    base_tag,
    ensure_base_image,
    ensure_deps_image,
    image_id,
)
from runner.containers.limits import ACCEPT_SETTING, HOST_CHANGE, HostFacts, resolve_limits
from runner.containers.paths import UnsafeFolder
from runner.containers.pool import RunPool
from runner.containers.replay import (
    ReplayError,
    StepResult,
    display_command,
    rerun,
    resolve_run,
    transcript,
)
from runner.containers.service import (
    Connection,
    PodmanUnavailable,
    open_connections,
    project_conf_path,
    project_conf_reasons,
    use_project_conf,
)
from runner.containers.settings import ContainerSettings
from runner.containers.spec import container_spec
from runner.errors import UserError
from store.runs import list_events, list_runs


def register(commands: Subcommands) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check Podman, its runtime, the socket, images and limits",
        description="Check everything container runs need; say what to do about each problem.",
    )
    doctor.set_defaults(handler=run_doctor)

    image = commands.add_parser("image", help="build the images runs start from")
    image_commands = image.add_subparsers(metavar="ACTION", required=True)
    build = image_commands.add_parser(
        "build",
        help="build the base image (offline, from Debian packages), and a dependency layer",
        description=(
            "Build the base image with mmdebstrap (reused when the image for this package set "
            "exists). With --repo, also the dependency layer for that repository's dependency "
            "files at --commit."
        ),
    )
    build.add_argument("--rebuild", action="store_true", help="build the base image again")
    build.add_argument("--repo", type=Path, help="a target repository")
    build.add_argument("--commit", default="HEAD", help="its commit (default HEAD)")
    build.set_defaults(handler=run_image_build)

    runs = commands.add_parser("runs", help="list recorded container runs, newest first")
    runs.add_argument("--limit", type=int, default=20)
    runs.set_defaults(handler=run_runs)

    replay = commands.add_parser(
        "replay",
        help="print a run's transcript, or re-run it and compare step by step",
        description=(
            "Print each step of a recorded run: command, output, exit code, duration. With "
            "--rerun, start a fresh container from the same image and commit, execute the "
            "recorded steps (setup steps included) in order and report whether each matches."
        ),
    )
    replay.add_argument("run", metavar="RUN", help="a run id (or its first characters)")
    replay.add_argument("--rerun", action="store_true", help="re-execute and compare")
    replay.set_defaults(handler=run_replay)


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def run_image_build(ctx: Context) -> int:
    settings = ctx.config.containers
    db = ctx.db()
    try:
        print(f"base image {base_tag(settings)}", file=sys.stderr)
        base = ensure_base_image(settings, db, _progress, rebuild=ctx.args.rebuild)
        print(f"base  {base.tag}  {base.id}")
        if ctx.args.repo:
            deps = ensure_deps_image(settings, ctx.args.repo, ctx.args.commit, base, db, _progress)
            print(f"deps  {deps.tag}  {deps.id}")
    except (ImageBuildError, PodmanUnavailable) as exc:
        raise UserError(str(exc)) from exc
    return 0


def run_runs(ctx: Context) -> int:
    print(f"{'RUN':<12} {'STATUS':<11} {'STARTED':<19} {'COMMIT':<10} REPOSITORY")
    for run in list_runs(ctx.db(), limit=ctx.args.limit):
        when = run.started_at.strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{run.id:<12} {run.status:<11} {when:<19} {run.commit_sha[:10]:<10} {run.repository}"
        )
    return 0


def run_replay(ctx: Context) -> int:
    db = ctx.db()
    try:
        run = resolve_run(db, ctx.args.run)
    except ReplayError as exc:
        raise UserError(str(exc)) from exc
    if not ctx.args.rerun:
        print(transcript(run, list_events(db, run.id)), end="")
        return 0

    def show(step: StepResult) -> None:
        mark = "match" if step.matched else "DIFF "
        print(f"[{step.seq}] {mark} {step.kind}: {display_command(step.command)}", flush=True)
        if step.diff:
            print("".join(f"    {line}\n" for line in step.diff.splitlines()), end="")

    try:
        with RunPool(db, ctx.config.containers, progress=_progress) as pool:
            report = rerun(pool, run.id, on_step=show)
    except (ReplayError, PodmanUnavailable) as exc:
        raise UserError(str(exc)) from exc
    matched = sum(s.matched for s in report.steps)
    print(f"re-run {report.rerun}: {matched} of {len(report.steps)} steps match")
    return 0 if report.matched else 1


class _Report:
    def __init__(self) -> None:
        self.problems = 0

    def ok(self, what: str) -> None:
        print(f"ok    {what}")

    def fail(self, what: str, fix: str) -> None:
        self.problems += 1
        print(f"FAIL  {what}\n      -> {fix}")

    def warn(self, what: str, why: str) -> None:
        print(f"WARN  {what}\n      -> {why}")

    def note(self, what: str) -> None:
        print(f"      {what}")


def run_doctor(ctx: Context) -> int:
    settings = ctx.config.containers
    report = _Report()
    podman = shutil.which("podman")
    if not podman:
        report.fail("podman is not installed", "apt-get install podman runc catatonit")
        return 1
    version = subprocess.run([podman, "--version"], capture_output=True, text=True).stdout
    report.ok(version.strip())
    reasons = project_conf_reasons()
    if use_project_conf(settings):
        report.ok(f"using the project's Podman configuration {project_conf_path()}")
        for reason in reasons:
            report.note(f"because {reason}")
        if not shutil.which("runc"):
            report.fail(
                "runc is not installed (the project configuration uses it)", "apt-get install runc"
            )
    else:
        report.ok("Podman's own configuration suits this host")
    if not (shutil.which("catatonit") or Path("/usr/libexec/podman/catatonit").exists()):
        report.fail(
            "no catatonit (the init process of run containers)", "apt-get install catatonit"
        )
    try:
        root = checkout_root(settings.checkout_root)
    except UnsafeFolder as exc:
        report.fail(str(exc), "set containers.checkout_root to a folder of your own")
        return 1
    if is_tmpfs(root):
        report.ok(f"checkouts go to a tmpfs, in a folder only this user can enter: {root}")
    else:
        report.fail(
            f"checkouts go to {root}, not a tmpfs (repeated checkouts on ext4 get slow)",
            f"mount -t tmpfs -o size=4g tmpfs {root}, or set containers.checkout_root",
        )
    if not shutil.which("mmdebstrap") and not settings.registry_base:
        report.fail(
            "mmdebstrap is missing: the base image cannot be built", "apt-get install mmdebstrap"
        )
    tag = base_tag(settings)
    base = image_id(tag, settings)
    if base:
        report.ok(f"base image {tag} = {base[:12]}")
    else:
        report.fail(f"base image {tag} is not built", "overnight image build")
    try:
        conns = open_connections(settings)
    except PodmanUnavailable as exc:
        report.fail(str(exc), "start the service, or fix containers.connections in the config")
        return 1
    try:
        for conn in conns.items:
            try:
                facts = conn.facts()
            except Exception as exc:
                report.fail(
                    f"connection {conn.name} ({conn.uri}) does not answer: {exc}",
                    "check the URI and that the service runs",
                )
                continue
            report.ok(
                f"connection {conn.name} {conn.uri}: podman {facts.podman_version}, "
                f"{facts.runtime} ({facts.runtime_version}), cgroup {facts.cgroup_version}, "
                f"{'rootless' if facts.rootless else 'rootful'}"
            )
            _limits(report, settings, facts)
            if base:
                _probe(conn, settings, base, report)
    finally:
        conns.close()
    _check_models(ctx, report)
    print("no problems found" if not report.problems else f"{report.problems} problem(s)")
    return 0 if not report.problems else 1


def _check_models(ctx: Context, report: _Report) -> None:
    from runner.commands.triage import routines_of
    from runner.night.doctor import check_profiles

    night = ctx.config.night
    if night.repository is None:
        report.note("no [night] repository in overnight.toml yet: agents have nothing to work on")
    for what, problem in check_profiles(routines_of(ctx), night, os.environ):
        if problem is None:
            report.ok(what)
        elif night.repository is None:  # nothing would be dispatched to it yet
            report.warn(f"{what}: {problem}", "start the model, or point the profile elsewhere")
        else:
            report.fail(f"{what}: {problem}", "fix the profile in routines.toml, or start it")


def _limits(report: _Report, settings: ContainerSettings, facts: HostFacts) -> None:
    """Which limits hold on this connection; those it cannot enforce fail closed unless the
    settings accept running without them (then they are warnings)."""
    limits = resolve_limits(settings.limits, facts)
    in_force = {k: v for k, v in limits.in_force().items() if v not in (None, False)}
    report.ok("limits in force: " + ", ".join(f"{k}={v}" for k, v in in_force.items()))
    report.ok(
        f"isolation in force: {'a network' if settings.limits.network else 'no network'}, all "
        f"capabilities dropped, no new privileges, read-only root, user {settings.user}, "
        "per-command and per-run time limits"
    )
    for name, why in limits.dropped.items():
        if settings.limits.allow_unenforced:
            report.warn(
                f"limit {name} is not enforced: {why}",
                f"runs start without it ({ACCEPT_SETTING}) and record it as dropped; to enforce "
                f"it, give the host {HOST_CHANGE}",
            )
        else:
            report.fail(
                f"limit {name} cannot be enforced: {why}; runs will refuse to start",
                f"give the host {HOST_CHANGE}; or accept runs without it: {ACCEPT_SETTING}",
            )
    if facts.graph_driver == "vfs":
        report.warn(
            "Podman stores images with the vfs driver: every container copies its image (1.5 s "
            "instead of 0.1 s per run here)",
            'set driver = "overlay" in ~/.config/containers/storage.conf, then '
            "`podman system reset` (this removes the user's images and containers)",
        )
    if facts.rootless and not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        if settings.limits.network:
            report.fail(
                "runs are given a network, but rootless containers get one from slirp4netns, "
                "which needs /dev/net/tun, and it is not usable by this user",
                "chmod 666 /dev/net/tun (most distributions' default), or "
                "[containers.limits] network = false",
            )
        else:
            report.note(
                "rootless, /dev/net/tun is not usable: containers and builds cannot have a "
                "network here (slirp4netns needs it); dependency layers are built offline"
            )


def _probe(conn: Connection, settings: ContainerSettings, base: str, report: _Report) -> None:
    """Start one container the way runs start them, run a command in it, remove it."""
    limits = resolve_limits(settings.limits, conn.facts())
    api = conn.client.api
    with tempfile.TemporaryDirectory(prefix="overnight-doctor-") as tmp:
        spec = container_spec(
            "doctor",
            base,
            settings,
            limits,
            {},
            Path(tmp) if conn.local else None,
            rootless=conn.facts().rootless,
        )
        spec["labels"] = {}
        cid = None
        try:
            created = api.post("/containers/create", data=json.dumps(spec))
            created.raise_for_status()
            cid = created.json()["Id"]
            api.post(f"/containers/{cid}/start").raise_for_status()
            body = {"AttachStdout": True, "AttachStderr": True, "Cmd": ["true"]}
            exec_id = api.post(f"/containers/{cid}/exec", data=json.dumps(body)).json()["Id"]
            api.post(
                f"/exec/{exec_id}/start", data=json.dumps({"Detach": False})
            ).raise_for_status()
            code = api.get(f"/exec/{exec_id}/json").json().get("ExitCode")
            if code == 0:
                report.ok(f"an isolated container runs commands on {conn.name}")
            else:
                report.fail(f"a command in a probe container exited {code}", "see `podman logs`")
        except Exception as exc:
            report.fail(
                f"a probe container failed on {conn.name}: {exc}",
                "check the runtime configuration above",
            )
        finally:
            if cid:
                with suppress(Exception):
                    api.delete(f"/containers/{cid}", params={"force": True})
