"""Removing what dead runs left: containers, checkouts, and records still marked running."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlite_utils

from runner.containers.limits import owner_alive, user_token
from runner.containers.service import Connection
from runner.containers.spec import LABEL_OWNER, LABEL_RUN, LABEL_USER
from store.runs import FINAL_STATUSES, finish_run, get_run, list_runs


def _stale(db: sqlite_utils.Database, run_id: str, owner: str) -> bool:
    """A run is over when its record says so, or when the runner process that owned it (on
    this host) is gone. Runs of live runners we know nothing of (another store) are left."""
    run = get_run(db, run_id)
    if run is not None and run.status in FINAL_STATUSES:
        return True
    return owner_alive(owner) is False


def sweep_containers(db: sqlite_utils.Database, conn: Connection) -> list[str]:
    """Kill and remove this user's containers of runs that are no longer active; return their
    run ids."""
    api = conn.client.api
    me = user_token()
    listed = api.get(
        "/containers/json", params={"all": True, "filters": json.dumps({"label": [LABEL_RUN]})}
    )
    listed.raise_for_status()
    removed = []
    for item in listed.json():
        labels = item.get("Labels") or {}
        run_id, owner = labels.get(LABEL_RUN, ""), labels.get(LABEL_OWNER, "")
        # Another user's runs on a shared service are theirs to sweep (containers from before
        # the user label existed count as ours).
        if labels.get(LABEL_USER, me) != me or not _stale(db, run_id, owner):
            continue
        api.delete(f"/containers/{item['Id']}", params={"force": True, "v": True})
        finish_run(db, run_id, "interrupted", "its runner process ended; removed by a sweep")
        removed.append(run_id)
    return removed


def sweep_records(db: sqlite_utils.Database) -> list[str]:
    """Mark runs `interrupted` whose runner process on this host has gone."""
    ended = []
    for run in list_runs(db, status="running", limit=10_000):
        if owner_alive(run.owner) is False and finish_run(
            db, run.id, "interrupted", "its runner process ended before the run did"
        ):
            ended.append(run.id)
    return ended


def sweep_checkouts(root: Path) -> list[Path]:
    """Remove checkout folders whose runner process has gone (named `host_pid_start_runid`)."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        parts = path.name.rsplit("_", 1)[0].rsplit("_", 2)
        if len(parts) == 3 and owner_alive(":".join(parts)) is False:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
