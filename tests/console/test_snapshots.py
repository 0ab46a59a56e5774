"""Snapshots of the Queue, Stats and Help screens at 120x40 and 80x24, time and ids frozen.

Update only after looking at the report: `pytest tests/console/test_snapshots.py
--snapshot-update`, then open the SVGs in `tests/console/__snapshots__/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from console.app import OvernightApp
from console.screens.queue import QueueScreen
from console.screens.stats import StatsScreen
from tests.console.pilot import until
from tests.console.seed import Morning, seed_history

SIZES = [(120, 40), (80, 24)]


async def loaded(pilot: Pilot[Any]) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    await until(pilot, lambda: screen.loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue(
    snap_compare: Any, console: Callable[..., OvernightApp], size: tuple[int, int]
) -> None:
    assert snap_compare(console(poll_seconds=0), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue_held_lane(
    snap_compare: Any, console: Callable[..., OvernightApp], size: tuple[int, int]
) -> None:
    assert snap_compare(console(poll_seconds=0), press=["3"], terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stats(
    snap_compare: Any,
    console: Callable[..., OvernightApp],
    morning: Morning,
    size: tuple[int, int],
) -> None:
    seed_history(morning)

    async def on_stats(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("s")
        screen = pilot.app.screen
        assert isinstance(screen, StatsScreen)
        await until(pilot, lambda: "last 7 days" in str(screen.query_one("#stats-window").render()))
        await pilot.pause(0.2)

    assert snap_compare(console(poll_seconds=0), terminal_size=size, run_before=on_stats)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(
    snap_compare: Any, console: Callable[..., OvernightApp], size: tuple[int, int]
) -> None:
    assert snap_compare(
        console(poll_seconds=0), press=["question_mark"], terminal_size=size, run_before=loaded
    )
