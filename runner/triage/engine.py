"""Triage every untriaged signal: narrow rows in storage order, an in-memory index, each batch
written whole.

One process reads a batch of signals at a time, in storage order, as the features ingest
stored for them (`store.signal_features`): a signal with no features row, or one of another
version (stored before, or by other code), has its features computed here from its envelope, so
nothing is lost. It decides one signal after another and writes the batch: its links, new
issues, counts and triage's progress mark (the last signal of the batch) in one transaction,
committed before the next batch is read. So a crash leaves every signal either counted once or
untriaged (and triaged on the next run), never counted twice.

Only one triage runs against a store at a time (the lease of `runner.triage.requests`): issue
ids and the index are kept in memory for the run, and a person's confirm or split waits for the
next gap between batches, where this process applies it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from runner.triage.decide import (
    Decision,
    Scores,
    Thresholds,
    decide,
    identity,
    labels_of,
    new_issue,
)
from runner.triage.features import FEATURES_VERSION, Features, decode, features
from runner.triage.index import (
    MAX_LABELS,
    MAX_ROUTES,
    MAX_TEXTS,
    Index,
    Placement,
    Profile,
    load_index,
    merge_limited,
)
from runner.triage.requests import apply_pending, take_lease
from store.issues import Issue, home_issue_ids, issue_actors
from store.signal import Signal, utcnow
from store.signal_features import envelopes_without_features, span_features
from store.signals import Span, next_span, signals_by_id, triaged_through
from store.triage_batches import (
    IssueDefinition,
    IssueUpdate,
    NewLink,
    TriageBatch,
    write_triage_batch,
)
from store.triage_requests import give_back, release, reserve_issue_ids

BATCH = 2_000
ID_BLOCK = 10_000
"""Issue ids reserved at a time: a reservation is a write, so it is made between batches."""
ID_MARGIN = 64
COMMIT_SIGNALS = 10_000
"""Batches are committed together until this many signals are written: a commit writes every
page its batches changed, and pages that several batches change are then written once."""
CACHE_KIB = 32 * 1024
"""Page cache of triage's connection: it keeps the hot index pages (links, actors, issues),
so each batch's writes do not read them again."""


@dataclass
class TriageReport:
    """What one triage run did."""

    signals: int = 0
    linked: int = 0
    new_issues: int = 0
    proposed: int = 0
    touched: set[int] = field(default_factory=set)
    """Issues that gained signals in this run."""
    rules: dict[str, int] = field(default_factory=dict)


@dataclass
class _Batch:
    founders: list[tuple[int, Features]] = field(default_factory=list)
    """Each issue founded in the batch, with the signal that founded it."""
    links: list[NewLink] = field(default_factory=list)
    fingerprints: list[tuple[str, int]] = field(default_factory=list)
    actors: list[tuple[int, str]] = field(default_factory=list)
    """(issue, actor) pairs new to their issue."""
    triaged: int = 0
    dirty: set[int] = field(default_factory=set)
    defined: dict[int, Features] = field(default_factory=dict)
    """Issues founded by feedback that an error of the batch defines, with that error."""


def _join(profile: Profile, f: Features) -> None:
    """Count a signal in an issue: count + 1, last seen, routes, kinds, sources, labels."""
    profile.signal_count += 1
    if f.seen > profile.last_seen:
        profile.last_seen = f.seen
    changed = merge_limited(profile.routes_seen, f.structure.location, MAX_ROUTES)
    # Keep one text per kind of signal, so feedback can later meet the error it describes.
    if merge_limited(profile.kinds, f.kind, 3):
        changed = True
        if f.text:
            merge_limited(profile.texts, f.text, MAX_TEXTS)
    changed = merge_limited(profile.sources, f.source, 10) or changed
    for label in labels_of(f):
        changed = merge_limited(profile.labels, label, MAX_LABELS) or changed
    profile.lists_changed = profile.lists_changed or changed


