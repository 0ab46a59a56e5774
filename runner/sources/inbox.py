"""The inbox: JSON, NDJSON and Sentry envelope files holding envelopes or raw Sentry events.

NDJSON is streamed line by line, so a file of any size is read in constant memory.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from runner.sources import Parsed
from runner.sources.records import BadRecord, parse_json_text, parse_record
from runner.sources.sentry_envelope import envelope_signals, parse_envelope
from store.signals import rejection

SOURCE = "inbox"
BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark some Windows tools put at the start of a text file."""


def read_ndjson_file(path: Path) -> Iterator[Parsed]:
    """One record a line; blank lines are skipped, a bad line is rejected alone."""
    with path.open("rb") as handle:
        yield from parse_ndjson_lines(path, 1, handle)


def read_gzip_ndjson_file(path: Path) -> Iterator[Parsed]:
    """Compressed NDJSON (`.ndjson.gz`): streamed; a truncated or corrupt stream keeps every
    record before the damage and rejects the rest with the reason."""
    number = 0
    try:
        with gzip.open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                yield from parse_ndjson_lines(path, number, [line])
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = f"compressed stream is damaged after line {number}: {exc}"
        yield rejection(SOURCE, f"{path}:{number + 1}", reason, path.read_bytes())


def parse_ndjson_lines(path: Path, first_line: int, lines: Iterable[bytes]) -> Iterator[Parsed]:
    """Parse NDJSON lines numbered from `first_line` (for the rejection's origin)."""
    name = str(path)
    for number, line in enumerate(lines, start=first_line):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]  # a UTF-8 mark, as Windows PowerShell and Notepad write
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield rejection(SOURCE, f"{name}:{number}", f"not UTF-8 text ({exc.reason})", line)
            continue
        try:
            yield parse_json_text(text, SOURCE)
        except BadRecord as exc:
            yield rejection(SOURCE, f"{name}:{number}", str(exc), line)


def read_json_file(path: Path) -> Iterator[Parsed]:
    """One JSON document: a record, or an array of records (each judged alone)."""
    data = path.read_bytes()
    origin = str(path)
    try:
        text = data.decode("utf-8-sig")  # a leading UTF-8 mark is no part of the document
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        yield rejection(SOURCE, origin, f"not UTF-8 text ({exc.reason})", data)
        return
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        yield rejection(SOURCE, origin, reason, data)
        return
    records = document if isinstance(document, list) else [document]
    for index, record in enumerate(records):
        raw = text if len(records) == 1 else json.dumps(record, ensure_ascii=False)
        where = origin if len(records) == 1 else f"{origin}[{index}]"
        try:
            yield parse_record(record, raw, SOURCE)
        except BadRecord as exc:
            yield rejection(SOURCE, where, str(exc), raw)


def read_envelope_file(path: Path) -> Iterator[Parsed]:
    """A Sentry envelope saved to a file, as an SDK would have sent it (uncompressed)."""
    data = path.read_bytes()
    try:
        envelope = parse_envelope(data)
    except BadRecord as exc:
        yield rejection(SOURCE, str(path), f"Sentry envelope: {exc}", data)
        return
    for number, result in enumerate(envelope_signals(envelope, SOURCE), start=1):
        if isinstance(result, BadRecord):
            yield rejection(SOURCE, f"{path}#{number}", str(result), data)
        else:
            yield result
