"""Sentry envelope framing: one header line, then items of a header line and a payload.

Used by the endpoint for request bodies and by the inbox for `.envelope` files. See
`shared/reference/sentry-protocol.md` §2: an item's `length` counts bytes; without it the
payload runs to the next newline.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runner.sources.records import BadRecord, parse_record
from runner.sources.sentry_event import event_to_signal, user_report_to_signal
from store.signal import Signal

SIGNAL_ITEM_TYPES = {"event", "feedback", "user_report"}


@dataclass(frozen=True)
class Item:
    """One envelope item: its header and its payload bytes."""

    type: str
    header: dict[str, Any]
    payload: bytes


@dataclass(frozen=True)
class Envelope:
    header: dict[str, Any]
    items: list[Item]


def parse_envelope(body: bytes) -> Envelope:
    """Split an envelope into items; raise `BadRecord` on broken framing."""
    header_line, rest = _line(body, 0)
    header = _json_object(header_line, "envelope header")
    items: list[Item] = []
    pos = rest
    while pos < len(body):
        line, after = _line(body, pos)
        if not line.strip():  # blank lines between items (a trailing newline) are allowed
            pos = after
            continue
        item_header = _json_object(line, f"item header {len(items) + 1}")
        length = item_header.get("length")
        if length is not None:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise BadRecord(f"item {len(items) + 1}: 'length' must be a whole number of bytes")
            if after + length > len(body):
                raise BadRecord(
                    f"item {len(items) + 1}: 'length' says {length} bytes but only "
                    f"{len(body) - after} remain"
                )
            payload, pos = body[after : after + length], after + length
            if body[pos : pos + 1] == b"\n":
                pos += 1
        else:
            payload, pos = _line(body, after)
        items.append(
            Item(type=str(item_header.get("type", "")), header=item_header, payload=payload)
        )
    return Envelope(header=header, items=items)


def envelope_signals(envelope: Envelope, source: str) -> Iterator[Signal | BadRecord]:
    """The signals an envelope carries; a bad item yields its error, and its neighbours go on."""
    for number, item in enumerate(envelope.items, start=1):
        if item.type not in SIGNAL_ITEM_TYPES:
            continue
        try:
            text = item.payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield BadRecord(f"item {number} ({item.type}): payload is not UTF-8 ({exc.reason})")
            continue
        try:
            record = json.loads(text)
            if item.type == "feedback" and isinstance(record, dict):
                record.setdefault("type", "feedback")
            yield _item_signal(item.type, record, text, source)
        except json.JSONDecodeError as exc:
            yield BadRecord(f"item {number} ({item.type}): malformed JSON: {exc.msg}")
        except BadRecord as exc:
            yield BadRecord(f"item {number} ({item.type}): {exc}")
        except RecursionError:
            yield BadRecord(f"item {number} ({item.type}): JSON is nested too deeply")
        except ValueError as exc:  # json's limit on huge integers raises a bare ValueError
            yield BadRecord(f"item {number} ({item.type}): {str(exc)[:200]}")


def _item_signal(item_type: str, record: Any, text: str, source: str) -> Signal:
    """An `event` or `feedback` item is an event whatever its keys (Relay takes `{}`), a
    `user_report` item a user report; a record in Overnight's own shape (`kind`) stays one."""
    if isinstance(record, dict) and "kind" not in record:
        if item_type == "user_report":
            return user_report_to_signal(record, text, source)
        return event_to_signal(record, text, source)
    return parse_record(record, text, source)


def _line(body: bytes, start: int) -> tuple[bytes, int]:
    end = body.find(b"\n", start)
    return (body[start:], len(body)) if end < 0 else (body[start:end], end + 1)


def _json_object(line: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as exc:  # also bad UTF-8, huge integers, deep nesting
        raise BadRecord(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise BadRecord(f"{what} should be a JSON object")
    return value
