"""Everything triage compares about one signal, computed once per signal, and stored.

Ingest computes a signal's features where it parses the signal (in its pool of workers for a
large file) and stores them beside it, in a narrow row (`store.signal_features`) that triage
reads in storage order instead of parsing the envelope again. A row carries the version of the
code that computed it (`FEATURES_VERSION`): triage computes the features of a signal again,
from its envelope, when its row is missing or of another version.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC
from pathlib import Path
from typing import Any, NamedTuple

import sqlite_utils
from pydantic_core import from_json, to_json

from runner.triage.fingerprint import Fingerprint, fingerprint
from runner.triage.report_text import without_template
from runner.triage.structure import Structure, structure
from runner.triage.text import normalise
from runner.triage.title import given_title, text_begins_with
from runner.triage.vocabulary import (
    content_words,
    place_words,
    raw_tokens,
    record_ids,
    reports_failure,
    route_record_ids,
)
from store.signal import Signal, iso_text
from store.signal_features import envelopes_without_features, span_features
from store.signals import Span


class Features(NamedTuple):
    """A signal with its fingerprint, structure, comparison text and actor.

    A tuple: thousands are built, decoded and compared per batch, and a tuple costs a fraction
    of an object with attributes at each of those steps.
    """

    lazy: Signal | None
    """The whole signal, when it is at hand: None for features read from their stored row
    (most signals only join an issue, which needs none of the envelope); triage reads the
    envelopes of the few that found or define an issue (`with_signal`)."""
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
    title: str = ""
    """A person's title (a report's heading, an e-mail's subject), normalised; empty for
    anything else: what `title.TitleQuery` compares by its letters."""

    @property
    def signal(self) -> Signal:
        """The whole signal; only for features that carry it (`with_signal`)."""
        if self.lazy is None:
            raise RuntimeError(f"the features of signal {self.id} were read without it")
        return self.lazy

    def with_signal(self, signal: Signal) -> Features:
        """These features, carrying their signal."""
        if signal.id != self.id:
            raise ValueError(f"signal {signal.id} is not the signal of features {self.id}")
        return self._replace(lazy=signal)


def _said(signal: Signal) -> tuple[str, ...]:
    """What a person wrote: their title (a subject, a report's heading) and their text,
    the title once when the text begins with it (it was taken from there)."""
    if not signal.text:
        return (signal.title,)
    text = without_template(signal.text)
    if text_begins_with(signal.title, signal.text):
        return (text,)
    return (signal.title, text)


def own_title(signal: Signal) -> str:
    """The title a person gave their words (`title.given_title`); empty for anything else."""
    return given_title(signal.title, signal.text) if signal.kind == "feedback" else ""


def signal_text(signal: Signal) -> str:
    """The normalised comparison text of a signal."""
    if signal.error is not None:
        # The type is left out: structure and the fingerprint weigh it already, and one shared
        # long word would make every two errors of a type look alike.
        message = signal.error.message
        if signal.error.type:
            message = message.replace(signal.error.type, " ")  # JUnit repeats it
        return normalise(message, signal.intent)
    if signal.kind == "feedback":
        return normalise(*_said(signal), signal.intent, repeats=True)
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


_NONE: frozenset[str] = frozenset()


def features(signal: Signal) -> Features:
    """Everything triage compares about a signal (its raw payload and breadcrumbs are not
    read)."""
    s = structure(signal)
    location = s.location
    text = signal_text(signal)
    feedback = signal.kind == "feedback"
    quoted = raw_tokens(signal.text) if feedback else _NONE
    ids = route_record_ids(location) if location else _NONE
    occurred = signal.occurred_at
    # Positional, in the order of the fields, through `_make`: a tuple of 20 built from
    # keywords costs four times as much, and ingest builds one for every signal.
    return Features._make(
        (
            signal,  # lazy
            signal.id,
            signal.kind,
            signal.source,
            # seen; most signals happened in UTC already (a sign of it is enough: same text),
            # and their row has just formatted the time (`iso_text` keeps the last)
            iso_text(occurred if occurred.tzinfo is UTC else occurred.astimezone(UTC)),
            signal.environment,
            signal.level,
            signal.test_id,
            associated_event(signal),  # event
            fingerprint(signal),
            s,  # structure
            text,
            actor_key(signal),  # actor
            content_words(text),  # words
            place_words((location,) if location else (), s.top_frame, signal.test_id),
            quoted,
            ids | record_ids(quoted) if quoted else ids,  # record_ids
            not feedback or reports_failure(text, signal.text),  # failure
            actor_keys(signal),
            own_title(signal),  # title
        )
    )


FORMAT = 2
"""The layout of a stored row (`encode`): bump when it changes."""
COMPUTED_BY = (
    "runner.triage.features",
    "runner.triage.fingerprint",
    "runner.triage.grouping",
    "runner.triage.structure",
    "runner.triage.report_text",
    "runner.triage.text",
    "runner.triage.title",
    "runner.triage.vocabulary",
    "store.signal",
)
"""The modules (a package: all its modules) whose code decides what `features` computes."""


def _code_version() -> str:
    """The row format and a digest of the code that computes the features: a change to any of
    it (a grouping rule, a word list) makes the rows stored before it stale, without anyone
    having to remember to bump a number."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for name in COMPUTED_BY:
        file = Path(str(sys.modules[name].__file__))  # imported above, directly or not
        files = sorted(file.parent.glob("*.py")) if file.name == "__init__.py" else [file]
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{FORMAT}.{digest.hexdigest()[:16]}"


FEATURES_VERSION = _code_version()
"""The version stored with every row this code computes."""


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""Made once: `json.dumps` with options makes a new encoder at every call. A row holds no
container twice, so the check for cycles is left out."""


def encode(f: Features) -> str:
    """A signal's features as its stored row keeps them (JSON), but for the signal itself and
    its id (the row's key). Sets are sorted, so equal features give equal rows.

    pydantic-core writes the row in a third less time than `json`, and the same text (compact,
    UTF-8, the same escapes); `json` writes what it refuses (a lone surrogate).
    """
    row = [
        f.kind,
        f.source,
        f.seen,
        f.environment,
        f.level,
        f.test_id,
        f.event,
        tuple(f.fingerprint),  # the same list, but pydantic-core
        tuple(f.structure),  # writes a plain tuple in a third of a named one's time
        f.text,
        f.actor,
        sorted(f.words),
        sorted(f.places),
        sorted(f.quoted),
        sorted(f.record_ids),
        f.failure,
        sorted(f.actor_keys),
        f.title,
    ]
    try:
        return to_json(row).decode()
    except ValueError:
        return _JSON.encode(row)


def _loads(data: str) -> Any:
    """`json.loads`, in half the time where pydantic-core's parser reads it (the same values)."""
    try:
        return from_json(data)
    except ValueError:
        return json.loads(data)


def decode(signal_id: str, data: str) -> Features:
    """The features `encode` stored for a signal, without the signal."""
    (kind, source, seen, environment, level, test_id, event, fp, s, text, actor, words) = (
        row := _loads(data)
    )[:12]
    return Features(
        None,
        signal_id,
        kind,
        source,
        seen,
        environment,
        level,
        test_id,
        event,
        Fingerprint(*fp),
        Structure(*s),
        text,
        actor,
        frozenset(words),
        frozenset(row[12]),
        frozenset(row[13]),
        frozenset(row[14]),
        row[15],
        frozenset(row[16]),
        row[17],
    )


def stored_row(signal: Signal) -> tuple[str, str, str]:
    """What ingest stores for a signal: (signal id, version, encoded features)."""
    return signal.id, FEATURES_VERSION, encode(features(signal))


def read_features(db: sqlite_utils.Database, span: Span) -> list[Features]:
    """The features of a span's signals, in storage order: as ingest stored them, else (no
    row, or one of another version) computed here from the envelope."""
    stored = [
        (row.seq, decode(row.signal_id, row.data))
        for row in span_features(db, span.after, span.last)
        if row.version == FEATURES_VERSION
    ]
    if len(stored) == span.size:
        return [f for _seq, f in stored]
    computed = [
        (seq, features(Signal.model_validate_json(envelope)))
        for seq, envelope in envelopes_without_features(db, span.after, span.last, FEATURES_VERSION)
    ]
    return [f for _seq, f in sorted(stored + computed, key=lambda item: item[0])]
