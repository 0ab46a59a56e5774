"""Turning one decoded JSON record into a `Signal`, whatever shape it arrived in.

Shared by every source that reads JSON: the inbox, the Sentry endpoint and the Sentry API pull.
A record that fits no shape raises `BadRecord` with a reason a person can act on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from store.signal import MAX_TITLE, Signal, content_id, utcnow


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


def native_envelope(record: dict[str, Any], raw: str, source: str) -> Signal:
    """A record already in Overnight's envelope shape; id, times and title are filled in."""
    now = utcnow()
    data = dict(record)
    data["raw"] = raw
    data.setdefault("source", source)
    data.setdefault("id", content_id(raw.strip()))
    data["received_at"] = now
    data["occurred_at"] = parse_timestamp(data.get("occurred_at"), now)
    if not data.get("title"):
        data["title"] = _envelope_title(data)
    try:
        return Signal.model_validate(data)
    except ValidationError as exc:
        raise BadRecord(describe_validation_error(exc)) from exc


def _envelope_title(data: dict[str, Any]) -> str:
    error = data.get("error")
    if isinstance(error, dict) and error.get("type"):
        message = one_line(str(error.get("message") or ""), MAX_TITLE // 2)
        return f"{error['type']}: {message}" if message else str(error["type"])
    for key in ("text", "intent", "test_id"):
        if isinstance(data.get(key), str) and data[key].strip():
            return one_line(data[key])
    return f"{data.get('kind', 'signal')} on {data.get('route') or 'unknown route'}"


def parse_record(record: Any, raw: str, source: str) -> Signal:
    """Classify one JSON value and normalise it; raise `BadRecord` when it fits no shape."""
    # Imported here: the Sentry and feedback modules import this one for the helpers above.
    from runner.sources import feedback, sentry_event

    if not isinstance(record, dict):
        raise BadRecord(f"expected a JSON object, got {type(record).__name__}")
    if "kind" in record:
        return native_envelope(record, raw, source)
    if "comments" in record and "event_id" in record:
        return sentry_event.user_report_to_signal(record, raw, source)
    if sentry_event.looks_like_event(record):
        return sentry_event.event_to_signal(record, raw, source)
    if feedback.looks_like_feedback(record):
        return feedback.json_to_signal(record, raw, source)
    keys = ", ".join(sorted(record)[:8]) or "none"
    raise BadRecord(
        "not a Signal envelope ('kind'), a Sentry event ('exception', 'message', 'event_id') "
        f"or a feedback message ('body', 'feedback'); its keys: {keys}"
    )


def parse_json_text(text: str, source: str) -> Signal:
    """Decode and normalise one JSON document."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    return parse_record(record, text, source)
