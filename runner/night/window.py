"""The nightly window (`[night] window = "01:00-06:00"`, local time, may span midnight)."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

WAIT_SLICE_S = 1.0


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def next_window(window: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The window in progress, or the next one: (start, end). A start in the past means the
    night should begin now."""
    now = now or datetime.now().astimezone()
    first, last = (_clock(part) for part in window.split("-"))
    start = now.replace(hour=first.hour, minute=first.minute, second=0, microsecond=0)
    end = now.replace(hour=last.hour, minute=last.minute, second=0, microsecond=0)
    if end <= start:
        end += timedelta(days=1)
    if end - timedelta(days=1) > now:  # inside yesterday's window, which spans midnight
        return start - timedelta(days=1), end - timedelta(days=1)
    if now >= end:
        return start + timedelta(days=1), end + timedelta(days=1)
    return start, end


def wait_until(start: datetime, stop: threading.Event) -> bool:
    """Wait until the wall clock reaches `start`; True when `stop` was set first.

    In slices of a second, read against the wall clock each time: a SIGTERM that lands just
    before a long wait begins has its handler run only when the wait ends (CPython checks for
    signals between bytecodes, the wait is one call), and a wait's clock stops while the
    machine sleeps, so a laptop closed at midnight would start its night hours late."""
    while not stop.is_set():
        left = (start - datetime.now(start.tzinfo)).total_seconds()
        if left <= 0:
            return False
        stop.wait(min(left, WAIT_SLICE_S))
    return True
