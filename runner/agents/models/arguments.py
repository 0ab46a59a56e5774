"""Reading a tool call's arguments leniently: a bad value is an error to report, not a crash."""

from __future__ import annotations

import json
from typing import Any


def read_arguments(value: Any) -> tuple[dict[str, Any] | None, str, str | None]:
    """(arguments, raw text, error) from what a server sent as a call's arguments.

    A JSON string is the norm (OpenAI); an object is accepted (Anthropic, and some local
    servers); an empty string or null means no arguments. Anything else is an error the model
    can be told about, with the raw text kept as it came.
    """
    if value is None or value == "":
        return {}, "" if value is None else value, None
    if isinstance(value, dict):
        return value, json.dumps(value, ensure_ascii=False), None
    if not isinstance(value, str):
        raw = json.dumps(value, ensure_ascii=False)
        return None, raw, f"the arguments are a JSON {type(value).__name__}, not an object"
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        return None, value, f"the arguments are not valid JSON ({exc})"
    if not isinstance(parsed, dict):
        kind = "array" if isinstance(parsed, list) else type(parsed).__name__
        return None, value, f"the arguments are a JSON {kind}, not an object"
    return parsed, value, None


def arguments_for_history(raw: str, arguments: dict[str, Any] | None) -> str:
    """The arguments string to send back in the history: the raw text when it is a JSON object,
    else `{}` (servers reject history with unparseable arguments; the tool result says why)."""
    if arguments is None:
        return "{}"
    return raw if raw else "{}"
