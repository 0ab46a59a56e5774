"""Triage every untriaged signal: batch reads, an in-memory index, each batch written whole.

Signals are taken in storage order. Each batch's links, new issues, counts and triage's progress
mark (the last signal of the batch) are written within one transaction (several batches may
share it), so a crash leaves every signal either counted once or untriaged (and triaged on the
next run), never counted twice. Only one triage should run against a store at a time: issue ids
and the index are kept in memory for the run (a second one fails on writing rather than count
anything twice).

Batches are prepared (parsed, features computed) by `runner.triage.parallel`, in worker
processes on a large store, and written by `runner.triage.writer`, in a process of its own
there; deciding stays here, one signal after another.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
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
from runner.triage.features import Features
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
from runner.triage.parallel import Feed, Prepared, prepare_here, to_wire
from runner.triage.requests import apply_pending, take_lease
from runner.triage.writer import Founded, Writer, open_writer
from store.issues import home_issue_ids, issue_actors
from store.signal import utcnow
from store.signals import next_span, triaged_through
from store.triage_batches import IssueDefinition, IssueUpdate, NewLink, TriageBatch
from store.triage_requests import give_back, has_pending, release, reserve_issue_ids

BATCH = 2_000
ID_BLOCK = 10_000
"""Issue ids reserved at a time: a reservation is a write, so it is made between batches."""
ID_MARGIN = 64


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
    definitions: dict[int, IssueDefinition] = field(default_factory=dict)


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


def _define(profile: Profile, f: Features, now: datetime) -> IssueDefinition:
    """The first error to join an issue founded by feedback defines it: title, scope, repro.

    Without this, an issue a person reported first would stay without suspected files however
    many stack traces joined it, and be held as "scope unclear" for good.
    """
    draft = new_issue(f, profile.id, now)
    s = profile.structure
    profile.structure = f.structure._replace(location=s.location or f.structure.location)
    profile.basis = f.fingerprint.basis if f.fingerprint.hash else None
    return IssueDefinition(
        id=profile.id,
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
        self.index: Index = load_index(db)
        self.index.home_lookup = lambda signal_id: home_issue_ids(db, [signal_id]).get(signal_id)
        self.next_id = self.id_limit = 0
        self.reserve_ids()
        self.report = TriageReport()

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

    def _founded(self, batch: _Batch) -> list[Founded]:
        """The issues founded in a batch, with what later signals of the batch changed."""
        founded = []
        for issue_id, f in batch.founders:
            changes = None
            if issue_id in batch.dirty:  # more signals joined it in the same batch
                p = self.index.profiles[issue_id]
                p.lists_changed = False  # written whole with the new issue
                definition = batch.definitions.pop(issue_id, None)
                changes = {
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
            founded.append(Founded(issue_id, to_wire(f), changes))
        return founded

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

    def _place(self, f: Features, decision: Decision, batch: _Batch, now: datetime) -> int:
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
                batch.definitions[home] = _define(profile, f, now)
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
        """Triage up to `limit` untriaged signals in one transaction, here; return how many."""
        span = next_span(self.db, triaged_through(self.db), limit)
        if span is None:
            return 0
        self.reserve_ids(span.size + ID_MARGIN)
        apply_pending(self)
        with Writer(self.db) as writer:
            writer.submit(*self.stage(prepare_here(self.db, span)))
        return span.size

    def stage(self, prepared: Prepared) -> tuple[TriageBatch, list[Founded]]:
        """Decide one prepared batch; return what to write, and the issues to found.

        The index and the report move on at once, so the next batch can be decided before this
        one is written. What is to be written is copied out of the index here, so the decisions
        after it never leak into it.
        """
        now = utcnow()
        batch = _Batch()
        # Signals with a stack go first, so a person's words meet the issue their error defines
        # rather than founding one of their own (the order within a batch only).
        for f in sorted(prepared.features, key=lambda f: f.kind == "feedback"):
            home = self._place(f, decide(f, self.index, self.thresholds), batch, now)
            self.report.touched.add(home)
        new_ids = {issue_id for issue_id, _f in batch.founders}
        founded = self._founded(batch)
        written = TriageBatch(
            new_issues=[],
            updates=[_update(self.index.profiles[i]) for i in batch.dirty - new_ids],
            definitions=list(batch.definitions.values()),
            links=batch.links,
            fingerprints=batch.fingerprints,
            actors=batch.actors,
            after=prepared.span.after,
            through=prepared.span.last,
            now=now.isoformat(),
        )
        self.report.signals += batch.triaged
        # The index only grows, and neither it nor a batch's signals form reference cycles
        # (reference counting frees them): moving everything out of the collector's sight,
        # without scanning it, keeps the cost per signal flat as issues accumulate.
        gc.freeze()
        return written, founded


def _run(
    run: Triage,
    db: sqlite_utils.Database,
    batch_size: int,
    on_batch: Callable[[TriageReport], None] | None,
    workers: int | None,
) -> None:
    # Automatic collections would otherwise run every few hundred allocations mid-batch and
    # walk the batch's young objects each time; nothing triage makes forms a cycle, so
    # reference counting frees a batch's garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # A writer of its own is forked before the workers are (the feed starts them with the
        # first batch), while this process has no other thread.
        with (
            Feed(db, batch_size, workers) as feed,
            open_writer(db, apart=feed.pool is not None) as writer,
        ):
            for prepared in feed:
                if run.id_limit - run.next_id < batch_size + ID_MARGIN or has_pending(db):
                    # Between batches, with everything before committed: the one writer of
                    # issue state applies a person's decisions and reserves ids.
                    writer.flush()
                    run.reserve_ids(batch_size + ID_MARGIN)
                    apply_pending(run)
                writer.submit(*run.stage(prepared))
                if on_batch:
                    on_batch(run.report)
    finally:
        gc.unfreeze()  # hand the objects back to the collector once the run is over
        if collecting:
            gc.enable()


def triage_pending(
    db: sqlite_utils.Database,
    thresholds: Thresholds | None = None,
    *,
    batch_size: int = BATCH,
    on_batch: Callable[[TriageReport], None] | None = None,
    workers: int | None = None,
) -> TriageReport:
    """Triage every untriaged signal in the store, batch by batch.

    `workers` prepare batches in other processes on a large store (default: one fewer than
    the CPUs, so deciding keeps a core); 0 prepares everything here.
    """
    token = take_lease(db)
    try:
        run = Triage(db, thresholds or Thresholds())
        _run(run, db, batch_size, on_batch, workers)
        apply_pending(run)  # decisions queued while the last batch was written
        run.give_back_ids()
    finally:
        release(db, token)
    return run.report
