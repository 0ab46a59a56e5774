"""Images: the base image, built offline and reproducibly, and per-repository dependency layers.

The base image is a root file system made by mmdebstrap with a fixed SOURCE_DATE_EPOCH, added
to an empty image by `podman build --timestamp 0`: the same package set at the same archive
state gives the same image id. Its tag is a hash of what it is built from, so a machine that has
built it once reuses it. Each image also gets a tag naming its id, so rebuilding (which moves the
hash tag when the archive has changed) never leaves an image a recorded run used dangling.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import sqlite_utils

from runner.containers import wheels
from runner.containers.service import PodmanUnavailable, podman_binary, podman_env
from runner.containers.settings import ContainerSettings
from runner.git import show_file
from store.runs import ImageRecord, record_image

Progress = Callable[[str], None]

HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# Files whose content decides the dependency layer; lock files count even when only
# requirements are installed, because a changed lock means a changed environment.
DEPENDENCY_FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "dev-requirements.txt",
    "test-requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
)
_INSTALL_EXTRAS = ("test", "tests", "dev")


class ImageBuildError(RuntimeError):
    """A build step failed; the message carries the end of its output."""


def _containerfile(name: str) -> str:
    return resources.files("runner.containers").joinpath(name).read_text()


def _quiet(_: str) -> None:
    pass


def _run(argv: list[str], settings: ContainerSettings, progress: Progress, **kw: object) -> str:
    """Run a build tool, passing each output line to `progress`; return the output."""
    lines: list[str] = []
    with subprocess.Popen(
        argv,
        env=kw.pop("env", None) or podman_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        **kw,  # type: ignore[call-overload]
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            progress(lines[-1])
    if proc.returncode != 0:
        tail = "\n".join(lines[-15:])
        raise ImageBuildError(f"`{' '.join(argv[:3])} ...` failed ({proc.returncode}):\n{tail}")
    return "\n".join(lines)


def image_id(tag: str, settings: ContainerSettings) -> str | None:
    """The id of the local image `tag`, or None when there is none."""
    proc = subprocess.run(
        [podman_binary(), "image", "inspect", "--format", "{{.Id}}", tag],
        env=podman_env(settings),
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def base_recipe(settings: ContainerSettings) -> str:
    """Everything the base image is made from, as text; its hash is the base image's tag."""
    parts = [
        f"suite={settings.suite}",
        f"mirror={settings.mirror or ''}",
        f"packages={','.join(sorted(settings.packages))}",
        f"epoch={settings.source_date_epoch}",
        "skip=output/dev",
        f"registry_base={settings.registry_base or ''}",
        _containerfile("base.Containerfile"),
    ]
    return "\n".join(parts)


def base_tag(settings: ContainerSettings) -> str:
    digest = hashlib.sha256(base_recipe(settings).encode()).hexdigest()[:16]
    return f"{settings.base_image}:{digest}"


def _built(tag: str, settings: ContainerSettings, progress: Progress, started: float) -> str:
    """The id of an image just built, pinned by an id tag so a recorded run keeps it."""
    iid = image_id(tag, settings)
    if iid is None:
        raise ImageBuildError(f"podman build reported success but {tag} is not there")
    _tag_with_id(tag, iid, settings)
    progress(f"built {tag} = {iid[:12]} in {time.monotonic() - started:.1f} s")
    return iid


def _tag_with_id(tag: str, iid: str, settings: ContainerSettings) -> None:
    repo = tag.rsplit(":", 1)[0]
    _run([podman_binary(), "tag", iid, f"{repo}:id-{iid[:12]}"], settings, _quiet)


def ensure_base_image(
    settings: ContainerSettings,
    db: sqlite_utils.Database | None = None,
    progress: Progress = _quiet,
    rebuild: bool = False,
) -> ImageRecord:
    """The base image: the one already tagged for this recipe, else a fresh build."""
    tag = base_tag(settings)
    if not rebuild and (iid := image_id(tag, settings)):
        record = ImageRecord(id=iid, tag=tag, kind="base", key=tag.rsplit(":", 1)[1])
    else:
        record = _build_base(settings, tag, progress)
    if db is not None:
        record_image(db, record)
    return record


def _build_base(settings: ContainerSettings, tag: str, progress: Progress) -> ImageRecord:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="overnight-base-") as tmp:
        context = Path(tmp)
        rootfs_sha = None
        if settings.registry_base:
            packages = " ".join(settings.packages)
            (context / "Containerfile").write_text(
                f"FROM {settings.registry_base}\n"
                "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
                f"--no-install-recommends {packages} && rm -rf /var/lib/apt/lists/*\n"
            )
        else:
            rootfs_sha = _mmdebstrap(settings, context / "rootfs.tar", progress)
            (context / "Containerfile").write_text(_containerfile("base.Containerfile"))
        progress(f"podman build {tag}")
        _run(
            [
                podman_binary(),
                "build",
                "--no-cache",
                "--timestamp",
                "0",
                "--network",
                "none" if not settings.registry_base else "host",
                "-f",
                str(context / "Containerfile"),
                "-t",
                tag,
                str(context),
            ],
            settings,
            progress,
        )
    iid = _built(tag, settings, progress, started)
    return ImageRecord(
        id=iid,
        tag=tag,
        kind="base",
        key=tag.rsplit(":", 1)[1],
        rootfs_sha256=rootfs_sha,
        recipe=base_recipe(settings),
        build_seconds=round(time.monotonic() - started, 2),
    )


