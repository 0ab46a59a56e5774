"""Real sentry-sdk 2.75.0 captures, normalised into signals."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.sources.inbox import read_envelope_file
from runner.sources.records import BadRecord
from runner.sources.sentry_envelope import envelope_signals, parse_envelope
from store.signal import Signal

CAPTURES = Path(__file__).parents[2] / "fixtures" / "sentry_captures"


def signals_of(name: str) -> list[Signal]:
    items = list(read_envelope_file(CAPTURES / name))
    assert all(isinstance(i, Signal) for i in items), items
    return [i for i in items if isinstance(i, Signal)]


def test_exception_event_keeps_frames_breadcrumbs_tags_and_user() -> None:
    [signal] = signals_of("01-event.envelope")
    assert signal.id == "03341e25b7d5428bb84986d402e681fb"
    assert signal.kind == "error"
    assert signal.error is not None and signal.error.type == "ZeroDivisionError"
    functions = [f.function for f in signal.error.frames]
    assert functions[-1] == "compute_ratio"  # the crashing frame is last
    assert all(f.line is not None for f in signal.error.frames)
    assert [a.category for a in signal.actions] == ["http", "db"]
    assert signal.tags["component"] == "billing"
    assert signal.actor is not None and signal.actor.email == "jane@example.com"
    assert signal.release == "overnight-demo@1.2.3" and signal.environment == "staging"
    assert signal.raw.startswith("{") and "ZeroDivisionError" in signal.raw


def test_chained_exceptions_keep_the_cause_first() -> None:
    [explicit] = signals_of("03-event.envelope")
    assert explicit.error is not None
    assert explicit.error.type == "ConfigError"
    assert [c.type for c in explicit.error.chain] == ["FileNotFoundError"]
    [implicit] = signals_of("04-event.envelope")
    assert implicit.error is not None and implicit.error.type == "KeyError"
    assert [c.type for c in implicit.error.chain] == ["ValueError"]


def test_message_event_keeps_its_hybrid_fingerprint() -> None:
    [signal] = signals_of("05-event.envelope")
    assert signal.error is None
    assert signal.text == "Payment provider timed out after 30s for order 9876"
    assert signal.fingerprint == ["{{ default }}", "payment-timeout"]
    assert signal.level == "warning"


def test_transactions_are_not_signals() -> None:
    assert signals_of("07-transaction.envelope") == []


def test_both_feedback_forms_become_feedback_signals() -> None:
    [report] = signals_of("08-user_report.envelope")
    assert report.kind == "feedback"
    assert report.text == "The summary page crashed when my cart was empty."
    assert report.actor is not None and report.actor.name == "Jane Doe"
    [feedback] = signals_of("09-feedback.envelope")
    assert feedback.kind == "feedback"
    assert feedback.text == "Export to CSV silently produces an empty file."
    assert feedback.id == "40ef35d97eec432db45f2ec86bf67807"


def test_a_bad_item_does_not_hide_its_good_neighbour() -> None:
    good = (CAPTURES / "09-feedback.envelope").read_bytes().rstrip(b"\n")
    body = good + b'\n{"type":"event","length":9}\n{"broken"\n'
    results = list(envelope_signals(parse_envelope(body), "test"))
    assert isinstance(results[0], Signal)
    assert isinstance(results[1], BadRecord) and "malformed JSON" in str(results[1])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json\n", "envelope header is not valid JSON"),
        (b'{}\n{"type":"event","length":500}\n{}', "only 2 remain"),
        (b"{}\n[1]\n", "item header 1 should be a JSON object"),
    ],
)
def test_broken_framing_is_explained(body: bytes, reason: str) -> None:
    with pytest.raises(BadRecord, match=reason):
        parse_envelope(body)


def test_frames_keep_the_source_line_grouping_reads() -> None:
    [signal] = signals_of("01-event.envelope")
    assert signal.error is not None
    first = signal.error.frames[0]
    # The SDK's `context_line`, as sent; `pre_context`, `post_context` and `vars` are not kept.
    assert first.context_line == "    handle_request([])"
    assert first.function == "<module>" and first.module == "__main__"
    assert all(f.context_line for f in signal.error.frames if f.in_app)
