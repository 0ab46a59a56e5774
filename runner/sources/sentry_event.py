"""Sentry event payloads (and legacy user reports) normalised into `Signal`s.

Field meanings follow `shared/reference/sentry-protocol.md`; how each field is read, and what
is refused, follows Relay, Sentry's ingestion (`sentry_schema`, `sentry_message`,
`sentry_stack`), so an event groups on what Sentry would group it on.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from runner.sources import security_message, security_report, sentry_stack
from runner.sources import sentry_schema as schema
from runner.sources.common import BadRecord, describe_validation_error, one_line
from runner.sources.sentry_message import logentry
from runner.triage.grouping import fingerprints
from store.signal import Action, Actor, ErrorDetail, Frame, Signal, content_id, utcnow

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
    # Keys only Sentry's pipeline writes (Relay's, and what Sentry adds to an event it stored).
    *("_meta", "_metrics", "_dsc", "_ref", "_ref_version", "_grouping", "grouping_config"),
    *("hashes", "key_id", "ingest_path", "nodestore_insert", "main_exception_id"),
    *("_fingerprint_info", "_relay_processed", "_partial_meta"),
}
# Keys that, next to a `message`, say a record is an event rather than a person's message.
_MESSAGE_COMPANIONS = {
    *("level", "timestamp", "release", "environment", "tags", "extra", "user", "contexts"),
    *("request", "server_name", "dist", "modules", "transaction"),
}
# Relay's other top-level event fields: a record holding nothing else but a `message` string
# is an event too (`{"message": "Queue stalled"}`), where a log line's own keys (`time`,
# `msg`, `host`) say it is not.
_EVENT_FIELDS = (
    _EVENT_KEYS
    | _MESSAGE_COMPANIONS
    | {
        *("message", "type", "version", "site", "received", "start_timestamp", "time_spent"),
        *("debug_meta", "errors", "transaction_info", "spans", "measurements", "breakdowns"),
        # What else Sentry adds to an event it stored (its `/events/{id}/json/` and exports).
        *("project", "metadata", "title", "location", "datetime", "occurrence"),
    }
)


def looks_like_event(record: dict[str, Any]) -> bool:
    """A Sentry event: any event-only key (a legacy `sentry.interfaces.*` name too, or one only
    Sentry's pipeline writes, as `_meta` or `hashes`), or a
    `message` that is an object (the older form of `logentry`), comes with an event's fields
    or with nothing but event fields. `event_id` is optional, as at Sentry's ingestion: an
    event without one gets a stable id from its content."""
    if _EVENT_KEYS & record.keys() or any(k.startswith("sentry.interfaces.") for k in record):
        return True
    message = record.get("message")
    return isinstance(message, dict) or (
        message is not None
        and (bool(_MESSAGE_COMPANIONS & record.keys()) or record.keys() <= _EVENT_FIELDS)
    )


def event_to_signal(record: dict[str, Any], raw: str, source: str) -> Signal:
    """One Sentry event (an `event` or `feedback` envelope item, or a `/store/` body), read
    as Relay reads it: refused only for a malformed `event_id`; a field of the wrong type is
    dropped and noted in the context `ingest_errors`."""
    now = utcnow()
    errors = schema.Errors()
    event = schema.canonical(record, schema.EVENT_ALIASES)
    event_id = schema.event_id(event.get("event_id"))
    contexts = _contexts(event.get("contexts"), errors)
    feedback = contexts.get("feedback") or {}
    is_feedback = event.get("type") == "feedback" or bool(feedback)
    error = sentry_stack.exception(event, errors, _filters_exception_groups(event))
    log = logentry(event.get("logentry"), errors)
    feedback_text = feedback.get("message")
    if is_feedback:
        text = feedback_text if isinstance(feedback_text, str) else None
    else:
        text = log.formatted
    tags = schema.tags(event.get("tags"), errors)
    environment = schema.environment(event.get("environment"), errors)
    tag_environment = tags.pop("environment", None)  # a legacy SDK's environment, as a tag
    for field in ("server_name", "site"):  # Relay makes these tags
        value = schema.string(event.get(field), field, errors)
        if value:
            tags[field] = value
    # Sentry makes these event fields tags too (`_pull_out_data`'s `set_tag`, which replaces a
    # client's tag of the name): fingerprint rules read them so.
    environment = environment or tag_environment
    level = schema.level(event.get("level"), errors)
    named = {
        "transaction": _transaction(event, errors),
        "logger": _logger(event, errors),
        "environment": environment,
        "level": level,
    }
    for field, value in named.items():
        if value:
            tags[field] = value
    fingerprint = schema.fingerprint(event.get("fingerprint"), errors)
    if fingerprint == ["{{ default }}"]:
        fingerprint = None
    extra = schema.obj(event.get("extra"), "extra", errors)
    intent = tags.get("intent") or extra.get("intent")
    stack_event = {**event, "stacktrace": None} if sentry_stack.owns_stacktrace(event) else event
    stack = (
        sentry_stack.event_stack(stack_event, errors)
        if error is None or not sentry_stack.exception_groups(error, event.get("platform"))
        else []
    )
    if _names_variable(fingerprint, fingerprints.FRAME_VARIABLES):
        contexts = _with_fingerprint_frames(contexts, event, error, stack)
    if _names_variable(fingerprint, fingerprints.FIELD_VARIABLES):
        # Sentry's variables read these event fields, not the tags a client may also send.
        fields = {f: named[f] for f in fingerprints.FIELD_VARIABLES.values()}
        contexts = {**contexts, fingerprints.FINGERPRINT_FIELDS: fields}
    timestamp = schema.timestamp(event.get("timestamp"), "timestamp", errors)
    contexts = _with_security_report(event, contexts, errors)
    try:
        return Signal(
            id=event_id or content_id(raw.strip()),
            kind="feedback" if is_feedback else "error",
            source=source,
            occurred_at=timestamp or now,
            received_at=now,
            title=_title(error, text, is_feedback, contexts.get("security_report")),
            route=_route(event, tags, feedback, errors),
            actor=_actor(schema.obj(event.get("user"), "user", errors), feedback, errors),
            workspace=tags.get("workspace") or tags.get("organization") or tags.get("tenant"),
            actions=_breadcrumbs(event.get("breadcrumbs"), errors),
            flags=_flags(contexts.get("flags")),
            intent=intent if isinstance(intent, str) else None,
            error=error,
            text=text or None,
            release=schema.release(event.get("release"), errors),
            environment=environment,
            level=level,
            fingerprint=fingerprint or None,
            platform=schema.platform(event.get("platform")),
            checksum=_checksum(event, errors),
            message_template=log.message,
            stack=stack,
            tags=tags,
            contexts=_with_errors(
                _with_template(contexts, stack_event, error),
                errors,
            ),
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("Sentry event: " + describe_validation_error(exc)) from exc


def security_report_to_signal(
    report: dict[str, Any],
    raw: str,
    source: str,
    *,
    release: str | None = None,
    environment: str | None = None,
    event_id: str | None = None,
) -> Signal:
    """A raw browser security report (a CSP, HPKP, Expect-CT or Expect-Staple body), read as
    the event Relay makes of it, so it groups and is titled as that event would be. A report
    names no event id: without `event_id` its id is one of its content (a file read twice is
    stored once)."""
    event = security_report.report_event(report, release=release, environment=environment)
    if event_id is not None:
        event["event_id"] = event_id
    return event_to_signal(event, raw, source)


def user_report_to_signal(report: dict[str, Any], raw: str, source: str) -> Signal:
    """A legacy `user_report` item: feedback about the event named by its `event_id`."""
    comments = report.get("comments")
    if not isinstance(comments, str) or not comments.strip():
        raise BadRecord("user report has no 'comments' text")
    event_id = _report_event_id(report.get("event_id"))
    now = utcnow()
    try:
        return Signal(
            id=content_id("user_report", event_id, comments),
            kind="feedback",
            source=source,
            occurred_at=now,
            received_at=now,
            title=one_line(comments),
            actor=Actor(name=schema.lenient(report.get("name")), email=_text(report.get("email"))),
            text=comments,
            contexts={"feedback": {"associated_event_id": event_id}},
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("user report: " + describe_validation_error(exc)) from exc


def _report_event_id(value: Any) -> str:
    """The reported event's id as events' ids are stored (32 lower hex digits), so a report
    naming it `4C1D5E0F-...` still finds it; an id that is no UUID is kept as it is."""
    try:
        return schema.event_id(value) or ""
    except BadRecord:
        return str(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _contexts(value: Any, errors: schema.Errors) -> dict[str, Any]:
    """`contexts`: an object of context objects; a context that is not an object is dropped."""
    contexts = schema.obj(value, "contexts", errors)
    kept = {k: v for k, v in contexts.items() if isinstance(v, dict)}
    for key in contexts.keys() - kept.keys():
        errors.note(f"contexts.{key}", f"expected an object, got {schema.kind(contexts[key])}")
    return kept


def _checksum(event: dict[str, Any], errors: schema.Errors) -> str | None:
    value = schema.string(event.get("checksum"), "checksum", errors)
    return schema.trim(value, schema.HASH) or None


def _transaction(event: dict[str, Any], errors: schema.Errors) -> str | None:
    value = schema.string(event.get("transaction"), "transaction", errors)
    return schema.trim(value.strip(), schema.TRANSACTION) if value else None


def _logger(event: dict[str, Any], errors: schema.Errors) -> str | None:
    value = schema.string(event.get("logger"), "logger", errors)
    if value is None or "\r" in value or "\n" in value:
        return None  # Relay's `deny_chars` for the logger: the value is dropped
    return schema.trim(value.strip(), schema.LOGGER) or None


def _with_security_report(
    event: dict[str, Any], contexts: dict[str, Any], errors: schema.Errors
) -> dict[str, Any]:
    """A browser security report (CSP, HPKP, Expect-CT, Expect-Staple) kept as the context
    `security_report` (`kind` and the report's fields): what such an event groups on."""
    for kind in security_report.KINDS:
        report = schema.obj(event.get(kind), kind, errors)
        if report:
            return {**contexts, "security_report": {**report, "kind": kind}}
    return contexts


def _with_template(
    contexts: dict[str, Any], event: dict[str, Any], error: ErrorDetail | None
) -> dict[str, Any]:
    """A template error's template, kept as the context `grouping_template` when it is what
    the event groups on (no exception, no stack)."""
    if error is not None or event.get("template") is None:
        return contexts
    template = sentry_stack.grouping_template(event)
    return contexts if template is None else {**contexts, "grouping_template": template}


def _names_variable(fingerprint: list[str] | None, names: Container[str]) -> bool:
    """Whether a client's fingerprint has a variable (`{{ stack.function }}`) of `names`."""
    for part in fingerprint or ():
        found = fingerprints.VARIABLE.match(part)
        if found is not None and found.group(1) in names:
            return True
    return False


def _with_fingerprint_frames(
    contexts: dict[str, Any], event: dict[str, Any], error: ErrorDetail | None, stack: list[Frame]
) -> dict[str, Any]:
    """The frames Sentry's fingerprint variables read, kept as a context where they are not
    those grouping reads (an exception without a stack, a message with threads)."""
    found = sentry_stack.crash_frames(event, error)
    if found == (error.frames if error is not None and error.frames else stack):
        return contexts
    kept = [f.model_dump(exclude_defaults=True) for f in found]
    return {**contexts, fingerprints.FINGERPRINT_FRAMES: {"frames": kept}}


def _with_errors(contexts: dict[str, Any], errors: schema.Errors) -> dict[str, Any]:
    """What Relay would have dropped from the event, kept so a person can see why."""
    return {**contexts, "ingest_errors": list(errors)} if errors else contexts


def _filters_exception_groups(event: dict[str, Any]) -> bool:
    """Whether Sentry reduces this event's exception groups: not for Python SDK 3.x events,
    which Sentry groups on every exception as listed (its `newstyle` strategy keeps the older
    SDKs' grouping so). The tree ids are then left out, and grouping keeps the whole list."""
    sdk = event.get("sdk")
    version = sdk.get("version") if isinstance(sdk, dict) else None
    return not (
        event.get("platform") == "python" and isinstance(version, str) and version.startswith("3")
    )


def _route(
    event: dict[str, Any], tags: dict[str, str], feedback: dict[str, Any], errors: schema.Errors
) -> str | None:
    if tags.get("route"):
        return tags["route"]
    request = schema.obj(event.get("request"), "request", errors)
    url = request.get("url")
    url = url if isinstance(url, str) and url else feedback.get("url")
    if isinstance(url, str) and url:
        try:
            return urlsplit(url).path or "/"
        except ValueError:
            errors.note("request.url", f"{url[:40]!r} is not a URL")
    return tags.get("transaction")


def _actor(user: dict[str, Any], feedback: dict[str, Any], errors: schema.Errors) -> Actor | None:
    email = schema.string(user.get("email"), "user.email", errors) or feedback.get("contact_email")
    name = (
        schema.lenient(user.get("username"))
        or schema.string(user.get("name"), "user.name", errors)
        or feedback.get("name")
    )
    actor = Actor(
        id=schema.lenient(user.get("id")) or None,
        email=email if isinstance(email, str) and email else None,
        name=name if isinstance(name, str) and name else None,
    )
    return actor if actor.id or actor.email or actor.name else None


def _breadcrumbs(value: Any, errors: schema.Errors) -> list[Action]:
    crumbs = [c for c in schema.values(value, "breadcrumbs", errors) if isinstance(c, dict)]
    actions = []
    for crumb in crumbs[-50:]:  # the last actions matter; a long trail is noise
        message = schema.json_lenient(crumb.get("message"))
        data = crumb.get("data")
        category, level = crumb.get("category"), crumb.get("level")
        try:
            actions.append(
                Action(
                    message=message or "",
                    category=category if isinstance(category, str) else None,
                    timestamp=schema.timestamp(crumb.get("timestamp"), "breadcrumb", errors),
                    level=level if isinstance(level, str) else None,
                    data=data if isinstance(data, dict) else {},
                )
            )
        except ValidationError:
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


def _title(
    error: ErrorDetail | None, text: str | None, is_feedback: bool, report: Any = None
) -> str:
    if error is not None and not is_feedback:
        shown = error.shown_type  # "Error" for a value-only exception, as Sentry titles it
        return one_line(f"{shown}: {error.message}" if error.message else shown, 512)
    if text:
        return one_line(text)
    if isinstance(report, dict) and not is_feedback:
        # Sentry titles a security event by its report (`eventtypes/security.py`), so one
        # that arrived without a message reads as its raw report would have.
        found = security_message.message(str(report.get("kind")), report)
        if found:
            return one_line(found)
    return "(feedback without text)" if is_feedback else "(event without message)"
