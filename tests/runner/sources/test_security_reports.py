"""Raw browser security reports read as the events Relay makes of them.

The bodies are written here in the shapes browsers send: CSP level 2's `application/csp-report`
(Chrome's with `effective-directive`, Firefox's without), the Reporting API's
`application/reports+json` list of `csp-violation` reports (CSP level 3, camelCase), an HPKP
report (RFC 7469, section 3), Expect-CT (draft-ietf-httpbis-expect-ct, section 3.1) and
Expect-Staple. The expected events are Relay's (`protocol/security_report.rs`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from runner.ingest import ingest_paths
from runner.sources.records import BadRecord, parse_record
from runner.sources.security_report import report_event
from store.signal import Signal
from store.signals import iter_signals, list_quarantine

POLICY = (
    "default-src 'self'; script-src 'self' https://cdn.teamboard.example; "
    "report-uri https://errors.example/api/42/security/?sentry_key=k"
)
CHROME_CSP = {
    "csp-report": {
        "document-uri": "https://teamboard.example/boards/7?tab=activity",
        "referrer": "https://teamboard.example/boards",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": POLICY,
        "disposition": "enforce",
        "blocked-uri": "https://widgets.adnet.example/loader.js?v=3",
        "line-number": 48,
        "column-number": 17,
        "source-file": "https://teamboard.example/boards/7",
        "status-code": 200,
        "script-sample": "",
    }
}
FIREFOX_CSP = {
    "csp-report": {
        "blocked-uri": "https://fonts.typeco.example/sans.woff2",
        "document-uri": "https://teamboard.example/settings",
        "original-policy": "font-src 'self' https://teamboard.example; report-uri /csp",
        "referrer": "",
        "violated-directive": "font-src 'self' https://teamboard.example",
    }
}
REPORTING_API_CSP = {
    "age": 1204,
    "type": "csp-violation",
    "url": "https://teamboard.example/boards/7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36",
    "body": {
        "blockedURL": "https://pixel.trackr.example/p.gif?id=5521",
        "columnNumber": 9,
        "disposition": "report",
        "documentURL": "https://teamboard.example/boards/7",
        "effectiveDirective": "img-src",
        "lineNumber": 203,
        "originalPolicy": "img-src 'self' data:; report-to csp",
        "referrer": "",
        "sample": "",
        "sourceFile": "https://teamboard.example/static/app.js",
        "statusCode": 200,
    },
}
HPKP = {
    "date-time": "2026-03-02T08:15:44Z",
    "hostname": "api.teamboard.example",
    "port": 443,
    "effective-expiration-date": "2026-04-01T08:15:44Z",
    "include-subdomains": True,
    "noted-hostname": "teamboard.example",
    "served-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIB0TCCAXeg\n-----END..."],
    "validated-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIB0TCCAXeg\n-----END..."],
    "known-pins": [
        'pin-sha256="7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y="',
        'pin-sha256="YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="',
    ],
}
EXPECT_CT = {
    "expect-ct-report": {
        "date-time": "2026-03-02T08:15:44.250+01:00",
        "hostname": "pay.teamboard.example",
        "port": 443,
        "scheme": "https",
        "effective-expiration-date": "2026-06-01T00:00:00Z",
        "served-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIC\n-----END..."],
        "validated-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIC\n-----END..."],
        "scts": [
            {"version": 1, "status": "invalid", "source": "embedded", "serialized_sct": "AKw="}
        ],
        "failure-mode": "enforce",
        "test-report": False,
    }
}
EXPECT_STAPLE = {
    "expect-staple-report": {
        "date-time": "2026-03-02T08:15:44Z",
        "hostname": "pay.teamboard.example",
        "port": 443,
        "effective-expiration-date": "2026-06-01T00:00:00Z",
        "response-status": "ERROR_RESPONSE",
        "cert-status": "REVOKED",
        "served-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIC\n-----END..."],
        "validated-certificate-chain": ["-----BEGIN CERTIFICATE-----\nMIIC\n-----END..."],
    }
}


def parse(record: Any) -> Signal:
    return parse_record(record, json.dumps(record), "test")


def test_a_csp_level_2_report_becomes_the_event_relay_makes() -> None:
    assert report_event(CHROME_CSP) == {
        "logger": "csp",
        "level": "error",
        "logentry": {"formatted": "Blocked 'script' from 'widgets.adnet.example'"},
        "culprit": "script-src-elem",
        "request": {
            "url": "https://teamboard.example/boards/7?tab=activity",
            "headers": [["Referer", "https://teamboard.example/boards"]],
        },
        "tags": [
            ["effective-directive", "script-src-elem"],
            ["blocked-uri", "https://widgets.adnet.example/loader.js?v=3"],
            ["blocked-host", "widgets.adnet.example"],
        ],
        "csp": {
            "effective_directive": "script-src-elem",
            "blocked_uri": "https://widgets.adnet.example/loader.js?v=3",
            "document_uri": "https://teamboard.example/boards/7?tab=activity",
            "original_policy": POLICY,
            "referrer": "https://teamboard.example/boards",
            "status_code": 200,
            "violated_directive": "script-src-elem",
            "source_file": "https://teamboard.example/boards/7",
            "line_number": 48,
            "column_number": 17,
            "script_sample": "",
            "disposition": "enforce",
        },
    }
    signal = parse(CHROME_CSP)
    assert signal.kind == "error" and signal.level == "error"
    assert signal.title == "Blocked 'script' from 'widgets.adnet.example'"
    assert signal.route == "/boards/7"
    assert signal.tags["blocked-host"] == "widgets.adnet.example"
    assert signal.tags["logger"] == "csp"
    assert signal.contexts["security_report"]["kind"] == "csp"
    assert signal.raw == json.dumps(CHROME_CSP)


def test_firefox_names_the_directive_only_in_the_violated_one() -> None:
    event = report_event(FIREFOX_CSP)
    assert event["csp"]["effective_directive"] == "font-src"
    assert event["logentry"] == {"formatted": "Blocked 'font' from 'fonts.typeco.example'"}
    # The culprit names the document's own origin `'self'`, as Firefox spelt it out.
    assert event["culprit"] == "font-src 'self' 'self'"
    assert "headers" not in event["request"]  # an empty referrer is no header


def test_a_reporting_api_report_reads_its_camel_case_body() -> None:
    event = report_event(REPORTING_API_CSP)
    assert event["csp"] == {
        "effective_directive": "img-src",
        "blocked_uri": "https://pixel.trackr.example/p.gif?id=5521",
        "document_uri": "https://teamboard.example/boards/7",
        "original_policy": "img-src 'self' data:; report-to csp",
        "referrer": "",
        "status_code": 200,
        "violated_directive": "",
        "source_file": "https://teamboard.example/static/app.js",
        "line_number": 203,
        "column_number": 9,
        "script_sample": "",
        "disposition": "report",
    }
    assert event["logentry"] == {"formatted": "Blocked 'image' from 'pixel.trackr.example'"}
    assert event["culprit"] == ""  # CSP level 3 sends no violated directive
    assert parse(REPORTING_API_CSP).title == "Blocked 'image' from 'pixel.trackr.example'"


@pytest.mark.parametrize(
    ("directive", "blocked", "expected"),
    [
        ("script-src", "inline", "Blocked unsafe inline 'script'"),
        ("script-src", "eval", "Blocked unsafe eval() 'script'"),
        ("script-src", "self", "Blocked unsafe (eval() or inline) 'script'"),
        ("style-src", "", "Blocked inline 'style'"),
        ("style-src-attr", "'self'", "Blocked style attribute"),
        ("worker-src", "", "Blocked inline 'worker-src'"),
        ("img-src", "data", "Blocked 'image' from 'data:'"),
        ("img-src", "blob:https://teamboard.example/9f1c", "Blocked 'image' from 'blob:'"),
        ("form-action", "https://phish.example/login", "Blocked 'form' action to 'phish.example'"),
        (
            "frame-src",
            "https://embed.example:8443/v",
            "Blocked 'frame-src' from 'embed.example:8443'",
        ),
        # Relay's `normalize_uri` reads a WHATWG URL: the host in lower case, the scheme's
        # own port left out (Sentry's grouping keeps both as sent: they group apart).
        ("img-src", "https://CDN.Example:443/a.png", "Blocked 'image' from 'cdn.example'"),
        ("connect-src", "wss://Live.example:443/s", "Blocked 'connect' from 'wss://live.example'"),
        (
            "connect-src",
            "wss://live.example:8443/s",
            "Blocked 'connect' from 'wss://live.example:8443'",
        ),
        ("font-src", "ftp://files.example:21/f", "Blocked 'font' from 'ftp://files.example'"),
    ],
)
def test_the_message_names_what_was_blocked_from_where(
    directive: str, blocked: str, expected: str
) -> None:
    body = {"documentURL": "https://teamboard.example/", "effectiveDirective": directive}
    event = report_event({"type": "csp-violation", "body": {**body, "blockedURL": blocked}})
    assert event["logentry"] == {"formatted": expected}


def test_a_report_without_a_blocked_uri_blocked_itself() -> None:
    event = report_event({"csp-report": {"effective-directive": "connect-src"}})
    assert event["csp"]["blocked_uri"] == "self"
    assert event["logentry"] == {"formatted": "Blocked inline 'connect'"}
    assert event["tags"] == [["effective-directive", "connect-src"], ["blocked-uri", "self"]]


def test_a_stripe_api_url_loses_its_query_in_the_tag_only() -> None:
    blocked = "https://api.stripe.com/v1/tokens?card[number]=4242424242424242"
    event = report_event(
        {"csp-report": {"effective-directive": "connect-src", "blocked-uri": blocked}}
    )
    assert ["blocked-uri", "https://api.stripe.com/v1/tokens"] in event["tags"]
    assert event["csp"]["blocked_uri"] == blocked


def test_hpkp_expect_ct_and_expect_staple_are_named_by_their_host() -> None:
    hpkp = report_event(HPKP)
    assert hpkp["logentry"] == {
        "formatted": "Public key pinning validation failed for 'api.teamboard.example'"
    }
    assert "culprit" not in hpkp  # Relay sets none for HPKP
    assert hpkp["request"] == {"url": "api.teamboard.example"}
    assert hpkp["tags"] == [
        ["hostname", "api.teamboard.example"],
        ["port", "443"],
        ["include-subdomains", "true"],
    ]
    assert hpkp["hpkp"]["known_pins"] == HPKP["known-pins"]
    assert hpkp["hpkp"]["date_time"] == "2026-03-02T08:15:44+00:00"
    assert hpkp["hpkp"]["noted_hostname"] == "teamboard.example"

    ct = report_event(EXPECT_CT)
    assert ct["logentry"] == {"formatted": "Expect-CT failed for 'pay.teamboard.example'"}
    assert ct["culprit"] == "pay.teamboard.example"
    assert ct["tags"] == [["hostname", "pay.teamboard.example"], ["port", "443"]]
    assert ct["expectct"]["date_time"] == "2026-03-02T07:15:44.250000+00:00"  # in UTC
    assert ct["expectct"]["scts"] == [
        {"version": 1, "status": "invalid", "source": "embedded", "serialized_sct": "AKw="}
    ]
    assert ct["expectct"]["failure_mode"] == "enforce" and ct["expectct"]["test_report"] is False

    staple = report_event(EXPECT_STAPLE)
    assert staple["logentry"] == {"formatted": "Expect-Staple failed for 'pay.teamboard.example'"}
    assert staple["tags"] == [
        ["hostname", "pay.teamboard.example"],
        ["port", "443"],
        ["response_status", "ERROR_RESPONSE"],
        ["cert_status", "REVOKED"],
    ]
    for body, kind in ((HPKP, "hpkp"), (EXPECT_CT, "expectct"), (EXPECT_STAPLE, "expectstaple")):
        signal = parse(body)
        assert signal.contexts["security_report"]["kind"] == kind
        assert signal.title == report_event(body)["logentry"]["formatted"]


def test_the_endpoints_release_and_environment_are_the_events() -> None:
    event = report_event(CHROME_CSP, release="teamboard@2.4.1", environment="staging")
    assert (event["release"], event["environment"]) == ("teamboard@2.4.1", "staging")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"csp-report": "blocked"}, "CSP report: 'csp-report' is not an object"),
        ({"csp-report": {"document-uri": "https://a.example/"}}, "no 'effective-directive'"),
        ({"csp-report": {"violated-directive": "made-up-src 'self'"}}, "'made-up-src'"),
        ({"csp-report": {"effective-directive": "img-src", "blocked-uri": 5}}, "'blocked-uri'"),
        ({"csp-report": {"effective-directive": "img-src", "line-number": -3}}, "'line-number'"),
        ({"type": "csp-violation", "body": ["img-src"]}, "'body' is not an object"),
        ({"type": "csp-violation", "body": {"effectiveDirective": 3}}, "effectiveDirective"),
        ({"type": "deprecation", "body": {"id": "x"}}, "only csp-violation is read"),
        ({"known-pins": [], "port": 443}, "HPKP report: field 'hostname': Field required"),
        ({"known-pins": "pin", "hostname": "a.example"}, "'known-pins'"),
        ({"expect-ct-report": {"hostname": "a.example", "date-time": "noon"}}, "'date-time'"),
        ({"expect-ct-report": {"hostname": "a.example", "scts": [{"status": "?"}]}}, "scts"),
        ({"expect-staple-report": {"hostname": "a.example", "cert-status": "ok"}}, "cert-status"),
        ({"expect-staple-report": None}, "'expect-staple-report' is not an object"),
    ],
)
def test_a_malformed_report_is_refused_with_what_is_wrong(body: Any, reason: str) -> None:
    with pytest.raises(BadRecord, match=reason.replace("(", r"\(")):
        parse(body)


def test_an_event_normalised_without_a_message_is_titled_as_its_report() -> None:
    csp = {"effective_directive": "script-src", "blocked_uri": "https://evil.example/x.js"}
    assert parse({"logger": "csp", "csp": csp}).title == "Blocked 'script' from 'evil.example'"
    hpkp = parse({"logger": "csp", "hpkp": {"hostname": "shop.example", "known_pins": []}})
    assert hpkp.title == "Public key pinning validation failed for 'shop.example'"
    # What the event says itself still comes first, as does an event with no report.
    sent = {"logger": "csp", "csp": csp, "logentry": {"formatted": "CSP: ad script"}}
    assert parse(sent).title == "CSP: ad script"
    assert parse({"logger": "csp", "level": "error"}).title == "(event without message)"


def test_inbox_files_of_raw_reports_are_read_report_by_report(
    tmp_path: Path, fresh_db: sqlite_utils.Database
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "csp.json").write_text(json.dumps(CHROME_CSP))
    other = {"type": "deprecation", "age": 3, "url": "https://teamboard.example/", "body": {}}
    (inbox / "reports.json").write_text(json.dumps([REPORTING_API_CSP, other]))
    report = ingest_paths(fresh_db, [inbox])
    assert (report.new, report.rejected) == (2, 1)
    titles = sorted(s.title for s in iter_signals(fresh_db))
    assert titles == [
        "Blocked 'image' from 'pixel.trackr.example'",
        "Blocked 'script' from 'widgets.adnet.example'",
    ]
    [rejected] = list_quarantine(fresh_db)
    assert "'deprecation'" in rejected.reason
