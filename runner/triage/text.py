"""Semantic similarity of text: masking what varies between duplicates, then rapidfuzz.

Two reports of one problem differ in the ids, numbers, e-mail addresses, query strings and line
numbers they carry, and in the words people choose. Masking removes the first kind of noise;
dropping filler words and folding word endings blunts the second, so "the dashboard crashed
when I clicked refresh" and "I tried to refresh the dashboard and it spun forever" share their
content words. The text is untrusted data: it is only compared, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz import fuzz, process

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HOST_OR_QUERY = re.compile(r"\b(?:https?|wss?)://[^\s/?#]+|\?[^\s#]*")
# Only words holding a digit are masked further, which is far cheaper than trying every
# pattern at every position of the text. Within a word, the first alternative that matches at
# a position wins, so UUIDs and hex ids are taken whole before their digits.
_DIGIT = re.compile(r"\d")
_NUMERIC = re.compile(
    r"(?P<uuid>[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b)"
    r"|(?P<hex>\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b)"
    r"|(?P<line>:\d+(?::\d+)?\b)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
)
_REPLACEMENT = {"uuid": "uuid", "hex": "hex", "line": "", "num": "num"}


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT[match.lastgroup or "num"]


_WORD = re.compile(r"[a-z]+")
_STOPWORD_TEXT = """
a an the and or but if then so to of in on at by for with from into onto as is are was were
be been being it its this that these those there here i me my we our you your he she they
them their his her when while after before again just not no yes do does did done have has
had can could would should will shall may might must am very too also some any all what
which who whom why how where up down out over under about than once only own same other such
each few more most both nor off until against between through during above below get got try
tried trying please hi hello thanks thank keep kept still now num hex uuid email line
"""
# The mask placeholders are filler too: every message has numbers, so they match nothing.
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Longest first, so "ing" is tried before "s".
_SUFFIXES = ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")


def mask(text: str) -> str:
    """Lower-case `text` with ids, numbers, e-mails, query strings and line numbers masked."""
    out = text[:4096].lower()
    if "@" in out:  # each pass runs only when its tell-tale character is present
        out = _EMAIL.sub(" email ", out)
    if "?" in out or "://" in out:
        out = _HOST_OR_QUERY.sub(" ", out)
    if _DIGIT.search(out) is None:
        return " ".join(out.split())
    words = out.split()
    search, sub = _DIGIT.search, _NUMERIC.sub
    return " ".join(sub(_replace, w) if search(w) else w for w in words)


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str | None:
    """A word's folded form, or None for a filler word (cached: words repeat across signals)."""
    if word in _STOPWORDS or len(word) < 2:
        return None
    if len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            # "clicked" → "click", "crashed" → "crash", "spinning" → "spin"
            if len(stem) > 3 and stem[-1] == stem[-2]:
                stem = stem[:-1]
            return stem
    # "invoice" and "invoices" (→ "invoic") should meet
    return word[:-1] if word.endswith("e") else word


def normalise(*parts: str | None) -> str:
    """The comparison form of some text: masked, filler words dropped, endings folded.

    Content words are kept once each, in first-seen order, so repeated words cannot inflate a
    score and the form stays short.
    """
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            words = _cached_words(part) if len(part) <= _CACHED_PART else _words(part)
            seen.update(dict.fromkeys(words))
    return " ".join(seen)


def _words(part: str) -> tuple[str, ...]:
    return tuple(
        stem for stem in (_stem(word) for word in _WORD.findall(mask(part))) if stem is not None
    )


# Intents, actions and many messages recur verbatim across duplicates; only short parts are
# cached, so hostile long texts cannot grow the cache past a few megabytes.
_CACHED_PART = 256
_cached_words = lru_cache(maxsize=32_768)(_words)


def similarity(a: str, b: str) -> float:
    """Similarity of two normalised texts, 0 to 1 (token set ratio: order-free, overlap-led)."""
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(a, b) / 100.0


def best_matches(
    query: str, choices: Mapping[int, str], cutoff: float, limit: int = 5
) -> list[tuple[int, float]]:
    """The choices (keyed by id) scoring at least `cutoff` against `query`, best first.

    Only the candidates handed in are compared: blocking happens before this call.
    """
    if not query or not choices:
        return []
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_set_ratio,
        score_cutoff=cutoff * 100.0,
        limit=limit,
    )
    return [(int(key), score / 100.0) for _choice, score, key in found]
