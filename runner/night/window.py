"""The nightly window (`[night] window = "01:00-06:00"`, local time, may span midnight)."""

from __future__ import annotations

from datetime import datetime, time, timedelta


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
