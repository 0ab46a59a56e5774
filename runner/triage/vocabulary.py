"""Meeting a person's words with an error: the places an issue lives in, and weighted overlap.

A person who writes "I tried to refresh the dashboard and it spun forever" names no exception
and no frame, and often no route. Two things still tie the words to an error's issue:

- the **place**: the route the feedback came from, or a place the words name — the last
  segment of a route the issue was seen on (`/dashboard/refresh` → "refresh"), the crashing
  function (`paginate`), a record id in the route (`INV-1002`);
- the **words**: the overlap of the feedback with everything the issue is known by (messages,
  the user's intent, routes, function names), each word weighted by how rare it is across
  issues, so "page", "team" and "error" count for little and "burndown" or "csv" for much.

These are the structure and text votes for comparisons across kinds (feedback with an error,
a regression or other feedback); the decision still needs both to agree.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import TypeVar

from runner.triage.text import normalise

# Words every complaint uses: they say something is wrong, not what or where.
COMPLAINT_WORDS = frozenset(
    normalise(
        "error errors page pages broken break work works working fail failed fails failing "
        "issue problem wrong internal server crash crashed show shows showing see saw let know "
        "look looks seem seems since morning today yesterday week month day hi hello regards "
        "best cheers support help someone something anything everything every thing things "
        "go went going come came use using used click clicked button screen app site message "
        "said says tell told want wanted need needs like love would fine ok okay last first"
    ).split()
)
# Route segments and function words too generic to name a place on their own.
GENERIC_PLACES = frozenset(
    normalise(
        "api app index main view views handle handler get post put set run call load render "
        "apply process do make page pages home default root web www static v1 v2 test tests"
    ).split()
)
# Words and phrases that say something failed. Feedback without any is a request or a remark
# ("avatars look blurry", "please add a dark mode"): never the same problem as a crash.
FAILURE_WORDS = frozenset(
    normalise(
        "error errors crash crashed crashes broken break breaks fail fails failed failing "
        "failure wrong exception bug empty blank missing stuck spin spun spinning hang hangs "
        "hung freeze froze frozen timeout timed lost disappeared"
    ).split()
)
_FAILURE_PHRASE = re.compile(
    r"\b(?:5\d\d|can'?t|cannot|won'?t|doesn'?t|didn'?t|isn'?t|not work\w*|nothing happens)\b"
)
_SEGMENT_WORDS = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d")
_RAW_WORDS = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
# A record id worth matching literally: letters and digits together, like `inv-1002`.
_RECORD_ID = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9._-]{4,}$")

MAX_BAG = 400


@lru_cache(maxsize=65_536)
def content_words(text: str) -> frozenset[str]:
    """The normalised words of a text that can say what the problem is (cached: an issue's
    texts are described again each time it changes)."""
    return frozenset(text.split()) - COMPLAINT_WORDS


def _counts(texts: Iterable[str], words: frozenset[str]) -> Counter[str]:
    """How often each of `words` comes in normalised texts together."""
    return Counter(w for text in texts for w in text.split() if w in words)


def counted_words(texts: Iterable[str], words: frozenset[str]) -> dict[str, int] | None:
    """`_counts` when any word comes more than once (None otherwise: an error's message
    names each word once)."""
    counts = _counts(texts, words)
    return dict(counts) if counts and max(counts.values()) > 1 else None


def query_words(f_text: str, words: frozenset[str]) -> Counter[str]:
    """A person's words as a ranking query: each of `words` with how often the text says it
    (at least once: places and record ids count too)."""
    counts = _counts([f_text], words)
    for word in words:
        counts.setdefault(word, 1)
    return counts


def reports_failure(normalised: str, raw: str | None = None) -> bool:
    """Whether a text says something failed (rather than asking for or remarking on something)."""
    if not FAILURE_WORDS.isdisjoint(normalised.split()):
        return True
    return bool(raw and _FAILURE_PHRASE.search(raw[:4096].lower()))


def raw_tokens(text: str | None) -> frozenset[str]:
    """Lower-case tokens of the unmasked text, ids kept whole (`inv-1002`), for literal ids."""
    if not text:
        return frozenset()
    return frozenset(_RAW_WORDS.findall(text[:4096].lower()))


def place_words(
    routes: Iterable[str], top_frame: str | None, test_id: str | None = None
) -> frozenset[str]:
    """The words that name where an issue lives: last route segments, the crashing function,
    and the test's name for regressions."""
    return _place_words(tuple(routes), top_frame, test_id)


