"""The Sentry Web API pull: a project's issues, and each issue's latest event, as signals.

Issues come from `GET projects/{org}/{project}/issues/?query=...`, paged by the `Link` header's
`rel="next"` cursor (`shared/reference/sentry-protocol.md` §6). After each page is stored its
next cursor is saved, so an interrupted pull resumes with the page it had not finished; when a
pass reaches the last page the cursor is cleared and the next pull starts from the top. Event ids
make re-reading a page harmless: a stored event is not stored again.

The API's event JSON is not the ingest payload; `sentry_api_event.api_event_to_payload` maps
it back so `event_to_signal` reads both alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import sqlite_utils

from runner.config import SentryApiSettings
from runner.errors import UserError
from runner.ingest import store_parsed
from runner.sources import Parsed
from runner.sources.records import BadRecord
from runner.sources.sentry_api_event import api_event_to_payload
from runner.sources.sentry_event import event_to_signal, user_report_to_signal
from store.signals import get_cursor, rejection, set_cursor

SOURCE = "sentry-api"
MAX_ATTEMPTS = 5


@dataclass
class PullReport:
    """What one pull of one project did."""

    pages: int = 0
    issues: int = 0
    new: int = 0
    already_stored: int = 0
    rejected: int = 0
    finished: bool = False
    """True when the pass reached the last page (the cursor was cleared)."""
    reasons: list[str] = field(default_factory=list)


def cursor_scope(settings: SentryApiSettings) -> str:
    host = urlsplit(settings.base_url).netloc
    return f"{host}/{settings.organization}/{settings.project}?query={settings.query}"


def pull_project(
    db: sqlite_utils.Database,
    settings: SentryApiSettings,
    token: str,
    *,
    log: Callable[[str], None] = lambda line: None,
    sleep: Callable[[float], None] = time.sleep,
) -> PullReport:
    """Pull up to `max_pages` pages of issues, storing each page before saving its cursor."""
    base = settings.base_url.rstrip("/") + "/"
    org, project = quote(settings.organization, safe=""), quote(settings.project, safe="")
    scope = cursor_scope(settings)
    cursor = get_cursor(db, SOURCE, scope) or None
    if cursor:
        log(f"{settings.organization}/{settings.project}: resuming at cursor {cursor}")
    report = PullReport()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        get = _Getter(client, settings.max_retry_after_s, sleep, log)
        while report.pages < settings.max_pages:
            params = {"query": settings.query}
            if cursor:
                params["cursor"] = cursor
            response = get(f"projects/{org}/{project}/issues/", params)
            issues = _json_list(response)
            parsed: list[Parsed] = []
            for issue in issues:
                parsed.extend(_issue_signals(get, org, issue))
            stored = store_parsed(db, parsed)
            report.pages += 1
            report.issues += len(issues)
            report.new += stored.new
            report.already_stored += stored.already_stored
            report.rejected += stored.rejected
            report.reasons.extend(stored.reasons)
            following = response.links.get("next", {})
            if following.get("results") != "true" or not following.get("cursor"):
                set_cursor(db, SOURCE, scope, "")  # a whole pass done: next pull starts over
                report.finished = True
                break
            cursor = following["cursor"]
            set_cursor(db, SOURCE, scope, cursor)
            log(f"  page {report.pages}: {len(issues)} issues, {stored.new} new signals")
    return report


def _issue_signals(get: _Getter, org: str, issue: Any) -> list[Parsed]:
    """The latest event of one issue as a signal (plus its user report, if it has one)."""
    if not isinstance(issue, dict) or not issue.get("id"):
        raw = json.dumps(issue)[:10_000]
        return [rejection(SOURCE, "issue list", "issue entry without an 'id'", raw)]
    issue_id = quote(str(issue["id"]), safe="")
    path = f"organizations/{org}/issues/{issue_id}/events/latest/"
    response = get(path, None, allow_missing=True)
    if response.status_code == 404:
        return []  # deleted or merged since the listing: nothing to pull
    text = response.text
    try:
        event = json.loads(text)
        if not isinstance(event, dict):
            raise BadRecord(f"expected a JSON object, got {type(event).__name__}")
        payload = api_event_to_payload(event, issue)
        results: list[Parsed] = [event_to_signal(payload, text, SOURCE)]
        report = event.get("userReport")
        if isinstance(report, dict) and report.get("comments"):
            report = {**report, "event_id": payload.get("event_id")}
            results.append(user_report_to_signal(report, json.dumps(report), SOURCE))
        return results
    except (BadRecord, ValueError, RecursionError) as exc:
        return [rejection(SOURCE, str(response.url), f"Sentry API event: {exc}", text)]


def _json_list(response: httpx.Response) -> list[Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise UserError(f"{response.url}: the issue list is not JSON") from exc
    if not isinstance(data, list):
        raise UserError(f"{response.url}: expected a list of issues, got {type(data).__name__}")
    return data


class _Getter:
    """GET with the bounded retries the API asks for: 429 honours `Retry-After`."""

    def __init__(
        self,
        client: httpx.Client,
        max_wait: float,
        sleep: Callable[[float], None],
        log: Callable[[str], None],
    ) -> None:
        self.client, self.max_wait, self.sleep, self.log = client, max_wait, sleep, log

    def __call__(
        self, path: str, params: dict[str, str] | None, *, allow_missing: bool = False
    ) -> httpx.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.client.get(path, params=params)
            except httpx.HTTPError as exc:
                raise UserError(f"cannot reach {self.client.base_url}{path}: {exc}") from exc
            status = response.status_code
            if status == 429 or status in (502, 503, 504):
                if attempt == MAX_ATTEMPTS:
                    break
                wait = _retry_after(response.headers.get("Retry-After"), attempt, self.max_wait)
                self.log(f"  {path}: HTTP {status}; waiting {wait:.1f}s (attempt {attempt})")
                self.sleep(wait)
                continue
            if status < 400 or (allow_missing and status == 404):
                return response
            raise UserError(_describe_failure(response))
        raise UserError(f"{response.url}: still HTTP {status} after {MAX_ATTEMPTS} attempts")


def _retry_after(value: str | None, attempt: int, cap: float) -> float:
    try:
        wait = float(value) if value is not None else 2.0**attempt
    except ValueError:
        wait = 2.0**attempt  # an HTTP date, or junk: back off instead
    return max(0.0, min(wait, cap))


def _describe_failure(response: httpx.Response) -> str:
    status = response.status_code
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("detail"), str):
            detail = ": " + body["detail"].splitlines()[0][:200] if body["detail"] else ""
    except ValueError:
        pass
    hint = {
        401: " (the token is missing, expired or wrong)",
        403: " (the token lacks the project:read / event:read scopes)",
        404: " (check the organization and project slugs and base_url)",
    }.get(status, "")
    return f"{response.request.method} {response.url}: HTTP {status}{detail}{hint}"
