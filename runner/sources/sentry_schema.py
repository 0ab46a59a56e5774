"""How Relay (Sentry's ingestion) reads each field of an event, before Sentry groups it.

Relay rejects an event only when its JSON is broken, is not an object, or its `event_id` is
not a UUID. A field of the wrong type is dropped (and noted in the event's errors), an odd
value is coerced as Relay's types coerce it, an over-long string is trimmed, not refused.
These functions do the same, each for one of Relay's types (`relay-event-schema`'s
`LenientString`, `JsonLenientString`, `Values<T>`, `Fingerprint`, `Tags`, `Level`, `LogEntry`,
`Timestamp`, the `MaxChars` trimming) and normalisations (`relay-event-normalization`), and
note what they drop in an `Errors` list so the signal keeps a record of it.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from runner.sources.common import BadRecord

# Legacy interface names Relay still reads (`legacy_alias` in `protocol/event.rs`), in the
# order Relay tries them: the field's own name first, then each alias.
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    "logentry": ("sentry.interfaces.Message", "message"),
    "user": ("sentry.interfaces.User",),
    "request": ("sentry.interfaces.Http",),
    "contexts": ("sentry.interfaces.Contexts",),
    "breadcrumbs": ("sentry.interfaces.Breadcrumbs",),
    "exception": ("sentry.interfaces.Exception",),
    "stacktrace": ("sentry.interfaces.Stacktrace",),
    "template": ("sentry.interfaces.Template",),
    "csp": ("sentry.interfaces.Csp",),
    "hpkp": ("sentry.interfaces.Hpkp",),
    "expectct": ("sentry.interfaces.ExpectCT",),
    "expectstaple": ("sentry.interfaces.ExpectStaple",),
}
EXCEPTION_ALIASES: dict[str, tuple[str, ...]] = {"stacktrace": ("sentry.interfaces.Stacktrace",)}

VALID_PLATFORMS = frozenset(
    {
        *("as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java"),
        *("javascript", "native", "node", "objc", "other", "perl", "php", "python", "ruby"),
    }
)
"""`protocol/constants.rs`: any other platform is stored as `other`."""

# `MaxChars` (limit, allowance): a longer string is cut to `limit` characters, "..." last.
MESSAGE = (8192, 200)
SYMBOL = (256, 20)
PATH = (256, 40)
EXCEPTION_TYPE = (256, 20)
HASH = (128, 0)
LOGGER = (64, 0)
TRANSACTION = (200, 0)
TAG_KEY_MAX = 200
TAG_VALUE_MAX = 200
_TAG_KEY = re.compile(r"^[a-zA-Z0-9_.:-]+$")
_DROPPED_TAGS = {"release", "dist", "user", "filename", "function"}


class Errors(list[str]):
    """What normalisation dropped or could not read, `field: reason` each (Relay's `errors`)."""

    def note(self, field: str, reason: str) -> None:
        if len(self) < 20:  # a record of what went wrong, not a second copy of the payload
            self.append(f"{field}: {reason}")


def canonical(record: dict[str, Any], aliases: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The record with legacy interface names moved to the current ones. As in Relay, the
    first name present wins, even when its value is null, and the other names are dropped."""
    if not any(name in record for names in aliases.values() for name in names):
        return record  # the common case: nothing to move, nothing copied
    out = dict(record)
    for field, names in aliases.items():
        found = False
        value = None
        for name in (field, *names):
            if name in out:
                candidate = out.pop(name)
                if not found:
                    found, value = True, candidate
        if found:
            out[field] = value
    return out


def kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def obj(value: Any, field: str, errors: Errors) -> dict[str, Any]:
    """An object field; anything else is dropped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.note(field, f"expected an object, got {kind(value)}")
        return {}
    return value


def string(value: Any, field: str, errors: Errors) -> str | None:
    """A `String` field: only a string is one."""
    if value is None or isinstance(value, str):
        return value
    errors.note(field, f"expected a string, got {kind(value)}")
    return None


def boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def unsigned(value: Any) -> int | None:
    """A `u64` field (line numbers, exception ids): only a non-negative whole number."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= 0 else None


def lenient(value: Any) -> str | None:
    """`LenientString`, Python's `str(x)` as Relay emulates it: `True`/`False`, whole numbers,
    floats truncated; objects, lists and floats beyond JSON's precision are not strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        # Beyond 64 bits JSON's number is a float to Relay, and beyond 2**53 not a string.
        return str(value) if -(2**63) <= value < 2**64 else None
    if isinstance(value, float):
        if math.isfinite(value) and abs(value) < 2**53:
            return str(math.trunc(value))
        return None
    return None


def json_lenient(value: Any) -> str | None:
    """`JsonLenientString`: a string as it is, anything else as compact JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def trim(text: str | None, limits: tuple[int, int]) -> str | None:
    """Relay's string trimming: within `limit + allowance` characters a string stays whole;
    beyond, it keeps `limit - 3` characters and ends in `...`."""
    limit, allowance = limits
    if text is None or len(text) <= limit + allowance:
        return text
    return text[: limit - 3] + "..."


def values(value: Any, field: str, errors: Errors) -> list[Any]:
    """`Values<T>`: `{"values": [...]}`, a bare list, or one object standing for a list of
    one; an empty object or null values is none. Entries of the wrong type are dropped by
    the caller; null entries are dropped here."""
    if value is None:
        return []
    if isinstance(value, dict):
        if not value:
            return []
        if "values" not in value:
            return [value]
        value = value["values"]
        if value is None:
            return []
    if not isinstance(value, list):
        errors.note(field, f"expected a list or values object, got {kind(value)}")
        return []
    return [v for v in value if v is not None]


_SIMPLE_ID = re.compile(r"^[0-9a-f]{32}$")


def event_id(value: Any) -> str | None:
    """A UUID in any form Relay parses (dashes, braces, `urn:uuid:`, either case), as 32 lower
    hex digits. A malformed one makes Relay refuse the whole event, so it is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"event_id should be a UUID string, got {kind(value)}")
    if _SIMPLE_ID.match(value):
        return value  # the form SDKs send
    try:
        return uuid.UUID(value.strip()).hex
    except ValueError:
        raise BadRecord(f"event_id {value[:40]!r} is not a UUID (32 hexadecimal digits)") from None


def timestamp(value: Any, field: str, errors: Errors) -> datetime | None:
    """RFC 3339 text (UTC when it has no zone) or epoch seconds; anything else is dropped
    (Relay then uses the time it received the event)."""
    if value is None or value == "":
        return None
    parsed: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            parsed = None
    elif isinstance(value, str) and _DATE_TIME.match(value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    if parsed is None:
        errors.note(field, f"{str(value)[:40]!r} is neither an RFC 3339 date nor epoch seconds")
    return parsed


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_LEVELS = {
    "debug": "debug",
    "info": "info",
    "log": "info",
    "warning": "warning",
    "error": "error",
    "fatal": "fatal",
    "critical": "fatal",
}
_PYTHON_LEVELS = {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "fatal"}


def level(value: Any, errors: Errors) -> str:
    """Relay's `Level`: its names and aliases (`log`, `critical`), Python's numeric levels;
    anything else, or none, is `error`, the default of an error event."""
    if value is None:
        return "error"
    found = _LEVELS.get(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        found = _PYTHON_LEVELS.get(value)
    if found is None:
        errors.note("level", f"{str(value)[:40]!r} is not a level")
        return "error"
    return found


def platform(value: Any) -> str:
    """The event's platform, `other` when absent or not one Relay knows."""
    return value if isinstance(value, str) and value in VALID_PLATFORMS else "other"


def fingerprint(value: Any, errors: Errors) -> list[str] | None:
    """Relay's `Fingerprint`: a list whose entries are read as `LenientString`s; null and
    unreadable entries are dropped. Not a list: no fingerprint."""
    if value is None:
        return None
    if not isinstance(value, list):
        errors.note("fingerprint", f"expected a list, got {kind(value)}")
        return None
    parts = [lenient(v) for v in value]
    kept = [p for p in parts if p is not None]
    if len(kept) < len([v for v in value if v is not None]):
        errors.note("fingerprint", "entries that are not strings, numbers or booleans dropped")
    return kept


def _validated(text: str | None, limit: int, banned: str) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > limit or any(c in text for c in banned):
        return None
    return text


def release(value: Any, errors: Errors) -> str | None:
    """A release Relay keeps: no line breaks, tabs or slashes, not `.`, `..` or `latest`."""
    text = lenient(value)
    kept = _validated(text, 200, "\n\r\t/\\")
    if kept in (".", "..", "latest"):
        kept = None
    if value is not None and kept is None:
        errors.note("release", f"{str(value)[:40]!r} is not a valid release")
    return kept


def environment(value: Any, errors: Errors) -> str | None:
    """An environment Relay keeps: a string of at most 64 characters, no line breaks, tabs
    or slashes."""
    kept = _validated(string(value, "environment", errors), 64, "\n\r\t/")
    if isinstance(value, str) and value.strip() and kept is None:
        errors.note("environment", f"{value[:40]!r} is not a valid environment")
    return kept


def tags(value: Any, errors: Errors) -> dict[str, str]:
    """Relay's `Tags`: an object or a list of `[key, value]` pairs; keys and values read as
    `LenientString`s and trimmed, spaces in keys made dashes. A tag with an empty, over-long
    or badly formed key or value is dropped; the first of two equal keys wins; `release`,
    `dist`, `user`, `filename` and `function` are Sentry's own and dropped."""
    if value is None:
        return {}
    if isinstance(value, dict):
        pairs: list[Any] = [[k, value[k]] for k in sorted(value)]
    elif isinstance(value, list):
        pairs = value
    else:
        errors.note("tags", f"expected an object or a list of pairs, got {kind(value)}")
        return {}
    out: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            errors.note("tags", "an entry that is not a [key, value] pair dropped")
            continue
        key, text = lenient(pair[0]), lenient(pair[1])
        if key is None or text is None:
            continue
        key, text = key.replace(" ", "-").strip(), text.strip()
        if not _TAG_KEY.match(key) or len(key) > TAG_KEY_MAX:
            errors.note("tags", f"key {key[:40]!r} dropped")
            continue
        if not text or len(text) > TAG_VALUE_MAX or "\n" in text:
            errors.note("tags", f"value of {key!r} dropped")
            continue
        if key not in _DROPPED_TAGS and key not in out:
            out[key] = text
    return out
