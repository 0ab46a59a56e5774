"""Peak memory of a benchmark's whole process tree: this process and the workers it forks.

`ru_maxrss` counts one process, and adding the workers' RSS counts every page they share with
the parent after the fork once per process. Proportional set size (PSS) splits shared pages
among the processes that share them, so the sum over the tree is what the run really holds.
Sampled every 200 ms by a thread while the block runs (a sample costs about a millisecond).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = [int(c) for c in task.read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb() -> float:
    me = os.getpid()
    return sum(_pss_kib(pid) for pid in [me, *_descendants(me)]) / 1024


class PeakMemory:
    """`with PeakMemory() as peak: ...` then `peak.mb`."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.mb = 0.0
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.mb = max(self.mb, tree_pss_mb())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, tree_pss_mb())
