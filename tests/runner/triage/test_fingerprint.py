from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import sqlite_utils

from runner.sources.records import parse_record
from runner.triage.engine import triage_pending
from runner.triage.fingerprint import fingerprint, top_frame
from store.issues import home_issue_ids
from store.signal import Signal

from .conftest import crash, make_signal


def test_line_numbers_and_messages_do_not_change_the_fingerprint() -> None:
    a = fingerprint(crash("division by zero for team 3", line=40))
    b = fingerprint(crash("division by zero for team 9", line=44))
    assert a.hash == b.hash and a.basis == "stack"


def test_another_function_or_type_changes_it() -> None:
    base = fingerprint(crash()).hash
    assert fingerprint(crash(function="average")).hash != base
    assert fingerprint(crash(type_="ValueError")).hash != base


def test_modules_and_file_paths_meet_and_test_frames_do_not_count() -> None:
    sdk = crash(file="demo_app/reports.py")
    junit = make_signal(
        kind="regression",
        route=None,
        test_id="tests/test_reports.py::test_ratio",
        error={
            "type": "ZeroDivisionError",
            "message": "ZeroDivisionError: division by zero",
            "frames": [
                {"file": "tests/test_reports.py", "function": "test_ratio", "in_app": True},
                # The JUnit reader names the module of a relative Python path, as the SDK does.
                {
                    "file": "app/views.py",
                    "module": "app.views",
                    "function": "handle",
                    "line": 3,
                    "in_app": True,
                },
                {
                    "file": "demo_app/reports.py",
                    "module": "demo_app.reports",
                    "function": "ratio",
                    "line": 9,
                    "in_app": True,
                },
            ],
        },
    )
    assert fingerprint(junit).hash == fingerprint(sdk).hash
    assert top_frame(junit) == top_frame(sdk) == "reports:ratio"


def test_chained_exceptions_contribute() -> None:
    cause = {"type": "KeyError", "message": "x", "frames": []}
    plain = crash()
    chained = make_signal(
        route="/dashboard",
        error=plain.error.model_dump() | {"chain": [cause]},  # type: ignore[union-attr]
    )
    assert fingerprint(chained).hash != fingerprint(plain).hash


def test_without_a_stack_the_parameterised_message_is_used() -> None:
    a = make_signal(error={"type": "TimeoutError", "message": "request 4521 took 3.2s"})
    b = make_signal(error={"type": "TimeoutError", "message": "request 77 took 9.1s"})
    c = make_signal(error={"type": "TimeoutError", "message": "cache miss on widgets"})
    assert fingerprint(a).basis == "exception"
    assert fingerprint(a).hash == fingerprint(b).hash != fingerprint(c).hash


def test_an_explicit_fingerprint_wins_and_default_mixes_in() -> None:
    explicit = fingerprint(crash(fingerprint=["payments-timeout"]))
    assert explicit.basis == "explicit"
    assert (
        explicit.hash == fingerprint(crash(function="other", fingerprint=["payments-timeout"])).hash
    )
    hybrid_a = fingerprint(crash(fingerprint=["{{ default }}", "tenant-a"]))
    hybrid_b = fingerprint(crash(fingerprint=["{{ default }}", "tenant-b"]))
    assert hybrid_a.basis == "hybrid" and hybrid_a.hash != hybrid_b.hash
    only_default = fingerprint(crash(fingerprint=["{{ default }}"]))
    assert only_default.hash == fingerprint(crash()).hash


def test_feedback_has_no_fingerprint() -> None:
    signal = make_signal(kind="feedback", text="Dashboard")
    assert fingerprint(signal).hash is None


def sdk_event(line: str, user: str) -> Signal:
    """A Python SDK's event: the same stack as `crash()`, each frame with its source line."""
    frames = [
        {
            "filename": "app/views.py",
            "module": "app.views",
            "function": "handle",
            "lineno": 10,
            "in_app": True,
            "context_line": "    return ratio(done, total)",
        },
        {
            "filename": "app/reports.py",
            "module": "app.reports",
            "function": "ratio",
            "lineno": 40,
            "in_app": True,
            "context_line": line,
        },
    ]
    event = {
        "event_id": uuid.uuid4().hex,
        "platform": "python",
        "user": {"id": user},
        "request": {"url": "https://app.example/dashboard"},
        "exception": {
            "values": [
                {
                    "type": "ZeroDivisionError",
                    "value": "division by zero",
                    "stacktrace": {"frames": frames},
                }
            ]
        },
    }
    return parse_record(event, json.dumps(event), "test")


def test_a_stack_without_source_lines_meets_the_same_stack_with_them(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    native = crash(user="n1")  # an Overnight record: no source lines
    first = sdk_event("    return part / whole", "s1")
    store_signals(native, first)
    triage_pending(fresh_db)
    assert fingerprint(first).hash != fingerprint(native).hash
    assert fingerprint(first).loose == fingerprint(native).hash
    homes = home_issue_ids(fresh_db, [native.id, first.id])
    assert homes[first.id] == homes[native.id]


def test_two_stacks_that_differ_in_a_source_line_stay_apart_as_sentry_keeps_them(
    fresh_db: sqlite_utils.Database, store_signals: Callable[..., None]
) -> None:
    one = sdk_event("    return part / whole", "s1")
    other = sdk_event("    return round(part / whole, 3)", "s2")
    store_signals(one, other)
    triage_pending(fresh_db)
    assert fingerprint(one).loose == fingerprint(other).loose
    homes = home_issue_ids(fresh_db, [one.id, other.id])
    assert homes[one.id] != homes[other.id]
