"""Comparisons across kinds: a person's words with an error's issue, and the reverse.

Feedback has no stack, so of the three signals only two can speak: the **place** (the route it
came from, or a place its words name) and the **words** (weighted overlap, see
`vocabulary.py`). Both must agree to link; words alone make a proposal for a person to
confirm; a place alone says nothing (every complaint about a page shares its route). When two
issues fit almost equally well, a person decides.
"""

from __future__ import annotations

from typing import NamedTuple

from runner.triage.features import Features
from runner.triage.index import Index, Profile


class Fit(NamedTuple):
    """How well a signal fits one issue of another kind."""

    issue_id: int
    place: bool
    words: float
    votes: int
    follows: bool
    """The issue was split off by a person from a rival in the same comparison: it wins ties."""


def place_agrees(f: Features, p: Profile) -> bool:
    """The signal happened where the issue lives, or the words of one name the other's place."""
    location = f.structure.location
    ids = f.record_ids
    if ids and p.record_ids:
        # Both name records (`INV-1002`): the same record is the strongest place there is,
        # different ones mean different places, whatever else they share.
        return bool(ids & p.record_ids)
    if location and not location.startswith("test:") and location in p.routes_seen:
        return True
    return bool(f.words & p.places) or bool(f.places & p.bag)


def candidates(f: Features, index: Index, stackless_only: bool = False) -> list[int]:
    """Issues worth comparing: those sharing rare words or places, and those at its route.

    `stackless_only`: only issues no stack trace has reached yet (founded by feedback), for
    an error looking for the reports that came before it.
    """
    # An error looks for reports by where it happened; a person's words by all they say.
    words = f.places | f.record_ids if stackless_only else f.words | f.places | f.quoted
    found = index.word_candidates(words, stackless_only)
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
    """Every candidate with a vote, best first: votes, a person's split, then the words.

    `need_place`: only issues at the signal's place count (an error meeting earlier reports).
    """
    pool = set(ids)
    vocabulary = index.vocabulary
    similarity = vocabulary.similarity
    words = f.words | f.places
    norm = vocabulary.norm(words)  # once: the same for every candidate but those sharing ids
    profiles = index.profiles
    found = []
    for issue_id in ids:
        p = profiles[issue_id]
        place = place_agrees(f, p)
        if need_place and not place:
            continue
        shared_ids = f.record_ids & p.record_ids
        if shared_ids:
            both = words | shared_ids
            overlap = similarity(both, p.documents, vocabulary.norm(both))
        else:
            overlap = similarity(words, p.documents, norm)
        # A record a person quotes by its id (`INV-1002`) is the rarest word two texts share.
        votes = place + (overlap >= word_threshold or bool(shared_ids))
        if votes == 2 and f.failure != p.failure:
            # A request or a remark meeting a failure (or the reverse) shares words, not a
            # problem: a person decides.
            votes, place = 1, False
        if votes and not (votes == 1 and place):
            follows = p.from_split and bool(p.split_from & pool)
            found.append(Fit(issue_id, place, overlap, votes, follows))
    found.sort(key=lambda fit: (fit.votes, fit.follows, fit.words, fit.issue_id), reverse=True)
    return found


def clear_winner(ranked: list[Fit], margin: float) -> bool:
    """The best fit is not matched almost as well by another issue with as many votes."""
    if len(ranked) < 2:
        return True
    best, second = ranked[0], ranked[1]
    if second.votes < best.votes:
        return True
    # A person's split is no tie-breaker: words that fit both sides of it equally need a person.
    return second.words < margin * best.words
