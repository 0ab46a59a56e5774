"""Triage every untriaged signal: narrow rows in storage order, an in-memory index, each batch
written whole.

One process reads a batch of signals at a time, in storage order, as the features ingest
stored for them (`store.signal_features`): a signal with no features row, or one of another
version (stored before, or by other code), has its features computed here from its envelope, so
nothing is lost. It decides one signal after another and writes the batch: its links, new
issues, counts and triage's progress mark (the last signal of the batch) within one transaction
(several batches may share it). So a crash leaves every signal either counted once or
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

import sqlite_utils

from runner.triage.batch import Batch, define, join, update, written_issues
from runner.triage.decide import Decision, Scores, Thresholds, decide, identity, labels_of
from runner.triage.features import Features, read_features
from runner.triage.index import Index, Placement, Profile, load_index
from runner.triage.requests import apply_pending, take_lease
from runner.triage.title import title_document
from store.issues import home_issue_ids, issue_actors
from store.signal import utcnow
from store.signals import Span, next_span, signals_by_id, triaged_through
from store.triage_batches import NewLink, TriageBatch, write_triage_batch
from store.triage_requests import give_back, has_pending, release, reserve_issue_ids

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
        a person's split never takes one of them). A reservation commits: only between
        batches."""
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

    def _found(self, f: Features, batch: Batch) -> int:
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
            title=title_document(f.title) if s.error_type is None else None,
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

    def _count_actor(self, profile: Profile, actor: str, batch: Batch) -> None:
        """Count a signal's actor in the users affected of the issue it joined, once."""
        known = profile.actors
        if known is None:
            # First placed in this run: who it had is committed (nothing in flight names it).
            known = profile.actors = issue_actors(self.db, profile.id)
        if actor not in known:
            known.add(actor)
            profile.users_affected += 1
            batch.actors.append((profile.id, actor))

    def _place(self, f: Features, decision: Decision, batch: Batch) -> int:
        """Apply one decision to the index and the batch; return the signal's home issue."""
        sc = decision.scores
        scores = (sc.fingerprint, sc.structure, sc.text)
        signal_id = f.id
        if decision.action == "link" and decision.issue_id is not None:
            home = decision.issue_id
            profile = self.index.profiles[home]
            join(profile, f)
            if f.actor:
                self._count_actor(profile, f.actor, batch)
            if profile.structure.error_type is None and f.structure.error_type is not None:
                define(profile, f)
                self.index.drop_title(profile)  # the error's title now: no person's
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
        for key in f.fingerprint.filed_under():
            if self.index.add_fingerprint(key, home):
                batch.fingerprints.append((key, home))
        batch.triaged += 1
        self.report.rules[decision.rule] = self.report.rules.get(decision.rule, 0) + 1
        return home

    def run_batch(self, limit: int = BATCH) -> int:
        """Triage up to `limit` untriaged signals and write them; return how many.

        Before the batch (between two batches), with what was written before committed: issue
        ids are reserved when the reservation runs low, and a person's queued decisions
        applied.
        """
        span = next_span(self.db, triaged_through(self.db), limit)
        if span is None:
            return 0
        if self.id_limit - self.next_id < span.size + ID_MARGIN or has_pending(self.db):
            # A reservation and a person's decision are writes of their own: after the batches
            # before them, committed.
            self.commit()
            self.reserve_ids(span.size + ID_MARGIN)
            apply_pending(self)
        self.write(self.stage(span, read_features(self.db, span)))
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
        batch = Batch()
        # Signals with a stack go first, so a person's words meet the issue their error defines
        # rather than founding one of their own (the order within a batch only).
        for f in sorted(batch_features, key=lambda f: f.kind == "feedback"):
            home = self._place(f, decide(f, self.index, self.thresholds), batch)
            self.report.touched.add(home)
        new_ids = {issue_id for issue_id, _f in batch.founders}
        whole = self._whole([f for _i, f in batch.founders] + list(batch.defined.values()))
        new_issues, definitions = written_issues(batch, self.index.profiles, whole, now)
        self.report.signals += batch.triaged
        return TriageBatch(
            new_issues=new_issues,
            updates=[update(self.index.profiles[i]) for i in batch.dirty - new_ids],
            definitions=definitions,
            links=batch.links,
            fingerprints=batch.fingerprints,
            actors=batch.actors,
            after=span.after,
            through=span.last,
            now=now.isoformat(),
        )


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
        with _index_out_of_collections():
            run = Triage(db, thresholds or Thresholds())
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
    accumulate. Loading the index is inside too: its collections were half the load at
    10,000 issues. Nothing triage makes forms a cycle, so reference counting frees each batch.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
