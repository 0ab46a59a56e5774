"""Events the real `sentry-sdk` produces, rewritten into the older shapes Relay still accepts
(legacy interface names, bare lists, pairs of tags, numeric ids and timestamps, a message
whose parameters Relay formats), read into the same signal and the same group."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from runner.sources.records import parse_record
from runner.triage.grouping import group
from store.signal import Signal

SCRIPT = r"""
import json, logging
import sentry_sdk
from sentry_sdk.transport import Transport

class Capture(Transport):
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                print(json.dumps(item.payload.json))

sentry_sdk.init(dsn="http://k@127.0.0.1:9/1", transport=Capture, release="shop@1.2.0",
                environment="production")
sentry_sdk.set_user({"id": 42, "email": "ann@example.com"})
sentry_sdk.set_tag("route", "/cart")

def tax(order):
    return order["region"]

def checkout(order):
    try:
        return tax(order)
    except KeyError as exc:
        raise ValueError("no region for order") from exc

try:
    checkout({})
except ValueError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message("Cache warmed in 3 ms")
logging.getLogger("shop.cart").error("Sync of %s failed after %d tries", "cart", 3)
sentry_sdk.flush()
"""


@pytest.fixture(scope="module")
def captured() -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(events) == 3, out.stderr
    return events


def parse(record: dict[str, Any]) -> Signal:
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def legacy(event: dict[str, Any]) -> dict[str, Any]:
    """The same event in the shapes older SDKs sent and Relay still reads."""
    old = dict(event)
    hexed = str(old["event_id"]).upper()
    old["event_id"] = f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
    old["tags"] = [[k, v] for k, v in event.get("tags", {}).items()]
    if "exception" in old:
        values = []
        for value in old.pop("exception")["values"]:
            value = dict(value)
            if "stacktrace" in value:
                value["sentry.interfaces.Stacktrace"] = value.pop("stacktrace")
            values.append(value)
        old["sentry.interfaces.Exception"] = values  # a bare list, under the legacy name
    if "logentry" in old:
        entry = dict(old.pop("logentry"))
        entry.pop("formatted")  # Relay formats the parameters itself
        old["sentry.interfaces.Message"] = entry
    if "user" in old:
        old["sentry.interfaces.User"] = old.pop("user")
    if "breadcrumbs" in old:
        old["sentry.interfaces.Breadcrumbs"] = old.pop("breadcrumbs")["values"]
    return old


def test_the_sdks_events_arrive_whole(captured: list[dict[str, Any]]) -> None:
    error, message, logged = (parse(e) for e in captured)
    assert error.error is not None and error.error.type == "ValueError"
    assert [e.type for e in error.error.chain] == ["KeyError"]
    assert [f.function for f in error.error.chain[0].frames][-1] == "tax"
    assert message.text == "Cache warmed in 3 ms" and message.message_template is None
    assert logged.text == "Sync of cart failed after 3 tries"
    assert logged.message_template == "Sync of %s failed after %d tries"
    assert logged.tags["logger"] == "shop.cart" and error.tags["route"] == "/cart"
    assert error.actor is not None and error.actor.id == "42"
    assert all("ingest_errors" not in s.contexts for s in (error, message, logged))


def test_older_shapes_of_the_same_events_read_the_same(captured: list[dict[str, Any]]) -> None:
    for event in captured:
        new, old = parse(event), parse(legacy(event))
        assert old.id == new.id and old.title == new.title and old.text == new.text
        assert old.error == new.error and old.tags == new.tags and old.actor == new.actor
        assert old.actions == new.actions and old.message_template == new.message_template
        assert group(old).hash == group(new).hash, event.get("message") or event.get("logentry")
