"""Run records and events: typed round trips, first ending wins, sequence numbers."""

from __future__ import annotations

import sqlite_utils

from store.runs import (
    ImageRecord,
    RunEvent,
    RunRecord,
    append_event,
    complete_event,
    finish_run,
    get_run,
    images_in_use,
    insert_run,
    list_events,
    record_image,
)


def _run(run_id: str = "r1") -> RunRecord:
    return RunRecord(
        id=run_id,
        issue_id=3,
        repository="/src/app",
        commit_sha="a" * 40,
        image_id="img",
        connection="local unix:///x.sock",
        env={"MODE": "test", "API_TOKEN": "<redacted>"},
        limits={"in_force": {"pids": 256}},
        owner="host:1:2",
    )


def test_a_run_round_trips_and_ends_once(fresh_db: sqlite_utils.Database) -> None:
    insert_run(fresh_db, _run())
    stored = get_run(fresh_db, "r1")
    assert stored is not None and stored.status == "running" and stored.issue_id == 3
    assert stored.env["API_TOKEN"] == "<redacted>" and stored.limits["in_force"]["pids"] == 256
    assert finish_run(fresh_db, "r1", "timeout", "command time limit")
    assert not finish_run(fresh_db, "r1", "ok")
    ended = get_run(fresh_db, "r1")
    assert ended is not None and ended.status == "timeout" and ended.ended_at is not None


def test_events_are_numbered_in_order_and_completed(fresh_db: sqlite_utils.Database) -> None:
    insert_run(fresh_db, _run())
    first = append_event(fresh_db, RunEvent(run_id="r1", kind="setup", command=["make"]))
    second = append_event(fresh_db, RunEvent(run_id="r1", kind="exec", command=["ls"]))
    assert (first.seq, second.seq) == (1, 2)
    complete_event(fresh_db, second.model_copy(update={"stdout": "a\n", "exit_code": 0}))
    events = list_events(fresh_db, "r1")
    assert [e.kind for e in events] == ["setup", "exec"]
    assert events[0].exit_code is None and events[1].stdout == "a\n"


def test_images_a_run_used_are_in_use(fresh_db: sqlite_utils.Database) -> None:
    record_image(fresh_db, ImageRecord(id="base", tag="b:1", kind="base"))
    record_image(fresh_db, ImageRecord(id="img", tag="d:1", kind="deps", parent_id="base"))
    record_image(fresh_db, ImageRecord(id="other", tag="d:2", kind="deps", parent_id="base"))
    insert_run(fresh_db, _run())
    assert images_in_use(fresh_db) == {"img", "base"}
