"""Per-user folders for checkouts and sockets: owned by this user, mode 700, never shared.

A folder in a shared place (`/dev/shm`, `/tmp`) named after our uid could have been made
first by another user, or be a symlink to somewhere else; so each folder is created with mode
700 and then checked (`lstat`: a real directory, ours, no access for group or others) before
anything is put in it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path


class UnsafeFolder(RuntimeError):
    """A folder runs would use is not private to this user; the message says what is wrong."""


def private_dir(path: Path) -> Path:
    """Create `path` (mode 700) if absent and check it is a directory of ours that nobody else
    can enter; return it. Parents are created as needed and must not be writable by others
    unless sticky (like /tmp)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeFolder(f"{path} is not a directory (a symlink or file is in its place)")
    if info.st_uid != os.geteuid():
        raise UnsafeFolder(
            f"{path} belongs to uid {info.st_uid}, not to this user ({os.geteuid()}); another "
            "user made it first. Remove it, or set containers.checkout_root elsewhere"
        )
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)  # ours, merely too open (an older version, a umask)
    parent = os.stat(path.parent)
    if parent.st_mode & 0o002 and not parent.st_mode & stat.S_ISVTX:
        raise UnsafeFolder(f"{path.parent} is writable by everyone and not sticky")
    return path


def runtime_base() -> Path:
    """Where this user's sockets go: `$XDG_RUNTIME_DIR` when it is set and private to us,
    else the temporary directory (a per-user folder is made inside either)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        try:
            info = os.stat(runtime)
        except OSError:
            info = None
        if info and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
            return Path(runtime)
    return Path(tempfile.gettempdir())


def user_folder_name() -> str:
    """`overnight-<uid>`: the per-user folder name in a shared place."""
    return f"overnight-{os.geteuid()}"
