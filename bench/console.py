"""The morning console's speed, in Textual's own harness (`App.run_test`), in one process.

A store with 10,000 issues and 1,000 proposals (seeded through the store, as the console's
tests seed it) and the tests' small morning on a real git repository:

- `first_paint_ratio`: from building the app to the first painted queue, against the same on
  an empty store, medians of 5 alternating runs. Target <= 1.5.
- `next_row_ms`: from a `j` key press to the next row's details shown, median of 30. Target
  <= 30.
- `decision_ms`: from `m` to the merge recorded in git and in the store (the app is told once
  both are done), on the real repository, the row found with `/`; undone with `u` between
  runs; median of 5. Target <= 300.
- `open_diff_ms` / `open_diff_ratio`: opening a proposal with a 5,000-line diff until it is
  painted, and that against an 80-line one (`bench/proposal_screen.py`, which this runs).
  Targets <= 150 ms and <= 3. `first_open_ms`: the first open of a session, from `enter` on
  the queue through the console's own app (also from `bench/proposal_screen.py`).

Prints progress on stderr and one JSON object on the last line.
"""

from __future__ import annotations

import asyncio
import json
import operator
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.app import OvernightApp, make_app  # noqa: E402
from console.screens.queue import QueueScreen  # noqa: E402
from console.widgets.queue.lane_table import LaneTable  # noqa: E402
from console.widgets.queue.row_details import RowDetails  # noqa: E402
from store import open_db  # noqa: E402
from tests.console.seed import NOW, seed_bulk, seed_morning  # noqa: E402

ISSUES = 10_000
PROPOSALS = 1_000
SIZE = (120, 40)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise RuntimeError("the console did not get there in time")
        await asyncio.sleep(0.0005)


def build(db_path: Path, repo: Path | None) -> OvernightApp:
    return make_app(db_path, repo=repo, clock=lambda: NOW, user="bench", poll_seconds=0)


async def first_paint(db_path: Path, repo: Path | None) -> float:
    """Seconds from building the app to its queue painted once."""
    start = time.perf_counter()
    app = build(db_path, repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        await pilot.pause()  # the refresh the rows asked for
        elapsed = time.perf_counter() - start
        await pilot.press("q")
    return elapsed


async def next_rows(db_path: Path, repo: Path, presses: int = 30) -> list[float]:
    app = build(db_path, repo)
    times = []
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        table = screen.query_one("#table-proposals", LaneTable)
        details = screen.query_one(RowDetails)
        shown: dict[str, float] = {}

        # The moment the details take the new row, not when the Pilot's own waits end.
        def seen(key: str | None) -> None:
            if key is not None:
                shown.setdefault(key, time.perf_counter())

        details.watch(details, "shown_key", seen)
        for n in range(1, presses + 1):
            want = table.order[n]
            start = time.perf_counter()
            await pilot.press("j")
            await until(pilot, partial(operator.contains, shown, want))
            await pilot.pause()  # let the new details paint before the next press
            times.append(shown[want] - start)
    return times


def made_more_than(app: OvernightApp, count: int) -> bool:
    return len(app.decisions_made) > count


def tip(repo: Path, ref: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()


async def decisions(
    db_path: Path, repo: Path, proposal_id: int, branch: str, runs: int = 5
) -> list[float]:
    app = build(db_path, repo)
    times = []
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        table = screen.query_one("#table-proposals", LaneTable)
        key = f"proposal:{proposal_id}"
        # The morning's verified proposal, found as a person would: `/` and words of its title.
        await pilot.press("slash", *"checkout total", "enter")
        for _ in range(runs):
            await until(pilot, lambda: key in table.rows_by_key)
            table.move_cursor(row=table.order.index(key), animate=False)
            await pilot.pause()
            done = len(app.decisions_made)
            start = time.perf_counter()
            await pilot.press("m")
            await until(pilot, partial(made_more_than, app, done))
            times.append(time.perf_counter() - start)
            assert tip(repo, "main") == tip(repo, branch), "main did not move"
            status = (
                open_db(db_path)
                .execute("SELECT status FROM proposals WHERE id = ?", [proposal_id])
                .fetchone()[0]
            )
            assert status == "merged", status
            await pilot.press("u")
            await until(pilot, partial(made_more_than, app, done + 1))
            await pilot.pause(0.3)  # the queue reloads after the undo before the next merge
        await pilot.press("q")
    return times


async def main() -> None:
    # The Proposal screen in a process of its own: apps run before it in this one would
    # leave their state and threads behind and slow it by a third.
    measured = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "proposal_screen.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    diff = json.loads(measured.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory(prefix="overnight-bench-console-") as tmp:
        root = Path(tmp)
        log(f"seeding {ISSUES} issues and {PROPOSALS} proposals")
        morning = seed_morning(root / "full")
        seed_bulk(morning.db_path, morning.repo, morning.base, issues=ISSUES, proposals=PROPOSALS)
        empty_db = root / "empty.db"
        open_db(empty_db).close()
        await first_paint(empty_db, None)  # warm up imports and the stylesheet
        full, empty = [], []
        for _ in range(5):
            empty.append(await first_paint(empty_db, None))
            full.append(await first_paint(morning.db_path, morning.repo))
        log(f"first paint: full {statistics.median(full):.3f} s, empty "
            f"{statistics.median(empty):.3f} s")  # fmt: skip
        rows = await next_rows(morning.db_path, morning.repo)
        log(f"next row: median {statistics.median(rows) * 1000:.1f} ms, max "
            f"{max(rows) * 1000:.1f} ms")  # fmt: skip
        merges = await decisions(
            morning.db_path,
            morning.repo,
            morning.proposals["verified"],
            morning.branches["verified"],
        )
        log(f"decision: median {statistics.median(merges) * 1000:.1f} ms")
    print(
        json.dumps(
            {
                "issues": ISSUES,
                "proposals": PROPOSALS,
                "first_paint_s": round(statistics.median(full), 4),
                "first_paint_empty_s": round(statistics.median(empty), 4),
                "first_paint_ratio": round(statistics.median(full) / statistics.median(empty), 3),
                "next_row_ms": round(statistics.median(rows) * 1000, 2),
                "next_row_max_ms": round(max(rows) * 1000, 2),
                "decision_ms": round(statistics.median(merges) * 1000, 1),
                "open_diff_ms": diff["open_diff_ms"],
                "open_diff_ratio": diff["open_diff_ratio"],
                "first_open_ms": diff["first_open_ms"],
                "targets": {
                    "first_paint_ratio": 1.5,
                    "next_row_ms": 30,
                    "decision_ms": 300,
                    "open_diff_ms": 150,
                    "open_diff_ratio": 3,
                },
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
