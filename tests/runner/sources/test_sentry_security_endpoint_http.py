"""`overnight serve`'s security route over real HTTP, as a browser reaches it: the raw report in
the body, the key in the query (`report-uri .../api/42/security/?sentry_key=KEY`).

Decided and checked here: a stored report gets Relay's reply (200, empty body); a missing or
wrong key is 401 and stores nothing; a malformed body or another content type from a sender
with the key is kept in the quarantine with the reason.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from store.signal import Signal

CSP = {
    "csp-report": {
        "document-uri": "https://teamboard.example/boards/7",
        "referrer": "",
        "violated-directive": "img-src 'self'",
        "effective-directive": "img-src",
        "original-policy": "img-src 'self'; report-uri /api/42/security/",
        "disposition": "enforce",
        "blocked-uri": "https://pixel.trackr.example/p.gif?id=77",
        "status-code": 200,
    }
}


def post(
    served: Any, body: bytes, query: str, content_type: str = "application/csp-report"
) -> tuple[int, bytes, http.client.HTTPResponse]:
    """POST as a browser does: no auth header, the key (if any) in `query`."""
    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    try:
        headers = {"Content-Type": content_type, "Origin": "https://teamboard.example"}
        connection.request("POST", f"/api/{served.project}/security/{query}", body, headers)
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def counts(served: Any) -> tuple[int, int]:
    return (
        served.rows("SELECT COUNT(*) FROM signals")[0][0],
        served.rows("SELECT COUNT(*) FROM quarantine")[0][0],
    )


def test_a_browser_report_with_the_key_in_the_query_is_stored(served: Any) -> None:
    query = f"?sentry_key={served.key}&sentry_release=teamboard%402.4.1&sentry_environment=prod"
    status, body, response = post(served, json.dumps(CSP).encode(), query)
    assert (status, body) == (200, b"")  # Relay's reply to a security report
    assert response.getheader("Access-Control-Allow-Origin") == "*"  # a browser may read it
    [(envelope,)] = served.rows("SELECT envelope FROM signals WHERE title LIKE 'Blocked%image%'")
    signal = Signal.model_validate_json(envelope)
    assert signal.title == "Blocked 'image' from 'pixel.trackr.example'"
    assert (signal.release, signal.environment, signal.route) == (
        "teamboard@2.4.1",
        "prod",
        "/boards/7",
    )
    assert signal.contexts["security_report"]["blocked_uri"] == CSP["csp-report"]["blocked-uri"]
    assert signal.raw == json.dumps(CSP)


def test_the_same_report_from_two_browsers_counts_twice(served: Any) -> None:
    # No event id in a report: each POST is an occurrence, as Relay gives each its own id.
    report = {"csp-report": {**CSP["csp-report"], "document-uri": "https://teamboard.example/x"}}
    body = json.dumps(report).encode()
    for _browser in range(2):
        assert post(served, body, f"?sentry_key={served.key}")[:2] == (200, b"")
    found = served.rows("SELECT id FROM signals WHERE route = '/x'")
    assert len(found) == 2 and found[0] != found[1]


def test_sentrys_older_csp_report_path_and_a_reporting_api_batch(served: Any) -> None:
    violation = {
        "type": "csp-violation",
        "age": 4,
        "url": "https://teamboard.example/settings",
        "user_agent": "Mozilla/5.0 Chrome/126.0",
        "body": {
            "documentURL": "https://teamboard.example/settings",
            "effectiveDirective": "font-src",
            "blockedURL": "https://fonts.typeco.example/sans.woff2",
            "disposition": "enforce",
        },
    }
    other = {"type": "deprecation", "age": 4, "url": "https://teamboard.example/", "body": {}}
    before = counts(served)
    batch = json.dumps([violation, other]).encode()
    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    connection.request(
        "POST",
        f"/api/{served.project}/csp-report/?sentry_key={served.key}",
        batch,
        {"Content-Type": "application/reports+json"},
    )
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"")
    connection.close()
    # The CSP violation is stored; the deprecation report is ignored, as Relay drops it.
    assert counts(served) == (before[0] + 1, before[1])
    assert served.rows(
        "SELECT COUNT(*) FROM signals WHERE title = ?",
        "Blocked 'font' from 'fonts.typeco.example'",
    ) == [(1,)]


@pytest.mark.parametrize("query", ["", "?sentry_key=not-the-key", "?sentry_release=1.0"])
def test_a_missing_or_wrong_key_is_401_and_stores_nothing(served: Any, query: str) -> None:
    before = counts(served)
    for body in (json.dumps(CSP).encode(), b"{not json"):
        status, reply, _ = post(served, body, query)
        assert status == 401 and "sentry_key" in json.loads(reply)["error"]
    assert counts(served) == before


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b'{"csp-report": {"effective-', "application/csp-report", 400, "malformed JSON"),
        (b'{"csp-report": {"blocked-uri": "x"}}', "application/json", 400, "no 'effective-"),
        (b'{"nonsense": true}', "application/csp-report", 400, "not a security report"),
        (b"", "application/csp-report", 400, "empty"),
        (json.dumps(CSP).encode(), "text/plain", 415, "Content-Type 'text/plain'"),
    ],
)
def test_a_bad_body_from_a_sender_with_the_key_is_quarantined_with_its_reason(
    served: Any, body: bytes, content_type: str, status: int, reason: str
) -> None:
    before = counts(served)
    got, reply, _ = post(served, body, f"?sentry_key={served.key}", content_type)
    answer = json.loads(reply)
    assert got == status and reason in answer["error"]
    assert counts(served) == (before[0], before[1] + 1)
    [(kept, raw)] = served.rows(
        "SELECT reason, raw FROM quarantine WHERE id = ?", answer["quarantined"]
    )
    assert reason in kept and bytes(raw) == body
    # The refusal is logged, and the key in its address is not (serve prints it only once,
    # as it starts, for the person to copy).
    requests = [line for line in served.stderr_path.read_text().splitlines() if "POST" in line]
    assert f'/security/?sentry_key=[Filtered] HTTP/1.1" {status}' in requests[-1]
    assert not any(served.key in line for line in requests)
