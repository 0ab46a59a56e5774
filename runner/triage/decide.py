"""The de-duplication decision, and what a new issue starts with.

Two of three (fingerprint, structure, text) over their thresholds → the signal joins the issue.
One of three → the signal founds its own issue and a proposed link to the look-alike waits in
the "needs confirmation" lane. None → a new issue. The same grouping hash counts as two: it
is Sentry's whole decision (a fingerprint the developer set, or the stack), so events group as
Sentry groups them; only one seen at another place with other words is a look-alike (a helper
shared by many routes, failing for another reason). A signal that fits the issue a person
split off better than the one it was split from follows the person's decision; one that fits
both equally is a proposal. Two issues a person split are never linked.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from runner.triage import across
from runner.triage import structure as structure_mod
from runner.triage.features import Features
from runner.triage.fingerprint import in_app_frames
from runner.triage.index import Index, Profile
from runner.triage.text import best_matches, similarity
from store.issues import Issue, ScopeEntry

MAX_SCOPE = 10
FEW_TEXTS = 4
# Two issues whose summed scores are this close both look right: a person decides.
AMBIGUITY_MARGIN = 0.25
MAX_REPRO_ACTIONS = 5
CANDIDATES = 3
TIE = 1e-9  # summed scores closer than this are a tie


class Thresholds(BaseModel):
    """When structure and text count as a match (the fingerprint is equal or not)."""

    model_config = ConfigDict(extra="forbid")

    structure: float = Field(default=0.8, gt=0, le=1)
    """Structural similarity (0-1) at or above which the envelopes agree."""
    text: float = Field(default=0.7, gt=0, le=1)
    """Text similarity (0-1, rapidfuzz token set ratio after masking) at or above which the
    texts agree."""
    feedback_text: float = Field(default=0.6, gt=0, le=1)
    """The same, when an error meets the text of an issue a person reported: paraphrases
    share fewer words."""
    across_words: float = Field(default=0.06, gt=0, le=1)
    """Weighted word overlap (rare words weigh more) at or above which a person's words and
    an issue of another kind agree; see `runner/triage/vocabulary.py`."""
    confirm_share: float = Field(default=0.4, gt=0, le=1)
    """A structural signal confirms an issue only when the words rank it at least this share
    of the best-ranked issue's rank (TF-IDF cosine)."""
    suggest_rank: float = Field(default=0.1, ge=0, le=1)
    """TF-IDF cosine (0-1) at or above which a person's words that agree with no issue on
    their own still propose the best one."""
    across_margin: float = Field(default=0.75, gt=0, le=1)
    """When a second issue's overlap reaches this share of the best one's, the words do not
    tell them apart: a person decides."""


# Tuples: scores are built for every candidate compared, and a tuple costs a fraction of a
# frozen object to build.
class Scores(NamedTuple):
    fingerprint: float
    structure: float
    text: float


class Decision(NamedTuple):
    """Where a signal goes and why."""

    action: Literal["link", "propose", "new"]
    issue_id: int | None
    """The issue joined, or proposed; None for a new issue with no look-alike."""
    scores: Scores
    rule: str
    candidates: tuple[tuple[int, float], ...] = ()
    """For a proposal: the best issues, best first, with their scores (at most three)."""


_NAMES = ("fingerprint", "structure", "text")


def _rule(hits: tuple[bool, bool, bool], votes: int = 0) -> str:
    names = [n for n, hit in zip(_NAMES, hits, strict=True) if hit]
    if len(names) == 3:
        return "all three agree"
    if votes >= 2 and names == ["fingerprint"]:
        return "the same grouping hash"
    return " + ".join(names) + (" agree" if len(names) == 2 else " only")


def _ranked(
    f: Features,
    index: Index,
    ids: Iterable[int],
    owners: set[int],
    texts: dict[int, float],
    th: Thresholds,
    same_hash: frozenset[int] = frozenset(),
) -> list[tuple[int, int, float, int, Scores, tuple[bool, bool, bool]]]:
    """Candidates with at least one vote, best first: votes, then following a split, then
    the summed scores. `same_hash`: the owners filed under this very hash (not only the hash
    without source lines)."""
    pool = set(ids)
    ranked = []
    ours = f.structure
    feedback = ours.kind == "feedback"
    profiles = index.profiles
    for issue_id in pool:
        profile = profiles[issue_id]
        theirs = profile.structure
        cross = feedback != (theirs.kind == "feedback")
        is_owner = issue_id in owners
        text = texts.get(issue_id, 0.0)
        if not is_owner and never_alike(f, profile):
            continue
        s_st = structure_mod.score(ours, theirs)
        hits = (is_owner, s_st >= th.structure, text >= text_threshold(cross, th))
        if cross and hits == (False, True, False):
            # Between feedback and an error, structure is the place alone: too thin to propose
            # on.
            continue
        votes = sum(hits)
        if votes < 2 and issue_id in same_hash and not elsewhere(f, profile, hits[2]):
            votes = 2  # Sentry would group them
        if votes >= 2 and not is_owner and kept_apart(f, profile):
            votes = 1  # a person decides
        if votes:
            scores = Scores(1.0 if is_owner else 0.0, s_st, text)
            # A split-off issue that competes with the issue it was split from wins the tie.
            follows = int(profile.from_split and bool(profile.split_from & pool))
            total = scores.fingerprint + scores.structure + scores.text
            ranked.append((votes, follows, total, issue_id, scores, hits))
    ranked.sort(key=lambda r: (r[0], r[1], r[2], r[3]), reverse=True)
    return ranked


