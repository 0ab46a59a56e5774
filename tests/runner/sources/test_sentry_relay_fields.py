"""Each field of a Sentry event read as Relay reads it: messages and their parameters, tags,
fingerprints, levels and other scalars, Relay's trimming, exceptions, mechanisms, frames and
threads. Events are written by hand from Relay's schema and normalisation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.sources.records import parse_record
from runner.triage.grouping import group
from store.signal import Signal


def parse(record: dict[str, Any]) -> Signal:
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def errors(signal: Signal) -> list[str]:
    return list(signal.contexts.get("ingest_errors", []))


# Messages


@pytest.mark.parametrize(
    ("message", "formatted"),
    [
        (
            {"message": "Sync of %s failed %d times", "params": ["cart", 3]},
            "Sync of cart failed 3 times",
        ),
        ({"message": "Sync of %(what)s failed", "params": {"what": "cart"}}, "Sync of cart failed"),
        ({"message": "Sync of {} failed", "params": ["cart"]}, "Sync of cart failed"),
        ({"message": "Sync of {0} failed", "params": ["cart"]}, "Sync of cart failed"),
        ({"message": "Sync of {what} failed", "params": {"what": "cart"}}, "Sync of cart failed"),
        ({"message": "100%% of %s", "params": ["carts"]}, "100% of carts"),
        # A parameter missing or of the wrong kind: the template is what is shown.
        ({"message": "Sync of %s failed", "params": []}, "Sync of %s failed"),
        ({"message": "Took %d ms", "params": ["slow"]}, "Took %d ms"),
        ({"message": "Sync failed", "formatted": "Sync failed"}, "Sync failed"),
        ({"formatted": "Sync of cart failed"}, "Sync of cart failed"),
    ],
)
def test_messages_are_formatted_as_relay_formats_them(message: Any, formatted: str) -> None:
    signal = parse({"logentry": message})
    assert signal.kind == "error" and signal.text == formatted


def test_the_template_is_kept_only_when_it_differs_from_the_text() -> None:
    one = parse({"logentry": {"message": "Sync of %s failed", "params": ["cart"]}})
    two = parse({"logentry": {"message": "Sync of %s failed", "params": ["user"]}})
    assert one.message_template == "Sync of %s failed" and one.text == "Sync of cart failed"
    assert group(one).hash == group(two).hash
    plain = parse({"logentry": {"message": "Sync failed", "formatted": "Sync failed"}})
    assert plain.message_template is None and plain.text == "Sync failed"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Disk full", "Disk full"),
        (42, "42"),
        (["a", 1], '["a",1]'),  # Sentry historically JSON-encoded a non-string message
        (True, "true"),
        (False, None),
    ],
)
def test_a_top_level_message_of_any_type(value: Any, text: str | None) -> None:
    assert parse({"message": value, "level": "error"}).text == text


def test_a_logentry_string_and_bad_parts() -> None:
    assert parse({"logentry": "Disk full"}).text == "Disk full"
    signal = parse({"logentry": {"message": 5, "formatted": "Disk full", "params": 3}})
    assert signal.text == "Disk full"
    assert {e.split(":")[0] for e in errors(signal)} >= {"logentry.message", "logentry.params"}


# Tags


def test_tags_as_an_object_or_pairs_with_relays_coercions() -> None:
    as_object = parse(
        {
            "message": "m",
            "tags": {"flag": True, "ratio": 3.7, "count": 42, "gone": None, "my key": " v "},
        }
    )
    assert as_object.tags == {
        "flag": "True",
        "ratio": "3",
        "count": "42",
        "my-key": "v",
        "level": "error",
    }
    pairs = [["region", "eu"], ["region", "us"], [1, 2], ["bad"], ["nested", {"a": 1}]]
    as_pairs = parse({"message": "m", "tags": pairs})
    assert as_pairs.tags == {
        "region": "eu",
        "1": "2",
        "level": "error",
    }  # the first of two equal keys wins


def test_tags_relay_drops_or_moves() -> None:
    signal = parse(
        {
            "message": "m",
            "server_name": "web-3",
            "tags": {
                "release": "1.0",
                "user": "u",
                "bad/key": "x",
                "long": "x" * 201,
                "multi": "a\nb",
                "empty": " ",
                "environment": "staging",
                "route": "/cart",
            },
        }
    )
    assert signal.environment == "staging"  # a legacy SDK's environment tag
    # Sentry tags every event with its environment and level, as with transaction and logger.
    expected = {
        "route": "/cart",
        "server_name": "web-3",
        "environment": "staging",
        "level": "error",
    }
    assert signal.tags == expected
    assert (
        parse({"message": "m", "environment": "prod", "tags": {"environment": "x"}}).environment
        == "prod"
    )


def test_tags_of_the_wrong_type_are_dropped_not_refused() -> None:
    signal = parse({"message": "m", "tags": 5})
    assert signal.tags == {"level": "error"} and any(e.startswith("tags:") for e in errors(signal))


# Fingerprints


def test_fingerprint_entries_read_as_lenient_strings() -> None:
    parts = ["checkout", 7, 3.9, True, None, {"x": 1}, 10**30, 1e300]
    signal = parse({"message": "m", "fingerprint": parts})
    assert signal.fingerprint == ["checkout", "7", "3", "True"]
    same = parse({"message": "other", "fingerprint": ["checkout", "7", "3", "True"]})
    assert group(signal).hash == group(same).hash


@pytest.mark.parametrize("value", [[], "checkout", ["{{ default }}"], [None]])
def test_no_usable_fingerprint_is_the_default_grouping(value: Any) -> None:
    assert parse({"message": "m", "fingerprint": value}).fingerprint is None


# Levels, platforms and other scalars


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("warning", "warning"),
        ("log", "info"),
        ("critical", "fatal"),
        (40, "error"),
        (10, "debug"),
        ("loud", "error"),
        (None, "error"),
        (True, "error"),
    ],
)
def test_levels(value: Any, level: str) -> None:
    assert parse({"message": "m", "level": value}).level == level


def test_scalars_read_as_relay_reads_them() -> None:
    signal = parse(
        {
            "message": "m",
            "platform": "brainfuck",
            "release": 2.5,
            "environment": 7,
            "user": {"id": 42, "username": 1001, "email": ["x"]},
            "checksum": None,
            "logger": "app\nlog",
            "transaction": "  /checkout  ",
        }
    )
    assert signal.platform == "other" and signal.release == "2" and signal.environment is None
    assert signal.actor is not None and (signal.actor.id, signal.actor.name) == ("42", "1001")
    assert signal.actor.email is None
    # A logger with a line break is dropped.
    assert signal.tags == {"transaction": "/checkout", "level": "error"}
    for bad in ("latest", "a/b", ".", "1.0\nbeta", " "):
        assert parse({"message": "m", "release": bad}).release is None
    assert parse({"message": "m", "release": " web@1.2 "}).release == "web@1.2"


# Trimming instead of refusing


def test_long_values_are_trimmed_as_relay_trims_them() -> None:
    value, kept = "v" * 10_000, "w" * 8392
    signal = parse(
        {
            "exception": [
                {"type": "T" * 600, "value": value, "module": "m" * 300},
                {
                    "type": "KeyError",
                    "value": kept,
                    "stacktrace": {"frames": [{"function": "f" * 300}]},
                },
            ]
        }
    )
    cause, raised = signal.error.chain[0], signal.error
    assert cause.type == "T" * 253 + "..." and cause.message == "v" * 8189 + "..."
    assert cause.module == "m" * 253 + "..."
    assert raised.message == kept  # within the allowance: whole
    assert raised.frames[0].function == "f" * 253 + "..."
    message = parse({"message": "x" * 9000, "level": "error"})
    assert message.text == "x" * 8189 + "..."
    assert parse({"message": "m", "checksum": "c" * 200}).checksum == "c" * 125 + "..."


# Exceptions, mechanisms, frames, threads


def test_exceptions_with_a_type_a_value_or_neither() -> None:
    only_type = parse({"exception": [{"type": "Timeout"}]}).error
    assert (only_type.type, only_type.message) == ("Timeout", "")
    split = parse({"exception": [{"value": "ValueError: bad input"}]}).error
    assert (split.type, split.message) == ("ValueError", "bad input")
    multiline = parse({"exception": [{"value": "ValueError: bad\ninput"}]}).error
    assert multiline.message == "ValueError: bad\ninput"  # Relay's pattern is one line
    as_json = parse({"exception": [{"value": {"unauthorized": True}}]}).error
    assert as_json.message == '{"unauthorized":true}'
    neither = parse({"exception": [{"module": "app", "stacktrace": None}], "message": "m"})
    assert neither.error is None and neither.text == "m"
    assert any("neither a type nor a value" in e for e in errors(neither))


def test_mechanism_variants() -> None:
    values = [
        {
            "type": "ValueError",
            "mechanism": {
                "type": "chained",
                "exception_id": 2,
                "parent_id": 0,
                "source": "exceptions[0]",
            },
        },
        {
            "type": "Signal",
            "mechanism": {
                "type": "signalhandler",
                "synthetic": True,
                "exception_id": 1,
                "parent_id": 0,
            },
        },
        {
            "type": "ExceptionGroup",
            "mechanism": {"type": "exceptiongroup", "is_exception_group": True, "exception_id": 0},
        },
    ]
    error = parse({"platform": "javascript", "exception": {"values": values}}).error
    assert error.is_group and error.exception_id == 0
    assert [(e.exception_id, e.parent_id, e.synthetic) for e in error.chain] == [
        (2, 0, False),
        (1, 0, True),
    ]
    # A mechanism without `type` is Relay's legacy form: none of these are read from it.
    legacy = parse(
        {"exception": [{"type": "E", "mechanism": {"synthetic": True, "exception_id": 1}}]}
    )
    assert not legacy.error.synthetic and legacy.error.exception_id is None
    odd = parse({"exception": [{"type": "E", "mechanism": "handled"}]})
    assert odd.error.type == "E" and any("mechanism" in e for e in errors(odd))


def test_frames_in_every_shape_relay_accepts() -> None:
    frames = [
        {"function": "main", "lineno": "12", "in_app": None},
        {"function": "?", "abs_path": "/srv/app/main.py"},
        {"filename": "util.js", "abs_path": "", "colno": -1},
        {"raw_function": "Foo::bar(int)", "function": "bar", "package": "/usr/lib/libfoo.so"},
        {"instruction_addr": "0x7fff5bf3456c", "symbol": "_start", "platform": "native"},
        {"function": 5, "module": ["x"], "in_app": "yes"},
    ]
    signal = parse({"exception": [{"type": "E", "stacktrace": {"frames": frames}}]})
    first, second, third, fourth, fifth, sixth = signal.error.frames
    assert (first.line, first.in_app) == (None, False)
    assert second.function is None and second.file == "/srv/app/main.py" and second.abs_path is None
    assert third.file == "util.js" and third.abs_path is None and third.column is None
    assert (fourth.raw_function, fourth.package) == ("Foo::bar(int)", "/usr/lib/libfoo.so")
    assert fifth.platform == "native" and fifth.function is None
    assert (sixth.function, sixth.module, sixth.in_app) == (None, None, False)
    assert any(".function" in e for e in errors(signal))


def test_threads_crashed_current_and_strings_that_are_not_booleans() -> None:
    crashed = {"crashed": True, "stacktrace": {"frames": [{"function": "crash"}]}}
    current = {"current": True, "stacktrace": {"frames": [{"function": "now"}]}}
    idle = {"crashed": "true", "stacktrace": {"frames": [{"function": "idle"}]}}
    assert [
        f.function for f in parse({"message": "m", "threads": [idle, crashed, current]}).stack
    ] == ["crash"]
    assert [f.function for f in parse({"message": "m", "threads": [idle, current]}).stack] == [
        "now"
    ]
    # With an exception the event groups on the exception, never on a thread.
    with_error = parse({"exception": [{"type": "E"}], "threads": [crashed]})
    assert with_error.stack == [] and with_error.error is not None


def test_contexts_that_are_not_objects_are_dropped() -> None:
    signal = parse(
        {"message": "m", "level": "info", "contexts": {"os": "Linux", "app": {"name": "shop"}}}
    )
    assert signal.contexts["app"] == {"name": "shop"} and "os" not in signal.contexts
    assert parse({"message": "m", "contexts": [1]}).kind == "error"
    assert parse({"message": "m", "extra": "no", "user": 5, "request": []}).text == "m"
