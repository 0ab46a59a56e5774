"""Turning one decoded JSON record into a `Signal`, whatever shape it arrived in.

Shared by every source that reads JSON: the inbox, the Sentry endpoint and the Sentry API pull.
A record that fits no shape raises `BadRecord` with a reason a person can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import from_json

from runner.sources import feedback, security_report, sentry_api_event, sentry_event
from runner.sources.common import (
    BadRecord,
    describe_validation_error,
    one_line,
    parse_timestamp,
)
from store.signal import MAX_TITLE, Signal, content_id, utcnow

__all__ = [
    "SHAPES",
    "BadRecord",
    "Shape",
    "decode_json",
    "describe_validation_error",
    "native_envelope",
    "one_line",
    "parse_json_text",
    "parse_record",
    "parse_timestamp",
]


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
    try:  # `model_validate`, without its layer of keyword arguments (a call a record)
        return Signal.__pydantic_validator__.validate_python(data)
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


class Shape(NamedTuple):
    """One shape a JSON record may have: how to recognise it, and how to normalise it."""

    name: str
    matches: Callable[[dict[str, Any]], bool]
    convert: Callable[[dict[str, Any], str, str], Signal]


def _is_envelope(record: dict[str, Any]) -> bool:
    return "kind" in record


def _is_user_report(record: dict[str, Any]) -> bool:
    return "comments" in record and "event_id" in record


def _api_event_to_signal(record: dict[str, Any], raw: str, source: str) -> Signal:
    return sentry_event.event_to_signal(sentry_api_event.api_event_to_payload(record), raw, source)


SHAPES: tuple[Shape, ...] = (
    Shape("Signal envelope", _is_envelope, native_envelope),
    Shape("Sentry user report", _is_user_report, sentry_event.user_report_to_signal),
    Shape("Sentry API event", sentry_api_event.looks_like_api_event, _api_event_to_signal),
    Shape("Sentry event", sentry_event.looks_like_event, sentry_event.event_to_signal),
    # Before feedback, whose `body` a Reporting API report also has.
    Shape(
        "browser security report",
        security_report.looks_like_report,
        sentry_event.security_report_to_signal,
    ),
    Shape("feedback message", feedback.looks_like_feedback, feedback.json_to_signal),
)
"""The record shapes, in order: the first that matches a record normalises it."""


def parse_record(record: Any, raw: str, source: str) -> Signal:
    """Classify one JSON value and normalise it; raise `BadRecord` when it fits no shape."""
    if not isinstance(record, dict):
        raise BadRecord(f"expected a JSON object, got {type(record).__name__}")
    for shape in SHAPES:
        if shape.matches(record):
            return shape.convert(record, raw, source)
    keys = ", ".join(sorted(record)[:8]) or "none"
    raise BadRecord(
        "not a Signal envelope ('kind'), a Sentry event ('exception', 'message', 'event_id'), "
        "a browser security report ('csp-report', 'known-pins', 'expect-ct-report', "
        f"'expect-staple-report') or a feedback message ('body', 'feedback'); its keys: {keys}"
    )


def decode_json(text: str) -> Any:
    """One JSON document as Python values; `BadRecord` with the reason when it is not one.

    pydantic-core's parser reads it in about half the time `json` takes, and gives the same
    values. What it refuses (malformed JSON, and a few things `json` accepts: a lone surrogate
    escape, nesting deeper than 200) is read by `json` again, so a value and an error message
    are always those of `json.loads`.
    """
    try:
        return from_json(text)
    except (ValueError, TypeError):
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise BadRecord("malformed JSON: nested too deeply") from exc
    except ValueError as exc:  # json's limit on the digits of an integer
        raise BadRecord(f"malformed JSON: {str(exc).split(';')[0][:200]}") from exc


def parse_json_text(text: str, source: str) -> Signal:
    """Decode and normalise one JSON document."""
    return parse_record(decode_json(text), text, source)
