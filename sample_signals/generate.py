"""Regenerate `inbox/` and `labels.json` by replaying `scenarios.py` against the demo app.

    .venv/bin/python sample_signals/generate.py

Every error is real: each scenario sends a request through the demo app's WSGI callable and the
bug in its code raises. The app's error boundary writes Overnight envelopes; the real sentry-sdk
(the project's test extra) sends events, user reports and feedback to a loopback capture server,
as in `shared/reference/sentry-sdk-captures/capture.py`. The JUnit report is a real pytest run
of `demo_app/tests`. Afterwards: machine paths are replaced by neutral ones, times are moved onto
the night of 2026-11-23 (the scenario's clock time), and for release 1.4.1 the line numbers in
`demo_app/app.py` are shifted by -4, as that file was 4 lines shorter then. Then run
`build_expected.py`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sentry_sdk  # noqa: E402
from demo_app import app as webapp  # noqa: E402
from demo_app import boundary, dashboard, settings  # noqa: E402
from demo_app.auth import session as sessions  # noqa: E402
from scenarios import FEEDBACK, JUNIT_GROUPS, SCENARIOS, USERS, WIDGET_PAGES  # noqa: E402
from sentry_sdk.envelope import Envelope, Item, PayloadRef  # noqa: E402
from sentry_sdk.feature_flags import add_feature_flag  # noqa: E402

INBOX = HERE / "inbox"
NIGHT = datetime(2026, 11, 23, tzinfo=UTC)
SITE = "https://teamboard.example.com"
PATHS = sorted(
    [
        (str(HERE), "/srv/teamboard"),
        (sys.prefix, "/srv/teamboard/.venv"),
        (sys.base_prefix, "/usr/local"),
        (str(HERE.parent), "/srv"),
    ],
    key=lambda pair: -len(pair[0]),
)
RECEIVED: list[bytes] = []


class Capture(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        body = (
            gzip.decompress(raw)
            if encoding == "gzip"
            else (zlib.decompress(raw) if encoding == "deflate" else raw)
        )
        RECEIVED.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def at(clock: str) -> datetime:
    h, m, sec = (int(x) for x in clock.split(":"))
    return NIGHT + timedelta(hours=h, minutes=m, seconds=sec)


def user_of(key: str) -> tuple[dict, bool]:
    """A user and whether their session is "remember me"; `NAME-ok` is NAME without it."""
    name, _, plain = key.partition("-")
    user = dict(USERS[name])
    return user, bool(user.pop("remember", False)) and plain != "ok"


class FakeClock:
    """The refresh waits on `dashboard._clock`; this clock moves only when it sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def replay(scn: dict, hook) -> None:
    """Reset the app's state, make the user's earlier requests, then the one that fails."""
    settings.load(path=None)
    clock = FakeClock()
    dashboard._clock, dashboard._sleep = (lambda: clock.now), clock.sleep
    dashboard.CACHE.clear()
    dashboard.CACHED_AT.clear()
    dashboard.warm_all()
    if scn["cold"]:  # the team's entry expired (cache_ttl) before this refresh
        dashboard.CACHE.pop(dashboard.cache_key(scn["cold"]))
    sessions.SESSIONS.clear()
    webapp.RECENT.clear()
    user, remember = user_of(scn["user"])
    sessions.create(scn["user"], user, remember=remember)
    environ = {"HTTP_COOKIE": f"session={scn['user']}"}
    for path, query in scn["before"]:
        status = call(webapp.App(error_hooks=[]), environ, "GET", path, query)
        assert status.startswith("200"), (scn["key"], path, status)
    status = call(webapp.App(error_hooks=[hook]), environ, scn["method"], scn["path"], scn["query"])
    expected = "200" if scn["message"] else "500"
    assert status.startswith(expected), (scn["key"], status)


