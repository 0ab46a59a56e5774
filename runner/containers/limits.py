"""What a Podman host can enforce, and the limits a run actually gets there."""

from __future__ import annotations

import os
import pwd
import socket
from typing import Any

from pydantic import BaseModel

from runner.containers.settings import LimitSettings


class HostFacts(BaseModel):
    """Facts about one Podman service, asked once per connection and recorded with each run."""

    podman_version: str
    runtime: str
    runtime_version: str
    kernel: str
    cgroup_version: str
    cgroup_controllers: list[str]
    rootless: bool
    hostname: str
    graph_driver: str = ""
    """Podman's storage driver (`overlay`; `vfs` copies the whole image per container)."""

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> HostFacts:
        """From the service's `/info` answer (podman-py `client.info()`)."""
        host = info.get("host", {})
        runtime = host.get("ociRuntime", {})
        return cls(
            podman_version=str(info.get("version", {}).get("Version", "")),
            runtime=str(runtime.get("name", "")),
            runtime_version=str(runtime.get("version", "")).split("\n")[0],
            kernel=str(host.get("kernel", "")),
            cgroup_version=str(host.get("cgroupVersion", "")),
            cgroup_controllers=list(host.get("cgroupControllers") or []),
            rootless=bool(host.get("security", {}).get("rootless", False)),
            hostname=str(host.get("hostname", "")),
            graph_driver=str(info.get("store", {}).get("graphDriverName", "")),
        )


HOST_CHANGE = (
    "cgroup v2 with the memory, pids and cpu controllers delegated to this user (on systemd: "
    "boot with systemd.unified_cgroup_hierarchy=1 and add `Delegate=memory pids cpu` for "
    "user@.service), or rootful Podman"
)
ACCEPT_SETTING = "[containers.limits] allow_unenforced = true"


class LimitsUnenforced(RuntimeError):
    """The host cannot enforce limits the run asks for, and running without them is not
    allowed; the message names the host change and the setting that accepts it."""


class Limits(BaseModel):
    """The limits a run asked for, those in force, and why any were dropped."""

    requested: LimitSettings
    memory_bytes: int | None
    pids: int | None
    cpu_quota: int | None
    cpu_period: int = 100_000
    dropped: dict[str, str] = {}
    """Limit name -> why the host cannot enforce it."""

    def require_enforced(self) -> None:
        """Fail closed: raise `LimitsUnenforced` when a limit is dropped and that is not
        allowed by `allow_unenforced`."""
        if not self.dropped or self.requested.allow_unenforced:
            return
        names = ", ".join(self.dropped)
        reasons = "; ".join(f"{k}: {v}" for k, v in self.dropped.items())
        raise LimitsUnenforced(
            f"this Podman host cannot enforce the {names} limit(s) ({reasons}). Either give "
            f"it {HOST_CHANGE}; or accept runs without them with `{ACCEPT_SETTING}` in "
            "overnight.toml (each run then records them as dropped), or set those limits to "
            "none"
        )

    def in_force(self) -> dict[str, object]:
        """For the record and for `overnight doctor`: each limit and its value or None."""
        return {
            "memory_bytes": self.memory_bytes,
            "pids": self.pids,
            "cpus": self.cpu_quota / self.cpu_period if self.cpu_quota else None,
            "command_timeout_s": self.requested.command_timeout_s,
            "run_timeout_s": self.requested.run_timeout_s,
            "tmp_mb": self.requested.tmp_mb,
            "network": self.requested.network,
        }


def resolve_limits(requested: LimitSettings, facts: HostFacts) -> Limits:
    """Keep each limit whose cgroup controller the host has; drop and explain the others."""
    controllers = set(facts.cgroup_controllers)
    dropped: dict[str, str] = {}
    memory = pids = quota = None
    if requested.memory_mb is not None:
        if "memory" in controllers:
            memory = requested.memory_mb * 1024 * 1024
        else:
            dropped["memory"] = (
                "the Podman service has no memory cgroup controller (rootless on cgroup v1, "
                "or cgroup v2 without it delegated)"
            )
    if requested.pids is not None:
        if "pids" in controllers:
            pids = requested.pids
        else:
            dropped["pids"] = "the Podman service has no pids cgroup controller"
    if requested.cpus is not None:
        if "cpu" in controllers:
            quota = int(requested.cpus * 100_000)
        else:
            dropped["cpus"] = "the Podman service has no cpu cgroup controller"
    return Limits(
        requested=requested, memory_bytes=memory, pids=pids, cpu_quota=quota, dropped=dropped
    )


def user_token() -> str:
    """`uid:name` of the host user running this process: the owner of its runs' containers."""
    uid = os.getuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = ""
    return f"{uid}:{name}"


def owner_token() -> str:
    """host:pid:start-time of this process; the start time tells a reused pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _start_time(pid: int) -> str:
    try:
        stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 - tiny file, read at once
    except OSError:
        return ""
    # The command name may contain spaces and parentheses; fields resume after the last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def owner_alive(token: str) -> bool | None:
    """Whether the runner process named by `token` still runs; None if it is on another host."""
    try:
        host, pid, started = token.rsplit(":", 2)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    return bool(pid.isdigit() and _start_time(int(pid)) == started and started)
