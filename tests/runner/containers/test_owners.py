"""Two users on one machine: each has private folders and sockets, and sweeps only its own."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
import sqlite_utils

from runner.containers.checkout import checkout_root
from runner.containers.limits import user_token
from runner.containers.paths import UnsafeFolder, private_dir
from runner.containers.pool import RunPool
from runner.containers.service import PrivateService
from runner.containers.spec import LABEL_OWNER, LABEL_RUN, LABEL_USER
from store.runs import ImageRecord

DEAD_OWNER = f"{socket.gethostname()}:999999999:1"


def test_folders_are_private_and_a_planted_one_is_refused(tmp_path: Path) -> None:
    made = private_dir(tmp_path / "mine")
    assert stat.S_IMODE(os.lstat(made).st_mode) == 0o700
    # Ours but too open (a umask, an older version): closed up.
    os.chmod(made, 0o755)
    assert stat.S_IMODE(os.lstat(private_dir(made)).st_mode) == 0o700
    # A symlink in its place, to somewhere another user chose: refused.
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "planted").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeFolder, match="not a directory"):
        private_dir(tmp_path / "planted")
    # A folder another user made first: refused.
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, 65534, 65534)
    else:
        theirs = Path("/var/tmp")  # root's
    with pytest.raises(UnsafeFolder, match="belongs to uid"):
        private_dir(theirs)


def test_checkouts_and_sockets_live_in_this_users_private_folders(
    podman_service: PrivateService,
) -> None:
    root = checkout_root(None)
    info = os.lstat(root)
    assert info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o700
    assert f"overnight-{os.geteuid()}" in str(root) or str(root).startswith(
        os.environ.get("XDG_RUNTIME_DIR", "//")
    )
    folder = os.lstat(podman_service.socket.parent)
    assert folder.st_uid == os.geteuid() and stat.S_IMODE(folder.st_mode) == 0o700


def test_a_sweep_leaves_other_users_containers_alone(
    pool: RunPool, base_image: ImageRecord, fresh_db: sqlite_utils.Database
) -> None:
    api = pool.connections.items[0].client.api
    made = {}
    for who in ("mine", "theirs"):
        user = user_token() if who == "mine" else "4242:someone-else"
        spec = {
            "image": base_image.id,
            "command": ["true"],
            "netns": {"nsmode": "none"},
            "labels": {LABEL_RUN: f"run-{who}", LABEL_OWNER: DEAD_OWNER, LABEL_USER: user},
        }
        created = api.post("/containers/create", data=json.dumps(spec))
        created.raise_for_status()
        made[who] = created.json()["Id"]
    try:
        swept = pool.sweep()
        assert "run-mine" in swept and "run-theirs" not in swept
        assert api.get(f"/containers/{made['mine']}/json").status_code == 404
        assert api.get(f"/containers/{made['theirs']}/json").status_code == 200
    finally:
        api.delete(f"/containers/{made['theirs']}", params={"force": True})
