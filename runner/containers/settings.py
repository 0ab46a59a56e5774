"""The `[containers]` section of `overnight.toml`: where runs go, their limits and images."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectionSettings(_Section):
    """One Podman service that can take runs."""

    name: str
    """A short name, recorded with each run and shown by `overnight doctor`."""
    uri: str
    """`unix:///path/podman.sock`, `ssh://user@host[:port]/run/podman/podman.sock` or
    `tcp://host:port`. A unix socket shares this machine's file system, so checkouts are
    bind-mounted; any other URI gets the checkout copied into the container."""
    identity: Path | None = None
    """The SSH key for an `ssh://` connection; the SSH agent is used when absent."""
    max_runs: int | None = Field(default=None, gt=0)
    """At most this many runs at once on this connection (default: no limit of its own)."""


class LimitSettings(_Section):
    """Limits for one run. A limit the host cannot enforce stops the run from starting, unless
    `allow_unenforced` accepts running without it (then it is recorded as dropped)."""

    memory_mb: int | None = Field(default=2048, gt=0)
    """Memory (and memory + swap) in MiB; None for no limit."""
    pids: int | None = Field(default=512, gt=0)
    """Processes and threads in the container at once; None for no limit."""
    cpus: float | None = Field(default=None, gt=0)
    """CPUs' worth of time (CFS quota), e.g. 1.5; None for no limit."""
    command_timeout_s: float = Field(default=600.0, gt=0)
    """Wall clock for one command; past it the command is stopped (exit 124) and the run goes
    on."""
    run_timeout_s: float = Field(default=3600.0, gt=0)
    """Wall clock for the whole run, from start to finish."""
    tmp_mb: int = Field(default=512, gt=0)
    """Size of the tmpfs at /tmp (also HOME) inside the container, in MiB."""
    output_cap_bytes: int = Field(default=65_536, gt=256)
    """Largest stdout, and stderr, kept per command; the middle of longer output is cut and
    replaced by a marker."""
    network: bool = False
    """Give the container a network. Off unless a routine opts in."""
    allow_unenforced: bool = False
    """Run even where the host cannot enforce the memory, pids or cpus limit (rootless Podman
    on cgroup v1, or cgroup v2 without those controllers delegated to the user). Off: such a
    run refuses to start and says what to change on the host. On: it starts, and its record
    lists each limit as dropped with the reason. The isolation that needs no cgroups (no
    network, no capabilities, no new privileges, read-only root, a non-root user, time
    limits) holds either way."""


class ContainerSettings(_Section):
    """How runs get their Podman service, images, checkouts and limits."""

    connections: list[ConnectionSettings] = []
    """Podman services to spread runs across. Empty: the user's own Podman socket when one
    answers and suits this host, else a private `podman system service` started and stopped by
    Overnight."""
    containers_conf: Literal["auto", "project", "system"] = "auto"
    """Which Podman configuration a private service and image builds use. `project`: the file
    shipped with Overnight (runc, ulimits the host allows); `system`: Podman's own; `auto`: the
    project file only where the host needs it (cgroups in hybrid mode, a low open-files limit)."""
    max_parallel_runs: int = Field(default=4, gt=0)
    """Runs at once across all connections."""
    limits: LimitSettings = LimitSettings()
    """Default limits for a run; a routine may tighten them or opt in to network."""
    user: str = "1000:1000"
    """The uid:gid commands run as in the container; never root."""
    checkout_root: Path | None = None
    """Where per-run checkouts are made. Should be a tmpfs (the ext4 inode churn makes repeated
    checkouts on disk slow); default: `$XDG_RUNTIME_DIR/overnight` or `/dev/shm/overnight-<uid>`,
    whichever is a tmpfs, else `overnight-<uid>` in the temporary directory. It is made mode 700
    and must belong to this user: a folder another user made first is refused."""
    history_depth: int | None = Field(default=1, gt=0)
    """Commits of history the run's checkout gets, ending at the target (None: all of them).
    Later commits are never present."""
    base_image: str = "localhost/overnight-base"
    """Repository name of the base image; the tag is a hash of what it is built from."""
    deps_image: str = "localhost/overnight-deps"
    """Repository name of dependency layers; the tag is a hash of base image and dependency
    files."""
    deps_build_network: Literal["none", "host"] = "none"
    """How a dependency layer gets its packages. `none`: the runner's pip downloads wheels on
    the host (its proxy, its certificates) into a cache keyed by the dependency files, and the
    build installs them with no network at all, which works rootless where build networking
    does not (slirp4netns needs /dev/net/tun) and is reproducible. `host`: pip runs inside the
    build on the host's network, for dependencies published without wheels."""
    registry_base: str | None = None
    """An image to use as the base instead of building one offline (e.g. a Debian bookworm image
    with python3 and git), where a registry is reachable."""
    suite: str = "bookworm"
    """Debian suite the base image is built from."""
    mirror: str | None = None
    """Debian mirror for the base image; default: mmdebstrap's own."""
    packages: list[str] = [
        "python3",
        "python3-venv",
        "git",
        "ca-certificates",
        "make",
        "patch",
        "procps",
    ]
    """Debian packages in the base image (on top of the minimal base)."""
    source_date_epoch: int = 1_700_000_000
    """Timestamp for every file of the base image, so the same packages give the same image id."""
