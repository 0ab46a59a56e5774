"""Everything triage compares about one signal, computed once per signal."""

from __future__ import annotations

from dataclasses import dataclass

from runner.triage.fingerprint import Fingerprint, fingerprint
from runner.triage.structure import Structure, structure
from runner.triage.text import normalise
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
    return Features(
        signal=signal,
        fingerprint=fingerprint(signal),
        structure=structure(signal),
        text=signal_text(signal),
        actor=actor_key(signal),
    )
