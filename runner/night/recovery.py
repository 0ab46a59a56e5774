"""After a crash: what a dead runner left is ended, and its unfinished work is queued again.

A night whose runner process is gone is marked interrupted; each of its running dispatches is
marked interrupted and queued again as a `resume` of the same run from its last completed
step (replayed, then continued), so a crash costs the steps in flight, not the whole run, and
no issue is worked on twice. The runs' containers and checkouts are swept by `RunPool`.
"""

from __future__ import annotations

from contextlib import suppress

import sqlite_utils

from runner.agents.conversation import last_completed_step
from runner.containers.limits import owner_alive
from store.night import (
    AlreadyQueued,
    Dispatch,
    end_dispatch,
    end_night,
    list_dispatches,
    queue_dispatch,
    running_nights,
)
from store.review import proposal_for_run
from store.runs import finish_run, get_run, list_events


def resume_point(db: sqlite_utils.Database, run_id: str) -> int:
    """Where an interrupted run picks up: its last completed step."""
    return last_completed_step(list_events(db, run_id))


def _dead_owner(db: sqlite_utils.Database, dispatch: Dispatch) -> bool:
    if dispatch.run_id is None:
        nights = {n.id: n for n in running_nights(db)}
        night = nights.get(dispatch.night_id) if dispatch.night_id else None
        return night is None or owner_alive(night.owner) is False
    run = get_run(db, dispatch.run_id)
    return run is None or run.status != "running" or owner_alive(run.owner) is False


def recover(db: sqlite_utils.Database) -> list[int]:
    """End what dead runners left; return the ids of the resume dispatches queued."""
    for night in running_nights(db):
        if owner_alive(night.owner) is False:
            assert night.id is not None
            end_night(
                db,
                night.id,
                "interrupted",
                night.funnel,
                night.spent_usd,
                "its runner process ended before the night did",
            )
    resumed = []
    for dispatch in list_dispatches(db, state="running"):
        if not _dead_owner(db, dispatch):
            continue
        assert dispatch.id is not None
        end_dispatch(db, dispatch.id, "interrupted", "its runner process ended mid-run")
        if dispatch.run_id is None:
            with suppress(AlreadyQueued):
                resumed.append(
                    queue_dispatch(
                        db,
                        dispatch.model_copy(
                            update={
                                "id": None,
                                "state": "queued",
                                "why": "resume",
                                "run_id": None,
                                "started_at": None,
                                "ended_at": None,
                                "reason": None,
                            }
                        ),
                    )
                )
            continue
        finish_run(db, dispatch.run_id, "interrupted", "its runner process ended before it did")
        if proposal_for_run(db, dispatch.run_id) is not None:
            continue  # it had finished its work; only the bookkeeping after was lost
        step = resume_point(db, dispatch.run_id)
        with suppress(AlreadyQueued):
            resumed.append(
                queue_dispatch(
                    db,
                    Dispatch(
                        issue_id=dispatch.issue_id,
                        why="resume",
                        from_run=dispatch.run_id,
                        at_step=step,
                        requested_by="recovery",
                    ),
                )
            )
    return resumed
