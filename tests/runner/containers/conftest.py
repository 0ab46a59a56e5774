"""Real Podman for the container tests: installed through apt when missing, one service for the
session, the base image built once per machine (reused when its tag exists)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from runner.containers.images import ensure_base_image
from runner.containers.limits import HostFacts, resolve_limits
from runner.containers.pool import RunPool
from runner.containers.service import Connection, Connections, PrivateService, client_for
from runner.containers.settings import ContainerSettings, LimitSettings
from store.runs import ImageRecord

APT_PACKAGES = ["podman", "runc", "catatonit", "mmdebstrap", "uidmap"]


def _ensure_podman() -> None:
    missing = [tool for tool in ("podman", "runc", "mmdebstrap") if not shutil.which(tool)]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", *APT_PACKAGES], check=True, env=env)


LIMITS = LimitSettings(memory_mb=512, pids=256, command_timeout_s=60, run_timeout_s=300)


@pytest.fixture(scope="session")
def podman_service() -> Iterator[PrivateService]:
    _ensure_podman()
    service = PrivateService.start(ContainerSettings())
    yield service
    service.stop()


@pytest.fixture(scope="session")
def host_facts(podman_service: PrivateService) -> HostFacts:
    """What the test service can enforce: rootful here, or rootless as the CI user."""
    with client_for(podman_service.uri) as client:
        return HostFacts.from_info(client.info())


@pytest.fixture(scope="session")
def container_settings(host_facts: HostFacts) -> ContainerSettings:
    """Runs accept limits the host cannot enforce (rootless on cgroup v1) only where it cannot:
    `test_limits.py` checks that a run refuses to start without this."""
    dropped = resolve_limits(LIMITS, host_facts).dropped
    return ContainerSettings(
        limits=LIMITS.model_copy(update={"allow_unenforced": bool(dropped)}),
        max_parallel_runs=4,
    )


@pytest.fixture(scope="session")
def base_image(
    container_settings: ContainerSettings, podman_service: PrivateService
) -> ImageRecord:
    return ensure_base_image(container_settings)


@pytest.fixture
def connections(podman_service: PrivateService) -> Iterator[Connections]:
    conns = Connections([Connection("local", podman_service.uri, client_for(podman_service.uri))])
    yield conns
    for conn in conns.items:
        conn.client.close()


@pytest.fixture
def pool(
    fresh_db: sqlite_utils.Database,
    container_settings: ContainerSettings,
    connections: Connections,
    base_image: ImageRecord,
) -> Iterator[RunPool]:
    with RunPool(fresh_db, container_settings, connections) as p:
        yield p


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    return out.stdout.decode().strip()


MakeRepo = Callable[..., tuple[Path, list[str]]]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """A real git repository with one commit per dict of files; returns (path, [shas])."""

    def make(*commits: dict[str, str], name: str = "target") -> tuple[Path, list[str]]:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        shas = []
        for i, files in enumerate(commits):
            for rel, content in files.items():
                (repo / rel).parent.mkdir(parents=True, exist_ok=True)
                (repo / rel).write_text(content)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"commit {i}")
            shas.append(git(repo, "rev-parse", "HEAD"))
        return repo, shas

    return make
