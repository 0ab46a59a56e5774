"""Helpers every record shape shares: the error a bad record raises, validation errors as one
line, timestamps, titles.

A leaf module: it imports nothing of `runner.sources`, so the shapes (`sentry_event`,
`feedback`) and the registry that orders them (`records`) can all import it without a cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError


class BadRecord(ValueError):
    """A record that cannot become a signal; the message says what is wrong."""


def describe_validation_error(error: ValidationError) -> str:
    """Pydantic's errors as one line: `field 'a.b': what was expected`."""
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "(record)"
        parts.append(f"field '{where}': {item['msg']}")
    more = len(error.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_timestamp(value: Any, default: datetime) -> datetime:
    """RFC 3339 text or epoch seconds, as Sentry sends either; `default` when absent."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadRecord(f"timestamp {value!r} is neither a date nor epoch seconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise BadRecord(f"timestamp {value!r} is out of range") from exc
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadRecord(f"timestamp {value[:40]!r} is not an ISO 8601 date") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise BadRecord(f"timestamp has type {type(value).__name__}; expected text or a number")


def one_line(text: str, limit: int = 200) -> str:
    """The first line of `text`, cut to `limit` characters, for titles."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
