"""Sentry event payloads (and legacy user reports) normalised into `Signal`s.

Field meanings follow `shared/reference/sentry-protocol.md` §4 and §7: exceptions are ordered
cause first, raised last; frames caller first, crashing frame last.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from runner.sources.common import (
    BadRecord,
    describe_validation_error,
    one_line,
    parse_timestamp,
)
from store.signal import (
    MAX_TEXT,
    Action,
    Actor,
    ErrorDetail,
    Frame,
    Signal,
    content_id,
    utcnow,
)

_EVENT_KEYS = {
    "exception",
    "logentry",
    "event_id",
    "platform",
    "breadcrumbs",
    "sdk",
    "checksum",
    "culprit",
    "logger",
    "fingerprint",
    "threads",
    "stacktrace",
    "template",
    "csp",
    "hpkp",
    "expectct",
    "expectstaple",
}
# Keys that, next to a `message`, say a record is an event rather than a person's message.
_MESSAGE_COMPANIONS = {"level", "timestamp", "release", "environment", "tags", "extra", "user"}


def looks_like_event(record: dict[str, Any]) -> bool:
    """A Sentry event: any event-only key, or a `message` that is an object (the older form of
    `logentry`) or comes with an event's fields. `event_id` is optional, as at Sentry's
    ingestion: an event without one gets a stable id from its content."""
    if _EVENT_KEYS & record.keys():
        return True
    message = record.get("message")
    return isinstance(message, dict) or (
        message is not None and bool(_MESSAGE_COMPANIONS & record.keys())
    )


def event_to_signal(event: dict[str, Any], raw: str, source: str) -> Signal:
    """One Sentry event (an `event` or `feedback` envelope item, or a `/store/` body)."""
    now = utcnow()
    contexts = _dict(event.get("contexts"), "contexts")
    feedback = _dict(contexts.get("feedback"), "contexts.feedback")
    is_feedback = event.get("type") == "feedback" or bool(feedback)
    error = _exception(event.get("exception"), _filters_exception_groups(event))
    message = _message(event)
    text = str(feedback.get("message") or "") if is_feedback else message
    tags = _tags(event.get("tags"))
    # Sentry makes these event fields tags too: fingerprint rules and variables read them so.
    for field in ("transaction", "logger"):
        value = event.get(field)
        if isinstance(value, str) and value and field not in tags:
            tags[field] = value
    fingerprint = event.get("fingerprint")
    if fingerprint is not None and (
        not isinstance(fingerprint, list) or fingerprint == ["{{ default }}"]
    ):
        fingerprint = None
    try:
        return Signal(
            id=_event_id(event) or content_id(raw.strip()),
            kind="feedback" if is_feedback else "error",
            source=source,
            occurred_at=parse_timestamp(event.get("timestamp"), now),
            received_at=now,
            title=_title(error, text, is_feedback),
            route=_route(event, tags, feedback),
            actor=_actor(event.get("user"), feedback),
            workspace=tags.get("workspace") or tags.get("organization") or tags.get("tenant"),
            actions=_breadcrumbs(event.get("breadcrumbs")),
            flags=_flags(contexts.get("flags")),
            intent=tags.get("intent") or _dict(event.get("extra"), "extra").get("intent"),
            error=error,
            text=text[:MAX_TEXT] if text else None,
            release=_str(event.get("release")),
            environment=_str(event.get("environment")),
            level=_str(event.get("level")),
            fingerprint=[str(part) for part in fingerprint] if fingerprint else None,
            platform=_str(event.get("platform")) or "other",  # as Sentry defaults it
            checksum=_str(event.get("checksum")) or None,
            message_template=_template(event),
            stack=_thread_stack(event) if error is None else [],
            tags=tags,
            contexts=_with_security_report(event, contexts),
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("Sentry event: " + describe_validation_error(exc)) from exc


def user_report_to_signal(report: dict[str, Any], raw: str, source: str) -> Signal:
    """A legacy `user_report` item: feedback about the event named by its `event_id`."""
    comments = report.get("comments")
    if not isinstance(comments, str) or not comments.strip():
        raise BadRecord("user report has no 'comments' text")
    event_id = str(report.get("event_id") or "")
    now = utcnow()
    try:
        return Signal(
            id=content_id("user_report", event_id, comments),
            kind="feedback",
            source=source,
            occurred_at=now,
            received_at=now,
            title=one_line(comments),
            actor=Actor(name=_str(report.get("name")), email=_str(report.get("email"))),
            text=comments[:MAX_TEXT],
            contexts={"feedback": {"associated_event_id": event_id}},
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("user report: " + describe_validation_error(exc)) from exc


def _event_id(event: dict[str, Any]) -> str | None:
    value = event.get("event_id")
    if value is None:
        return None
    text = str(value).replace("-", "").lower()
    if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
        raise BadRecord(f"event_id {str(value)[:40]!r} is not 32 hexadecimal digits")
    return text


def _dict(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRecord(f"'{name}' should be an object, got {type(value).__name__}")
    return value


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _message(event: dict[str, Any]) -> str | None:
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        return _str(logentry.get("formatted") or logentry.get("message"))
    message = event.get("message")
    if isinstance(message, dict):  # the older interface form of `logentry`
        return _str(message.get("formatted") or message.get("message"))
    return _str(message)


def _thread_stack(event: dict[str, Any]) -> list[Frame]:
    """The frames Sentry groups an event without an exception on: its one crashed thread,
    else its one current thread, else its only thread (threads outrank a bare `stacktrace`
    in Sentry's strategies), else the bare `stacktrace`."""
    threads = event.get("threads")
    values = threads.get("values") if isinstance(threads, dict) else threads
    candidates = [t for t in values if isinstance(t, dict)] if isinstance(values, list) else []
    crashed = [t for t in candidates if t.get("crashed")]
    current = [t for t in candidates if t.get("current")]
    chosen = next((ts[0] for ts in (crashed, current, candidates) if len(ts) == 1), None)
    stack = chosen.get("stacktrace") if chosen else None
    frames = stack.get("frames") if isinstance(stack, dict) else None
    if not frames:
        stack = event.get("stacktrace")
        frames = stack.get("frames") if isinstance(stack, dict) else None
    template = event.get("template")
    if not frames and isinstance(template, dict):
        # A template error (Django, Jinja) groups on the template's file and line, as a
        # one-frame stack does; Sentry ranks it just below a stack trace.
        frames = [{k: template.get(k) for k in ("filename", "abs_path", "context_line", "lineno")}]
    return _frames(frames)


_SECURITY_REPORTS = ("csp", "hpkp", "expectct", "expectstaple")


def _with_security_report(event: dict[str, Any], contexts: dict[str, Any]) -> dict[str, Any]:
    """A browser security report (CSP, HPKP, Expect-CT, Expect-Staple) kept as the context
    `security_report` (`kind` and the report's fields): what such an event groups on."""
    for kind in _SECURITY_REPORTS:
        report = event.get(kind)
        if isinstance(report, dict):
            return {**contexts, "security_report": {**report, "kind": kind}}
    return contexts


def _template(event: dict[str, Any]) -> str | None:
    """The message before formatting (`logentry.message`), what a message event groups on."""
    for key in ("logentry", "message"):
        value = event.get(key)
        if isinstance(value, dict) and isinstance(value.get("message"), str):
            return value["message"][:MAX_TEXT] or None
    return None


def _filters_exception_groups(event: dict[str, Any]) -> bool:
    """Whether Sentry reduces this event's exception groups: not for Python SDK 3.x events,
    which Sentry groups on every exception as listed (its `newstyle` strategy keeps the older
    SDKs' grouping so). The tree ids are then left out, and grouping keeps the whole list."""
    sdk = event.get("sdk")
    version = sdk.get("version") if isinstance(sdk, dict) else None
    return not (
        event.get("platform") == "python" and isinstance(version, str) and version.startswith("3")
    )


def _exception(value: Any, filter_groups: bool = True) -> ErrorDetail | None:
    if value is None:
        return None
    values = value.get("values") if isinstance(value, dict) else value
    if not isinstance(values, list):
        raise BadRecord("'exception' should hold a list of 'values'")
    # Sentry drops null entries of the list, as it does null frames.
    details = [_one_exception(v, i, filter_groups) for i, v in enumerate(values) if v is not None]
    if not details:
        return None
    raised = details[-1]
    return raised.model_copy(update={"chain": details[:-1]})


def _one_exception(value: Any, index: int, filter_groups: bool = True) -> ErrorDetail:
    if not isinstance(value, dict):
        raise BadRecord(f"exception.values[{index}] should be an object")
    stacktrace = value.get("stacktrace") or {}
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    mechanism = value.get("mechanism")
    mechanism = mechanism if isinstance(mechanism, dict) else {}
    meta = mechanism.get("meta")
    ns_error = meta.get("ns_error") if isinstance(meta, dict) else None
    type_, text = value.get("type"), str(value.get("value") or "")
    if not type_ and (split := _TYPE_IN_VALUE.match(text)):
        # Sentry's ingestion reads `Type: message` in a value without a type as both.
        type_, text = split.group(1), split.group(2).strip()
    try:
        return ErrorDetail(
            type=str(type_ or "Error"),
            message=text[:MAX_TEXT],
            module=_str(value.get("module")),
            frames=_frames(frames),
            exception_id=_int(mechanism.get("exception_id")) if filter_groups else None,
            parent_id=_int(mechanism.get("parent_id")) if filter_groups else None,
            is_group=mechanism.get("is_exception_group") is True,
            synthetic=mechanism.get("synthetic") is True,
            ns_error=(str(ns_error.get("domain")), str(ns_error.get("code")))
            if isinstance(ns_error, dict)
            else None,
        )
    except ValidationError as exc:
        raise BadRecord(f"exception.values[{index}]: " + describe_validation_error(exc)) from exc


_TYPE_IN_VALUE = re.compile(r"^(\w+):(.*)$", re.S)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


MAX_FRAMES = 250
"""Sentry's ingestion keeps the last 250 frames of a stack (those nearest the crash)."""


def _frames(frames: Any) -> list[Frame]:
    if not isinstance(frames, list):
        return []
    return [_frame(f) for f in frames if isinstance(f, dict)][-MAX_FRAMES:]


def _frame(frame: dict[str, Any]) -> Frame:
    abs_path = _str(frame.get("abs_path"))
    file = _str(frame.get("filename")) or abs_path
    data = frame.get("data")
    context_line = frame.get("context_line")
    return Frame(
        file=file,
        function=_str(frame.get("function")),
        module=_str(frame.get("module")),
        line=_int(frame.get("lineno")),
        in_app=frame.get("in_app") is True,
        abs_path=abs_path if abs_path != file else None,
        platform=_str(frame.get("platform")),
        column=_int(frame.get("colno")),
        context_line=context_line[:MAX_TEXT] if isinstance(context_line, str) else None,
        package=_str(frame.get("package")),
        raw_function=_str(frame.get("raw_function")),
        sourcemap=isinstance(data, dict) and data.get("sourcemap") is not None,
    )


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):  # the `[[key, value], ...]` form
        pairs = [p for p in value if isinstance(p, list | tuple) and len(p) == 2]
        return {str(k): str(v) for k, v in pairs}
    raise BadRecord("'tags' should be an object or a list of [key, value] pairs")


