"""Everything triage compares about one signal, computed once per signal."""

from __future__ import annotations

from dataclasses import dataclass

from runner.triage.fingerprint import Fingerprint, fingerprint
from runner.triage.structure import Structure, structure
from runner.triage.text import normalise
from runner.triage.vocabulary import (
    content_words,
    place_words,
    raw_tokens,
    record_ids,
    reports_failure,
)
from store.signal import Signal


@dataclass(frozen=True, slots=True)
class Features:
    """A signal with its fingerprint, structure, comparison text and actor."""

    signal: Signal
    fingerprint: Fingerprint
    structure: Structure
    text: str
    """Normalised text: the error's message, or the feedback, with the intent, so feedback
    can meet the error it is about. The user's actions are left out: they carry ids and URLs
    that cost more to mask than they add, and the route already speaks for the place."""
    actor: str | None
    words: frozenset[str]
    """The text's content words, without the words every complaint uses."""
    places: frozenset[str]
    """Words naming where it happened: the route's last segment, the crashing function."""
    quoted: frozenset[str]
    """Unmasked tokens of a person's words, so a quoted record id (`INV-1002`) can meet the
    route it is part of."""
    record_ids: frozenset[str]
    """Record ids it names: in its route, or quoted by a person."""
    failure: bool
    """It reports something failing: always for errors and regressions; for feedback, when
    the words say so (a request or a remark is not a crash)."""


def signal_text(signal: Signal) -> str:
    """The normalised comparison text of a signal."""
    if signal.error is not None:
        # The type is left out: structure and the fingerprint weigh it already, and one shared
        # long word would make every two errors of a type look alike.
        message = signal.error.message.replace(signal.error.type, " ")  # JUnit repeats it
        return normalise(message, signal.intent)
    return normalise(signal.text or signal.title, signal.intent, signal.test_id)


def actor_key(signal: Signal) -> str | None:
    """Who was affected, for counting distinct users: id, else e-mail, else name."""
    actor = signal.actor
    if actor is None:
        return None
    key = actor.id or (actor.email.lower() if actor.email else None) or actor.name
    return key[:200] if key else None


def features(signal: Signal) -> Features:
    s = structure(signal)
    text = signal_text(signal)
    quoted = raw_tokens(signal.text) if signal.kind == "feedback" else frozenset()
    route_ids = record_ids([s.location]) if s.location else frozenset()
    return Features(
        signal=signal,
        fingerprint=fingerprint(signal),
        structure=s,
        text=text,
        actor=actor_key(signal),
        words=content_words(text),
        places=place_words([s.location] if s.location else [], s.top_frame, signal.test_id),
        quoted=quoted,
        record_ids=route_ids | record_ids(quoted),
        failure=signal.kind != "feedback" or reports_failure(text, signal.text),
    )
