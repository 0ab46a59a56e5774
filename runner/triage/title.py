"""A person's title compared by its letters: how two reports of one problem name it.

The title is where a person names the problem in a few words, and two people name the same
problem with the same words written differently: `dark mode` and `darkmode`, `colour picker`
and `colorpicker`, `crash` and `crashing`. The words of the whole report are ranked as words
(`Vocabulary.rank`); the titles are compared beside them by their letters, three at a time
within each word (a word's edges count as letters), each trigram weighted by how rare it is
among the titles of the open issues.

Measured with `overnight triage --evaluate` (see `sample_signals/real_duplicates/README.md`):
the first suggestion is right for 3 more of 54 real duplicate reports and 3 more of 70 on
the Quire set, one fewer of 31 on the reports set; at three, 4 more in all and none fewer.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from runner.triage.text import normalise
from runner.triage.vocabulary import Document, Vocabulary

WEIGHT = 0.3
"""The titles' share beside the words': rank = (words + WEIGHT · titles) / (1 + WEIGHT)."""


MIN_WORDS = 2
"""A title of one word (`Bug`, `Crash`, `Help`) names no problem: it is not compared."""


def text_begins_with(title: str, text: str) -> bool:
    """`text` starts with `title`, whitespace aside (a title cut short with `…` too)."""
    flat = " ".join(title.removesuffix("…").split())
    return " ".join(text[: len(title) * 2].split()).startswith(flat)


def given_title(title: str, text: str | None) -> str:
    """The title a person gave their words, normalised: a heading apart from the text, or
    the text's first paragraph when it is the whole of it (a subject above a body). Empty when
    the title was only the text's beginning (a widget's words, a message without a subject),
    which the words compare already."""
    if not title:
        return ""
    if text:
        head, blank, _rest = text.partition("\n\n")
        whole_head = bool(blank) and " ".join(head.split()) == " ".join(title.split())
        if text_begins_with(title, text) and not whole_head:
            return ""
    return normalise(title)


@lru_cache(maxsize=16_384)
def trigrams(title: str) -> frozenset[str]:
    """The letter trigrams of a normalised title, each word padded by a space at each end, so
    a word's first and last letters count and a short word (`ui`) still has one."""
    words = title.split()
    if len(words) < MIN_WORDS:
        return frozenset()
    grams: set[str] = set()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def title_document(title: str) -> Document | None:
    """An issue's title as the document its trigrams are compared with; None without one."""
    grams = trigrams(title) if title else frozenset()
    return Document(grams) if grams else None


class TitleQuery:
    """A signal's title, ready to meet each candidate's (its norm worked out once)."""

    __slots__ = ("grams", "norm", "titles")

    def __init__(self, title: str, titles: Vocabulary) -> None:
        self.titles = titles
        self.grams: Counter[str] = Counter(trigrams(title)) if title else Counter()
        self.norm = titles.rank_norm(self.grams, None) if self.grams else 0.0

    def blend(self, rank: float, document: Document | None) -> float:
        """The words' `rank` with the titles' cosine beside it, where both have a title and
        the words meet at all (a title never makes a candidate of an issue by itself)."""
        if not rank or not self.norm or document is None:
            return rank
        letters = self.titles.rank(self.grams, document, self.norm)
        return (rank + WEIGHT * letters) / (1 + WEIGHT)
