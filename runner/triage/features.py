"""Everything triage compares about one signal, computed once per signal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC
from typing import NamedTuple

from runner.triage.fingerprint import Fingerprint, fingerprint
from runner.triage.structure import Structure, structure
from runner.triage.text import normalise, without_template
from runner.triage.vocabulary import (
    content_words,
    place_words,
    raw_tokens,
    record_ids,
    reports_failure,
)
from store.signal import Signal


class LazySignal:
    """A signal, or how to read it once someone needs it.

    Most signals only join an issue, which needs a few of their fields (kept on `Features`);
    only a signal that founds an issue needs the whole envelope. Features computed in a worker
    process come back without it: sending and validating every envelope again would cost the
    deciding process more than deciding does.
    """

    __slots__ = ("_load", "_signal")

    def __init__(
        self, signal: Signal | None = None, load: Callable[[], Signal] | None = None
    ) -> None:
        self._signal = signal
        self._load = load

    def get(self) -> Signal:
        if self._signal is None:
            assert self._load is not None
            self._signal = self._load()
        return self._signal

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazySignal) and self.get() == other.get()

    @property
    def waiting(self) -> bool:
        """Not read yet."""
        return self._signal is None

    def supply(self, signal: Signal) -> None:
        """Hand over the signal, read by someone else (several at once, say)."""
        self._signal = signal

    def __hash__(self) -> int:
        return hash(self.get().id)


class Features(NamedTuple):
    """A signal with its fingerprint, structure, comparison text and actor.

    A tuple: thousands are built, compared and sent between processes per batch, and a tuple
    costs a fraction of an object with attributes at each of those steps.
    """

    lazy: LazySignal
    id: str
    kind: str
    source: str
    seen: str
    """When it happened, in UTC as ISO text: the form an issue's last sighting is kept in."""
    environment: str | None
    level: str | None
    test_id: str | None
    event: str | None
    """The event a piece of Sentry user feedback names (normalised like signal ids)."""
    fingerprint: Fingerprint
    structure: Structure
    text: str
    """Normalised text: the error's message, or the feedback (every occurrence of a word
    kept), with the intent, so feedback can meet the error it is about. The user's actions
    are left out: they carry ids and URLs that cost more to mask than they add, and the
    route already speaks for the place."""
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
    actor_keys: frozenset[str] = frozenset()
    """Who it came from, by each key that can recognise them again (`id:u11`,
    `email:hank@globex.example`): a person who hit an error and wrote minutes later is one."""

    @property
    def signal(self) -> Signal:
        """The whole signal (parsed on first use when it came as JSON)."""
        return self.lazy.get()


def signal_text(signal: Signal) -> str:
    """The normalised comparison text of a signal."""
    if signal.error is not None:
        # The type is left out: structure and the fingerprint weigh it already, and one shared
        # long word would make every two errors of a type look alike.
        message = signal.error.message.replace(signal.error.type, " ")  # JUnit repeats it
        return normalise(message, signal.intent)
    if signal.kind == "feedback":
        words = without_template(signal.text) if signal.text else signal.title
        return normalise(words, signal.intent, repeats=True)
    return normalise(signal.text or signal.title, signal.intent, signal.test_id)


def actor_key(signal: Signal) -> str | None:
    """Who was affected, for counting distinct users: id, else e-mail, else name."""
    actor = signal.actor
    if actor is None:
        return None
    key = actor.id or (actor.email.lower() if actor.email else None) or actor.name
    return key[:200] if key else None


def actor_keys(signal: Signal) -> frozenset[str]:
    """The keys an actor can be recognised by across channels: the id and the e-mail."""
    actor = signal.actor
    if actor is None:
        return frozenset()
    keys = set()
    if actor.id:
        keys.add("id:" + actor.id[:200])
    if actor.email:
        keys.add("email:" + actor.email.strip().lower()[:200])
    return frozenset(keys)


def associated_event(signal: Signal) -> str | None:
    """The event id a piece of Sentry user feedback names, normalised like signal ids."""
    feedback = signal.contexts.get("feedback")
    if signal.kind != "feedback" or not isinstance(feedback, dict):
        return None
    event = feedback.get("associated_event_id")
    return str(event).replace("-", "").lower() or None if event else None


def features(signal: Signal) -> Features:
    """Everything triage compares about a signal. Its raw payload, breadcrumbs and tags are
    not read: workers parse envelopes without them (`runner.triage.parallel.UNREAD`)."""
    s = structure(signal)
    text = signal_text(signal)
    quoted = raw_tokens(signal.text) if signal.kind == "feedback" else frozenset()
    route_ids = record_ids([s.location]) if s.location else frozenset()
    return Features(
        lazy=LazySignal(signal),
        id=signal.id,
        kind=signal.kind,
        source=signal.source,
        seen=signal.occurred_at.astimezone(UTC).isoformat(),
        environment=signal.environment,
        level=signal.level,
        test_id=signal.test_id,
        event=associated_event(signal),
        fingerprint=fingerprint(signal),
        structure=s,
        text=text,
        actor=actor_key(signal),
        words=content_words(text),
        places=place_words([s.location] if s.location else [], s.top_frame, signal.test_id),
        quoted=quoted,
        record_ids=route_ids | record_ids(quoted),
        failure=signal.kind != "feedback" or reports_failure(text, signal.text),
        actor_keys=actor_keys(signal),
    )


def read_ahead(found: Iterable[Features], read: Callable[[list[str]], dict[str, Signal]]) -> None:
    """Read the signals of several features at once (`read`: ids → signals), rather than one
    query each when they are first needed."""
    waiting = {f.id: f.lazy for f in found if f.lazy.waiting}
    if waiting:
        for signal_id, signal in read(list(waiting)).items():
            waiting[signal_id].supply(signal)