def _route(event: dict[str, Any], tags: dict[str, str], feedback: dict[str, Any]) -> str | None:
    if tags.get("route"):
        return tags["route"]
    request = event.get("request")
    url = request.get("url") if isinstance(request, dict) else None
    url = url or feedback.get("url")
    if isinstance(url, str) and url:
        return urlsplit(url).path or "/"
    return _str(event.get("transaction"))


def _actor(user: Any, feedback: dict[str, Any]) -> Actor | None:
    user = user if isinstance(user, dict) else {}
    actor = Actor(
        id=_str(user.get("id")),
        email=_str(user.get("email") or feedback.get("contact_email")),
        name=_str(user.get("username") or user.get("name") or feedback.get("name")),
    )
    return actor if actor.id or actor.email or actor.name else None


def _breadcrumbs(value: Any) -> list[Action]:
    crumbs = value.get("values") if isinstance(value, dict) else value
    if not isinstance(crumbs, list):
        return []
    actions = []
    for crumb in crumbs[-50:]:  # the last actions matter; a long trail is noise
        if not isinstance(crumb, dict):
            continue
        try:
            actions.append(
                Action(
                    message=str(crumb.get("message") or "")[:MAX_TEXT],
                    category=_str(crumb.get("category")),
                    timestamp=parse_timestamp(crumb.get("timestamp"), utcnow())
                    if crumb.get("timestamp") is not None
                    else None,
                    level=_str(crumb.get("level")),
                    data=crumb.get("data") if isinstance(crumb.get("data"), dict) else {},
                )
            )
        except (ValidationError, BadRecord):
            continue  # one odd breadcrumb does not make the event bad
    return actions


def _flags(value: Any) -> dict[str, Any]:
    """Sentry's `flags` context: `{"values": [{"flag": name, "result": value}, ...]}`."""
    if not isinstance(value, dict) or not isinstance(value.get("values"), list):
        return {}
    return {
        str(item["flag"]): item.get("result")
        for item in value["values"]
        if isinstance(item, dict) and "flag" in item
    }


def _title(error: ErrorDetail | None, text: str | None, is_feedback: bool) -> str:
    if error is not None and not is_feedback:
        return one_line(f"{error.type}: {error.message}" if error.message else error.type, 512)
    if text:
        return one_line(text)
    return "(feedback without text)" if is_feedback else "(event without message)"
