"""The real sentry-sdk sends to a real `overnight serve`; `overnight signals --json` shows it all.

The SDK runs in its own process (as an application would), with the DSN that `serve` printed.
sentry-sdk 2.75 has no feedback helper, so feedback and the legacy user report are built with the
SDK's own `Envelope`/`Item` and sent through its configured transport, as the SDK would send them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SDK_APP = r"""
import sys, uuid, time
import sentry_sdk
from sentry_sdk.envelope import Envelope, Item, PayloadRef

sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.1", environment="staging",
                default_integrations=False, send_default_pii=True)
sentry_sdk.set_tag("workspace", "acme")
sentry_sdk.set_user({"id": "u-7", "email": "ann@example.com"})

class CartError(Exception):
    pass

def total(items):
    return sum(items) / len(items)

def checkout(items):
    sentry_sdk.add_breadcrumb(category="ui.click", message="click #checkout", level="info")
    sentry_sdk.add_breadcrumb(category="http", message="GET /api/cart", data={"status": 200})
    try:
        return total(items)
    except ZeroDivisionError as exc:
        raise CartError("cannot total an empty cart") from exc

try:
    checkout([])
except CartError as exc:
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("route", "/checkout")
        error_id = sentry_sdk.capture_exception(exc)

message_id = sentry_sdk.capture_message("Stock level below threshold", level="warning")

transport = sentry_sdk.get_client().transport
feedback_id = uuid.uuid4().hex
feedback = Envelope(headers={"event_id": feedback_id})
feedback.add_item(Item(type="feedback", payload=PayloadRef(json={
    "event_id": feedback_id, "timestamp": time.time(), "platform": "python", "level": "info",
    "contexts": {"feedback": {"message": "Checkout spins forever with an empty cart",
                              "contact_email": "ann@example.com", "name": "Ann",
                              "url": "https://shop.example.com/checkout",
                              "associated_event_id": error_id}}})))
transport.capture_envelope(feedback)
report = Envelope(headers={"event_id": error_id})
report.add_item(Item(type="user_report", payload=PayloadRef(json={
    "event_id": error_id, "name": "Ann", "email": "ann@example.com",
    "comments": "I clicked checkout and it crashed"})))
transport.capture_envelope(report)
sentry_sdk.flush(timeout=10)
print(error_id, message_id, feedback_id)
"""


def run_sdk(dsn: str, folder: Path) -> list[str]:
    script = folder / "sdk_app.py"
    script.write_text(SDK_APP)
    done = subprocess.run(
        [sys.executable, str(script), dsn],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,  # the SDK marks frames under its project root (the cwd) as in-app
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def stored_signals(tools: Any, db_path: Path) -> dict[str, dict[str, Any]]:
    out = subprocess.run(
        [*tools.overnight, "--db", str(db_path), "signals", "--json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    signals = [json.loads(line) for line in out.splitlines()]
    return {s["id"]: s for s in signals}


def test_real_sdk_errors_messages_and_feedback_arrive(tmp_path: Path, tools: Any) -> None:
    served = tools.start_serve(tmp_path / "overnight.db")
    try:
        error_id, message_id, feedback_id = run_sdk(served.dsn, tmp_path)
    finally:
        assert tools.stop_serve(served) == 0
    signals = stored_signals(tools, served.db_path)

    error = signals[error_id]
    assert error["kind"] == "error" and error["source"] == "sentry-endpoint"
    assert error["error"]["type"] == "CartError"
    assert error["error"]["message"] == "cannot total an empty cart"
    assert [c["type"] for c in error["error"]["chain"]] == ["ZeroDivisionError"]
    cause_frames = [f["function"] for f in error["error"]["chain"][0]["frames"]]
    assert cause_frames[-2:] == ["checkout", "total"]  # crashing frame last
    assert error["error"]["frames"][-1]["function"] == "checkout"
    assert error["error"]["frames"][-1]["in_app"] is True
    assert [(a["category"], a["message"]) for a in error["actions"]] == [
        ("ui.click", "click #checkout"),
        ("http", "GET /api/cart"),
    ]
    assert error["tags"]["workspace"] == "acme" and error["workspace"] == "acme"
    assert error["route"] == "/checkout"
    assert error["release"] == "shop@2.0.1" and error["environment"] == "staging"
    assert error["actor"]["email"] == "ann@example.com"
    assert '"CartError"' in error["raw"]

    message = signals[message_id]
    assert message["kind"] == "error" and message["level"] == "warning"
    assert message["title"] == "Stock level below threshold"

    feedback = signals[feedback_id]
    assert feedback["kind"] == "feedback"
    assert feedback["text"] == "Checkout spins forever with an empty cart"
    assert feedback["route"] == "/checkout"

    reports = [s for s in signals.values() if s["text"] == "I clicked checkout and it crashed"]
    assert len(reports) == 1 and reports[0]["kind"] == "feedback"
    assert reports[0]["contexts"]["feedback"]["associated_event_id"] == error_id


COMPRESSED_APP = r"""
import sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], default_integrations=False,
                _experiments={"transport_compression_algo": sys.argv[2]})
