"""Every event Sentry's ingestion accepts is accepted: no `event_id`, `message` as a string or
an object, `logentry`, a legacy `checksum`; and exception-group ids are kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.sources.records import SHAPES, BadRecord, parse_record
from runner.triage.grouping import group


def parse(record: dict[str, Any]) -> Any:
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def test_a_message_string_with_a_checksum_and_no_event_id_is_an_event() -> None:
    record = {"message": "Payment failed", "checksum": "0123456789abcdef0123456789abcdef"}
    signal = parse(record)
    assert signal.kind == "error" and signal.text == "Payment failed"
    assert signal.checksum == record["checksum"]
    # A stable id from the content: the same event twice is one signal.
    assert signal.id == parse(dict(record)).id and len(signal.id) == 32
    assert group(signal).variant == "checksum"


@pytest.mark.parametrize(
    "record",
    [
        {"message": {"message": "Sync of %s failed", "params": ["cart"]}},
        {"logentry": {"message": "Sync of %s failed", "formatted": "Sync of cart failed"}},
        {"message": "Sync of cart failed", "level": "error"},
        {"logentry": {"formatted": "Sync of cart failed"}},
    ],
)
def test_message_forms(record: dict[str, Any]) -> None:
    signal = parse(record)
    assert signal.kind == "error" and signal.text and "Sync of" in signal.text


def test_the_template_is_what_a_message_groups_on() -> None:
    one = parse({"logentry": {"message": "Sync of %s failed", "formatted": "Sync of cart failed"}})
    two = parse({"logentry": {"message": "Sync of %s failed", "formatted": "Sync of user failed"}})
    assert one.message_template == "Sync of %s failed"
    assert group(one).hash == group(two).hash


def test_exception_group_ids_and_frame_paths_are_kept() -> None:
    signal = parse(
        {
            "platform": "python",
            "exception": {
                "values": [
                    {
                        "type": "ValueError",
                        "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0},
                    },
                    {
                        "type": "ExceptionGroup",
                        "mechanism": {
                            "type": "exceptiongroup",
                            "exception_id": 0,
                            "is_exception_group": True,
                        },
                        "stacktrace": {
                            "frames": [
                                {"filename": "app.js", "abs_path": "https://x.io/app.js?v=2"}
                            ]
                        },
                    },
                ]
            },
        }
    )
    assert signal.platform == "python" and signal.error.is_group
    assert (signal.error.chain[0].exception_id, signal.error.chain[0].parent_id) == (1, 0)
    assert signal.error.frames[0].abs_path == "https://x.io/app.js?v=2"


def test_a_person_message_is_still_feedback_and_nonsense_is_refused() -> None:
    assert parse({"body": "The export is empty"}).kind == "feedback"
    with pytest.raises(BadRecord, match="not a Signal envelope"):
        parse({"colour": "blue"})
    assert SHAPES[0].name == "Signal envelope"


def test_the_sources_import_without_a_cycle() -> None:
    # The shapes import the leaf helpers, never the registry that orders them.
    import ast
    from pathlib import Path

    sources = Path(__file__).parents[3] / "runner" / "sources"
    for name in ("feedback.py", "sentry_event.py", "common.py"):
        tree = ast.parse((sources / name).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "runner.sources.records" not in imported, name
