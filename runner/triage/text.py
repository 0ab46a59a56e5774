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
from itertools import chain

from rapidfuzz import fuzz, process

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HOST_OR_QUERY = re.compile(r"\b(?:https?|wss?)://[^\s/?#]+|\?[^\s#]*")
# Within a token, the first alternative that matches at a position wins, so UUIDs and hex ids
# are taken whole before their digits. Each alternative starts with a hex digit, a colon or a
# digit; the lookahead says so once, so other positions fail before trying all four.
_DIGIT = re.compile(r"\d")
_NUMERIC = re.compile(
    r"(?=[0-9a-f:]|\d)"
    r"(?:(?P<uuid>[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b)"
    r"|(?P<hex>\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b)"
    r"|(?P<line>:\d+(?::\d+)?\b)"
    r"|(?P<num>\d+(?:[.,]\d+)*))"
)
_REPLACEMENT = {"uuid": "uuid", "hex": "hex", "line": "", "num": "num"}
_HEX_DIGITS = "0123456789abcdef"


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT[match.lastgroup or "num"]


# Letters of any script ("stürzt", "вставляет"), and runs of Chinese, Japanese or Korean,
# written without spaces, as their pairs of characters, as search engines index them.
_WORD = re.compile(r"[^\W\d_]+")
_CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_LETTERS}]")
_CJK_RUN = re.compile(f"[{_CJK_LETTERS}]+|[^{_CJK_LETTERS}]+")
_STOPWORD_TEXT = """
a an the and or but if then so to of in on at by for with from into onto as is are was were
be been being it its this that these those there here i me my we our you your he she they
them their his her when while after before again just not no yes do does did done have has
had can could would should will shall may might must am very too also some any all what
which who whom why how where up down out over under about than once only own same other such
each few more most both nor off until against between through during above below get got try
tried trying please hi hello thanks thank keep kept still now num hex uuid email line
"""
# The same filler in the languages reports most often come in besides English: two reports
# in one language share these, whatever their problem. Words that are content in English
# ("die", "also", "os", "plus") are left out.
_STOPWORD_TEXT_ELSEWHERE = """
der den dem des das ein eine einen einem einer ist sind war wird wurde werden bei mit von zu
zum zur auf aus nach nicht kein keine ich wir sie es er und oder aber wenn dann auch noch nur
schon sehr mehr wie was wo wieder seit immer habe hat haben kann können muss mein meine
el la los las un una unos unas es son está están fue ser de del en por para con sin que y o
pero si cuando como muy más ya yo mi mis se lo le les al desde hay tengo tiene sigue
le les un une des du est sont était être avec pour dans sur par pas ne que qui et ou mais
quand comme très je nous vous il elle ils mon ma mes ce cette ces y
o um uma é são está estão foi com sem em por para que e ou mas quando como muito mais eu
meu minha não
il lo gli una è sono era con senza di da in per che e o ma quando molto più io mio mia non
"""
_RUSSIAN_FILLER = (
    "и в во не на что я с со как это но а по к у из за от то же так мне меня уже ли бы"  # noqa: RUF001
)
# The mask placeholders are filler too: every message has numbers, so they match nothing.
_STOPWORDS = frozenset((_STOPWORD_TEXT + _STOPWORD_TEXT_ELSEWHERE + _RUSSIAN_FILLER).split())
# Longest first, so "ing" is tried before "s".
_SUFFIXES = ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")


def mask(text: str) -> str:
    """Lower-case `text` with ids, numbers, e-mails, query strings and line numbers masked."""
    return " ".join([_mask_token(token) for token in _tokens(text)])


def _tokens(text: str) -> list[str]:
    """The lower-case, whitespace-separated tokens of `text`, e-mails and URLs masked.

    The numeric patterns never match across whitespace, so the rest of masking can work on one
    token at a time, and a token's result can be cached: most tokens recur across signals.
    """
    out = text[:4096].lower()
    if "@" in out:  # each pass runs only when its tell-tale character is present
        out = _EMAIL.sub(" email ", out)
    if "?" in out or "://" in out:
        out = _HOST_OR_QUERY.sub(" ", out)
    return out.split()


def _mask_token(token: str) -> str:
    # Only tokens holding a digit are masked further, which is far cheaper than trying every
    # pattern at every position of the text.
    return _NUMERIC.sub(_replace, token) if _DIGIT.search(token) else token


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


def normalise(*parts: str | None, repeats: bool = False) -> str:
    """The comparison form of some text: masked, filler words dropped, endings folded.

    Content words are kept once each, in first-seen order, so repeated words cannot inflate a
    score and the form stays short; with `repeats`, every occurrence is kept, for a person's
    words, where how often a word comes back says what the report is about.
    """
    words: list[str] = []
    for part in parts:
        if part:
            words += _cached_words(part) if len(part) <= _CACHED_PART else _words(part)
    return " ".join(words if repeats else dict.fromkeys(words))


def _words(part: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(map(_TOKEN_WORDS.__getitem__, _tokens(part))))


def _token_words(token: str) -> tuple[str, ...]:
    """The folded content words of one token (`figaler_0` → `figal`): masking and word
    extraction never cross whitespace, so a text's words are its tokens' words in order."""
    # A stem is never empty, so `filter` drops exactly the filler words (None).
    words = _WORD.findall(_mask_token(token))
    if not token.isascii() and _CJK.search(token):
        words = [pair for word in words for pair in _cjk_pairs(word)]
    return tuple(filter(None, map(_stem, words)))


def _cjk_pairs(word: str) -> list[str]:
    """A word's CJK runs as overlapping character pairs (a lone character kept), other
    letters as they are."""
    out: list[str] = []
    for run in _CJK_RUN.findall(word):
        if _CJK.match(run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def _is_id(token: str) -> bool:
    """A hex id or a long number (`9052add2e063`), which masking turns whole into filler.

    Seven or more hex digits, at least one a digit: masked as a hex id, a number or a UUID.
    """
    return len(token) >= 7 and not token.strip(_HEX_DIGITS) and not token.isalpha()


class _TokenWords(dict[str, tuple[str, ...]]):
    """The words of each token, computed on first use and kept.

    A message that differs from its duplicates in an id still shares its other tokens with
    them. A dict is looked up without leaving C, which matters at a dozen tokens a message;
    it is bounded by being emptied when full, and never keeps a long token, nor an id that
    makes a message unique, which would only crowd it.
    """

    def __missing__(self, token: str) -> tuple[str, ...]:
        # A number is masked whole into filler too; each is new, so it is never kept either.
        if token.isdecimal() or _is_id(token):
            return ()
        words = _token_words(token)
        if len(token) <= _CACHED_TOKEN:
            if len(self) >= _MAX_TOKENS:
                self.clear()
            self[token] = words
        return words


_CACHED_TOKEN = 64
_MAX_TOKENS = 65_536
_TOKEN_WORDS = _TokenWords()

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