event_id = sentry_sdk.capture_message(f"sent as {sys.argv[2]}")
sentry_sdk.flush(timeout=10)
print(event_id, sentry_sdk.get_client().transport._compression_algo)
"""


def test_the_sdk_compressing_with_brotli_or_gzip_is_heard(tmp_path: Path, tools: Any) -> None:
    # sentry-python compresses with brotli whenever the application can import the brotli
    # module (a web stack often brings it), else gzip: both must arrive.
    script = tmp_path / "compressed_app.py"
    script.write_text(COMPRESSED_APP)
    served = tools.start_serve(tmp_path / "overnight.db")
    sent = {}
    try:
        for algorithm in ("br", "gzip"):
            done = subprocess.run(
                [sys.executable, str(script), served.dsn, algorithm],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            event_id, used = done.stdout.split()
            assert used == algorithm  # the SDK really compressed so
            sent[event_id] = algorithm
    finally:
        assert tools.stop_serve(served) == 0
    signals = stored_signals(tools, served.db_path)
    assert {i: signals[i]["title"] for i in sent} == {i: f"sent as {a}" for i, a in sent.items()}


ATTACHED_APP = r"""
import os, sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], default_integrations=False)
with sentry_sdk.new_scope() as scope:
    # What a mobile SDK attaches to a crash: a screenshot, incompressible, megabytes.
    scope.add_attachment(bytes=os.urandom(3_000_000), filename="screenshot.png",
                         content_type="image/png")
    event_id = sentry_sdk.capture_message("crashed with a screenshot attached")
sentry_sdk.flush(timeout=20)
print(event_id)
"""


def test_an_event_sent_with_a_large_attachment_arrives(tmp_path: Path, tools: Any) -> None:
    # The attachment is not kept, but a 413 for the whole envelope would lose the event too.
    script = tmp_path / "attached_app.py"
    script.write_text(ATTACHED_APP)
    served = tools.start_serve(tmp_path / "overnight.db")
    try:
        done = subprocess.run(
            [sys.executable, str(script), served.dsn],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        assert tools.stop_serve(served) == 0
    (event_id,) = done.stdout.split()
    assert stored_signals(tools, served.db_path)[event_id]["title"] == (
        "crashed with a screenshot attached"
    )


def test_dsn_is_stable_across_restarts(tmp_path: Path, tools: Any) -> None:
    first = tools.start_serve(tmp_path / "overnight.db")
    assert tools.stop_serve(first) == 0
    second = tools.start_serve(tmp_path / "overnight.db")
    assert tools.stop_serve(second) == 0
    assert first.key == second.key
    key_file = tmp_path / "overnight.db.ingest-key"
    assert key_file.read_text().strip() == first.key
    assert key_file.stat().st_mode & 0o077 == 0  # private to the user


def test_refuses_a_non_loopback_address_without_the_flag(tmp_path: Path, tools: Any) -> None:
    done = subprocess.run(
        [*tools.overnight, "--db", str(tmp_path / "o.db"), "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "not a loopback address" in done.stderr and "--allow-remote" in done.stderr
    assert "Traceback" not in done.stderr