def call(app, environ: dict, method: str, path: str, query: str) -> str:
    seen: dict = {}
    app(
        {**environ, "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query},
        lambda status, headers: seen.update(status=status),
    )
    return seen["status"]


def sentry_scope(scope, scn: dict, request) -> None:
    user, _ = user_of(scn["user"])
    scope.set_user({"id": user["id"], "email": user["email"], "username": user["name"]})
    scope.set_tag("workspace", user["workspace"])
    scope.set_tag("locale", user["locale"])
    if boundary.INTENTS.get(scn["path"]):
        scope.set_extra("intent", boundary.INTENTS[scn["path"]])
    for action in request.actions:
        scope.add_breadcrumb(category="navigation", message=action["message"], level="info")
    scope.add_breadcrumb(
        category="http",
        message=f"{scn['method']} {scn['path']}",
        data={"query": scn["query"]},
        level="info",
    )
    for flag, value in request.flags.items():
        add_feature_flag(flag, value)

    def add_request(event, hint):
        event["request"] = {
            "url": SITE + scn["path"],
            "method": scn["method"],
            "query_string": scn["query"],
            "headers": {
                "Host": "teamboard.example.com",
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
            },
        }
        event["release"] = f"teamboard@{scn['release']}"
        event["environment"] = scn["env"]
        event["server_name"] = scn["server"]
        event["transaction"] = scn["path"]
        return event

    scope.add_event_processor(add_request)


def run_scenarios() -> tuple[dict, list]:
    """Replay every scenario; Sentry event ids map to scenarios, boundary lines are kept."""
    by_event: dict[str, dict] = {}
    boundary_lines: list[tuple[dict, dict]] = []
    for scn in SCENARIOS:
        if scn["channel"] == "boundary":

            def hook(exc, request, scn=scn):
                line = boundary.envelope(exc, request, f"teamboard@{scn['release']}", scn["env"])
                boundary_lines.append((scn, line))

            replay(scn, hook)
            continue

        def sentry_hook(exc, request, scn=scn):
            with sentry_sdk.new_scope() as scope:
                sentry_scope(scope, scn, request)
                if scn["message"]:
                    by_event[sentry_sdk.capture_message(scn["message"], level="warning")] = scn
                else:
                    by_event[sentry_sdk.capture_exception(exc)] = scn

        if scn["message"]:
            # A timing middleware reports the slow request after it completes.
            replay(scn, hook=lambda exc, request: None)
            sentry_hook(None, webapp.Request("GET", scn["path"], scn["query"], {}))
        else:
            replay(scn, sentry_hook)
    return by_event, boundary_lines


def send_feedback(by_event: dict) -> dict:
    """User reports and feedback items, framed and sent by the SDK's own transport."""
    event_of = {scn["key"]: event_id for event_id, scn in by_event.items()}
    sent: dict[str, dict] = {}
    client = sentry_sdk.get_client()
    for item in FEEDBACK:
        if item["channel"] not in ("user_report", "feedback"):
            continue
        about = next((s for s in SCENARIOS if s["key"] == item["about"]), None)
        user, _ = user_of(about["user"] if about else item["from"])
        if item["channel"] == "user_report":
            event_id = event_of[item["about"]]
            payload = {
                "event_id": event_id,
                "name": user["name"],
                "email": user["email"],
                "comments": item["text"],
            }
            envelope = Envelope(headers={"event_id": event_id})
            envelope.add_item(Item(payload=PayloadRef(json=payload), type="user_report"))
        else:
            import uuid

            event_id = uuid.uuid4().hex
            page = (about["path"] + "?" + about["query"]) if about else WIDGET_PAGES[item["key"]]
            feedback = {
                "message": item["text"],
                "contact_email": user["email"],
                "name": user["name"],
                "url": SITE + page,
                "source": "widget",
            }
            if about:
                feedback["associated_event_id"] = event_of[item["about"]]
            payload = {
                "event_id": event_id,
                "type": "feedback",
                "timestamp": time.time(),
                "platform": "javascript",
                "level": "info",
                "release": "teamboard@1.4.2",
                "environment": "production",
                "user": {"id": user["id"], "email": user["email"]},
                "tags": {"workspace": user["workspace"]},
                "contexts": {"feedback": feedback},
            }
            envelope = Envelope(headers={"event_id": event_id})
            envelope.add_item(Item(payload=PayloadRef(json=payload), type="feedback"))
        client.transport.capture_envelope(envelope)
        sent[f"{item['channel']}:{event_id}"] = item
    return sent


def sanitize(text: str) -> str:
    for real, neutral in PATHS:
        text = text.replace(real, neutral)
    return text


def shift_lines(frames: list, file_key: str, line_key: str) -> None:
    for frame in frames:
        if frame.get(file_key) == "demo_app/app.py" and frame.get(line_key):
            frame[line_key] -= 4


def retime(event: dict, target: datetime) -> None:
    """Put the event at the scenario's time and its breadcrumbs in the minutes before.

    The replayed clicks came microseconds apart; a person takes longer.
    """
    event["timestamp"] = target.isoformat().replace("+00:00", "Z")
    crumbs = (event.get("breadcrumbs") or {}).get("values", [])
    for n, crumb in enumerate(crumbs):
        back = (
            timedelta(seconds=0.35)
            if n == len(crumbs) - 1
            else timedelta(seconds=41 * (len(crumbs) - 1 - n) + 3)
        )
        crumb["timestamp"] = (target - back).isoformat().replace("+00:00", "Z")


def rewrite_envelope(body: bytes, edit) -> tuple[dict, list[tuple[dict, dict]]]:
    """Parse an envelope, let `edit` change each JSON payload, return header and items."""
    header_line, rest = body.split(b"\n", 1)
    header = json.loads(header_line)
    items = []
    while rest.strip():
        item_line, rest = rest.split(b"\n", 1)
        item = json.loads(item_line)
        length = item["length"]
        payload, rest = json.loads(rest[:length]), rest[length:].lstrip(b"\n")
        edit(header, item, payload)
        items.append((item, payload))
    return header, items


def dump_envelope(header: dict, items: list) -> bytes:
    out = [json.dumps(header, separators=(",", ":")).encode()]
    for item, payload in items:
        data = json.dumps(payload, separators=(",", ":")).encode()
        item = {**item, "length": len(data)}
        out += [json.dumps(item, separators=(",", ":")).encode(), data]
    return b"\n".join(out) + b"\n"


def write_junit(labels: list) -> None:
    report = INBOX / "ci-nightly-junit.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "demo_app/tests",
            "-q",
            f"--junitxml={report}",
            "-o",
            "junit_suite_name=teamboard",
        ],
        cwd=HERE,
        check=False,
        capture_output=True,
    )
    text = sanitize(report.read_text(encoding="utf-8"))
    text = re.sub(r'timestamp="[^"]+"', 'timestamp="2026-11-23T23:40:12.081331+00:00"', text)
    text = re.sub(r'hostname="[^"]+"', 'hostname="ci-runner-3"', text)
    report.write_text(text, encoding="utf-8")
    import xml.etree.ElementTree as ET

    index = 0
    for case in ET.fromstring(text).iter("testcase"):
        if case.find("failure") is None and case.find("error") is None:
            continue
        labels.append(
            {
                "file": report.name,
                "index": index,
                "group": JUNIT_GROUPS[case.get("name")],
                "key": "junit:" + case.get("name"),
            }
        )
        index += 1
    assert index == len(JUNIT_GROUPS), f"expected {len(JUNIT_GROUPS)} failing tests, got {index}"


