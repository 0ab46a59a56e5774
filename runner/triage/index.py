"""The in-memory index of open issues: blocking, so each signal meets few candidates.

Loaded once per triage run and kept current as signals join issues. A signal's candidates are
the issues sharing its fingerprint, the most recently active issues at its location (route or
test), those with its error type and top frame, and those sharing one of its rarer words. Each
bucket is capped, so the cost per signal stays flat however many issues exist; nothing is
compared all-pairs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, NamedTuple, TypeVar

import sqlite_utils

from runner.triage.features import Features
from runner.triage.fingerprint import Fingerprint
from runner.triage.structure import Structure
from runner.triage.title import given_title, title_document
from runner.triage.vocabulary import (
    MAX_BAG,
    Document,
    Vocabulary,
    content_words,
    counted_words,
    place_words,
    record_ids,
    reports_failure,
)
from store.issues import Issue, issue_fingerprints, list_issues, list_splits, recent_sightings

K = TypeVar("K")

LOCATION_BUCKET = 48
SIGHTINGS_PER_ACTOR = 8
SIGHTINGS_LOADED = 5_000  # the latest placed signals whose actors a new run remembers
ACTOR_WINDOW = timedelta(hours=2)  # an actor's error and words this close are one experience
FINGERPRINT_BUCKET = 16  # a shared helper's one hash over many issues: the latest are kept
TYPE_FRAME_BUCKET = 24
TOKEN_BUCKET = 6
TOKENS_PER_SIGNAL = 3
WORD_BUCKET = 128
"""Issues kept per word, the latest filed: a person's words look through all of them, so a
report still meets an old issue after a hundred others used the same word."""
RECENT_PER_WORD = 32
"""How many of a word's latest issues an error looks through: its own texts are short and
exact, and the latest issues are where its duplicates are."""
WORD_CANDIDATES = 16
RAREST_WORDS = 12
WIDE_RAREST_WORDS = 24
WIDE_CANDIDATES = 32
MAX_TEXTS = 6
MAX_ROUTES = 20
MAX_LABELS = 20


@dataclass(slots=True)
class Profile:
    """What triage keeps in memory about one open issue."""

    id: int
    structure: Structure
    texts: list[str]
    signal_count: int
    users_affected: int
    last_seen: str
    routes_seen: list[str]
    kinds: list[str]
    sources: list[str]
    labels: list[str]
    split_from: set[int] = field(default_factory=set)
    """Issues a person said this one is not: never merged with, never proposed to."""
    from_split: bool = False
    """Created by a person's split: later look-alikes follow it rather than the old issue."""
    lists_changed: bool = False
    """Routes, kinds, sources, labels or texts changed since the issue was last written."""
    actors: set[str] | None = None
    """The people behind it, once this run has placed a signal in it (read on first use)."""
    tokens: list[str] | None = None
    """The rare words it is filed under (from its first text, once it has one)."""
    filed: list[Bucket] = field(default_factory=list)
    """The location, type/frame and token buckets it is filed in."""
    filed_as: Structure | None = None
    """The structure `filed` was found for: an issue a stack defines later moves buckets."""
    test_id: str | None = None
    places: frozenset[str] = frozenset()
    """Words naming where it lives: last route segments, the crashing function, the test."""
    route_ids: frozenset[str] = frozenset()
    """Record ids in the routes it was seen on (`inv-1002`)."""
    record_ids: frozenset[str] = frozenset()
    """Its route ids and the ids people quoted in it: what a quoted id can meet."""
    quoted_ids: frozenset[str] = frozenset()
    """Record ids people quoted in the feedback placed in it."""
    failure: bool = False
    """Something it holds reports a failure (an error, a test, or words saying so)."""
    documents: list[Document] = field(default_factory=list)
    """What it is known by, one word set per text (with its places and ids)."""
    whole: Document = field(default_factory=lambda: Document(frozenset()))
    """The same as one document, each word counted over all its texts: what a person's
    words are ranked against."""
    bag: set[str] = field(default_factory=set)
    """Every word of its documents, for finding it by word."""
    basis: str | None = None
    """What its fingerprint rests on (`Fingerprint.basis`); None when it has none."""
    title: Document | None = None
    """The letters of the title a person gave it (`title.trigrams`), while no error has
    defined it; None otherwise."""


