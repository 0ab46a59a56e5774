"""Waiting on a stop that a signal handler sets (SIGTERM, SIGINT): in slices of a second.

A signal that lands just before a long `Event.wait` begins has its handler run only when the
wait ends: CPython runs handlers between bytecodes, and the wait is one call. With no timeout
that is never, and a server told to stop keeps running. A slice bounds it at a second.
"""

from __future__ import annotations

import threading
from datetime import datetime

SLICE_S = 1.0


def wait_for_stop(stop: threading.Event, until: datetime | None = None) -> bool:
    """Wait until `stop` is set (True) or, given `until`, the wall clock reaches it (False).

    The wall clock is read at each slice: a wait's own clock stops while the machine sleeps,
    so a laptop closed before the night's window would start its night hours late."""
    while not stop.is_set():
        left = SLICE_S if until is None else (until - datetime.now(until.tzinfo)).total_seconds()
        if left <= 0:
            return False
        stop.wait(min(left, SLICE_S))
    return True
