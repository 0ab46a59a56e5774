"""An event's exceptions, stack traces and threads, read as Relay reads them.

Exceptions are ordered cause first, raised last; frames caller first, crashing frame last
(`shared/reference/sentry-protocol.md` §4 and §7). What Relay does before Sentry groups:
an exception with neither type nor value is dropped; a value `Type: message` without a type
is read as both; an event's own `stacktrace` becomes its exception's when it has exactly
one; a frame's function `?` is no function; the last 250 frames of a stack are kept; names,
paths and values are trimmed to Relay's lengths.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from runner.sources.common import BadRecord, describe_validation_error
from runner.sources.sentry_schema import (
    EXCEPTION_ALIASES,
    EXCEPTION_TYPE,
    MESSAGE,
    PATH,
    SYMBOL,
    Errors,
    canonical,
    json_lenient,
    kind,
    obj,
    string,
    trim,
    unsigned,
    values,
)
from runner.sources.sentry_schema import platform as event_platform
from runner.triage.grouping.chained import chained_exception
from runner.triage.grouping.strategies import stacktrace
from store.signal import MAX_TEXT, ErrorDetail, Frame

MAX_FRAMES = 250
"""Sentry's ingestion keeps the last 250 frames of a stack (those nearest the crash)."""

# Relay's `^(\w+):(.*)$`: one line only (its `.` stops at a line break, `$` is the end).
_TYPE_IN_VALUE = re.compile(r"(\w+):(.*)")


def exception(
    event: dict[str, Any], errors: Errors, filter_groups: bool = True
) -> ErrorDetail | None:
    """The raised exception with its chain, or none when the event has no usable one."""
    entries = values(event.get("exception"), "exception", errors)
    raw = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            errors.note(f"exception.values[{index}]", f"expected an object, got {kind(entry)}")
            continue
        raw.append((index, canonical(entry, EXCEPTION_ALIASES)))
    if owns_stacktrace(event):
        index, only = raw[0]
        raw = [(index, {**only, "stacktrace": event["stacktrace"]})]
    details = [d for i, e in raw if (d := _one(e, i, errors, filter_groups)) is not None]
    if not details:
        return None
    return details[-1].model_copy(update={"chain": details[:-1]})


def owns_stacktrace(event: dict[str, Any]) -> bool:
    """Relay's `normalize_exceptions`: an event's own `stacktrace` becomes its exception's
    (replacing any the exception has) when its exception list has exactly one entry."""
    if event.get("stacktrace") is None:
        return False
    listed = event.get("exception")
    if isinstance(listed, dict) and "values" in listed:
        listed = listed["values"]
    elif isinstance(listed, dict) and listed:
        listed = [listed]
    return isinstance(listed, list) and len(listed) == 1 and isinstance(listed[0], dict)


def _one(
    value: dict[str, Any], index: int, errors: Errors, filter_groups: bool
) -> ErrorDetail | None:
    where = f"exception.values[{index}]"
    type_ = string(value.get("type"), f"{where}.type", errors) or None
    text = json_lenient(value.get("value")) or None
    if type_ is None and text is not None and (split := _TYPE_IN_VALUE.fullmatch(text)):
        # Relay reads `Type: message` in a value without a type as both.
        type_, text = split.group(1), split.group(2).strip()
    if type_ is None and not text:
        errors.note(where, "neither a type nor a value: dropped")
        return None
    mechanism = obj(value.get("mechanism"), f"{where}.mechanism", errors)
    if "type" not in mechanism:
        # Relay reads a mechanism without a type as the legacy form (`posix_signal`,
        # `mach_exception`), which has none of these, nor an NSError.
        mechanism = {}
    meta = mechanism.get("meta")
    ns_error = meta.get("ns_error") if isinstance(meta, dict) else None
    stacktrace = obj(value.get("stacktrace"), f"{where}.stacktrace", errors)
    try:
        return ErrorDetail(
            # No type stays none, as Relay leaves it: Sentry's type component is then empty.
            type=trim(type_, EXCEPTION_TYPE) or "",
            message=trim(text, MESSAGE) or "",
            module=trim(string(value.get("module"), f"{where}.module", errors), EXCEPTION_TYPE),
            frames=frames(stacktrace.get("frames"), f"{where}.stacktrace", errors),
            exception_id=unsigned(mechanism.get("exception_id")) if filter_groups else None,
            parent_id=unsigned(mechanism.get("parent_id")) if filter_groups else None,
            is_group=mechanism.get("is_exception_group") is True,
            synthetic=mechanism.get("synthetic") is True,
            ns_error=(str(ns_error.get("domain")), str(ns_error.get("code")))
            if isinstance(ns_error, dict)
            else None,
        )
    except ValidationError as exc:
        raise BadRecord(f"{where}: " + describe_validation_error(exc)) from exc


