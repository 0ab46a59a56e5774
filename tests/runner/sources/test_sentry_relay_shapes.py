"""Every shape Relay (Sentry's ingestion) accepts is accepted, and read as Relay reads it
before Sentry groups it: legacy interface names, `Values` in every form, lenient scalars,
Relay's trimming. Only what Relay refuses (a malformed `event_id`) is refused.

The events are written here by hand from Relay's schema (`relay-event-schema`) and
normalisation (`relay-event-normalization`); `test_sentry_relay_sdk.py` checks the same on
events the real `sentry-sdk` produces.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runner.sources.records import BadRecord, parse_record
from runner.sources.sentry_envelope import envelope_signals, parse_envelope
from runner.triage.grouping import group
from store.signal import Signal

FRAMES = [
    {"module": "shop.cart", "function": "checkout", "filename": "shop/cart.py", "in_app": True},
    {"module": "shop.tax", "function": "rate", "filename": "shop/tax.py", "in_app": True},
]
ERROR = {"type": "KeyError", "value": "'region'", "stacktrace": {"frames": FRAMES}}


def parse(record: dict[str, Any]) -> Signal:
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def same_group(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return group(parse(a)).hash == group(parse(b)).hash


def errors(signal: Signal) -> list[str]:
    return list(signal.contexts.get("ingest_errors", []))


# Legacy interface names


def test_legacy_interface_names_read_as_the_current_ones() -> None:
    modern = {
        "platform": "python",
        "exception": {"values": [ERROR]},
        "request": {"url": "https://shop.example/cart?x=1"},
        "user": {"id": "u1", "email": "a@example.com"},
        "contexts": {"feedback": {}, "os": {"name": "Linux"}},
        "breadcrumbs": {"values": [{"message": "opened cart", "category": "ui.click"}]},
    }
    legacy = {
        "platform": "python",
        "sentry.interfaces.Exception": {
            "values": [
                {
                    "type": "KeyError",
                    "value": "'region'",
                    "sentry.interfaces.Stacktrace": {"frames": FRAMES},
                }
            ]
        },
        "sentry.interfaces.Http": {"url": "https://shop.example/cart?x=1"},
        "sentry.interfaces.User": {"id": "u1", "email": "a@example.com"},
        "sentry.interfaces.Contexts": {"os": {"name": "Linux"}},
        "sentry.interfaces.Breadcrumbs": [{"message": "opened cart", "category": "ui.click"}],
    }
    new, old = parse(modern), parse(legacy)
    assert old.kind == "error" and old.error is not None
    assert old.error.frames == new.error.frames and old.error.type == "KeyError"
    assert old.route == new.route == "/cart"
    assert old.actor == new.actor and old.actions == new.actions
    assert old.contexts["os"] == {"name": "Linux"}
    assert group(old).hash == group(new).hash


@pytest.mark.parametrize(
    "key", ["sentry.interfaces.Message", "message", "logentry"], ids=lambda k: k
)
def test_each_name_of_the_message_is_read(key: str) -> None:
    signal = parse({key: {"message": "Sync of %s failed", "params": ["cart"]}, "level": "error"})
    assert signal.text == "Sync of cart failed" and signal.message_template == "Sync of %s failed"


def test_a_record_with_only_a_legacy_name_is_an_event() -> None:
    signal = parse({"sentry.interfaces.Message": {"message": "Queue stalled"}})
    assert signal.kind == "error" and signal.text == "Queue stalled"


def test_the_current_name_wins_even_when_null_as_in_relay() -> None:
    both = parse({"logentry": {"formatted": "from logentry"}, "message": "top-level message"})
    assert both.text == "from logentry"
    # Relay takes the first name present, and a key set to null is present.
    shadowed = parse({"logentry": None, "message": "top-level message", "level": "error"})
    assert shadowed.text is None and shadowed.title == "(event without message)"


def test_legacy_template_and_security_report_names() -> None:
    template = parse(
        {
            "message": "TemplateSyntaxError",
            "level": "error",
            "sentry.interfaces.Template": {"filename": "cart.html", "lineno": 3},
        }
    )
    assert [f.file for f in template.stack] == ["cart.html"]
    csp = parse(
        {
            "logger": "csp",
            "sentry.interfaces.Csp": {
                "effective_directive": "script-src",
                "blocked_uri": "https://evil.example",
            },
        }
    )
    assert csp.contexts["security_report"]["kind"] == "csp"
    assert group(csp).variant == "security"
    for name, kind in (
        ("sentry.interfaces.Hpkp", "hpkp"),
        ("sentry.interfaces.ExpectCT", "expectct"),
        ("sentry.interfaces.ExpectStaple", "expectstaple"),
    ):
        one = parse({"logger": "csp", name: {"hostname": "shop.example", "port": 443}})
        two = parse({"logger": "csp", kind: {"hostname": "shop.example", "port": 8443}})
        assert one.contexts["security_report"]["kind"] == kind
        assert group(one).variant == "security" and group(one).hash == group(two).hash


# Values<T>


@pytest.mark.parametrize(
    "shape",
    [
        {"values": [ERROR]},
        [ERROR],
        ERROR,  # one object stands for a list of one
        {"values": [None, ERROR, None]},  # null entries are dropped
        {"values": [ERROR], "other": "ignored"},
    ],
    ids=["values", "bare-list", "single-object", "null-entries", "extra-keys"],
)
def test_exception_values_in_every_form(shape: Any) -> None:
    signal = parse({"platform": "python", "exception": shape})
    assert signal.error is not None and signal.error.type == "KeyError"
    assert [f.function for f in signal.error.frames] == ["checkout", "rate"]
    assert same_group({"platform": "python", "exception": shape}, {"exception": [ERROR]})


@pytest.mark.parametrize("shape", [{"values": None}, {}, {"values": []}, None, [None]], ids=str)
def test_no_exception_values_is_a_message_event(shape: Any) -> None:
    signal = parse({"exception": shape, "message": "Checkout slow", "level": "warning"})
    assert signal.error is None and signal.text == "Checkout slow"
    assert group(signal).variant == "message"


def test_frames_with_nulls_and_threads_or_breadcrumbs_in_any_form() -> None:
    frames = [None, *FRAMES[:1], None, *FRAMES[1:], "not a frame"]
    signal = parse({"exception": [{"type": "KeyError", "stacktrace": {"frames": frames}}]})
    assert [f.function for f in signal.error.frames] == ["checkout", "rate"]
    thread = {"crashed": True, "stacktrace": {"frames": FRAMES}}
    for threads in ({"values": [thread]}, [thread], thread):
        message = parse({"message": "Deadlock", "level": "fatal", "threads": threads})
        assert [f.function for f in message.stack] == ["checkout", "rate"]
    for crumbs in ({"values": [{"message": "a"}]}, [{"message": "a"}], {"message": "a"}):
        assert [a.message for a in parse({"message": "x", "breadcrumbs": crumbs}).actions] == ["a"]


def test_a_values_field_of_the_wrong_type_is_dropped_not_refused() -> None:
    signal = parse({"message": "m", "level": "error", "exception": "boom", "threads": 3})
    assert signal.error is None and signal.text == "m"
    assert any(e.startswith("exception:") for e in errors(signal))
    assert any(e.startswith("threads:") for e in errors(signal))


# The event's own stacktrace


def test_the_event_stacktrace_becomes_the_one_exceptions() -> None:
    moved = parse({"exception": [{"type": "KeyError"}], "stacktrace": {"frames": FRAMES}})
    assert [f.function for f in moved.error.frames] == ["checkout", "rate"] and moved.stack == []
    # It replaces a stack the exception has of its own (Relay swaps them).
    own = {"type": "KeyError", "stacktrace": {"frames": [{"function": "other"}]}}
    replaced = parse({"exception": [own], "stacktrace": {"frames": FRAMES}})
    assert [f.function for f in replaced.error.frames] == ["checkout", "rate"]
    assert same_group(
        {"exception": [{"type": "KeyError"}], "sentry.interfaces.Stacktrace": {"frames": FRAMES}},
        {"exception": [{"type": "KeyError", "stacktrace": {"frames": FRAMES}}]},
    )


def test_with_two_exceptions_the_event_stacktrace_is_not_moved() -> None:
    chain = [{"type": "OSError"}, {"type": "KeyError"}]
    signal = parse({"exception": chain, "stacktrace": {"frames": FRAMES}})
    assert signal.error.frames == [] and signal.error.chain[0].frames == []
    assert signal.stack == []  # an event with exceptions groups on them, not on this stack


def test_a_message_event_groups_on_its_stacktrace() -> None:
    signal = parse({"message": "Cache miss storm", "stacktrace": {"frames": FRAMES}})
    assert [f.function for f in signal.stack] == ["checkout", "rate"]
    assert same_group(
        {"message": "Cache miss storm", "stacktrace": {"frames": FRAMES}},
        {"message": "Another message", "stacktrace": {"frames": FRAMES}},
    )


# Ids and timestamps


@pytest.mark.parametrize(
    "value",
    [
        "4C1D5E0F-9A7B-4E2C-8D3F-0123456789AB",
        "{4c1d5e0f-9a7b-4e2c-8d3f-0123456789ab}",
        "urn:uuid:4c1d5e0f-9a7b-4e2c-8d3f-0123456789ab",
        "4c1d5e0f9a7b4e2c8d3f0123456789ab",
    ],
)
def test_event_ids_in_every_uuid_form(value: str) -> None:
    assert parse({"event_id": value, "message": "m"}).id == "4c1d5e0f9a7b4e2c8d3f0123456789ab"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("12345", "is not a UUID"), (12345, "should be a UUID string"), ("", "is not a UUID")],
)
def test_a_malformed_event_id_is_refused_as_relay_refuses_it(value: Any, reason: str) -> None:
    with pytest.raises(BadRecord, match=reason):
        parse({"event_id": value, "message": "m"})


def test_an_event_without_id_gets_a_stable_one() -> None:
    record = {"message": "m", "level": "error", "event_id": None}
    assert parse(record).id == parse(dict(record)).id


@pytest.mark.parametrize(
    "value",
    [
        1764590400,
        1764590400.25,
        "2025-12-01T12:00:00Z",
        "2025-12-01T12:00:00",
        "2025-12-01T13:00:00+01:00",
        "2025-12-01 12:00:00",
    ],
)
def test_timestamps_as_numbers_and_dates(value: Any) -> None:
    when = parse({"message": "m", "timestamp": value}).occurred_at
    assert abs(when - datetime(2025, 12, 1, 12, tzinfo=UTC)) < timedelta(seconds=1)


@pytest.mark.parametrize("value", ["1764590400", "yesterday", True, {"s": 1}, 10**20])
def test_an_unreadable_timestamp_is_the_receive_time(value: Any) -> None:
    signal = parse({"message": "m", "timestamp": value})
    assert signal.occurred_at == signal.received_at
    assert any(e.startswith("timestamp:") for e in errors(signal))


def test_a_user_report_names_its_event_as_events_are_stored() -> None:
    report = parse(
        {
            "event_id": "4C1D5E0F-9A7B-4E2C-8D3F-0123456789AB",
            "name": "Ann",
            "email": "ann@example.com",
            "comments": "It crashed when I paid",
        }
    )
    assert report.kind == "feedback"
    assert report.contexts["feedback"]["associated_event_id"] == "4c1d5e0f9a7b4e2c8d3f0123456789ab"


# The Web API's shape of an event, read from a file


def test_an_event_in_the_web_apis_shape_is_read_as_its_ingest_payload() -> None:
    frames_api = [
        {"absPath": "/srv/shop/cart.py", "filename": "shop/cart.py", "module": "shop.cart"}
        | {"function": "checkout", "lineNo": 7, "inApp": True, "context": [[7, "  rate(r)"]]},
        {"absPath": "/srv/shop/tax.py", "filename": "shop/tax.py", "module": "shop.tax"}
        | {"function": "rate", "lineNo": 3, "inApp": True, "context": [[2, "x"], [3, "  r[k]"]]},
    ]
    api = {
        "eventID": "4c1d5e0f9a7b4e2c8d3f0123456789ab",
        "dateCreated": "2025-12-01T12:00:00Z",
        "platform": "python",
        "tags": [{"key": "route", "value": "/cart"}, {"key": "level", "value": "error"}],
        "entries": [
            {
                "type": "exception",
                "data": {"values": [{"type": "KeyError", "stacktrace": {"frames": frames_api}}]},
            },
            {"type": "request", "data": {"url": "https://shop.example/cart"}},
        ],
    }
    frames = [
        {"abs_path": "/srv/shop/cart.py", "filename": "shop/cart.py", "module": "shop.cart"}
        | {"function": "checkout", "lineno": 7, "in_app": True, "context_line": "  rate(r)"},
        {"abs_path": "/srv/shop/tax.py", "filename": "shop/tax.py", "module": "shop.tax"}
        | {"function": "rate", "lineno": 3, "in_app": True, "context_line": "  r[k]"},
    ]
    ingest = {
        "event_id": "4c1d5e0f9a7b4e2c8d3f0123456789ab",
        "platform": "python",
        "tags": {"route": "/cart"},
        "exception": [{"type": "KeyError", "stacktrace": {"frames": frames}}],
    }
    from_api, from_ingest = parse(api), parse(ingest)
    assert from_api.id == from_ingest.id and from_api.route == "/cart"
    assert from_api.error == from_ingest.error
    assert from_api.error.frames[1].context_line == "  r[k]"
    assert group(from_api).hash == group(from_ingest).hash
    threads = {
        "type": "threads",
        "data": {"values": [{"crashed": True, "stacktrace": {"frames": frames_api}}]},
    }
    message = parse(
        {**api, "entries": [threads, {"type": "message", "data": {"formatted": "Hang"}}]}
    )
    assert message.text == "Hang" and [f.function for f in message.stack] == ["checkout", "rate"]


def test_an_event_item_is_an_event_whatever_its_keys() -> None:
    items = [b'{"message": "Queue stalled"}', b"{}", b'{"text": "not feedback here"}']
    body = b"{}\n" + b"".join(b'{"type": "event"}\n' + item + b"\n" for item in items)
    signals = list(envelope_signals(parse_envelope(body), "test"))
    assert all(isinstance(s, Signal) and s.kind == "error" for s in signals)
    assert [s.text for s in signals if isinstance(s, Signal)] == ["Queue stalled", None, None]


def test_a_message_with_nothing_but_event_fields_is_an_event() -> None:
    # Relay takes `{"message": ...}` alone as an event; a log line's own keys say it is not.
    assert parse({"message": "Queue stalled for 30s"}).title == "Queue stalled for 30s"
    assert parse({"message": "Queue stalled", "type": "default"}).kind == "error"
    with pytest.raises(BadRecord, match="not a Signal envelope"):
        parse_record({"message": "GET /health 200", "time": 3}, "{}", "test")


STORED_KEYS: dict[str, Any] = {
    "_meta": {"exception": {"values": {"0": {"value": {"": {"rem": [["!limit", "s", 0, 9]]}}}}}},
    "grouping_config": {"id": "newstyle:2026-01-20", "enhancements": "KLUv_SAd6QAA"},
    "_grouping": {"hash": "x"},
    "hashes": ["0123456789abcdef0123456789abcdef"],
    "key_id": "4711",
    "project": 42,
    "metadata": {"type": "KeyError", "value": "'region'"},
    "title": "KeyError: 'region'",
    "location": "shop/tax.py",
    "nodestore_insert": 1767225600.5,
    "datetime": "2026-01-01T00:00:00Z",
    "_ref": 42,
    "_ref_version": 2,
    "main_exception_id": 0,
    "_metrics": {"bytes.ingested.event": 912},
    "_fingerprint_info": {"matched_rule": {"is_builtin": True, "text": "x -> y"}},
    "some_future_key": {"anything": [1, 2]},
}


@pytest.mark.parametrize(
    "body",
    [
        {"exception": {"values": [ERROR]}},
        {"message": "Queue stalled after 30 s"},
        {"logentry": {"message": "Queue %s stalled", "params": ["q7"]}},
    ],
    ids=["exception", "message", "logentry"],
)
def test_an_event_as_sentry_stored_it_is_read_and_groups_as_sent(body: dict[str, Any]) -> None:
    """An event exported from Sentry carries its internal keys (`_meta`, `grouping_config`,
    `hashes`, `metadata`, `title`, ...): Relay and Sentry's `EventManager` ignore what they
    do not read, so the event is accepted, nothing is noted, and it groups as sent."""
    stored = parse(body | STORED_KEYS)
    assert errors(stored) == []
    assert group(stored).hash == group(parse(body)).hash


@pytest.mark.parametrize(
    ("fingerprint", "expect"),
    [
        (["{{ default }}"], None),
        (["{{default}}", "eu"], ["{{default}}", "eu"]),
        (["{{ transaction }}", "{{ tags.region }}"], ["{{ transaction }}", "{{ tags.region }}"]),
        (["checkout", 7, True], ["checkout", "7", "True"]),
    ],
)
def test_fingerprints_with_variables_are_kept_for_grouping(
    fingerprint: list[Any], expect: list[str] | None
) -> None:
    """`fingerprint` with `{{ default }}` and other variables is kept as sent (Relay only
    stringifies numbers), for grouping to resolve; the default alone is no fingerprint."""
    signal = parse({"exception": {"values": [ERROR]}, "fingerprint": fingerprint})
    assert signal.fingerprint == expect
