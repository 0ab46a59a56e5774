"""One request to the Sentry-compatible endpoint, judged: route, key, body, items, reply.

`judge` is pure (no sockets, no store): it gets what the HTTP layer read and returns the reply
plus what to store. `runner/sources/sentry_endpoint.py` does the HTTP and the writing.

What is kept and what is not:
- 401 (missing or wrong key), 403 (envelope `dsn` names another project), 404 (unknown path or
  project), 405, 411 and 413 (too large, or inflates past the cap) store **nothing**: the sender
  is not trusted, or the body was never read in full.
- 400 (malformed) and 415 (unsupported encoding) from an authenticated sender keep the body in
  the quarantine with the reason; the reply names the quarantine row.
- In an envelope, each bad item is quarantined alone (its payload, with the reason) and the good
  items are stored; the reply is 200 unless no item could be stored, then 400.
- The security route (`/api/<project>/security/`, and Sentry's older `/csp-report/`) takes the
  raw reports browsers send, with the key in the query (`?sentry_key=KEY`: a browser sends no
  auth header); without one it is 401 before the body is read. A content type Relay does not
  take is 415, quarantined. Each report of a Reporting API list is judged alone, as an item;
  one of a type Overnight does not read (a `deprecation` report) is ignored, as Relay drops it.
  A stored report gets Relay's reply: 200 with an empty body.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from runner.sources import Parsed
from runner.sources.http_body import BodyError, decode_body, legacy_store_body
from runner.sources.records import BadRecord
from runner.sources.security_report import KINDS, report_kind
from runner.sources.sentry_envelope import (
    SIGNAL_ITEM_TYPES,
    Envelope,
    envelope_signals,
    parse_envelope,
)
from runner.sources.sentry_event import event_to_signal, security_report_to_signal
from store.signal import Signal
from store.signals import rejection

SOURCE = "sentry-endpoint"
_ROUTE = re.compile(r"^/api/(?P<project>[^/]+)/(?P<kind>envelope|store|security|csp-report)/?$")
# Relay's `is_security_mime`, with the Reporting API's `application/reports+json`.
_SECURITY_TYPES = frozenset(
    {
        *("application/json", "application/csp-report", "application/reports+json"),
        *("application/expect-ct-report", "application/expect-ct-report+json"),
        "application/expect-staple-report",
    }
)
_REPORT_QUERY = ("sentry_release", "sentry_environment")
_EVENT_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Limits:
    """What the endpoint accepts: its project, its key and the body caps."""

    project: str
    key: str
    max_body_bytes: int
    max_inflated_bytes: int


@dataclass
class Verdict:
    """The reply to send and what to store before sending it."""

    status: int
    body: dict[str, Any] | None
    """The JSON reply; None for an empty one (Relay's to a stored security report)."""
    store: list[Parsed] = field(default_factory=list)
    ignored_items: int = 0


def route(path: str) -> tuple[str, str] | None:
    """`(project, "envelope" | "store" | "security")` for an ingest path (query ignored),
    else None."""
    match = _ROUTE.match(urlsplit(path).path)
    if not match:
        return None
    return match["project"], "security" if match["kind"] == "csp-report" else match["kind"]


def request_key(headers: dict[str, str], path: str) -> str | None:
    """The public key from `X-Sentry-Auth` or the `sentry_key` query parameter."""
    auth = headers.get("x-sentry-auth") or ""
    if auth:
        auth = auth.strip()
        if auth.lower().startswith("sentry "):
            auth = auth[7:]
        for part in auth.split(","):
            name, _, value = part.strip().partition("=")
            if name.strip() == "sentry_key" and value.strip():
                return value.strip()
    values = parse_qs(urlsplit(path).query).get("sentry_key")
    return values[0] if values else None


def key_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def error(status: int, message: str, **extra: Any) -> Verdict:
    return Verdict(status=status, body={"error": message, **extra})


class Admitted(NamedTuple):
    """A request its line and headers let through: which endpoint, and the key it sent in its
    headers or query (None when only the envelope's header can carry one)."""

    kind: str
    """`envelope`, `store` or `security`."""
    key: str | None


def admit(limits: Limits, path: str, headers: dict[str, str]) -> Admitted | Verdict:
    """What the request line and headers alone decide, before a byte of the body is read: a
    refusal (not an ingest path, another project, a wrong key), or the request admitted.
    Headers lower-cased."""
    where = route(path)
    if where is None:
        return error(404, "not a Sentry ingest path; use /api/<project>/envelope/")
    project, kind = where
    if project != limits.project:
        return error(404, f"unknown project {project[:40]!r}; this endpoint serves one project")
    key = request_key(headers, path)
    if key is not None and not key_matches(key, limits.key):
        return error(401, "wrong sentry_key for this project")
    if key is None and kind == "security":
        return _missing_key()  # no envelope header can carry one here
    return Admitted(kind, key)


def judge(
    limits: Limits,
    admitted: Admitted,
    path: str,
    headers: dict[str, str],
    raw: bytes,
    client: str,
) -> Verdict:
    """Everything after the body of an admitted request was read (within `max_body_bytes`);
    headers lower-cased."""
    kind, key = admitted
    origin = f"{client} POST {urlsplit(path).path}"
    if encoding := headers.get("content-encoding"):
        # The same bytes under another encoding fail for another reason: a row of their own.
        origin += f" (Content-Encoding: {encoding[:40]})"
    try:
        body = decode_body(raw, headers.get("content-encoding"), limits.max_inflated_bytes)
    except BodyError as exc:
        if exc.status == 413:
            return error(413, str(exc))
        if key is None:
            return _missing_key()
        return _quarantined(exc.status, str(exc), origin, raw)
    if kind == "store":
        if key is None:
            return _missing_key()
        try:
            body = legacy_store_body(body, limits.max_inflated_bytes)
        except BodyError as exc:
            if exc.status == 413:
                return error(413, str(exc))
            return _quarantined(exc.status, str(exc), origin, body)
        return _store_body(body, origin)
    if kind == "security":
        return _security_body(body, origin, headers, path)
    return _envelope_body(limits, body, origin, key)


def _missing_key() -> Verdict:
    return error(
        401,
        "missing sentry_key: send 'X-Sentry-Auth: Sentry sentry_key=KEY, sentry_version=7', "
        "?sentry_key=KEY, or a 'dsn' in the envelope header",
    )


def _quarantined(status: int, reason: str, origin: str, raw: bytes) -> Verdict:
    row = rejection(SOURCE, origin, reason, raw)
    return Verdict(status=status, body={"error": reason, "quarantined": row.id}, store=[row])


def _read_json(body: bytes, what: str, origin: str) -> tuple[str, Any] | Verdict:
    """A body's text and JSON value, or its quarantine (400) saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
        return text, json.loads(text)
    except UnicodeDecodeError as exc:
        return _quarantined(400, f"{what} is not UTF-8 text ({exc.reason})", origin, body)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        return _quarantined(400, reason, origin, body)
    except (ValueError, RecursionError) as exc:
        return _quarantined(400, _reason(exc), origin, body)


def _store_body(body: bytes, origin: str) -> Verdict:
    """Legacy `/store/`: one bare event JSON."""
    read = _read_json(body, "event", origin)
    if isinstance(read, Verdict):
        return read
    text, event = read
    try:
        if not isinstance(event, dict):
            raise BadRecord(f"expected a JSON object, got {type(event).__name__}")
        signal = event_to_signal(event, text, SOURCE)
    except (BadRecord, ValueError, RecursionError) as exc:
        return _quarantined(400, _reason(exc), origin, body)
    return Verdict(status=200, body={"id": signal.id}, store=[signal])


def _security_body(body: bytes, origin: str, headers: dict[str, str], path: str) -> Verdict:
    """Relay's security endpoint: one raw report, or a Reporting API list of them, with the
    release and environment its query names (`sentry_release`, `sentry_environment`)."""
    mime = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime not in _SECURITY_TYPES:
        reason = (
            f"Content-Type {mime[:60]!r} is not a security report's; send "
            "application/csp-report, application/reports+json or application/json"
        )
        return _quarantined(415, reason, origin, body)
    if not body.strip():
        return _quarantined(400, "the security report body is empty", origin, body)
    read = _read_json(body, "report", origin)
    if isinstance(read, Verdict):
        return read
    text, value = read
    query = parse_qs(urlsplit(path).query)
    release, environment = (query.get(name, [None])[0] for name in _REPORT_QUERY)
    batch = isinstance(value, list)
    store: list[Parsed] = []
    rejected: list[dict[str, Any]] = []
    ignored = 0
    for number, report in enumerate(value if batch else [value], start=1):
        raw = json.dumps(report, ensure_ascii=False) if batch else text
        try:
            if not isinstance(report, dict):
                raise BadRecord(f"expected a JSON object, got {type(report).__name__}")
            if report_kind(report) not in (*KINDS, None):
                ignored += 1  # a Reporting API report of another type: Relay drops it
                continue
            # Each report a browser sends is an occurrence, as Relay gives each an event id:
            # two browsers hitting one violation report the same body, and count twice.
            signal = security_report_to_signal(
                report,
                raw,
                SOURCE,
                release=release,
                environment=environment,
                event_id=uuid.uuid4().hex,
            )
            store.append(signal)
        except (BadRecord, ValueError, RecursionError) as exc:
            where = f"{origin} report {number}" if batch else origin
            row = rejection(SOURCE, where, _reason(exc), raw.encode("utf-8"))
            store.append(row)
            rejected.append({"report": number, "error": _reason(exc), "quarantined": row.id})
    if rejected and len(rejected) == len(store):  # nothing stored: refused, as `/store/` is
        first = rejected[0]
        extra = {"rejected": rejected} if batch else {"quarantined": first["quarantined"]}
        verdict = error(400, first["error"], **extra)
        verdict.store, verdict.ignored_items = store, ignored
        return verdict
    reply = {"rejected": rejected} if rejected else None
    return Verdict(status=200, body=reply, store=store, ignored_items=ignored)


def _envelope_body(limits: Limits, body: bytes, origin: str, key: str | None) -> Verdict:
    try:
        envelope = parse_envelope(body)
    except (BadRecord, ValueError, RecursionError) as exc:
        if key is None:
            return _missing_key()
        return _quarantined(400, f"Sentry envelope: {_reason(exc)}", origin, body)
    dsn = envelope.header.get("dsn")
    if dsn is not None:
        dsn_key, dsn_project = _parse_dsn(dsn)
        if dsn_key is None or (key is not None and not key_matches(dsn_key, key)):
            return error(401, "the envelope header 'dsn' does not carry this endpoint's key")
        if dsn_project != limits.project:
            return error(403, "the envelope header 'dsn' names another project")
        if not key_matches(dsn_key, limits.key):
            return error(401, "wrong sentry_key for this project")
        key = dsn_key
    if key is None:
        return _missing_key()
    return _envelope_items(envelope, origin)


def _envelope_items(envelope: Envelope, origin: str) -> Verdict:
    store: list[Parsed] = []
    rejected: list[dict[str, Any]] = []
    signals = ignored = 0
    for number, item in enumerate(envelope.items, start=1):
        if item.type not in SIGNAL_ITEM_TYPES:
            ignored += 1
            continue
        for result in _item_results(item, number):
            if isinstance(result, Signal):
                store.append(result)
                signals += 1
                continue
            where = f"{origin} item {number} ({item.type[:40]})"
            row = rejection(SOURCE, where, str(result), item.payload)
            store.append(row)
            rejected.append({"item": number, "error": str(result), "quarantined": row.id})
    event_id = _reply_id(envelope, store)
    if rejected and not signals:
        first = rejected[0]["error"]
        verdict = error(400, first, id=event_id, rejected=rejected)
        verdict.store, verdict.ignored_items = store, ignored
        return verdict
    body: dict[str, Any] = {"id": event_id}
    if rejected:
        body["rejected"] = rejected
    return Verdict(status=200, body=body, store=store, ignored_items=ignored)


def _item_results(item: Any, number: int) -> list[Signal | BadRecord]:
    """One item's signal or error; one item at a time, so a surprise stays in its item."""
    try:
        results = list(envelope_signals(Envelope(header={}, items=[item]), SOURCE))
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5,000 digits
        return [BadRecord(f"item {number} ({item.type}): {_reason(exc)}")]
    # envelope_signals numbers items from 1; here each envelope has one, so renumber.
    return [
        BadRecord(str(r).replace("item 1 ", f"item {number} ", 1))
        if isinstance(r, BadRecord)
        else r
        for r in results
    ]


def _reply_id(envelope: Envelope, store: list[Parsed]) -> str:
    header_id = envelope.header.get("event_id")
    if isinstance(header_id, str) and _EVENT_ID.match(header_id.replace("-", "").lower()):
        return header_id.replace("-", "").lower()
    for parsed in store:
        if isinstance(parsed, Signal):
            return parsed.id
    return uuid.uuid4().hex


def _parse_dsn(dsn: Any) -> tuple[str | None, str | None]:
    if not isinstance(dsn, str):
        return None, None
    try:
        parts = urlsplit(dsn)
        key = parts.username
    except ValueError:
        return None, None
    project = parts.path.rstrip("/").rsplit("/", 1)[-1] or None
    return key or None, project


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON is nested too deeply"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
