"""Signal sources: each module turns one kind of input into `Signal` envelopes.

A source yields `Signal`s and `Rejection`s (bad input with its reason), never raising for one bad
record, so the neighbours of a malformed record are still stored. File formats are found by
suffix in `files.FILE_READERS`; sources that are not files (the endpoint, the API pull) have
their own entry points. This module is the leaf every source imports: it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from store.signal import Signal
from store.signals import Rejection

Parsed = Signal | Rejection
FileReader = Callable[[Path], Iterator[Parsed]]


class SignalSource(Protocol):
    """Anything that can be asked, once, for what it has."""

    name: str

    def read(self) -> Iterator[Parsed]: ...