def frames(value: Any, where: str, errors: Errors) -> list[Frame]:
    """A stack trace's frames; null and non-object frames are dropped, the last 250 kept."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.note(f"{where}.frames", f"expected a list, got {kind(value)}")
        return []
    return [_frame(f, where, errors) for f in value if isinstance(f, dict)][-MAX_FRAMES:]


def _frame(frame: dict[str, Any], where: str, errors: Errors) -> Frame:
    def text(key: str) -> str | None:
        value = frame.get(key)
        if value is None or isinstance(value, str):
            return value or None
        errors.note(f"{where}.frames.{key}", f"expected a string, got {kind(value)}")
        return None

    filename, abs_path = trim(text("filename"), PATH), trim(text("abs_path"), PATH)
    file = filename or abs_path
    function = text("function")
    data = frame.get("data")
    context_line = frame.get("context_line")
    in_app = frame.get("in_app")
    if isinstance(data, dict) and "orig_in_app" in data:
        # An event Sentry stored carries the in-app mark its stack trace rules set, the
        # client's kept as `data.orig_in_app` (-1 for none): Sentry restores that one before
        # it applies the rules again (`normalize_stacktraces_for_grouping`), and so do we.
        in_app = data["orig_in_app"] in (1, True)
    return Frame(
        file=file,
        function=trim(function, SYMBOL) if function != "?" else None,
        module=text("module"),
        line=unsigned(frame.get("lineno")),
        in_app=in_app is True,
        # Relay's `process_non_raw_frame` fills a missing file name from `abs_path` (a URL's
        # path) and a missing `abs_path` from the file name, and leaves a pair sent as sent:
        # `abs_path` is kept when the producer sent a file name beside it, equal or not.
        abs_path=abs_path if filename else None,
        platform=text("platform"),
        column=unsigned(frame.get("colno")),
        context_line=context_line[:MAX_TEXT] if isinstance(context_line, str) else None,
        package=text("package"),
        raw_function=trim(text("raw_function"), SYMBOL),
        sourcemap=isinstance(data, dict) and data.get("sourcemap") is not None,
    )


def exception_groups(error: ErrorDetail, platform: Any) -> bool:
    """Whether Sentry's exception strategy contributes for this exception chain: when it does
    not, the event groups on its threads or stack trace as one without an exception does."""
    if not error.chain and (
        (error.type and not error.synthetic) or error.message or error.ns_error
    ):
        return True  # the common case, without building the trees: its type or value counts
    chain = [*error.chain, error]
    name = event_platform(platform)
    return any(chained_exception(chain, name, variant).contributes for variant in ("app", "system"))


def _contributes(found: list[Frame], platform: str) -> bool:
    """Whether any of these frames counts in Sentry's grouping (every frame's variant)."""
    return stacktrace(found, platform, "system").contributes


def event_stack(event: dict[str, Any], errors: Errors) -> list[Frame]:
    """The frames Sentry groups an event without an exception on: its one crashed thread,
    else its one current thread, else its only thread (threads outrank a bare `stacktrace`
    in Sentry's strategies), else the bare `stacktrace`, else its `template` as one frame."""
    threads = [t for t in values(event.get("threads"), "threads", errors) if isinstance(t, dict)]
    crashed = [t for t in threads if t.get("crashed") is True]
    current = [t for t in threads if t.get("current") is True]
    chosen = next((ts[0] for ts in (crashed, current, threads) if len(ts) == 1), None)
    found: list[Frame] = []
    if chosen is not None:
        stack = obj(chosen.get("stacktrace"), "threads.stacktrace", errors)
        found = frames(stack.get("frames"), "threads.stacktrace", errors)
    bare = obj(event.get("stacktrace"), "stacktrace", errors)
    if not found:
        found = frames(bare.get("frames"), "stacktrace", errors)
    elif bare.get("frames") and not _contributes(found, event_platform(event.get("platform"))):
        # Sentry runs every strategy and the first that contributes wins: a thread whose
        # frames all fail to count leaves the event's bare stack trace to group on.
        found = frames(bare.get("frames"), "stacktrace", errors) or found
    template = obj(event.get("template"), "template", errors)
    if not found and template:
        # A template error (Django, Jinja) is located by the template's file and line, as a
        # one-frame stack is; it groups on them as `grouping_template` says.
        keys = ("filename", "abs_path", "context_line", "lineno")
        found = frames([{k: template.get(k) for k in keys}], "template", errors)
    return found


def grouping_template(event: dict[str, Any]) -> dict[str, str] | None:
    """What Sentry's `template:v1` strategy groups an event without exception on when no
    thread's or bare stack does: the template's `filename` and `context_line`, as sent. None
    when the event has no template, or a stack groups it. A stack none of whose frames counts
    groups nothing: Sentry takes the first strategy, by score, that contributes."""
    template = event.get("template")
    if not isinstance(template, dict) or not template:
        return None
    stack = event_stack({**event, "template": None}, Errors())
    if stack and _contributes(stack, event_platform(event.get("platform"))):
        return None
    return {
        k: template[k] for k in ("filename", "context_line") if isinstance(template.get(k), str)
    }


def crash_frames(event: dict[str, Any], error: ErrorDetail | None) -> list[Frame]:
    """The frames Sentry finds the crash frame in (`get_crash_frame_from_event_data`, for
    fingerprint variables): the raised exception's, else the event's bare stack trace (moved
    into a lone exception by Relay, so only with several), else the stack of its one thread;
    not the crashed thread, nor a bare stack trace that does not contribute, as grouping."""
    if error is not None and error.frames:
        return error.frames
    errors = Errors()  # each part was read (and any fault noted) already
    bare = obj(event.get("stacktrace"), "stacktrace", errors)
    found = frames(bare.get("frames"), "stacktrace", errors)
    if found:
        return found
    threads = [t for t in values(event.get("threads"), "threads", errors) if isinstance(t, dict)]
    if len(threads) == 1:
        stack = obj(threads[0].get("stacktrace"), "threads.stacktrace", errors)
        return frames(stack.get("frames"), "threads.stacktrace", errors)
    return []
