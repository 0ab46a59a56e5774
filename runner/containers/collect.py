"""Taking results out of a run's container before teardown: the workspace diff, and files.

Each is taken whole or not at all: its own size cap (5 MB by default), never the command
output cap that cuts the middle of long output. Each is recorded as a `collect` run event.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from runner.containers.output import CappedBuffer
from runner.containers.spec import WORKSPACE
from store.runs import RunEvent, append_event, complete_event
from store.signal import utcnow

if TYPE_CHECKING:
    from runner.containers.run import Run

DIFF_CAP_BYTES = 5_000_000
# The base tree is read into a temporary index and the work tree added on top: new files are
# in the diff, ignored ones are not (unless the base tracks them), and the workspace's own
# index (which the agent may have changed) neither decides the diff nor is touched by it.
# No rename detection: a rename is a deletion and an addition, so both paths are in scope.
_DIFF_SCRIPT = (
    "set -e; index=/tmp/.overnight-diff-$$.index; trap 'rm -f \"$index\"' EXIT; "
    'export GIT_INDEX_FILE="$index"; git read-tree "$1"; git add -A; '
    "git -c core.quotePath=false diff --cached --binary --no-color --no-ext-diff "
    '--no-textconv --no-renames "$1" --'
)
_ABSENT_EXIT = 3
_READ_SCRIPT = '[ -f "$1" ] || exit 3; exec head -c "$2" -- "$1"'


class CollectError(RuntimeError):
    """A diff or file could not be taken out of the container whole; the message says why."""


def diff(run: Run, base: str, max_bytes: int = DIFF_CAP_BYTES) -> bytes:
    """`git diff --binary` of the whole work tree against `base`, taken in the container."""
    argv = ["bash", "-c", _DIFF_SCRIPT, "overnight-diff", base]
    patch, event = _collect(run, argv, max_bytes, {"what": "diff", "base": base})
    files = patch.count(b"\ndiff --git ") + patch.startswith(b"diff --git ")
    event.data["files"] = files
    _complete(run, event, patch, stdout=patch.decode("utf-8", "replace"))
    return patch


def read_file(run: Run, path: str, max_bytes: int) -> bytes | None:
    """A file's bytes (`cat` with a cap of its own), or None when it is not a file there."""
    argv = ["sh", "-c", _READ_SCRIPT, "overnight-read", path, str(max_bytes + 1)]
    content, event = _collect(run, argv, max_bytes, {"what": "file", "path": path})
    if event.data.get("absent"):
        _complete(run, event, b"")
        return None
    _complete(run, event, content)
    return content


def _collect(
    run: Run, argv: list[str], max_bytes: int, data: dict[str, Any]
) -> tuple[bytes, RunEvent]:
    """Run a collecting command; return all of its stdout and its started event (completed by
    the caller), or record the problem and raise `CollectError`."""
    limit, _ = run.time_limit(None)
    event = append_event(run.db, RunEvent(run_id=run.id, kind="collect", command=argv, data=data))
    content = bytearray()
    total = 0

    def keep(chunk: bytes) -> None:
        nonlocal total
        total += len(chunk)
        if total <= max_bytes:
            content.extend(chunk)

    err = CappedBuffer(4096)
    got = run.stream(argv, WORKSPACE, limit, keep, err.write)
    event = event.model_copy(
        update={
            "exit_code": got.exit_code,
            "duration_s": round(got.duration_s, 4),
            "stderr": err.text(),
            "data": {**data, "bytes": total},
        }
    )
    problem = None
    if got.timed_out or got.backstop:
        problem = f"timed out after {limit:.0f} s"
    elif got.exit_code == _ABSENT_EXIT and data["what"] == "file":
        event.data["absent"] = True
    elif got.exit_code != 0:
        problem = f"exit {got.exit_code}: {err.text().strip() or got.error or ''}"[:400]
    elif total > max_bytes:
        problem = f"{total} bytes or more, past the cap of {max_bytes}"
    if problem is not None:
        event.data["error"] = problem
        _complete(run, event, b"")
        if got.backstop:
            run.finish("timeout", f"collecting outlived its time limit: {argv!r}"[:500])
        raise CollectError(f"{data['what']} {data.get('path', '')}: {problem}".strip())
    return bytes(content), event


def _complete(run: Run, event: RunEvent, content: bytes, stdout: str | None = None) -> None:
    if "error" not in event.data and not event.data.get("absent"):
        event.data["sha256"] = hashlib.sha256(content).hexdigest()
    complete_event(run.db, event.model_copy(update={"stdout": stdout, "ended_at": utcnow()}))