def write_feedback_files(labels: list) -> None:
    records = []
    for item in FEEDBACK:
        when = at(item["at"])
        if item["channel"] == "eml":
            message = EmailMessage()
            message["From"] = item["from"]
            message["To"] = "support@teamboard.example"
            message["Subject"] = item["subject"]
            message["Date"] = format_datetime(when)
            token = hashlib.sha1(item["text"].encode()).hexdigest()[:16]  # not the label
            message["Message-ID"] = f"<{when:%Y%m%d%H%M%S}.{token}@mail.example>"
            message.set_content(item["text"])
            (INBOX / item["file"]).write_bytes(bytes(message))
            labels.append(
                {
                    "file": item["file"],
                    "index": 0,
                    "group": item["group"],
                    "key": item["key"],
                    "date": when.isoformat(),
                }
            )
        elif item["channel"] == "txt":
            (INBOX / item["file"]).write_text(item["text"], encoding="utf-8")
            os.utime(INBOX / item["file"], (when.timestamp(), when.timestamp()))
            labels.append(
                {
                    "file": item["file"],
                    "index": 0,
                    "group": item["group"],
                    "key": item["key"],
                    "date": when.isoformat(),
                }
            )
        elif item["channel"] == "json":
            records.append(
                (
                    when,
                    item,
                    {
                        "body": item["text"],
                        "from": item["from"],
                        "subject": item["subject"],
                        "date": when.isoformat(),
                        "route": item["route"],
                    },
                )
            )
    records.sort(key=lambda r: r[0])
    name = "feedback-widget-2026-11-23.json"
    (INBOX / name).write_text(
        json.dumps([r[2] for r in records], indent=2) + "\n", encoding="utf-8"
    )
    labels += [
        {"file": name, "index": i, "group": item["group"], "key": item["key"]}
        for i, (_, item, _) in enumerate(records)
    ]