def text_threshold(cross: bool, th: Thresholds) -> float:
    """The text similarity at which two texts agree: lower between an error and a person's
    words (`cross`), as paraphrases share fewer words."""
    return th.feedback_text if cross else th.text


def elsewhere(f: Features, profile: Profile, words_agree: bool) -> bool:
    """Seen at a place the issue never was, with other words: a helper shared by many routes
    failing for another reason, which the same hash alone does not make one problem. Without
    words on either side (an exception with no message) nothing says the reason is another."""
    location = f.structure.location
    return bool(
        location
        and profile.routes_seen
        and location not in profile.routes_seen
        and f.text
        and profile.texts
        and not words_agree
    )


def never_alike(f: Features, profile: Profile) -> bool:
    """Two signals of other hashes that are not even look-alikes: browser security reports
    block other things. Their message restates what the hash read (the directive, the
    blocked origin), and the page is every report's of it, so neither is a second signal."""
    return f.fingerprint.basis == profile.basis == "security"


def kept_apart(f: Features, profile: Profile) -> bool:
    """Two errors whose fingerprints differ that only a person may merge.

    Different exception types never merge without a person, nor do different in-app top
    frames; and two errors that both have a grouping hash are apart as Sentry keeps them (the
    hash already says everything their stacks, fingerprints or messages share).
    """
    ours, theirs = f.structure, profile.structure
    if ours.error_type and theirs.error_type and ours.error_type != theirs.error_type:
        return True
    if ours.top_frame and theirs.top_frame and ours.top_frame != theirs.top_frame:
        return True
    return ours.kind == theirs.kind == "error" and bool(f.fingerprint.hash and profile.basis)


def _text_scores(f: Features, index: Index, ids: Iterable[int], cutoff: float) -> dict[int, float]:
    """Best text similarity per issue, over the given issues' texts only."""
    owners: list[int] = []
    choices: dict[int, str] = {}
    for issue_id in ids:
        for t in index.profiles[issue_id].texts:
            choices[len(owners)] = t
            owners.append(issue_id)
    scores: dict[int, float] = {}
    if len(choices) <= FEW_TEXTS:  # a direct call beats building rapidfuzz's batch
        found = [(key, similarity(f.text, t)) for key, t in choices.items()]
        found = [(key, score) for key, score in found if score >= cutoff]
    else:
        found = best_matches(f.text, choices, cutoff, limit=len(choices))
    for key, score in found:
        owner = owners[key]
        scores[owner] = max(score, scores.get(owner, 0.0))
    return scores


def decide_across(f: Features, index: Index, th: Thresholds, stackless_only: bool) -> Decision:
    """Words and a structural signal, for a signal meeting issues of another kind (see
    `across.py`). With the words alone, the best issues are proposed, ranked."""
    pool = across.candidates(f, index, stackless_only)
    ranked = across.fits(f, index, pool, th.across_words, need_place=stackless_only)
    if not ranked:
        return Decision("new", None, Scores(0.0, 0.0, 0.0), "new issue: nothing over threshold")
    top = ranked[0]
    candidates = tuple((fit.issue_id, round(fit.rank, 4)) for fit in ranked[:CANDIDATES])
    # The words rank; a structural signal confirms an issue the words rank close to the top
    # (a person who hit one error and wrote about another must not land in the first).
    best = next(
        (fit for fit in ranked if fit.votes >= 2 and fit.rank >= th.confirm_share * top.rank),
        top,
    )
    scores = Scores(0.0, 1.0 if best.place else 0.0, round(best.words, 4))
    if best.votes < 2:
        if best.votes == 0 and best.rank < th.suggest_rank:
            return Decision("new", None, Scores(0.0, 0.0, 0.0), "new issue: nothing over threshold")
        return Decision(
            "propose", best.issue_id, scores, "words only: needs confirmation", candidates
        )
    if not across.clear_winner(best, ranked, th.across_margin):
        rival = next(fit.issue_id for fit in ranked if fit.votes >= 2 and fit is not best)
        return Decision(
            "propose",
            best.issue_id,
            scores,
            f"place + words agree with #{rival} too: needs confirmation",
            candidates,
        )
    rule = "place + words agree" + ("; follows a split" if best.follows else "")
    return Decision("link", best.issue_id, scores, rule)


