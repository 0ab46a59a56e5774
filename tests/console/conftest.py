"""Fixtures of the console's tests: a seeded morning, and the app on it with time frozen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.app import OvernightApp, make_app
from tests.console.seed import NOW, Morning, seed_morning


@pytest.fixture
def morning(tmp_path: Path) -> Morning:
    return seed_morning(tmp_path)


@pytest.fixture
def console(morning: Morning) -> Callable[..., OvernightApp]:
    """`console()` builds the app on the morning: clock frozen, merges into its repository."""

    def build(**overrides: object) -> OvernightApp:
        options: dict[str, object] = {
            "repo": morning.repo,
            "clock": lambda: NOW,
            "user": "reviewer",
            "poll_seconds": 0.1,
        }
        options.update(overrides)
        return make_app(morning.db_path, **options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (anyio's pytest plugin drives the `async def` tests)."""
    return "asyncio"
