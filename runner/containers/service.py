"""Reaching Podman: the project configuration when the host needs it, the user's socket or a
private `podman system service`, and the list of connections runs are spread across."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from podman import PodmanClient

from runner.containers.limits import HostFacts
from runner.containers.paths import private_dir, runtime_base, user_folder_name
from runner.containers.settings import ConnectionSettings, ContainerSettings

_PR_SET_PDEATHSIG = 1
_CAP_SYS_RESOURCE = 24
_PODMAN_DEFAULT_NOFILE = 1_048_576


class PodmanUnavailable(RuntimeError):
    """Podman is missing or its service could not be reached; the message says what to do."""


def project_conf_path() -> Path:
    """The `containers.conf` shipped with Overnight."""
    return Path(str(resources.files("runner.containers").joinpath("containers.conf")))


def _mounts() -> list[tuple[str, str]]:
    """(mount point, file system type) for every mount of this process."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    return [(parts[1], parts[2]) for parts in (line.split() for line in lines) if len(parts) > 2]


def cgroups_hybrid() -> bool:
    """True when cgroup v1 is mounted with cgroup v2 beside it, a mode crun refuses."""
    types = {point: fstype for point, fstype in _mounts()}
    return types.get("/sys/fs/cgroup") != "cgroup2" and "/sys/fs/cgroup/unified" in types


def _has_capability(bit: int) -> bool:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> bit & 1)
    return False


def project_conf_reasons() -> list[str]:
    """Why this host needs the project's configuration rather than Podman's defaults."""
    reasons = []
    if cgroups_hybrid():
        reasons.append("cgroups are in hybrid mode, which crun (Podman's default runtime) refuses")
    hard_nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if (
        os.geteuid() == 0
        and not _has_capability(_CAP_SYS_RESOURCE)
        and 0 <= hard_nofile < _PODMAN_DEFAULT_NOFILE
    ):
        reasons.append(
            f"the open-files limit is {hard_nofile} without CAP_SYS_RESOURCE, below the "
            f"{_PODMAN_DEFAULT_NOFILE} Podman asks for"
        )
    return reasons


def use_project_conf(settings: ContainerSettings) -> bool:
    if settings.containers_conf == "auto":
        return bool(project_conf_reasons())
    return settings.containers_conf == "project"


def podman_env(settings: ContainerSettings) -> dict[str, str]:
    """The environment for the `podman` CLI and a private service: ours, plus CONTAINERS_CONF
    pointing at the project file when it applies (Podman reads it instead of the system files;
    nothing under /etc is touched)."""
    env = dict(os.environ)
    if use_project_conf(settings):
        env["CONTAINERS_CONF"] = str(project_conf_path())
    return env


def podman_binary() -> str:
    found = shutil.which("podman")
    if not found:
        raise PodmanUnavailable(
            "podman is not installed: `apt-get install podman runc catatonit` (Debian/Ubuntu)"
        )
    return found


def client_for(
    uri: str, identity: Path | None = None, timeout: float | None = None
) -> PodmanClient:
    """A podman-py client for a `unix://`, `ssh://` or `tcp://` URI."""
    kwargs: dict[str, object] = {"base_url": uri}
    if identity is not None:
        kwargs["identity"] = str(identity)
    if timeout is not None:
        kwargs["timeout"] = timeout
    return PodmanClient(**kwargs)


def answers(uri: str) -> bool:
    """Whether a Podman service answers `_ping` at `uri`."""
    if uri.startswith("unix://") and not Path(uri.removeprefix("unix://")).exists():
        return False
    try:
        with client_for(uri, timeout=5) as client:
            return bool(client.ping())
    except Exception:  # any transport error means "not there"
        return False


def user_socket_candidates() -> list[str]:
    """Where the user's own Podman service listens, most specific first."""
    found = []
    if host := os.environ.get("CONTAINER_HOST"):
        found.append(host)
    if os.geteuid() == 0:
        found.append("unix:///run/podman/podman.sock")
    elif runtime_dir := os.environ.get("XDG_RUNTIME_DIR"):
        found.append(f"unix://{runtime_dir}/podman/podman.sock")
    return found


def find_user_socket() -> str | None:
    return next((uri for uri in user_socket_candidates() if answers(uri)), None)


def _die_with_parent() -> None:
    # The service must not outlive the runner if the runner is killed outright.
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class PrivateService:
    """A `podman system service` child on a private socket, stopped by `stop()`."""

    socket: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def uri(self) -> str:
        return f"unix://{self.socket}"

    @classmethod
    def start(
        cls, settings: ContainerSettings, socket: Path | None = None, timeout: float = 15.0
    ) -> PrivateService:
        """Start the service and wait until it answers."""
        if socket is None:  # a per-user folder nobody else can enter or plant a socket in
            folder = private_dir(runtime_base() / user_folder_name())
            socket = folder / f"podman-{os.getpid()}-{time.time_ns()}.sock"
        else:
            private_dir(socket.parent)
        log = socket.with_suffix(".log")
        with log.open("wb") as out:
            process = subprocess.Popen(
                [podman_binary(), "system", "service", "--time=0", f"unix://{socket}"],
                env=podman_env(settings),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the runner, which stops us in order
                preexec_fn=_die_with_parent,
            )
        service = cls(socket=socket, process=process, log=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if answers(service.uri):
                return service
            time.sleep(0.02)
        service.stop()
        detail = log.read_text(errors="replace").strip()[-500:] if log.exists() else ""
        raise PodmanUnavailable(f"podman system service did not start: {detail or 'no output'}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.socket.unlink(missing_ok=True)
        self.log.unlink(missing_ok=True)


@dataclass
class Connection:
    """One Podman service runs can go to."""

    name: str
    uri: str
    client: PodmanClient
    max_runs: int | None = None
    _facts: HostFacts | None = field(default=None, repr=False)

    def facts(self) -> HostFacts:
        """What the service runs on, asked once (it takes a third of a second)."""
        if self._facts is None:
            self._facts = HostFacts.from_info(self.client.info())
        return self._facts

    @property
    def local(self) -> bool:
        """A unix socket: the service sees this machine's files, so checkouts are bind-mounted."""
        return self.uri.startswith(("unix://", "http+unix://"))


@dataclass
class Connections:
    """The connections of one runner process, and the private services it started."""

    items: list[Connection]
    services: list[PrivateService] = field(default_factory=list)

    def close(self) -> None:
        for conn in self.items:
            conn.client.close()
        for service in self.services:
            service.stop()


def _connect(settings: ConnectionSettings) -> Connection:
    if not answers(settings.uri) and settings.uri.startswith("unix://"):
        raise PodmanUnavailable(
            f"no Podman service answers at {settings.uri} (connection {settings.name!r}); start "
            f"one with `podman system service --time=0 {settings.uri}`"
        )
    client = client_for(settings.uri, settings.identity)
    return Connection(settings.name, settings.uri, client, settings.max_runs)


def open_connections(settings: ContainerSettings) -> Connections:
    """The configured connections; with none configured, the user's socket (when this host
    works with Podman's defaults) or a private service."""
    if settings.connections:
        return Connections([_connect(c) for c in settings.connections])
    podman_binary()
    user = None if use_project_conf(settings) else find_user_socket()
    if user:
        return Connections([Connection("local", user, client_for(user))])
    service = PrivateService.start(settings)
    return Connections([Connection("local", service.uri, client_for(service.uri))], [service])


@contextmanager
def connections(settings: ContainerSettings) -> Iterator[Connections]:
    """`open_connections` for a `with` block: services started here stop at its end."""
    conns = open_connections(settings)
    try:
        yield conns
    finally:
        conns.close()
