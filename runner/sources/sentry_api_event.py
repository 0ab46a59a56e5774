"""An event as Sentry's Web API returns it, reshaped into the ingest payload `event_to_signal`
reads.

The API's event JSON is not the ingest payload: the interfaces (exception, stack trace,
threads, template, breadcrumbs, request, message, security reports) live in an `entries` list
of `{"type", "data"}`, frames use camelCase (`lineNo`, `inApp`, `absPath`), tags are
`{key, value}` objects and `release` is an object. A record of this shape read from a file is
an event too (`looks_like_api_event`).
"""

from __future__ import annotations

from typing import Any

_FRAME_KEYS = {
    "absPath": "abs_path",
    "lineNo": "lineno",
    "colNo": "colno",
    "inApp": "in_app",
    "rawFunction": "raw_function",
    "contextLine": "context_line",
    "instructionAddr": "instruction_addr",
    "symbolAddr": "symbol_addr",
    "imageAddr": "image_addr",
}
_ISSUE_KEYS = ("id", "shortId", "title", "culprit", "permalink", "count", "userCount",
               "firstSeen", "lastSeen", "status", "level")  # fmt: skip
# Entries whose data is the ingest interface as it is (frames aside).
_AS_IS = ("template", "csp", "hpkp", "expectct", "expectstaple")


def looks_like_api_event(record: dict[str, Any]) -> bool:
    """An event in the Web API's shape: its interfaces in `entries`, its id `eventID`."""
    return isinstance(record.get("entries"), list) and (
        "eventID" in record or "dateCreated" in record or "groupID" in record
    )


def api_event_to_payload(
    api: dict[str, Any], issue: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An event as the Web API returns it, reshaped into the payload `event_to_signal` reads."""
    tags = _api_tags(api.get("tags"))
    payload: dict[str, Any] = {
        "event_id": api.get("eventID") or api.get("event_id"),
        "timestamp": api.get("dateCreated") or api.get("dateReceived"),
        "platform": api.get("platform"),
        "level": tags.get("level") or api.get("level"),
        "environment": tags.get("environment"),
        "tags": tags,
        "user": api.get("user"),
        "contexts": dict(api.get("contexts") or {}),
        "extra": api.get("context") if isinstance(api.get("context"), dict) else None,
        "transaction": tags.get("transaction"),
        "sdk": api.get("sdk"),
    }
    if isinstance(api.get("fingerprint"), list):
        payload["fingerprint"] = api["fingerprint"]
    release = api.get("release")
    payload["release"] = release.get("version") if isinstance(release, dict) else release
    payload["release"] = payload["release"] or tags.get("release")
    if api.get("type") == "feedback":
        payload["type"] = "feedback"
    for entry in api.get("entries") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
            continue
        data, kind = entry["data"], entry.get("type")
        if kind == "exception":
            values = data.get("values")
            if isinstance(values, list):
                values = [_with_frames(v) for v in values]
            payload["exception"] = {"values": values}  # event_to_signal judges odd shapes
        elif kind == "threads":
            values = data.get("values")
            if isinstance(values, list):
                values = [_with_frames(v) for v in values]
            payload["threads"] = {"values": values}
        elif kind == "stacktrace":
            payload["stacktrace"] = _frames_renamed(data)
        elif kind in _AS_IS:
            payload[kind] = data
        elif kind == "breadcrumbs":
            payload["breadcrumbs"] = {"values": data.get("values") or []}
        elif kind == "request":
            payload["request"] = {"url": data.get("url"), "method": data.get("method")}
        elif kind == "message":
            payload["logentry"] = {
                "formatted": data.get("formatted"),
                "message": data.get("message"),
            }
    if "logentry" not in payload and api.get("message"):
        payload["message"] = api["message"]
    if issue:
        # Where the signal came from, so a reviewer can open the issue in Sentry.
        payload["contexts"]["sentry_issue"] = {k: issue.get(k) for k in _ISSUE_KEYS if k in issue}
    return {k: v for k, v in payload.items() if v is not None}


def _api_tags(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    tags: dict[str, str] = {}
    for tag in value or []:
        if isinstance(tag, dict) and "key" in tag:
            tags[str(tag["key"])] = str(tag.get("value"))
        elif isinstance(tag, list | tuple) and len(tag) == 2:
            tags[str(tag[0])] = str(tag[1])
    return tags


def _with_frames(value: Any) -> Any:
    """An exception or thread with its stack trace's frames in the ingest spelling."""
    if not isinstance(value, dict) or not isinstance(value.get("stacktrace"), dict):
        return value  # event_to_signal says what is wrong with it
    return {**value, "stacktrace": _frames_renamed(value["stacktrace"])}


def _frames_renamed(stacktrace: dict[str, Any]) -> dict[str, Any]:
    frames = stacktrace.get("frames")
    if not isinstance(frames, list):
        return stacktrace
    return {**stacktrace, "frames": [_frame(f) if isinstance(f, dict) else f for f in frames]}


def _frame(frame: dict[str, Any]) -> dict[str, Any]:
    """One frame in the ingest spelling; the API gives the source as `context`, a list of
    `[line number, line]`, from which the frame's own line is its `context_line`."""
    out = {_FRAME_KEYS.get(k, k): v for k, v in frame.items()}
    context = out.pop("context", None)
    if "context_line" not in out and isinstance(context, list):
        lineno = out.get("lineno")
        for pair in context:
            if isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] == lineno:
                out["context_line"] = pair[1]
    return out
