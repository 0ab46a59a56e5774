"""Typed reads and writes of container runs, their events and the images they used.

Writes take a module lock: a pool runs several runs in threads over one connection, and a
transaction must not interleave with another thread's.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.signal import utcnow

RunStatus = Literal["running", "ok", "failed", "timeout", "interrupted"]
RunPurpose = Literal["agent", "check_before", "check_after", "replay", "adhoc"]
EventKind = Literal["setup", "exec", "collect", "model_request", "model_reply", "tool", "outcome"]
"""`setup`/`exec`: a command (re-run by a replay); `collect`: a diff or file taken out of the
container (`Run.diff`, `Run.read_file`); `model_request`/`model_reply`: one exchange with the
model; `tool`: a tool call answered on the host (submit, a malformed call); `outcome`: how an
agent run ended and why."""
FINAL_STATUSES: tuple[RunStatus, ...] = ("ok", "failed", "timeout", "interrupted")

write_lock = threading.RLock()
"""Held by every write to the store from a thread that may share its connection."""


class RunRecord(BaseModel):
    """One container run as recorded."""

    id: str
    issue_id: int | None = None
    rerun_of: str | None = None
    purpose: RunPurpose = "adhoc"
    """What the run is for: an agent's work, the runner's check before or after a fix, a replay."""
    proposal_id: int | None = None
    """For a check run: the proposal it checks."""
    dispatch_id: int | None = None
    """For an agent run: the dispatch it serves."""
    repository: str
    commit_sha: str
    image_id: str
    image_tag: str | None = None
    connection: str
    env: dict[str, str] = {}
    """Environment given to commands, name -> value; secret values are `<redacted>`."""
    limits: dict[str, Any] = {}
    """`requested` and `in_force` limits, and the reasons for any dropped."""
    checkout: dict[str, Any] = {}
    spec: dict[str, Any] = {}
    host: dict[str, Any] = {}
    container_id: str | None = None
    owner: str
    status: RunStatus = "running"
    reason: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class RunEvent(BaseModel):
    """One step of a run: a command and what came of it, or a model request or reply."""

    run_id: str
    seq: int = 0
    """Position in the run, from 1; assigned when the event is stored."""
    kind: EventKind
    command: list[str] | None = None
    stdout: str | None = None
    stderr: str | None = None
    exit_code: int | None = None
    duration_s: float | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    data: dict[str, Any] = {}
    """Anything else: `timed_out`, bytes cut from each stream, model metadata."""


class ImageRecord(BaseModel):
    """An image runs start from."""

    id: str
    tag: str
    kind: Literal["base", "deps"]
    key: str | None = None
    parent_id: str | None = None
    rootfs_sha256: str | None = None
    recipe: str | None = None
    build_seconds: float | None = None
    recorded_at: datetime = Field(default_factory=utcnow)


_RUN_JSON = ("env", "limits", "checkout", "spec", "host")
_RUN_COLUMNS = tuple(RunRecord.model_fields)
_EVENT_COLUMNS = tuple(RunEvent.model_fields)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def insert_run(db: sqlite_utils.Database, run: RunRecord) -> None:
    row = run.model_dump()
    for key in _RUN_JSON:
        row[key] = json.dumps(row[key], sort_keys=True)
    row["started_at"], row["ended_at"] = _iso(run.started_at), _iso(run.ended_at)
    placeholders = ", ".join("?" for _ in _RUN_COLUMNS)
    with write_lock, db.conn:
        db.execute(
            f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({placeholders})",
            [row[c] for c in _RUN_COLUMNS],
        )


def set_container(db: sqlite_utils.Database, run_id: str, container_id: str) -> None:
    with write_lock, db.conn:
        db.execute("UPDATE runs SET container_id = ? WHERE id = ?", [container_id, run_id])


def set_checkout(db: sqlite_utils.Database, run_id: str, checkout: dict[str, Any]) -> None:
    """Record how the run's checkout was made (it is ready only after the run's row exists)."""
    with write_lock, db.conn:
        db.conn.execute(
            "UPDATE runs SET checkout = ? WHERE id = ?",
            [json.dumps(checkout, sort_keys=True), run_id],
        )


def finish_run(
    db: sqlite_utils.Database, run_id: str, status: RunStatus, reason: str | None = None
) -> bool:
    """End a running run; return False if it had already ended (the first ending wins)."""
    with write_lock, db.conn:
        cursor = db.execute(
            "UPDATE runs SET status = ?, reason = ?, ended_at = ? "
            "WHERE id = ? AND status = 'running'",
            [status, reason, utcnow().isoformat(), run_id],
        )
    return cursor.rowcount > 0


def _run_from_row(row: tuple[Any, ...]) -> RunRecord:
    data = dict(zip(_RUN_COLUMNS, row, strict=True))
    for key in _RUN_JSON:
        data[key] = json.loads(data[key])
    return RunRecord.model_validate(data)


def get_run(db: sqlite_utils.Database, run_id: str) -> RunRecord | None:
    row = db.execute(
        f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE id = ?", [run_id]
    ).fetchone()
    return _run_from_row(row) if row else None


def find_runs(db: sqlite_utils.Database, prefix: str) -> list[RunRecord]:
    """Runs whose id starts with `prefix`, so a user can type a short id."""
    rows = db.execute(
        f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE id LIKE ? ORDER BY started_at",
        [prefix.replace("%", "").replace("_", "") + "%"],
    ).fetchall()
    return [_run_from_row(r) for r in rows]


def list_runs(
    db: sqlite_utils.Database, *, status: RunStatus | None = None, limit: int = 100
) -> list[RunRecord]:
    """Most recent first."""
    sql = f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs"
    params: list[Any] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    sql += " ORDER BY started_at DESC LIMIT ?"
    params.append(limit)
    return [_run_from_row(r) for r in db.execute(sql, params).fetchall()]


def append_event(db: sqlite_utils.Database, event: RunEvent) -> RunEvent:
    """Store an event at the end of its run; return it with its sequence number."""
    with write_lock, db.conn:
        seq = db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = ?", [event.run_id]
        ).fetchone()[0]
        stored = event.model_copy(update={"seq": int(seq)})
        row = stored.model_dump()
        row["command"] = json.dumps(row["command"]) if row["command"] is not None else None
        row["data"] = json.dumps(row["data"], sort_keys=True)
        row["started_at"], row["ended_at"] = _iso(stored.started_at), _iso(stored.ended_at)
        placeholders = ", ".join("?" for _ in _EVENT_COLUMNS)
        db.execute(
            f"INSERT INTO run_events ({', '.join(_EVENT_COLUMNS)}) VALUES ({placeholders})",
            [row[c] for c in _EVENT_COLUMNS],
        )
    return stored


def list_events(db: sqlite_utils.Database, run_id: str) -> list[RunEvent]:
    rows = db.execute(
        f"SELECT {', '.join(_EVENT_COLUMNS)} FROM run_events WHERE run_id = ? ORDER BY seq",
        [run_id],
    ).fetchall()
    events = []
    for row in rows:
        data = dict(zip(_EVENT_COLUMNS, row, strict=True))
        data["command"] = json.loads(data["command"]) if data["command"] is not None else None
        data["data"] = json.loads(data["data"])
        events.append(RunEvent.model_validate(data))
    return events


def record_image(db: sqlite_utils.Database, image: ImageRecord) -> None:
    """Remember an image (first record wins: it carries the build details)."""
    row = image.model_dump()
    row["recorded_at"] = _iso(image.recorded_at)
    columns = tuple(ImageRecord.model_fields)
    with write_lock, db.conn:
        db.execute(
            f"INSERT OR IGNORE INTO images ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [row[c] for c in columns],
        )


def get_image(db: sqlite_utils.Database, image_id: str) -> ImageRecord | None:
    columns = tuple(ImageRecord.model_fields)
    row = db.execute(f"SELECT {', '.join(columns)} FROM images WHERE id = ?", [image_id]).fetchone()
    return ImageRecord.model_validate(dict(zip(columns, row, strict=True))) if row else None


def images_in_use(db: sqlite_utils.Database) -> set[str]:
    """Ids of images a recorded run used, and their base images: these must be kept."""
    used = {r[0] for r in db.execute("SELECT DISTINCT image_id FROM runs")}
    parents = {
        parent
        for (image, parent) in db.execute("SELECT id, parent_id FROM images")
        if image in used and parent
    }
    return used | parents


def complete_event(db: sqlite_utils.Database, event: RunEvent) -> None:
    """Write the outcome of an event stored at its start (same run and seq)."""
    with write_lock, db.conn:
        db.execute(
            "UPDATE run_events SET stdout = ?, stderr = ?, exit_code = ?, duration_s = ?, "
            "ended_at = ?, data = ? WHERE run_id = ? AND seq = ?",
            [
                event.stdout,
                event.stderr,
                event.exit_code,
                event.duration_s,
                _iso(event.ended_at),
                json.dumps(event.data, sort_keys=True),
                event.run_id,
                event.seq,
            ],
        )
