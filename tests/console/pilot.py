"""Helpers for Pilot tests: wait for what workers post, read the store and the repository."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 8.0) -> None:
    """Let the app run until `condition` holds (workers post their results asynchronously)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def settled(
    pilot: Pilot[Any], read: Callable[[], object], quiet: float = 0.5, timeout: float = 8.0
) -> None:
    """Let the app run until `read()` has given the same things for `quiet` seconds: a
    widget rebuilt after the next refresh (a footer after its screen's bindings changed) is
    rebuilt later on a busy machine than any fixed pause allows for."""
    end = time.monotonic() + timeout
    last = read()
    since = time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > end:
            raise AssertionError("never settled in time")
        await pilot.pause(0.05)
        now = read()
        if now != last:
            last, since = now, time.monotonic()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()
