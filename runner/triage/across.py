"""Comparisons across kinds: a person's words with an error's issue, and the reverse.

A person's words are **one** signal however they are sliced: the words, and a place or a
record id the words name, are two views of the same text. A second, independent signal is
structural: the route the words came from is one the issue was seen on (or the same record in
both routes), or the same person's error (or words) went to the issue within a couple of
hours. The words and a second signal must agree to link; the words alone make a proposal
that ranks the best issues (TF-IDF cosine with their texts) for a person to confirm with one
key. When two issues fit almost equally well, a person decides too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from runner.triage.features import Features
from runner.triage.index import Index, Profile
from runner.triage.title import TitleQuery
from runner.triage.vocabulary import query_words, route_record_ids


class Fit(NamedTuple):
    """How well a signal fits one issue of another kind."""

    issue_id: int
    place: bool
    """A second, structural signal agrees: the route, the record in it, or the same actor."""
    words: float
    """The words' vote: weighted overlap (cosine), 0 to 1; -1 where it decides nothing and was
    not weighed (no place, and a rank neither the best nor shared)."""
    votes: int
    follows: bool
    """The issue was split off by a person from a rival in the same comparison."""
    rank: float = 0.0
    """TF-IDF cosine of the words with the issue's texts (0 to 1): how the suggestions are
    ordered."""


class Ties(NamedTuple):
    """A signal's structural ties, worked out once for all the issues it is compared with."""

    location: str | None
    """Its route, unless a test's (a test id is no place)."""
    route_ids: frozenset[str]
    """The records its route names (`INV-1002`)."""
    feedback: bool
    actor_issues: frozenset[int]
    """`Index.actor_issues(f)`."""


def ties(f: Features, index: Index) -> Ties:
    location = f.structure.location
    if location and location.startswith("test:"):
        location = None
    route_ids = route_record_ids(location) if location else frozenset()
    return Ties(location, route_ids, f.kind == "feedback", index.actor_issues(f))


class Elsewhere(NamedTuple):
    """What the other signals of a set bring that could tie a person's words structurally."""

    authors: frozenset[str]
    """The actor keys of its errors and regressions: a person's error is a second signal
    beside their words (their other words are not)."""
    records: frozenset[str]
    """The records its routes name: a record a person quotes can meet one of them."""


def elsewhere(signals: Iterable[Features]) -> Elsewhere:
    authors: set[str] = set()
    records: set[str] = set()
    for f in signals:
        if f.kind != "feedback":
            authors |= f.actor_keys
        if f.structure.location:
            records |= route_record_ids(f.structure.location)
    return Elsewhere(frozenset(authors), frozenset(records))


def words_only(f: Features, others: Elsewhere) -> bool:
    """Nothing but a person's words, among `others`: no route (a test's is none), no record
    another signal's route names, no error of the same person, no event they are about, no
    release (issue 11 counts one as a signal; triage does not, as a night's reports mostly
    share theirs). No structural signal can agree with such words, so they never link on
    their own, whatever they say: a person confirms them."""
    location = f.structure.location
    return (
        f.kind == "feedback"
        and not (location and not location.startswith("test:"))
        and not f.structure.release
        and not (f.record_ids & others.records)
        and not (f.actor_keys & others.authors)
        and f.event is None
    )


def place_agrees(t: Ties, p: Profile) -> bool:
    """A structural signal ties them: the signal's route is one the issue's errors were seen
    on (the same record when both routes name one), or its actor's other signal went to the
    issue minutes before or after. Never what the words name: that is the words again.

    Two people's words from the same page are not tied by it unless the issue has errors:
    a page every report comes from (a feedback form, a tracker's address for each report)
    would tie every report to every other. The same record named in both routes still is.
    """
    if t.location:
        if t.route_ids and p.record_ids:
            # Both routes name records (`INV-1002`): different records are different places.
            if t.route_ids & p.record_ids:
                return True
        elif t.location in p.routes_seen and (not t.feedback or p.structure.error_type is not None):
            return True
    return p.id in t.actor_issues


def records_differ(f: Features, p: Profile) -> bool:
    """The issue was seen at routes naming records (`/invoices/inv-1002`), the signal names
    records too (in its route or its words), and none is the same: different records,
    whatever else they share. Ids in the words of two reports never part them: people quote
    build numbers and versions (`23H2`, `x64`) as often as records."""
    if not f.record_ids:
        return False
    return bool(p.route_ids) and not (f.record_ids & p.route_ids)