def profile_of(issue: Issue) -> Profile:
    return Profile(
        id=issue.id,
        structure=Structure(
            location=issue.location,
            error_type=issue.error_type,
            top_frame=issue.top_frame,
            kind=issue.kind,
            flags=issue.flags,
            release=issue.release,
        ),
        texts=list(issue.texts),
        signal_count=issue.signal_count,
        users_affected=issue.users_affected,
        last_seen=issue.last_seen.astimezone(UTC).isoformat(),
        routes_seen=list(issue.routes_seen),
        kinds=list(issue.kinds),
        sources=list(issue.sources),
        labels=list(issue.labels),
        test_id=issue.test_id,
        basis=issue.fingerprint_basis if issue.fingerprint else None,
        # As `_found` made it: the founder's own title (its text is the description).
        title=title_document(given_title(issue.title, issue.description))
        if issue.kind == "feedback" and issue.error_type is None
        else None,
    )


def _rare_tokens(text: str) -> list[str]:
    """The longest words of a text, a cheap stand-in for the rarest."""
    words = sorted(set(text.split()), key=lambda w: (-len(w), w))
    return [w for w in words if len(w) >= 5][:TOKENS_PER_SIGNAL]


class Placement(NamedTuple):
    """Where a signal went, and the scores and rule a signal identical to it inherits."""

    issue_id: int
    scores: Any
    rule: str