def _define(profile: Profile, f: Features) -> None:
    """The first error to join an issue founded by feedback defines it: title, scope, repro
    (written with the batch, `_definition`), and the structure later signals meet.

    Without this, an issue a person reported first would stay without suspected files however
    many stack traces joined it, and be held as "scope unclear" for good.
    """
    s = profile.structure
    profile.structure = f.structure._replace(location=s.location or f.structure.location)
    profile.basis = f.fingerprint.basis if f.fingerprint.hash else None


def _definition(f: Features, issue_id: int, now: datetime) -> IssueDefinition:
    """What the error `f` (with its signal) defines of the issue it joined."""
    draft = new_issue(f, issue_id, now)
    return IssueDefinition(
        id=issue_id,
        title=draft.title,
        fingerprint=draft.fingerprint,
        fingerprint_basis=draft.fingerprint_basis,
        error_type=draft.error_type,
        top_frame=draft.top_frame,
        scope=draft.scope,
        repro=draft.repro,
        test_id=draft.test_id,
    )


def _update(profile: Profile) -> IssueUpdate:
    changed, profile.lists_changed = profile.lists_changed, False
    return IssueUpdate(
        id=profile.id,
        signal_count=profile.signal_count,
        users_affected=profile.users_affected,
        last_seen=profile.last_seen,
        lists=(
            # Copies: the batch may be written while later signals change the profile.
            (
                list(profile.routes_seen),
                list(profile.kinds),
                list(profile.sources),
                list(profile.labels),
                list(profile.texts),
            )
            if changed
            else None
        ),
    )


