"""Raw browser security reports group as the events Relay makes of them, and as Sentry groups
those (`strategies/security.py`): a CSP violation by its directive and blocked origin, the
others by host name.

Each raw body is written as a browser sends it; beside it, by hand, the event Relay's
`apply_to_event` and normalisation make of it, as an SDK or another Relay would forward it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.sources.records import parse_record
from runner.triage.grouping import group
from store.signal import Signal


def parse(record: Any) -> Signal:
    return parse_record(record, json.dumps(record), "test")


def csp2(directive: str, blocked: str, document: str = "https://teamboard.example/b/1") -> Any:
    """A CSP level 2 report as Chrome sends it."""
    return {
        "csp-report": {
            "document-uri": document,
            "referrer": "",
            "violated-directive": directive,
            "effective-directive": directive,
            "original-policy": f"{directive} 'self'; report-uri /api/42/security/",
            "disposition": "enforce",
            "blocked-uri": blocked,
            "status-code": 200,
        }
    }


def reporting_api(directive: str, blocked: str) -> Any:
    """A CSP level 3 report as the Reporting API sends it (one of its list)."""
    return {
        "type": "csp-violation",
        "age": 10,
        "url": "https://teamboard.example/b/2",
        "user_agent": "Mozilla/5.0 Firefox/128.0",
        "body": {
            "documentURL": "https://teamboard.example/b/2",
            "effectiveDirective": directive,
            "blockedURL": blocked,
            "originalPolicy": f"{directive} 'self'; report-to csp",
            "disposition": "report",
            "statusCode": 200,
        },
    }


RAW_AND_NORMALISED = {
    "csp": (
        csp2("script-src-elem", "https://widgets.adnet.example/loader.js?v=3"),
        {
            "logger": "csp",
            "level": "error",
            "platform": "other",
            "culprit": "script-src-elem",
            "logentry": {"formatted": "Blocked 'script' from 'widgets.adnet.example'"},
            "request": {"url": "https://teamboard.example/b/1"},
            "tags": [
                ["effective-directive", "script-src-elem"],
                ["blocked-uri", "https://widgets.adnet.example/loader.js?v=3"],
                ["blocked-host", "widgets.adnet.example"],
            ],
            "csp": {
                "effective_directive": "script-src-elem",
                "blocked_uri": "https://widgets.adnet.example/loader.js?v=3",
                "document_uri": "https://teamboard.example/b/1",
                "original_policy": "script-src-elem 'self'; report-uri /api/42/security/",
                "referrer": "",
                "status_code": 200,
                "violated_directive": "script-src-elem",
                "disposition": "enforce",
            },
        },
    ),
    "hpkp": (
        {
            "date-time": "2026-03-02T08:15:44Z",
            "hostname": "api.teamboard.example",
            "port": 443,
            "include-subdomains": False,
            "known-pins": ['pin-sha256="7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y="'],
        },
        {
            "logger": "csp",
            "level": "error",
            "logentry": {
                "formatted": "Public key pinning validation failed for 'api.teamboard.example'"
            },
            "request": {"url": "api.teamboard.example"},
            "tags": [["hostname", "api.teamboard.example"], ["port", "443"]],
            "hpkp": {
                "date_time": "2026-03-02T08:15:44+00:00",
                "hostname": "api.teamboard.example",
                "port": 443,
                "include_subdomains": False,
                "known_pins": ['pin-sha256="7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y="'],
            },
        },
    ),
    "expectct": (
        {"expect-ct-report": {"hostname": "pay.teamboard.example", "port": 443, "scts": []}},
        {
            "logger": "csp",
            "level": "error",
            "culprit": "pay.teamboard.example",
            "logentry": {"formatted": "Expect-CT failed for 'pay.teamboard.example'"},
            "request": {"url": "pay.teamboard.example"},
            "expectct": {
                "hostname": "pay.teamboard.example",
                "port": 443,
                "served_certificate_chain": [],
                "validated_certificate_chain": [],
                "scts": [],
            },
        },
    ),
    "expectstaple": (
        {"expect-staple-report": {"hostname": "pay.teamboard.example", "cert-status": "GOOD"}},
        {
            "logger": "csp",
            "level": "error",
            "culprit": "pay.teamboard.example",
            "logentry": {"formatted": "Expect-Staple failed for 'pay.teamboard.example'"},
            "request": {"url": "pay.teamboard.example"},
            "expectstaple": {"hostname": "pay.teamboard.example", "cert_status": "GOOD"},
        },
    ),
}


@pytest.mark.parametrize("kind", sorted(RAW_AND_NORMALISED))
def test_a_raw_report_and_its_relay_event_get_one_hash(kind: str) -> None:
    raw, normalised = RAW_AND_NORMALISED[kind]
    from_browser, from_relay = group(parse(raw)), group(parse(normalised))
    assert from_browser.variant == "security"
    assert from_browser.hash == from_relay.hash
    assert from_browser.trees["security"].render() == from_relay.trees["security"].render()
    assert parse(raw).title == parse(normalised).title
    # Without its message, the normalised event still reads as the report it carries.
    del normalised["logentry"]
    assert parse(normalised).title == parse(raw).title


def test_one_directive_and_blocked_origin_group_whatever_else_differs() -> None:
    one = group(parse(csp2("img-src", "https://pixel.trackr.example/p.gif?id=1")))
    same = [
        # Another path and query, another page, the Reporting API's form of the report.
        csp2("img-src", "https://pixel.trackr.example/q.gif?id=2", "https://teamboard.example/"),
        reporting_api("img-src", "https://pixel.trackr.example/p.gif?id=3"),
        csp2("img-src", "http://pixel.trackr.example/p.gif"),  # the host, whatever the scheme
    ]
    for body in same:
        assert group(parse(body)).hash == one.hash, body
    different = [
        csp2("img-src", "https://cdn.trackr.example/p.gif"),  # another host
        csp2("img-src", "https://pixel.trackr.example:8443/p.gif"),  # another port
        csp2("media-src", "https://pixel.trackr.example/p.gif"),  # another directive
        reporting_api("connect-src", "https://pixel.trackr.example/p.gif"),
    ]
    hashes = {group(parse(body)).hash for body in different}
    assert one.hash not in hashes and len(hashes) == len(different)


def test_hosts_tell_certificate_reports_apart() -> None:
    def ct(host: str, port: int) -> Any:
        return {"expect-ct-report": {"hostname": host, "port": port}}

    assert group(parse(ct("pay.example", 443))).hash == group(parse(ct("pay.example", 8443))).hash
    assert group(parse(ct("pay.example", 443))).hash != group(parse(ct("api.example", 443))).hash
    hpkp = {"hostname": "pay.example", "known-pins": []}
    staple = {"expect-staple-report": {"hostname": "pay.example"}}
    # The same host in another kind of report is another issue (each kind salts its hash).
    kinds = {group(parse(r)).hash for r in (ct("pay.example", 443), hpkp, staple)}
    assert len(kinds) == 3
