"""Signal sources: each module turns one kind of input into `Signal` envelopes.

A source yields `Signal`s and `Rejection`s (bad input with its reason), never raising for one bad
record, so the neighbours of a malformed record are still stored. File formats are found by
suffix in `FILE_READERS`; sources that are not files (the endpoint, the API pull) have their own
entry points.
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


def file_readers() -> dict[str, FileReader]:
    """Readers by file suffix. Imported lazily so `import runner.sources` stays cheap."""
    from runner.sources import feedback, inbox, junit

    return {
        ".json": inbox.read_json_file,
        ".ndjson": inbox.read_ndjson_file,
        ".jsonl": inbox.read_ndjson_file,
        ".gz": inbox.read_gzip_ndjson_file,
        ".envelope": inbox.read_envelope_file,
        ".eml": feedback.read_eml_file,
        ".txt": feedback.read_text_file,
        ".xml": junit.read_junit_file,
    }