@lru_cache(maxsize=65_536)
def _place_words(
    routes: tuple[str, ...], top_frame: str | None, test_id: str | None
) -> frozenset[str]:
    # Each source's words are cached too, so a new combination costs only its new sources.
    words: set[str] = set()
    for route in routes:
        words |= _route_place(route)
    if top_frame:
        words |= _function_place(top_frame)
    if test_id:
        words |= _test_place(test_id)
    return frozenset(words)


def route_record_ids(route: str) -> frozenset[str]:
    """Record ids in one route (cached: a route recurs in every duplicate)."""
    return _part_record_ids(route)


def record_ids(parts: Iterable[str]) -> frozenset[str]:
    """Record ids (`inv-1002`) among route segments or quoted tokens."""
    ids: set[str] = set()
    for part in parts:
        ids |= _part_record_ids(part)
    return frozenset(ids)


_T = TypeVar("_T")


def _cached_when_short(function: Callable[[str], _T]) -> Callable[[str], _T]:
    """`function`, cached for short texts: an issue's routes and frames recur in every
    duplicate, and hostile long texts must not bloat the cache."""
    cached = lru_cache(maxsize=16_384)(function)

    @wraps(function)
    def call(text: str) -> _T:
        return cached(text) if len(text) <= 256 else function(text)

    return call


@_cached_when_short
def _route_place(route: str) -> frozenset[str]:
    if route.startswith("test:"):
        return frozenset()
    # The last segment that names a place, not a record (`/invoices/inv-1002` → invoices).
    for segment in reversed(route.split("/")):
        if segment and segment != ":id" and not _DIGITS.search(segment):
            return _places(" ".join(_SEGMENT_WORDS.findall(segment)))
    return frozenset()


@_cached_when_short
def _function_place(top_frame: str) -> frozenset[str]:
    function = top_frame.rsplit(":", 1)[-1]
    return _places(function.replace("_", " "))


@_cached_when_short
def _test_place(test_id: str) -> frozenset[str]:
    name = test_id.rsplit("::", 1)[-1].rsplit(".", 1)[-1]
    return _places(name.replace("_", " "))


def _places(text: str) -> frozenset[str]:
    return frozenset(normalise(text).split()) - GENERIC_PLACES - COMPLAINT_WORDS


@_cached_when_short
def _part_record_ids(part: str) -> frozenset[str]:
    return frozenset(filter(_RECORD_ID.match, part.split("/")))  # never `:id`: no digit


class _Memo(dict[str, float]):
    """`compute(word)` for each word asked for, computed once."""

    def __init__(self, compute: Callable[[str], float]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, word: str) -> float:
        value = self[word] = self.compute(word)
        return value