def _mmdebstrap(settings: ContainerSettings, tarball: Path, progress: Progress) -> str:
    """Make the root file system tarball; return its sha256."""
    mmdebstrap = shutil.which("mmdebstrap")
    if not mmdebstrap:
        raise PodmanUnavailable("mmdebstrap is not installed: `apt-get install mmdebstrap`")
    argv = [
        mmdebstrap,
        "--variant=minbase",
        "--mode=auto",
        # No /dev in the tarball: Podman mounts its own at run time, and a rootless build
        # cannot create device nodes, so with them the image id differed between rootful and
        # rootless builds of the same tarball.
        "--skip=output/dev",
        f"--include={','.join(settings.packages)}",
        settings.suite,
        str(tarball),
    ]
    if settings.mirror:
        argv.append(settings.mirror)
    progress(f"mmdebstrap {settings.suite} with {', '.join(settings.packages)}")
    env = podman_env(settings)
    env["SOURCE_DATE_EPOCH"] = str(settings.source_date_epoch)
    _run(argv, settings, progress, env=env)
    digest = hashlib.sha256()
    with tarball.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dependency_files(repo: Path, commit: str) -> dict[str, bytes]:
    """The dependency files present at `commit`, read from git (never the work tree)."""
    found: dict[str, bytes] = {}
    for name in DEPENDENCY_FILES:
        content = show_file(repo, commit, name)
        if content is not None:
            found[name] = content
    return found


def requirements_for(files: dict[str, bytes]) -> str:
    """What pip installs: every requirements file, and pyproject's dependencies and its
    test/dev extras (the project itself is not installed: it is mounted at run time)."""
    lines = [f"-r {name}" for name in sorted(files) if name.endswith(".txt")]
    if "pyproject.toml" in files:
        try:
            project = tomllib.loads(files["pyproject.toml"].decode()).get("project", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            project = {}
        lines += list(project.get("dependencies", []))
        extras = project.get("optional-dependencies", {})
        for extra in _INSTALL_EXTRAS:
            lines += list(extras.get(extra, []))
    return "\n".join(lines) + "\n"


def deps_key(base_id: str, files: dict[str, bytes]) -> str:
    """What the dependency layer is made from: base image, Containerfile, dependency files."""
    digest = hashlib.sha256(base_id.encode() + _containerfile("deps.Containerfile").encode())
    for name in sorted(files):
        digest.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def ensure_deps_image(
    settings: ContainerSettings,
    repo: Path,
    commit: str,
    base: ImageRecord,
    db: sqlite_utils.Database | None = None,
    progress: Progress = _quiet,
) -> ImageRecord:
    """The image a run of `repo` at `commit` starts from: the dependency layer for its
    dependency files (built only when their hash is new), or the base image when it has none."""
    files = dependency_files(repo, commit)
    if not files or not requirements_for(files).strip():
        return base
    key = deps_key(base.id, files)
    tag = f"{settings.deps_image}:{key}"
    if iid := image_id(tag, settings):
        record = ImageRecord(id=iid, tag=tag, kind="deps", key=key, parent_id=base.id)
    else:
        record = _build_deps(settings, tag, key, files, base, progress)
    if db is not None:
        record_image(db, record)
    return record


def _build_deps(
    settings: ContainerSettings,
    tag: str,
    key: str,
    files: dict[str, bytes],
    base: ImageRecord,
    progress: Progress,
) -> ImageRecord:
    started = time.monotonic()
    progress(f"building dependency layer {tag} on {base.tag}")
    with tempfile.TemporaryDirectory(prefix="overnight-deps-") as tmp:
        context = Path(tmp)
        (context / "deps").mkdir()
        for name, content in files.items():
            (context / "deps" / name).write_bytes(content)
        (context / "deps" / "requirements.overnight.txt").write_text(requirements_for(files))
        (context / "Containerfile").write_text(_containerfile("deps.Containerfile"))
        argv = [podman_binary(), "build", "--build-arg", f"BASE={base.tag}", "-t", tag]
        if settings.deps_build_network == "none":
            podman = [podman_binary()]
            target = wheels.image_target(podman, base.id, podman_env(settings))
            try:
                found = wheels.download(
                    context / "deps", "requirements.overnight.txt", target, progress
                )
            except wheels.WheelError as exc:
                raise ImageBuildError(str(exc)) from exc
            argv += ["--network", "none", "-v", f"{found}:/run/wheels:ro"]
        else:
            argv += ["--network", "host"]
            if HOST_CA.exists():
                argv += ["-v", f"{HOST_CA}:/run/host-ca.crt:ro"]
        _run([*argv, str(context)], settings, progress)
    iid = _built(tag, settings, progress, started)
    return ImageRecord(
        id=iid,
        tag=tag,
        kind="deps",
        key=key,
        parent_id=base.id,
        recipe=requirements_for(files),
        build_seconds=round(time.monotonic() - started, 2),
    )
