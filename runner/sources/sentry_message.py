"""An event's message as Relay normalises it: `logentry` (or its legacy names `message` and
`sentry.interfaces.Message`) read leniently, its parameters formatted into `formatted`, and
`message` kept only when it is a template that differs from what was formatted.

Sentry groups a message event on `message` when there is one, else on `formatted`.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from runner.sources.sentry_schema import MESSAGE, Errors, json_lenient, kind, trim


class LogEntry(NamedTuple):
    """The normalised message: what is shown, and the template grouping prefers."""

    formatted: str | None
    message: str | None


_NONE = LogEntry(None, None)


def logentry(value: Any, errors: Errors) -> LogEntry:
    """`LogEntry::from_value` and `normalize_logentry`: an object's `message`, `formatted`
    and `params`; a string (or any other value, as JSON) is the formatted message; `false`
    is none."""
    if value is None or value is False:
        return _NONE
    if not isinstance(value, dict):
        return LogEntry(trim(json_lenient(value), MESSAGE), None)
    message, formatted = value.get("message"), value.get("formatted")
    if message is not None and not isinstance(message, str):
        errors.note("logentry.message", f"expected a string, got {kind(message)}")
        message = None
    if formatted is not None and not isinstance(formatted, str):
        errors.note("logentry.formatted", f"expected a string, got {kind(formatted)}")
        formatted = None
    params = value.get("params")
    if params is not None and not isinstance(params, list | dict):
        errors.note("logentry.params", f"expected a list or an object, got {kind(params)}")
        params = None
    if formatted is None and message is None:
        if value.keys() - {"message", "formatted"}:
            errors.note("logentry", "no message present")
        return _NONE
    if params is not None and formatted is None and message is not None:
        formatted = format_message(message, params)
    if formatted is None or message == formatted:
        formatted, message = message, None
    return LogEntry(trim(formatted, MESSAGE), trim(message, MESSAGE))


def _display(value: Any) -> Any:
    """A parameter as Relay's formatter shows it: JSON's spelling for what is not a string or
    a number."""
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\d+)?(?:\.\d+)?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)
_CURLY = re.compile(r"\{(\w*)\}")


def format_message(template: str, params: list[Any] | dict[str, Any]) -> str | None:
    """Relay's `format_message`: `%`-style (Python's) when the template has a `%`, else
    `{}`-style (positional `{}`, indexed `{0}`, named `{name}`); none when a parameter is
    missing or does not fit its placeholder."""
    if "%" in template:
        return _format_percent(template, params)
    if "{" in template:
        return _format_curly(template, params)
    return None


def _format_percent(template: str, params: list[Any] | dict[str, Any]) -> str | None:
    position = 0
    out: list[str] = []
    last = 0
    for match in _PERCENT.finditer(template):
        out.append(template[last : match.start()])
        last = match.end()
        spec, key = match.group(0), match.group("key")
        if match.group("conv") == "%":
            out.append("%")
            continue
        if key is not None:
            if not isinstance(params, dict) or key not in params:
                return None
            arg = params[key]
            spec = spec.replace(f"({key})", "", 1)
        else:
            if not isinstance(params, list) or position >= len(params):
                return None
            arg = params[position]
            position += 1
        try:
            out.append(spec % (_display(arg),))
        except (TypeError, ValueError, OverflowError):
            return None
    out.append(template[last:])
    return "".join(out)


def _format_curly(template: str, params: list[Any] | dict[str, Any]) -> str | None:
    position = 0
    out: list[str] = []
    last = 0
    for match in _CURLY.finditer(template):
        out.append(template[last : match.start()])
        last = match.end()
        key = match.group(1)
        if key == "":
            if not isinstance(params, list) or position >= len(params):
                return None
            arg = params[position]
            position += 1
        elif key.isdigit():
            if not isinstance(params, list) or int(key) >= len(params):
                return None
            arg = params[int(key)]
        else:
            if not isinstance(params, dict) or key not in params:
                return None
            arg = params[key]
        out.append(str(_display(arg)))
    out.append(template[last:])
    return "".join(out)