class Vocabulary:
    """Document frequencies of words across issues, for weighting overlaps by rarity.

    Weights (and their squares, which norms and overlaps add up) are memoised, and the memos
    are dropped each time the number of issues grows by a few percent: a word's weight drifts
    slowly, and recomputing logarithms for every comparison would cost more than all the rest
    of the comparison.
    """

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()
        self.documents = 0
        self._weights = _Memo(self._idf)
        self._squares = _Memo(lambda word: self._weights[word] ** 2)
        self._ranks = _Memo(self._smooth_idf)
        self._rank_squares = _Memo(lambda word: self._ranks[word] ** 2)
        self._memo_at = 0
        self.generation = 0
        """Counts the times the weights were dropped (and so moved)."""

    def add_document(self) -> None:
        self.documents += 1
        if self.documents > self._memo_at * 1.02 + 1:
            self._weights.clear()
            self._squares.clear()
            self._ranks.clear()
            self._rank_squares.clear()
            self._memo_at = self.documents
            self.generation += 1

    def add_words(self, words: Iterable[str]) -> None:
        """Count new words of one issue (each issue counts a word once)."""
        self.df.update(words)

    def remove_document(self, words: Iterable[str]) -> None:
        """Uncount a document and its words, as if it had never been added (the memoised
        weights drift back as they drifted in, at the next drop)."""
        self.documents -= 1
        df = self.df
        for word in words:
            left = df[word] - 1
            if left > 0:
                df[word] = left
            else:
                del df[word]

    def rank(self, query: Counter[str], document: Document, query_norm: float) -> float:
        """TF-IDF cosine of a person's words (counted) with everything an issue is known by,
        0 to 1: how suggestions are ordered.

        Words weigh by how often they come back and how rare they are across issues
        (smoothed idf, so a word every issue has still counts a little), and both sides are
        normalised by their length: a long report sharing many common words with a long
        issue says less than two short ones sharing a rare word. The issue is one document
        (its texts together), so a short paraphrase it learned never outranks it alone.
        `query_norm`: `rank_norm(query, query)`, the same for every issue compared.
        """
        shared = query.keys() & document.words
        length = document.rank_norm(self) if shared else 0.0
        if not length or not query_norm:
            return 0.0
        square = self._rank_squares.__getitem__
        counts = document.counts or {}
        dot = math.fsum(query[w] * counts.get(w, 1) * square(w) for w in shared)
        return dot / (query_norm * length)

    def rank_norm(self, words: Iterable[str], counts: dict[str, int] | None) -> float:
        """The length of a document's counted TF-IDF vector (see `rank`)."""
        weight = self._ranks.__getitem__
        counts = counts or {}
        return math.sqrt(math.fsum((counts.get(w, 1) * weight(w)) ** 2 for w in words))

    def _smooth_idf(self, word: str) -> float:
        return math.log((self.documents + 1) / (self.df.get(word, 0) + 1)) + 1.0

    def _idf(self, word: str) -> float:
        return max(0.1, math.log((self.documents + 1) / (self.df.get(word, 0) + 0.5)))

    def weight(self, word: str) -> float:
        """Inverse document frequency: rare words weigh more; never below a small floor."""
        return self._weights[word]

    def norm(self, words: Iterable[str]) -> float:
        """The length of a word set's weight vector."""
        return math.sqrt(math.fsum(map(self._squares.__getitem__, words)))

    def rarest(self, words: Iterable[str], count: int) -> list[str]:
        """The `count` rarest of `words`."""
        # Ties broken by the word itself, so the choice never depends on set order.
        weights = self._weights
        return sorted(words, key=lambda w: (-weights[w], w))[:count]

    def similarity(
        self, words: frozenset[str], documents: Iterable[Document], norm: float | None = None
    ) -> float:
        """The best weighted cosine of a word set (whose `norm` may be given) with any of an
        issue's documents, 0 to 1."""
        square = self._squares.__getitem__
        best = 0.0
        for doc in documents:
            document, right = doc.words, doc.norm(self)
            shared = words & document
            if not shared or not right:
                continue
            if norm is None:
                norm = self.norm(words)
            if norm:
                best = max(best, math.fsum(map(square, shared)) / (norm * right))
        return best


class Document:
    """An issue's words from one of its texts, or from all of them, with their places.

    Its norms are computed again whenever the weights moved (a few percent more issues): a
    norm from a much smaller store would skew every comparison with the early issues.
    """

    __slots__ = ("_norm", "_norm_at", "_rank_at", "_rank_norm", "counts", "words")

    def __init__(self, words: frozenset[str], counts: dict[str, int] | None = None) -> None:
        self.words = words
        self.counts = counts
        """How often each word comes, where any comes more than once (a person's words);
        None when every word comes once."""
        self._norm = self._rank_norm = 0.0
        self._norm_at = self._rank_at = -1

    def norm(self, vocabulary: Vocabulary) -> float:
        """The length of its words' weight vector (each word once): what the words vote
        compares with."""
        if self._norm_at != vocabulary.generation:
            self._norm = vocabulary.norm(self.words)
            self._norm_at = vocabulary.generation
        return self._norm

    def rank_norm(self, vocabulary: Vocabulary) -> float:
        """The length of its counted TF-IDF vector: what suggestions are ranked by."""
        if self._rank_at != vocabulary.generation:
            self._rank_norm = vocabulary.rank_norm(self.words, self.counts)
            self._rank_at = vocabulary.generation
        return self._rank_norm