def main() -> None:
    if INBOX.exists():
        for old in INBOX.iterdir():
            old.unlink()
    INBOX.mkdir(exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sentry_sdk.init(
        dsn=f"http://publickey@127.0.0.1:{server.server_address[1]}/42",
        release="teamboard@1.4.2",
        environment="production",
        server_name="web-1",
        send_default_pii=True,
        in_app_include=["demo_app"],
    )
    by_event, boundary_lines = run_scenarios()
    sentry_sdk.flush(timeout=10)
    feedback_sent = send_feedback(by_event)
    sentry_sdk.flush(timeout=10)
    time.sleep(0.5)
    server.shutdown()

    labels: list[dict] = []
    exported: list[tuple[datetime, dict, dict]] = []
    for body in RECEIVED:
        event_id = json.loads(body.split(b"\n", 1)[0])["event_id"]
        item_type = json.loads(body.split(b"\n", 2)[1])["type"]
        item = feedback_sent.get(f"{item_type}:{event_id}")
        scn = None if item else by_event[event_id]
        target = at(scn["at"] if scn else item["at"])

        def edit(header, item_header, payload, scn=scn, target=target):
            header["sent_at"] = (
                (target + timedelta(milliseconds=412)).isoformat().replace("+00:00", "Z")
            )
            if item_header["type"] in ("event", "feedback"):
                retime(payload, target)
                if scn and scn["release"] == "1.4.1":
                    for value in payload.get("exception", {}).get("values", []):
                        shift_lines(value["stacktrace"]["frames"], "filename", "lineno")

        header, items = rewrite_envelope(sanitize(body.decode()).encode(), edit)
        channel = scn["channel"] if scn else "envelope"
        group, key = (scn or item)["group"], (scn or item)["key"]
        if channel in ("envelope", "message-envelope"):
            suffix = f"-{item_type}" if item else ""
            name = f"sentry-{target:%H%M%S}-{event_id[:8]}{suffix}.envelope"
            (INBOX / name).write_bytes(dump_envelope(header, items))
            labels.append({"file": name, "index": 0, "group": group, "key": key})
        elif channel == "store":
            name = f"sentry-store-{target:%H%M%S}-{event_id[:8]}.json"
            (INBOX / name).write_text(json.dumps(items[0][1], separators=(",", ":")) + "\n")
            labels.append({"file": name, "index": 0, "group": group, "key": key})
        else:
            exported.append((target, scn, items[0][1]))

    exported.sort(key=lambda e: e[0])
    name = "sentry-export-2026-11-23.ndjson"
    (INBOX / name).write_text(
        "".join(json.dumps(e[2], separators=(",", ":")) + "\n" for e in exported)
    )
    labels += [
        {"file": name, "index": i, "group": scn["group"], "key": scn["key"]}
        for i, (_, scn, _) in enumerate(exported)
    ]

    boundary_lines.sort(key=lambda b: b[0]["at"])
    name = "teamboard-errors-2026-11-23.ndjson"
    with (INBOX / name).open("w", encoding="utf-8") as handle:
        for index, (scn, line) in enumerate(boundary_lines):
            target = at(scn["at"])
            line["occurred_at"] = target.isoformat()
            for n, action in enumerate(line["actions"]):
                step = timedelta(seconds=41 * (len(line["actions"]) - n))
                action["timestamp"] = (target - step).isoformat()
            if scn["release"] == "1.4.1":
                shift_lines(line["error"]["frames"], "file", "line")
            handle.write(sanitize(json.dumps(line)) + "\n")
            labels.append({"file": name, "index": index, "group": scn["group"], "key": scn["key"]})

    write_junit(labels)
    write_feedback_files(labels)
    labels.sort(key=lambda label: (label["file"], label["index"]))
    (HERE / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    print(f"{len(labels)} signals in {len({la['file'] for la in labels})} files")


if __name__ == "__main__":
    main()
