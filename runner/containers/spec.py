"""What a run's container is made of: its fixed environment and its libpod create spec."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from runner.containers.limits import Limits, owner_token, user_token
from runner.containers.settings import ContainerSettings

LABEL_RUN = "overnight.run"
LABEL_OWNER = "overnight.owner"
LABEL_USER = "overnight.user"
"""The host user (`uid:name`) whose runner made the container: sweeps touch only their own."""
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
    rootless: bool = False,
) -> dict[str, Any]:
    """The libpod create spec. Written out field by field (podman-py's `create` cannot set
    the server-side timeout, and its `security_opt` does not reach no_new_privileges).

    Rootless, the user namespace maps this host user to the run's uid:gid inside
    (`keep-id:uid=..,gid=..`): the checkout, owned by the host user, is the run's own without
    a chown (which an unprivileged user could not do), and what the run writes there stays
    removable by the host user."""
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
    spec: dict[str, Any] = {
        "image": image_id,
        "command": ["sleep", "infinity"],
        "init": True,
        "labels": {LABEL_RUN: run_id, LABEL_OWNER: owner_token(), LABEL_USER: user_token()},
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
        # The service's own limit: the last backstop, should the runner die mid-run.
        "timeout": int(limits.requested.run_timeout_s) + 1,
        "stop_timeout": 1,
    }
    if rootless:
        uid, gid = settings.user.split(":")
        spec["userns"] = {"nsmode": "keep-id", "value": f"uid={uid},gid={gid}"}
    return spec