def identity(f: Features) -> Hashable | None:
    """What makes two signals the same evidence: fingerprint, structure, masked text and the
    records named. None for feedback: the same words from two people may mean two things."""
    if f.kind == "feedback" or not f.fingerprint.hash:
        return None
    return (f.fingerprint.hash, f.structure, f.text, f.record_ids)


def decide(f: Features, index: Index, thresholds: Thresholds) -> Decision:
    """Compare a signal with its candidate issues and decide where it belongs."""
    key = identity(f)
    earlier = index.identical.get(key) if key is not None else None
    if earlier is not None and earlier.issue_id in index.profiles:
        # Identical evidence to a signal placed earlier in this run: the same issue, for the
        # same reasons (and without comparing it with every candidate again).
        return Decision("link", earlier.issue_id, earlier.scores, earlier.rule)
    named = index.named_event_home(f)
    if f.kind == "feedback":
        if named is not None:  # Sentry user feedback names the event it is about
            return Decision("link", named[0], Scores(1.0, 1.0, 0.0), named[1])
        return decide_across(f, index, thresholds, stackless_only=False)
    decision = _decide_with_stack(f, index, thresholds, named)
    if decision.action == "link":
        return decision
    # An error or failing test that found no issue of its own may be what earlier feedback was
    # about: meet the issues people reported first.
    earlier_reports = decide_across(f, index, thresholds, stackless_only=True)
    if earlier_reports.action == "link":
        return earlier_reports
    if decision.action == "new" and earlier_reports.action == "propose":
        return earlier_reports
    return decision


def _decide_with_stack(
    f: Features, index: Index, thresholds: Thresholds, named: tuple[int, str] | None
) -> Decision:
    """Fingerprint, structure and text against issues of errors and failing tests.

    `named`: the issue of feedback that named this event, if any.
    """
    fp = f.fingerprint.hash
    cutoff = min(thresholds.text, thresholds.feedback_text)
    owners = set(index.fingerprint_owners(f.fingerprint))
    same_hash: frozenset[int] = frozenset()
    ranked = []
    if owners:
        # Fast path: an issue with this fingerprint and one more agreeing signal wins. Others
        # could only tie it on votes, and the fingerprint is the stronger evidence.
        same_hash = frozenset(index.fingerprint_owners(f.fingerprint, exact=True))
        texts = _text_scores(f, index, owners, cutoff)
        ranked = _ranked(f, index, owners, owners, texts, thresholds, same_hash)
    if not ranked or ranked[0][0] < 2:
        candidates = index.candidates(f.fingerprint, f.structure, f.text)
        if not candidates:
            return Decision("new", None, Scores(0.0, 0.0, 0.0), "new issue: no candidate")
        texts = _text_scores(f, index, candidates, cutoff)
        if f.structure.error_type is None:
            # Without a stack, structure is the location alone: too little to propose on, so
            # only issues whose text agrees are compared further (two browser security
            # reports from one page, one of an image and one of a script, are not alike).
            # Feedback is decided across kinds, so only an issue a person founded crosses.
            founded = {i for i in texts if index.profiles[i].structure.kind == "feedback"}
            agree = {i for i, t in texts.items() if t >= text_threshold(i in founded, thresholds)}
            candidates = owners | agree
        ranked = _ranked(f, index, candidates, owners, texts, thresholds, same_hash)
    if named is not None and (not ranked or ranked[0][0] < 2):
        # The event a person's earlier feedback names, and nothing better: join the feedback.
        return Decision("link", named[0], Scores(1.0, 1.0, 0.0), named[1])
    if not ranked:
        return Decision("new", None, Scores(0.0, 0.0, 0.0), "new issue: nothing over threshold")
    votes, _follows, _total, best, scores, hits = ranked[0]
    if votes >= 2 and fp:
        # A person split a signal with this fingerprint off `best`: follow that decision.
        redirected = index.split_fingerprints.get((best, fp))
        if redirected is not None and redirected in index.profiles:
            return Decision("link", redirected, scores, f"follows the split from #{best}")
    if (
        votes >= 2
        and not hits[0]
        and len(ranked) > 1
        and ranked[1][0] >= 2
        and ranked[0][2] - ranked[1][2] < AMBIGUITY_MARGIN
    ):
        # Structure and text agree with two issues: without a fingerprint to tell them apart,
        # a wrong guess would hide a fault, so a person decides.
        runner_up = ranked[1][3]
        return Decision(
            "propose",
            best,
            scores,
            f"{_rule(hits)} with #{runner_up} too: needs confirmation",
            _top(ranked),
        )
    if votes >= 2:
        rule = _rule(hits, votes)
        split_from = index.profiles[best].split_from
        followed = next((r for r in ranked[1:] if r[0] == votes and r[3] in split_from), None)
        if followed is not None:
            mine = structure_mod.agreement(f.structure, index.profiles[best].structure)
            theirs = structure_mod.agreement(f.structure, index.profiles[followed[3]].structure)
            fit = (ranked[0][2], mine)
            other = (followed[2], theirs)
            if abs(fit[0] - other[0]) <= TIE and abs(fit[1] - other[1]) <= TIE:
                # It matches both sides of a person's split equally: only a person can say
                # which side it is on.
                return Decision(
                    "propose",
                    best,
                    scores,
                    f"{rule} with #{followed[3]} too, split apart by a person: needs confirmation",
                    _top(ranked),
                )
            if other > fit:  # the side it was split from fits it better
                best, scores, followed = followed[3], followed[4], ranked[0]
            rule += f"; follows the split from #{followed[3]}"
        return Decision("link", best, scores, rule)
    return Decision("propose", best, scores, _rule(hits) + ": needs confirmation", _top(ranked))