class Bucket(OrderedDict[int, None]):
    """Issue ids, most recently active last, holding at most `cap`: an O(1) LRU."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def push(self, issue_id: int) -> None:
        """Make `issue_id` the most recent entry (the oldest drops off when full)."""
        if issue_id in self:
            self.move_to_end(issue_id)
            return
        self[issue_id] = None
        if len(self) > self.cap:
            self.popitem(last=False)


class Index:
    """Open issues by fingerprint, location, error type and top frame, and rare words."""

    def __init__(self) -> None:
        self.profiles: dict[int, Profile] = {}
        self.by_fingerprint: dict[str, Bucket] = {}
        self.by_location: dict[str, Bucket] = {}
        self.by_location_plain: dict[str, Bucket] = {}
        """Issues without an error type (feedback), by location."""
        self.by_type_frame: dict[tuple[str | None, str | None], Bucket] = {}
        self.by_token: dict[str, Bucket] = {}
        self.by_word: dict[str, Bucket] = {}
        self.by_word_stackless: dict[str, Bucket] = {}
        """The same, for issues people reported that no stack has reached yet: where an error
        looks for the reports that came before it."""
        """Issues by the words of their bag, for signals that share no stack or route."""
        self.vocabulary = Vocabulary()
        self.titles = Vocabulary()
        """Letter trigrams across the titles people gave the open issues (`Profile.title`)."""
        self.identical: dict[Hashable, Placement] = {}
        """Evidence seen in this run (see `decide.identity`) → where it was placed."""
        self.split_fingerprints: dict[tuple[int, str], int] = {}
        """(issue split from, the split signal's fingerprint) → the issue split off."""
        self.homes: dict[str, int] = {}
        """Signal id → issue, for signals placed in this run."""
        self.awaiting_event: dict[str, int] = {}
        """Event id named by feedback that came first → the feedback's issue."""
        self.home_lookup: Callable[[str], int | None] = lambda _signal_id: None
        """Finds the issue of a signal triaged in an earlier run (set by the engine)."""
        self.sightings: dict[str, list[tuple[datetime, int, bool]]] = {}
        """Actor key → (when, issue, was feedback) of their latest signals in this run."""

    def sighted(self, f: Features, issue_id: int) -> None:
        """Remember that an actor's signal was placed in an issue (the latest few per actor)."""
        if f.actor_keys:
            self.remember(f.actor_keys, datetime.fromisoformat(f.seen), issue_id, f.kind)

    def remember(self, keys: Iterable[str], when: datetime, issue_id: int, kind: str) -> None:
        feedback = kind == "feedback"
        for key in keys:
            seen = self.sightings.setdefault(key, [])
            seen.append((when, issue_id, feedback))
            if len(seen) > SIGHTINGS_PER_ACTOR:
                del seen[0]

    def actor_issues(self, f: Features) -> frozenset[int]:
        """The issues the signal's actor sent a signal of the other kind to (an error for
        feedback, feedback for an error) within `ACTOR_WINDOW` of this one."""
        if not f.actor_keys:
            return frozenset()
        when = datetime.fromisoformat(f.seen)
        feedback = f.kind == "feedback"
        return frozenset(
            issue
            for key in f.actor_keys
            for seen, issue, was_feedback in self.sightings.get(key, ())
            if was_feedback != feedback and abs(seen - when) <= ACTOR_WINDOW
        )

    def named_event_home(self, f: Features) -> tuple[int, str] | None:
        """The issue a signal belongs to because feedback and its event name each other.

        Sentry user feedback carries the id of the event the person just saw: it belongs with
        that event. An event that arrives after the feedback naming it joins the feedback.
        """
        event = f.event
        if event:
            home = self.homes.get(event) or self.home_lookup(event)
            if home is not None and home in self.profiles:
                return home, f"feedback on event {event[:12]}"
            return None
        home = self.awaiting_event.get(f.id)
        if home is not None and home in self.profiles:
            return home, "the event that feedback names"
        return None

    def add(self, profile: Profile) -> None:
        self.profiles[profile.id] = profile
        self.vocabulary.add_document()
        if profile.title is not None:
            self.titles.add_document()
            self.titles.add_words(profile.title.words)
        self.touch(profile)

    def drop_title(self, profile: Profile) -> None:
        """The issue's title is no longer a person's (an error defined it): its letters stop
        counting among the titles, as they would not count once the store is read again."""
        if profile.title is not None:
            self.titles.remove_document(profile.title.words)
            profile.title = None

    def touch(self, profile: Profile) -> None:
        """File (or refresh) an issue in the location, type/frame and word buckets."""
        if profile.tokens is None and profile.texts:
            profile.tokens = _rare_tokens(profile.texts[0])
            profile.filed_as = None
        if profile.filed_as is not profile.structure:
            profile.filed = self._buckets(profile)
            profile.filed_as = profile.structure
        issue_id = profile.id
        for bucket in profile.filed:
            if issue_id in bucket:  # most signals join an issue already filed
                bucket.move_to_end(issue_id)
            else:
                bucket.push(issue_id)
        if profile.lists_changed or not profile.bag:
            self._describe(profile)

    def _buckets(self, profile: Profile) -> list[Bucket]:
        """The buckets an issue belongs in, made as needed."""
        s = profile.structure
        buckets = []
        if s.location:
            buckets.append(_bucket(self.by_location, s.location, LOCATION_BUCKET))
            if not s.error_type:
                buckets.append(_bucket(self.by_location_plain, s.location, TYPE_FRAME_BUCKET))
        if s.error_type:
            buckets.append(
                _bucket(self.by_type_frame, (s.error_type, s.top_frame), TYPE_FRAME_BUCKET)
            )
        buckets += [_bucket(self.by_token, token, TOKEN_BUCKET) for token in profile.tokens or ()]
        return buckets

    def _describe(self, profile: Profile) -> None:
        """Refresh an issue's places, documents and word bag; count and file its new words."""
        s = profile.structure
        routes = profile.routes_seen or ([s.location] if s.location else [])
        profile.places = place_words(routes, s.top_frame, profile.test_id)
        profile.route_ids = record_ids(routes)
        profile.record_ids = profile.route_ids | profile.quoted_ids
        profile.failure = (
            profile.failure
            or s.error_type is not None
            or any(reports_failure(text) for text in profile.texts)
        )
        where = profile.places | profile.record_ids
        # One document per text, each with the places: a signal is compared with each, so
        # words learned from one report never dilute the match with another.
        words = [content_words(text) | where for text in profile.texts] or [where]
        new = set().union(*words) - profile.bag
        if new:
            self.vocabulary.add_words(new)
        profile.documents = [Document(w) for w in words]
        union = words[0] if len(words) == 1 else frozenset().union(*words)  # most have one
        profile.whole = Document(union, counted_words(profile.texts, union))
        if not new or len(profile.bag) >= MAX_BAG:
            return
        profile.bag |= new
        stackless = profile.structure.kind == "feedback" and profile.structure.error_type is None
        for word in sorted(new):  # bucket order decides evictions: never set order
            _file(self.by_word, word, profile.id)
            if stackless:
                _file(self.by_word_stackless, word, profile.id)

    def learn(self, profile: Profile, f: Features) -> None:
        """Keep what a signal adds to the issue it was placed in: a person's words, so the next
        paraphrase can meet them too (bounded, persisted with the issue's texts), and the
        record ids it names (kept for this run)."""
        changed = bool(f.record_ids - profile.quoted_ids) or (f.failure and not profile.failure)
        profile.failure = profile.failure or f.failure
        if changed:
            profile.quoted_ids |= f.record_ids
        keep_words = f.kind == "feedback" and bool(f.text)
        if keep_words and merge_limited(profile.texts, f.text, MAX_TEXTS):
            profile.lists_changed = changed = True
        if changed:
            self._describe(profile)

    def word_candidates(
        self, words: frozenset[str], stackless_only: bool = False, wide: bool = False
    ) -> list[int]:
        """Issues sharing the rarest of `words`, best first (optionally only issues people
        reported that no stack has reached yet). `wide`: for a person's words, which are long
        and few: more of their words, and more issues, so a long report whose rarest words
        are a log's tokens still meets the report it duplicates."""
        index = self.by_word_stackless if stackless_only else self.by_word
        weight = self.vocabulary.weight
        shared: dict[int, float] = {}
        # The rarest words that some issue has: an unknown word finds nothing.
        known = [w for w in words if w in index]
        get = shared.get
        for word in self.vocabulary.rarest(known, WIDE_RAREST_WORDS if wide else RAREST_WORDS):
            bucket = index[word]
            w = weight(word)
            for issue_id in bucket if wide else islice(reversed(bucket), RECENT_PER_WORD):
                shared[issue_id] = get(issue_id, 0.0) + w
        profiles = self.profiles
        ranked = sorted([(-score, i) for i, score in shared.items() if i in profiles])
        return [i for _score, i in ranked[: WIDE_CANDIDATES if wide else WORD_CANDIDATES]]

    def add_fingerprint(self, fp: str, issue_id: int) -> bool:
        """Record that `fp` was seen on an issue (now its most recent); False when it already
        was. The bucket is capped like the others, so the cost per signal stays flat."""
        bucket = _bucket(self.by_fingerprint, fp, FINGERPRINT_BUCKET)
        if issue_id in bucket:
            bucket.move_to_end(issue_id)
            return False
        bucket.push(issue_id)
        return True

    def fingerprint_owners(self, fp: Fingerprint, exact: bool = False) -> list[int]:
        """Open issues whose fingerprint agrees with this one (`Fingerprint.agreeing`); with
        `exact`, only those Sentry would group it with (`Fingerprint.same`)."""
        owners: dict[int, None] = {}
        keys = fp.same() if exact else fp.agreeing()
        for key in keys:
            owners.update((i, None) for i in self.by_fingerprint.get(key, ()) if i in self.profiles)
        return list(owners)

    def candidates(self, fp: Fingerprint, s: Structure, text: str) -> set[int]:
        """Issues worth comparing with a signal; a few dozen at most, however many exist."""
        found: set[int] = set(self.fingerprint_owners(fp))
        if s.error_type:
            # Structure agrees only when type, top frame and location all do: this bucket
            # holds every issue that could, so the location bucket is not needed.
            found.update(self.by_type_frame.get((s.error_type, s.top_frame), ()))
            if s.location:  # feedback that came first, about this place
                found.update(self.by_location_plain.get(s.location, ()))
        elif s.location:
            # No stack (feedback, a message): the location is what structure can go on.
            found.update(self.by_location.get(s.location, ()))
        for token in _rare_tokens(text):
            found.update(self.by_token.get(token, ()))
        # Not `intersection_update(self.profiles)`: that walks the whole dict.
        profiles = self.profiles
        return {i for i in found if i in profiles}

    def forget(self, issue_id: int) -> None:
        """Drop an issue that was merged or closed; bucket entries are filtered on lookup."""
        self.profiles.pop(issue_id, None)


def _bucket(index: dict[K, Bucket], key: K, cap: int) -> Bucket:
    bucket = index.get(key)
    if bucket is None:
        bucket = index[key] = Bucket(cap)
    return bucket


def _file(index: dict[str, Bucket], word: str, issue_id: int) -> None:
    _bucket(index, word, WORD_BUCKET).push(issue_id)


def load_index(db: sqlite_utils.Database) -> Index:
    """Build the index from the store: open issues, their fingerprints, and every split."""
    index = Index()
    for issue in sorted(list_issues(db), key=lambda i: i.last_seen):
        index.add(profile_of(issue))
    for fp, issue_id in issue_fingerprints(db):
        index.add_fingerprint(fp, issue_id)
    for actor_id, email, seen, kind, issue_id in reversed(recent_sightings(db, SIGHTINGS_LOADED)):
        keys = [k for k in (actor_id and f"id:{actor_id}", email and f"email:{email.lower()}") if k]
        when = datetime.fromisoformat(seen)
        index.remember(keys, when if when.tzinfo else when.replace(tzinfo=UTC), issue_id, kind)
    for split in list_splits(db):
        for a, b in (
            (split.issue_id, split.other_issue_id),
            (split.other_issue_id, split.issue_id),
        ):
            if a in index.profiles:
                index.profiles[a].split_from.add(b)
        if split.other_issue_id in index.profiles:
            index.profiles[split.other_issue_id].from_split = True
        if split.fingerprint:
            index.split_fingerprints[(split.issue_id, split.fingerprint)] = split.other_issue_id
    return index


def merge_limited(items: list[str], new: str | None, limit: int) -> bool:
    """Append `new` to a capped list of distinct values; True when the list changed."""
    if new is None or new in items or len(items) >= limit:
        return False
    items.append(new)
    return True
