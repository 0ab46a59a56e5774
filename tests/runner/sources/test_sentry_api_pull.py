"""`overnight pull` against a loopback HTTP server that answers like the Sentry Web API.

The server pages issues with `Link` cursors, serves each issue's latest event in the API's shape
(`entries`, camelCase frames, `{key, value}` tags, a release object), rate-limits once with 429,
and can fail a page to simulate a pull that dies half-way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from runner.cli import main
from store import open_db
from store.signals import get_cursor, iter_signals, list_quarantine

TOKEN = "sntrys_test_token"
PAGES = [["101", "102"], ["103", "104"], ["105", "106"]]
CURSORS = ["", "1735:100:0", "1735:200:0"]


def api_event(issue_id: str) -> dict[str, Any]:
    """A latest-event response in the Web API's shape (cf. the API docs' example event)."""
    number = int(issue_id)
    return {
        "id": f"{number}",
        "eventID": f"{number:032x}",
        "groupID": issue_id,
        "title": f"ValueError: bad row {number}",
        "message": "",
        "platform": "python",
        "type": "error",
        "dateCreated": "2026-11-23T21:19:56Z",
        "dateReceived": "2026-11-23T21:19:57Z",
        "tags": [
            {"key": "environment", "value": "production"},
            {"key": "level", "value": "error"},
            {"key": "route", "value": "/reports"},
        ],
        "user": {"id": "u-1", "email": "sam@example.com", "username": "sam"},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"}},
        "context": {"intent": "export the report"},
        "release": {"version": "web@4.2.0", "shortVersion": "4.2.0"},
        "fingerprints": ["16bcfa056ee73de2bc7846c8358f619d"],
        "userReport": (
            {"name": "Sam", "email": "sam@example.com", "comments": "Export crashed again"}
            if number == 101
            else None
        ),
        "entries": [
            {
                "type": "exception",
                "data": {
                    "values": [
                        {
                            "type": "ValueError",
                            "value": f"bad row {number}",
                            "module": None,
                            "mechanism": {"type": "generic", "handled": False},
                            "stacktrace": {
                                "frames": [
                                    {
                                        "filename": "app.py",
                                        "absPath": "/srv/app.py",
                                        "function": "export",
                                        "module": "app",
                                        "lineNo": 10,
                                        "colNo": None,
                                        "inApp": True,
                                        "context": [],
                                    },
                                    {
                                        "filename": "rows.py",
                                        "absPath": "/srv/rows.py",
                                        "function": "parse",
                                        "module": "rows",
                                        "lineNo": 42,
                                        "colNo": None,
                                        "inApp": True,
                                        "context": [],
                                    },
                                ],
                                "framesOmitted": None,
                                "hasSystemFrames": False,
                            },
                        }
                    ],
                    "hasSystemFrames": False,
                },
            },
            {
                "type": "breadcrumbs",
                "data": {
                    "values": [
                        {
                            "type": "default",
                            "category": "ui.click",
                            "level": "info",
                            "message": "click #export",
                            "timestamp": "2026-11-23T21:19:52.869Z",
                            "data": None,
                            "event_id": None,
                        },
                    ]
                },
            },
            {
                "type": "request",
                "data": {"url": "https://app.example.com/reports/export", "method": "GET"},
            },
        ],
    }


@dataclass
class FakeSentry:
    """State of the fake API: what it was asked, and which failures to stage."""

    requests: list[str] = field(default_factory=list)
    fail_page: int | None = None
    rate_limited_once: bool = False
    url: str = ""


def make_handler(state: FakeSentry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.requests.append(self.path)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.send(401, {"detail": "Invalid token"})
            if parts.path == "/api/0/projects/acme/web/issues/":
                return self.issues(parse_qs(parts.query))
            issue_id = parts.path.split("/")[-4]
            if parts.path.endswith("/events/latest/") and issue_id == "104":
                return self.send(404, {"detail": "The requested resource does not exist"})
            if parts.path.endswith("/events/latest/") and issue_id == "106":
                event = api_event(issue_id)
                # Sentry's ingestion drops what it cannot read; only a malformed id is refused.
                event["entries"][0]["data"]["values"].append("not an exception object")
                event["eventID"] = "not-an-event-id"
                return self.send(200, event)
            if parts.path.endswith("/events/latest/"):
                return self.send(200, api_event(issue_id))
            return self.send(404, {"detail": "unknown path"})

        def issues(self, query: dict[str, list[str]]) -> None:
            assert query["query"] == ["is:unresolved"]
            page = CURSORS.index(query.get("cursor", [""])[0])
            if page == 1 and not state.rate_limited_once:
                state.rate_limited_once = True
                return self.send(429, {"detail": "slow down"}, {"Retry-After": "0"})
            if state.fail_page == page:
                state.fail_page = None
                return self.send(500, {"detail": "Internal Error"})
            more = page + 1 < len(PAGES)
            base = f"{state.url}/api/0/projects/acme/web/issues/?query=is%3Aunresolved"
            nxt = CURSORS[page + 1] if more else f"1735:{(page + 1) * 100}:0"
            link = (
                f'<{base}&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
                f'<{base}&cursor={nxt}>; rel="next"; results="{"true" if more else "false"}"; '
                f'cursor="{nxt}"'
            )
            issues = [
                {
                    "id": i,
                    "shortId": f"WEB-{i}",
                    "title": f"ValueError: bad row {i}",
                    "permalink": f"https://acme.sentry.io/issues/{i}/",
                    "count": "3",
                    "userCount": 1,
                    "firstSeen": "2026-11-20T10:00:00Z",
                    "lastSeen": "2026-11-23T21:19:56Z",
                    "status": "unresolved",
                }
                for i in PAGES[page]
            ]
            self.send(200, issues, {"Link": link})

        def send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def sentry() -> Iterator[FakeSentry]:
    state = FakeSentry()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(tmp_path: Path, sentry: FakeSentry, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SENTRY_TEST_TOKEN", TOKEN)
    path = tmp_path / "overnight.toml"
    path.write_text(
        f'[store]\npath = "overnight.db"\n\n[[pull.sentry_api]]\nbase_url = "{sentry.url}/api/0/"'
        '\norganization = "acme"\nproject = "web"\ntoken_env = "SENTRY_TEST_TOKEN"\n'
    )
    return path


def latest_event_fetches(sentry: FakeSentry) -> list[str]:
    return [r for r in sentry.requests if r.endswith("/events/latest/")]


def test_pull_follows_cursors_and_normalises_api_events(
    config: Path, sentry: FakeSentry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "pull"]) == 0
    assert "3 pages, 6 issues, 5 new signals" in capsys.readouterr().out
    db = open_db(config.parent / "overnight.db")
    signals = {s.id: s for s in iter_signals(db)}
    error = signals[f"{101:032x}"]
    assert error.source == "sentry-api" and error.kind == "error"
    assert error.error is not None and error.error.type == "ValueError"
    assert [(f.module, f.function, f.line, f.in_app) for f in error.error.frames] == [
        ("app", "export", 10, True),
        ("rows", "parse", 42, True),
    ]
    assert [a.message for a in error.actions] == ["click #export"]
    assert error.route == "/reports" and error.environment == "production"
    assert error.release == "web@4.2.0" and error.intent == "export the report"
    assert error.contexts["sentry_issue"]["shortId"] == "WEB-101"
    assert '"entries"' in error.raw  # the API's JSON, verbatim
    feedback = [s for s in signals.values() if s.kind == "feedback"]
    assert [f.text for f in feedback] == ["Export crashed again"]
    rejected = list_quarantine(db)
    assert len(rejected) == 1 and "event_id 'not-an-event-id'" in rejected[0].reason
    assert f"{104:032x}" not in signals  # deleted since the listing: skipped
    assert get_cursor(db, "sentry-api", next(iter(_scopes(db)))) == ""  # pass done


def _scopes(db: Any) -> list[str]:
    return [r[0] for r in db.execute("SELECT scope FROM pull_cursors WHERE source = 'sentry-api'")]


def test_pull_resumes_from_the_saved_cursor_after_dying(
    config: Path, sentry: FakeSentry, capsys: pytest.CaptureFixture[str]
) -> None:
    sentry.fail_page = 2
    assert main(["--config", str(config), "pull"]) == 1  # dies on page 3
    assert "HTTP 500" in capsys.readouterr().err
    db = open_db(config.parent / "overnight.db")
    assert get_cursor(db, "sentry-api", _scopes(db)[0]) == CURSORS[2]
    first_run = len(sentry.requests)
    assert len(latest_event_fetches(sentry)) == 4

    assert main(["--config", str(config), "pull"]) == 0  # the restart
    resumed = sentry.requests[first_run:]
    assert resumed[0].endswith(f"cursor={CURSORS[2].replace(':', '%3A')}")
    fetched = latest_event_fetches(sentry)
    assert len(fetched) == len(set(fetched)) == 6  # every issue's event fetched exactly once
    ids = [s.id for s in iter_signals(db)]
    assert len(ids) == len(set(ids)) == 5
    assert get_cursor(db, "sentry-api", _scopes(db)[0]) == ""

    assert main(["--config", str(config), "pull"]) == 0  # a new pass stores nothing twice
    assert "0 new signals, 5 already stored" in capsys.readouterr().out
    assert len(list(iter_signals(db))) == 5


def test_max_pages_stops_early_and_the_next_pull_continues(
    config: Path, sentry: FakeSentry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "pull", "--max-pages", "1"]) == 0
    assert "stopped early" in capsys.readouterr().out
    assert main(["--config", str(config), "pull"]) == 0
    assert "2 pages, 4 issues" in capsys.readouterr().out
    assert sentry.rate_limited_once  # and the 429 was waited out, not fatal


def test_missing_token_and_wrong_token_are_clear_errors(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SENTRY_TEST_TOKEN")
    assert main(["--config", str(config), "pull"]) == 1
    assert "$SENTRY_TEST_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("SENTRY_TEST_TOKEN", "wrong")
    assert main(["--config", str(config), "pull"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401: Invalid token (the token is missing, expired or wrong)" in err
    assert "Traceback" not in err