def _top(ranked: list[tuple[int, int, float, int, Scores, tuple[bool, bool, bool]]]) -> tuple:
    """The best candidates of a stack comparison, with their summed scores."""
    return tuple((r[3], round(r[2], 4)) for r in ranked[:CANDIDATES])


def scope_of(f: Features) -> list[ScopeEntry]:
    """Suspected files and functions: the in-app frames, crashing frame first, distinct."""
    seen: set[tuple[str | None, str | None]] = set()
    scope: list[ScopeEntry] = []
    for frame in in_app_frames(f.signal):
        key = (frame.file or frame.module, frame.function)
        if key in seen:
            continue
        seen.add(key)
        scope.append(
            ScopeEntry(
                file=frame.file, function=frame.function, module=frame.module, line=frame.line
            )
        )
        if len(scope) >= MAX_SCOPE:
            break
    return scope


def repro_of(f: Features) -> list[str]:
    """Steps to reproduce, where the signal gives them: route and last actions, or the test."""
    signal = f.signal
    steps: list[str] = []
    if signal.test_id:
        steps.append(f"Run the failing test {signal.test_id}")
    if signal.route:
        steps.append(f"Open {signal.route}")
    for action in signal.actions[-MAX_REPRO_ACTIONS:]:
        if action.message:
            label = f"{action.category}: " if action.category else ""
            steps.append(f"{label}{action.message[:200]}")
    if signal.intent:
        steps.append(f"Attempt: {signal.intent[:200]}")
    if signal.flags:
        steps.append("With flags " + (f.structure.flags or ""))
    return steps


def labels_of(f: Features) -> list[str]:
    """Labels routines can match on, from the signal's environment and level."""
    labels = [f"kind:{f.kind}"]
    if f.environment:
        labels.append(f"env:{f.environment}")
    if f.level:
        labels.append(f"level:{f.level}")
    return labels


def new_issue(f: Features, issue_id: int, now: datetime) -> Issue:
    """The issue a signal founds: title, scope, repro steps, and what later signals meet."""
    signal = f.signal
    description = (signal.text or (signal.error.message if signal.error else "") or "")[:2000]
    s = f.structure
    return Issue(
        id=issue_id,
        title=signal.title,
        kind=signal.kind,
        fingerprint=f.fingerprint.hash,
        fingerprint_basis=f.fingerprint.basis,
        error_type=s.error_type,
        location=s.location,
        top_frame=s.top_frame,
        flags=s.flags,
        release=s.release,
        texts=[f.text] if f.text else [],
        description=description,
        scope=scope_of(f),
        repro=repro_of(f),
        test_id=signal.test_id,
        labels=labels_of(f),
        routes_seen=[s.location] if s.location else [],
        kinds=[signal.kind],
        sources=[signal.source],
        signal_count=1,
        users_affected=1 if f.actor else 0,
        first_seen=signal.occurred_at,
        last_seen=signal.occurred_at,
        created_at=now,
        updated_at=now,
    )
