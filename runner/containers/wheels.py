"""Wheels for a dependency layer, downloaded on the host, so the build itself needs no network.

A build step with a network needs one set up inside the build: rootless, that is slirp4netns,
which opens `/dev/net/tun` and fails where that device is root's only. So the runner's own
pip downloads the wheels (through the host's proxy and certificates) for the image's Python,
platform and C library, into a cache keyed by what decides them, and the build installs them
with `--no-index` and `--network none`: the same wheels give the same layer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

_PROBE = (
    "import json, platform, sys; "
    "print(json.dumps({'python': '%d.%d' % sys.version_info[:2], "
    "'libc': platform.libc_ver()[1], 'machine': platform.machine()}))"
)


class WheelError(RuntimeError):
    """The wheels could not be downloaded; the message says why and what to do."""


class Target(BaseModel):
    """The interpreter and platform of an image, as pip's tags need them."""

    python: str
    """`3.11`"""
    libc: str
    """glibc version, `2.36`"""
    machine: str
    """`x86_64`"""

    def platforms(self) -> list[str]:
        """manylinux tags this image can run, newest first (pip does not expand these)."""
        major, minor = (int(x) for x in self.libc.split(".")[:2])
        tags = [f"manylinux_{major}_{m}_{self.machine}" for m in range(minor, 16, -1)]
        # manylinux2014 expands to manylinux2010 and manylinux1 in pip.
        return [*tags, f"manylinux2014_{self.machine}"]


def image_target(podman: list[str], image: str, env: dict[str, str]) -> Target:
    """Ask the image itself (a container with no network) for its Python and platform."""
    proc = subprocess.run(
        [*podman, "run", "--rm", "--network", "none", image, "python3", "-c", _PROBE],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        raise WheelError(f"cannot ask {image} for its Python: {proc.stderr.strip()[-300:]}")
    return Target.model_validate_json(proc.stdout.strip().splitlines()[-1])


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "overnight" / "wheels"


def wheels_key(requirements_dir: Path, target: Target) -> str:
    """A hash of every file pip reads and of the target: the cache entry's name."""
    digest = hashlib.sha256(target.model_dump_json().encode())
    for path in sorted(requirements_dir.rglob("*")):
        if path.is_file():
            digest.update(b"\0" + str(path.relative_to(requirements_dir)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def download(
    requirements_dir: Path,
    requirements: str,
    target: Target,
    progress: Callable[[str], None],
    root: Path | None = None,
) -> Path:
    """The folder of wheels for `requirements` (a file in `requirements_dir`) on `target`:
    from the cache, else downloaded by this interpreter's pip, whole or not at all."""
    root = root or cache_root()
    folder = root / wheels_key(requirements_dir, target)
    if (folder / ".complete").exists():
        progress(f"wheels from the cache {folder}")
        return folder
    root.mkdir(parents=True, exist_ok=True)
    python_tag = target.python.replace(".", "")
    argv = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        target.python,
        "--abi",
        f"cp{python_tag}",
        *(f"--platform={tag}" for tag in target.platforms()),
        "--dest",
        "",  # set below
        "-r",
        requirements,
    ]
    progress(f"pip download for Python {target.python}, glibc {target.libc}, {target.machine}")
    with tempfile.TemporaryDirectory(prefix=".partial-", dir=root) as tmp:
        argv[argv.index("--dest") + 1] = tmp
        proc = subprocess.run(
            argv, cwd=requirements_dir, capture_output=True, text=True, errors="replace"
        )
        for line in proc.stdout.splitlines():
            progress(line)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
            raise WheelError(
                f"pip download failed ({proc.returncode}); a dependency may have no wheel for "
                f"Python {target.python} on manylinux {target.libc} {target.machine}. To let "
                'pip build it inside the image build, set containers.deps_build_network = "host"'
                f" (the build then needs a network).\n{tail}"
            )
        (Path(tmp) / ".complete").write_text(json.dumps(target.model_dump()))
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)
        Path(tmp).mkdir()  # for the context manager's cleanup
    return folder