class Triage:
    """A triage run over one store: the index, the next issue id, and the running report."""

    def __init__(self, db: sqlite_utils.Database, thresholds: Thresholds) -> None:
        self.db = db
        self.thresholds = thresholds
        db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.index: Index = load_index(db)
        self.index.home_lookup = lambda signal_id: home_issue_ids(db, [signal_id]).get(signal_id)
        self.next_id = self.id_limit = 0
        self.reserve_ids()
        self.report = TriageReport()
        self.uncommitted = 0
        """Signals written since the last commit."""

    def reserve_ids(self, count: int = ID_BLOCK) -> None:
        """Make sure `count` issue ids are reserved for this run (from the store's sequence:
        a person's split never takes one of them). Only while nothing is uncommitted."""
        if self.id_limit - self.next_id >= count:
            return
        self.give_back_ids()
        self.next_id = reserve_issue_ids(self.db, ID_BLOCK + count)
        self.id_limit = self.next_id + ID_BLOCK + count

    def give_back_ids(self) -> None:
        """Hand back the reserved ids this run did not use (when nobody reserved after)."""
        if self.id_limit > self.next_id:
            give_back(self.db, self.next_id, self.id_limit)
            self.id_limit = self.next_id

    def new_id(self) -> int:
        """The next issue id of this run's reservation."""
        if self.next_id >= self.id_limit:
            raise RuntimeError("triage ran out of reserved issue ids mid-batch")
        issue_id = self.next_id
        self.next_id += 1
        return issue_id

    def _found(self, f: Features, batch: _Batch) -> int:
        """Found an issue on a signal: its profile now, its row when the batch is written."""
        issue_id = self.new_id()
        s = f.structure
        # What `profile_of` makes of the issue `new_issue` will write for this signal.
        profile = Profile(
            id=issue_id,
            structure=s,
            texts=[f.text] if f.text else [],
            signal_count=1,
            users_affected=1 if f.actor else 0,
            last_seen=f.seen,
            routes_seen=[s.location] if s.location else [],
            kinds=[f.kind],
            sources=[f.source],
            labels=labels_of(f),
            test_id=f.test_id,
            actors={f.actor} if f.actor else set(),
            basis=f.fingerprint.basis if f.fingerprint.hash else None,
        )
        self.index.add(profile)
        batch.founders.append((issue_id, f))
        if f.actor:
            batch.actors.append((issue_id, f.actor))
        self.report.new_issues += 1
        return issue_id

    def _whole(self, found: Iterable[Features]) -> dict[str, Features]:
        """The features of the signals that found or define an issue, with their signals:
        the envelopes of those read from their rows, in one query."""
        found = list(found)
        unread = [f.id for f in found if f.lazy is None]
        read = signals_by_id(self.db, unread, without=("raw",)) if unread else {}
        return {f.id: f if f.lazy is not None else f.with_signal(read[f.id]) for f in found}

    def _founded(
        self, batch: _Batch, whole: dict[str, Features], now: datetime
    ) -> tuple[list[Issue], list[IssueDefinition]]:
        """The rows of the issues founded in a batch, with what later signals of the batch
        changed about them; and the definitions of older issues."""
        definitions = {
            issue_id: _definition(whole[f.id], issue_id, now)
            for issue_id, f in batch.defined.items()
        }
        founded = []
        for issue_id, f in batch.founders:
            row = new_issue(whole[f.id], issue_id, now)
            if issue_id in batch.dirty:  # more signals joined it in the same batch
                p = self.index.profiles[issue_id]
                p.lists_changed = False  # written whole with the new issue
                definition = definitions.pop(issue_id, None)
                row = row.model_copy(
                    update={
                        **(definition._asdict() if definition else {}),
                        "signal_count": p.signal_count,
                        "users_affected": p.users_affected,
                        "last_seen": datetime.fromisoformat(p.last_seen),
                        "routes_seen": list(p.routes_seen),
                        "kinds": list(p.kinds),
                        "sources": list(p.sources),
                        "labels": list(p.labels),
                        "texts": list(p.texts),
                    }
                )
            founded.append(row)
        return founded, list(definitions.values())

    def _count_actor(self, profile: Profile, actor: str, batch: _Batch) -> None:
        """Count a signal's actor in the users affected of the issue it joined, once."""
        known = profile.actors
        if known is None:
            # First placed in this run: who it had is committed (nothing in flight names it).
            known = profile.actors = issue_actors(self.db, profile.id)
        if actor not in known:
            known.add(actor)
            profile.users_affected += 1
            batch.actors.append((profile.id, actor))

    def _place(self, f: Features, decision: Decision, batch: _Batch) -> int:
        """Apply one decision to the index and the batch; return the signal's home issue."""
        sc = decision.scores
        scores = (sc.fingerprint, sc.structure, sc.text)
        signal_id = f.id
        if decision.action == "link" and decision.issue_id is not None:
            home = decision.issue_id
            profile = self.index.profiles[home]
            _join(profile, f)
            if f.actor:
                self._count_actor(profile, f.actor, batch)
            if profile.structure.error_type is None and f.structure.error_type is not None:
                _define(profile, f)
                batch.defined[home] = f
            self.index.touch(profile)
            batch.dirty.add(home)
            batch.links.append(NewLink(signal_id, home, "linked", *scores, decision.rule))
            self.report.linked += 1
        else:
            home = self._found(f, batch)
            rule = decision.rule
            if decision.action == "propose" and decision.issue_id is not None:
                rule = f"new issue; proposed as a duplicate of #{decision.issue_id}"
                offered = json.dumps(decision.candidates) if decision.candidates else None
                batch.links.append(
                    NewLink(
                        signal_id, decision.issue_id, "proposed", *scores, decision.rule, offered
                    )
                )
                self.report.proposed += 1
            batch.links.append(NewLink(signal_id, home, "linked", *scores, rule))
        self.index.learn(self.index.profiles[home], f)
        key = identity(f)
        if key is not None and key not in self.index.identical:
            # A later signal with identical evidence compares with this issue exactly as this
            # one did (or, against its founder, agrees on all three): it inherits the result.
            founded = decision.action != "link"
            self.index.identical[key] = Placement(
                home,
                Scores(1.0, 1.0, 1.0) if founded else sc,
                "all three agree" if founded else decision.rule,
            )
        self.index.homes[signal_id] = home
        self.index.sighted(f, home)
        event = f.event
        if event and event not in self.index.homes:
            self.index.awaiting_event[event] = home
        fp = f.fingerprint.hash
        if fp and self.index.add_fingerprint(fp, home):
            batch.fingerprints.append((fp, home))
        batch.triaged += 1
        self.report.rules[decision.rule] = self.report.rules.get(decision.rule, 0) + 1
        return home

    def run_batch(self, limit: int = BATCH) -> int:
        """Triage up to `limit` untriaged signals and write them; return how many.

        Before the batch (between two batches): issue ids are reserved when the reservation
        runs low, and a person's queued decisions applied; either commits what was written.
        """
        span = next_span(self.db, triaged_through(self.db), limit)
        if span is None:
            return 0
        self.reserve_ids(span.size + ID_MARGIN)
        apply_pending(self)
        self.write(self.stage(span, read_batch(self.db, span)))
        return span.size

    def write(self, batch: TriageBatch) -> None:
        """Write a decided batch whole; commit once enough signals were written since the
        last commit. A failed write rolls back every batch since then: the next run triages
        them again."""
        try:
            write_triage_batch(self.db, batch)
        except BaseException:
            self.db.conn.rollback()
            self.uncommitted = 0
            raise
        self.uncommitted += batch.signals
        if self.uncommitted >= COMMIT_SIGNALS:
            self.commit()

    def commit(self) -> None:
        """Commit the batches written (each is whole, so even after a failure to decide)."""
        self.db.conn.commit()
        self.uncommitted = 0

    def stage(self, span: Span, batch_features: list[Features]) -> TriageBatch:
        """Decide one batch (the features of `span`'s signals, in storage order); return what
        to write. The index and the report move on at once: what is to be written is copied
        out of the index here, so the decisions after it never leak into it."""
        now = utcnow()
        batch = _Batch()
        # Signals with a stack go first, so a person's words meet the issue their error defines
        # rather than founding one of their own (the order within a batch only).
        for f in sorted(batch_features, key=lambda f: f.kind == "feedback"):
            home = self._place(f, decide(f, self.index, self.thresholds), batch)
            self.report.touched.add(home)
        new_ids = {issue_id for issue_id, _f in batch.founders}
        whole = self._whole([f for _i, f in batch.founders] + list(batch.defined.values()))
        new_issues, definitions = self._founded(batch, whole, now)
        self.report.signals += batch.triaged
        return TriageBatch(
            new_issues=new_issues,
            updates=[_update(self.index.profiles[i]) for i in batch.dirty - new_ids],
            definitions=definitions,
            links=batch.links,
            fingerprints=batch.fingerprints,
            actors=batch.actors,
            after=span.after,
            through=span.last,
            now=now.isoformat(),
        )


def read_batch(db: sqlite_utils.Database, span: Span) -> list[Features]:
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


def triage_pending(
    db: sqlite_utils.Database,
    thresholds: Thresholds | None = None,
    *,
    batch_size: int = BATCH,
    on_batch: Callable[[TriageReport], None] | None = None,
) -> TriageReport:
    """Triage every untriaged signal in the store, batch by batch, each written whole."""
    token = take_lease(db)
    try:
        run = Triage(db, thresholds or Thresholds())
        with _index_out_of_collections():
            try:
                while run.run_batch(batch_size):
                    if on_batch:
                        on_batch(run.report)
                    gc.freeze()  # see `_index_out_of_collections`
            finally:
                run.commit()
        apply_pending(run)  # decisions queued while the last batch was decided
        run.give_back_ids()
    finally:
        release(db, token)
    return run.report


@contextmanager
def _index_out_of_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector off, and what survives each batch (the index)
    frozen out of its sight.

    The index only grows, and a full collection walks all of it (half a million objects at
    10,000 issues): left on, collections cost a third of a run and more per signal as issues
    accumulate. Nothing triage makes forms a cycle, so reference counting frees each batch.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
