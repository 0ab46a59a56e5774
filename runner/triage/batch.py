"""One batch of triage decisions as it accumulates, and the rows it writes.

What a signal joining an issue changes of its profile, what the first error to join an issue a
person reported defines, and the rows of the issues a batch founded, built from their founding
signals once the batch is decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from runner.triage.decide import labels_of, new_issue
from runner.triage.features import Features
from runner.triage.index import MAX_LABELS, MAX_ROUTES, MAX_TEXTS, Profile, merge_limited
from store.issues import Issue
from store.triage_batches import IssueDefinition, IssueUpdate, NewLink


@dataclass
class Batch:
    """What one batch's decisions write, as they accumulate."""

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


def join(profile: Profile, f: Features) -> None:
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


def define(profile: Profile, f: Features) -> None:
    """The first error to join an issue founded by feedback defines it: title, scope, repro
    (written with the batch, `definition_of`), and the structure later signals meet.

    Without this, an issue a person reported first would stay without suspected files however
    many stack traces joined it, and be held as "scope unclear" for good.
    """
    s = profile.structure
    profile.structure = f.structure._replace(location=s.location or f.structure.location)
    profile.basis = f.fingerprint.basis if f.fingerprint.hash else None


def definition_of(f: Features, issue_id: int, now: datetime) -> IssueDefinition:
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


def update(profile: Profile) -> IssueUpdate:
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


def written_issues(
    batch: Batch, profiles: dict[int, Profile], whole: dict[str, Features], now: datetime
) -> tuple[list[Issue], list[IssueDefinition]]:
    """The rows of the issues founded in a batch, with what later signals of the batch
    changed about them (`profiles`: the index's), and the definitions of older issues;
    `whole`: the features of their founding and defining signals, with the signals."""
    definitions = {
        issue_id: definition_of(whole[f.id], issue_id, now) for issue_id, f in batch.defined.items()
    }
    founded = []
    for issue_id, f in batch.founders:
        row = new_issue(whole[f.id], issue_id, now)
        if issue_id in batch.dirty:  # more signals joined it in the same batch
            p = profiles[issue_id]
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
