"""Progress of the night on the command line: in a terminal one line per run, updated in
place (rich); otherwise plain, timestamped log lines."""

from __future__ import annotations

import re
import threading
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

# A line saying how a run ended: its clock stops there.
_ENDED = re.compile(
    r"^#\d+ (proposed|unverified|not_reproduced|out_of_scope|gave_up|failed|interrupted|"
    r"could not start)"
)


class LineProgress:
    """Told `update(dispatch_id, what)` from any thread; `say` prints a line above."""

    def __init__(self, stream: TextIO) -> None:
        # What is printed quotes untrusted text (a signal's title, a build's error): never
        # read as markup, so a `[/bin/sh …]` in it is shown, not parsed.
        self.console = Console(file=stream, highlight=False)
        self.interactive = self.console.is_terminal
        self._lines: dict[int, str] = {}
        self._started: dict[int, float] = {}
        self._ended: dict[int, float] = {}
        self._lock = threading.Lock()
        self._live: Live | None = None

    def _render(self) -> Text:
        text = Text()
        now = time.monotonic()
        for key, what in self._lines.items():
            took = self._ended.get(key, now) - self._started[key]
            text.append(f"{took:6.0f}s  ", style="dim")
            text.append(what[:150] + "\n")
        return text

    def update(self, dispatch_id: int, what: str) -> None:
        with self._lock:
            self._started.setdefault(dispatch_id, time.monotonic())
            self._lines[dispatch_id] = what
            if _ENDED.match(what):
                self._ended.setdefault(dispatch_id, time.monotonic())
            if not self.interactive:
                self.console.print(
                    f"{time.strftime('%H:%M:%S')} {what}", soft_wrap=True, markup=False
                )
                return
            if self._live is None:
                self._live = Live(self._render(), console=self.console, auto_refresh=False)
                self._live.start()
            self._live.update(self._render(), refresh=True)

    def say(self, line: str) -> None:
        with self._lock:
            if self._live is not None:
                self._live.console.print(line, soft_wrap=True, markup=False)
            else:
                prefix = "" if self.interactive else f"{time.strftime('%H:%M:%S')} "
                self.console.print(prefix + line, soft_wrap=True, markup=False)

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
            self._lines.clear()
