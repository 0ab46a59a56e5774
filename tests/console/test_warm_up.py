"""The console warms the diff view while a person reads the queue, so the first proposal
opened does not pay pygments' one-time naming of languages (`diff_model.warm_up`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.app import OvernightApp, make_app
from console.screens.queue import WARM_UP_AFTER, QueueScreen
from tests.console.pilot import until
from tests.console.seed import NOW

pytestmark = pytest.mark.anyio


async def test_the_diff_view_is_warmed_once_after_the_queue_is_painted(
    console: Callable[..., OvernightApp],
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        assert app.diffs_warmed == 0  # not before the queue is on the screen
        await until(pilot, lambda: app.diffs_warmed == 1)
        screen.load()  # a later read of the queue (the store changed) does not warm again
        await app.workers.wait_for_complete()
        await pilot.pause(WARM_UP_AFTER + 0.2)
        assert app.diffs_warmed == 1


async def test_an_empty_store_has_nothing_to_warm_for(tmp_path: Path) -> None:
    app = make_app(tmp_path / "new.db", clock=lambda: NOW, poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        await pilot.pause(WARM_UP_AFTER + 0.3)
        assert app.diffs_warmed == 0