def candidates(f: Features, index: Index, stackless_only: bool = False) -> list[int]:
    """Issues worth comparing: those sharing rare words or places, and those at its route.

    `stackless_only`: only issues no stack trace has reached yet (founded by feedback), for
    an error looking for the reports that came before it.
    """
    # An error looks for reports by where it happened; a person's words by all they say.
    words = f.places | f.record_ids if stackless_only else f.words | f.places | f.quoted
    found = index.word_candidates(words, stackless_only, wide=not stackless_only)
    location = f.structure.location
    if location:
        at = index.by_location_plain if stackless_only else index.by_location
        found += [i for i in at.get(location, ()) if i in index.profiles and i not in found]
    if stackless_only:
        found = [i for i in found if _founded_by_feedback(index.profiles[i])]
    return found


def _founded_by_feedback(p: Profile) -> bool:
    return p.structure.kind == "feedback" and p.structure.error_type is None


def fits(
    f: Features, index: Index, ids: list[int], word_threshold: float, need_place: bool = False
) -> list[Fit]:
    """Every candidate with a vote or a shared word, best first by the words' TF-IDF cosine.

    `need_place`: only issues a structural signal ties it to (an error meeting earlier
    reports).
    """
    pool = set(ids)
    vocabulary = index.vocabulary
    similarity = vocabulary.similarity
    rank_of = vocabulary.rank
    words = f.words | f.places
    norm = vocabulary.norm(words)  # once: the same for every candidate but those sharing ids
    query = query_words(f.text, words)
    query_norm = vocabulary.rank_norm(query, query)  # once, as `norm`
    profiles = index.profiles
    tied = ties(f, index)
    title = TitleQuery(f.title, index.titles)
    found: list[Fit] = []
    # Fits without a place: their words' vote is left for when it decides anything.
    unweighed: dict[int, tuple[Profile, frozenset[str]]] = {}
    for issue_id in ids:
        p = profiles[issue_id]
        if records_differ(f, p):
            continue
        place = place_agrees(tied, p)
        if need_place and not place:
            continue
        shared_ids = f.record_ids & p.record_ids
        both = words | shared_ids if shared_ids else words
        if shared_ids:
            with_ids = query_words(f.text, both)
            rank = rank_of(with_ids, p.whole, vocabulary.rank_norm(with_ids, with_ids))
        else:
            rank = rank_of(query, p.whole, query_norm)
        rank = title.blend(rank, p.title)
        follows = p.from_split and bool(p.split_from & pool)
        if not place and rank > 0 and not shared_ids:
            # Listed by its rank whatever the words' vote: the vote (a set cosine over each
            # of its texts, most of the comparison's cost) is weighed only where it matters.
            unweighed[issue_id] = (p, both)
            found.append(Fit(issue_id, False, -1.0, 0, follows, rank))
            continue
        overlap = similarity(both, p.documents, vocabulary.norm(both) if shared_ids else norm)
        # A record a person quotes by its id (`INV-1002`) is the rarest word two texts share.
        said = overlap >= word_threshold or bool(shared_ids)
        votes = place + said
        if votes == 2 and f.failure != p.failure:
            # A request or a remark meeting a failure (or the reverse) shares words, not a
            # problem: a person decides.
            votes, place = 1, False
        if (votes and not (votes == 1 and place)) or (rank > 0 and not need_place):
            found.append(Fit(issue_id, place, overlap, votes, follows, rank))

    def weighed(fit: Fit) -> Fit:
        p, both = unweighed.pop(fit.issue_id)
        overlap = similarity(both, p.documents, norm)
        return fit._replace(words=overlap, votes=int(overlap >= word_threshold))

    if unweighed:
        # The words' vote orders fits of equal rank, and decides whether the first is worth
        # proposing: weigh those (a rank shared by two fits, and the best rank).
        ranks = Counter(fit.rank for fit in found)
        top = max(ranks)
        found = [
            weighed(fit)
            if fit.issue_id in unweighed and (ranks[fit.rank] > 1 or fit.rank == top)
            else fit
            for fit in found
        ]
    found.sort(key=lambda fit: (fit.rank, fit.words, fit.issue_id), reverse=True)
    return found


def clear_winner(best: Fit, ranked: list[Fit], margin: float) -> bool:
    """No other issue that a structural signal ties the words to fits almost as well."""
    for other in ranked:
        if other is not best and other.votes >= 2 and other.rank >= margin * best.rank:
            # A person's split is no tie-breaker: words that fit both sides of it equally
            # need a person.
            return False
    return True
