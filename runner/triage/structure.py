"""Structural similarity of envelopes: where it happened, what was raised, in which code.

Each feature is compared only when both sides have it, and the score is the weighted share
that agrees. The weights make the location, the error type and the top in-app frame decide:
with all three known, any one of them differing keeps the score under the default threshold
(0.8), so two different faults on one route, or one helper failing on two routes, never look
alike on structure alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from runner.triage.fingerprint import top_frame
from store.signal import Signal

# (name, weight), in the order of `Structure`'s fields
WEIGHTS: dict[str, float] = {
    "location": 0.30,
    "error_type": 0.25,
    "top_frame": 0.30,
    "kind": 0.05,
    "flags": 0.05,
    "release": 0.05,
}
_ERROR_FEATURES = frozenset({"error_type", "top_frame"})
# Below this much comparable evidence the score is not normalised: kind alone proves nothing.
MIN_EVIDENCE = 0.30

# Path segments that are ids: numbers, UUIDs, hex digests, and long mixed letter-digit tokens.
# Short slugs with a digit ("v2", "q3-report", "team7") stay: they name a place, not a record.
_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"
    r"|(?=[0-9a-f]*\d)[0-9a-f]{8,}|(?=[0-9a-z]*\d)(?=[0-9a-z]*[a-z])[0-9a-z_-]{12,})$",
    re.I,
)


class Structure(NamedTuple):
    """The structural features of a signal or of an issue's founding signal.

    A tuple: it is compared with every candidate issue and hashed into every identity key.
    """

    location: str | None
    error_type: str | None
    top_frame: str | None
    kind: str
    flags: str | None
    release: str | None


def normalise_route(route: str | None) -> str | None:
    """`https://x/api/orders/123?x=1` → `/api/orders/:id`: path only, ids folded, lower case."""
    if not route:
        return None
    # Most routes recur whole (a page, an endpoint): one look-up instead of a split, a fold
    # of each segment and a join. Those that carry ids miss, and are folded segment by segment.
    if len(route) <= _CACHED_PATH:
        return _cached_route(route)
    return _normalise_route(route)


def _normalise_route(route: str) -> str | None:
    text = route.strip()
    if "://" in text:
        text = urlsplit(text).path or "/"
    return _normalise_path(text.partition("?")[0].partition("#")[0])


def _normalise_path(text: str) -> str | None:
    # Digits alone are the commonest id, and each number is new: they are told apart without
    # the cache, which keeps it for the segments that recur (`isdecimal` is what `\d+` takes).
    fold = _cached_fold if len(text) <= _CACHED_PATH else _fold
    segments = [":id" if s.isdecimal() else fold(s) for s in text.split("/") if s]
    if not segments and not text.startswith("/"):
        return None
    return "/" + "/".join(segments)


def _fold(segment: str) -> str:
    """`:id` for a segment that is an id, else the segment in lower case."""
    return ":id" if _ID_SEGMENT.match(segment) else segment.lower()


# Routes differ in their ids, so segments are cached rather than whole paths; only those of
# short paths, so hostile long routes cannot bloat the cache.
_CACHED_PATH = 256
_cached_fold = lru_cache(maxsize=16_384)(_fold)
_cached_route = lru_cache(maxsize=4_096)(_normalise_route)


def flags_key(flags: dict[str, object]) -> str | None:
    """A canonical form of the feature flags; None when there are none."""
    if not flags:
        return None
    if len(flags) == 1:  # the common case, without sorting and joining
        ((name, value),) = flags.items()
        return f"{name}={value!r}"[:512]
    return ",".join([f"{k}={flags[k]!r}" for k in sorted(flags)])[:512]


_DATA_SET = re.compile(r" with data set (?:#\d+|\".*\")$", re.S)


def test_function(test_id: str) -> str:
    """A test id without its parameters: `t.py::test_size[args71-1.0 GB]` → `t.py::test_size`
    (pytest, JUnit), `testSize with data set #2` → `testSize` (PHPUnit). Parametrised cases of
    one test are one place."""
    if test_id.endswith("]") and "[" in test_id:
        return test_id[: test_id.index("[")]
    if " with data set " in test_id:
        return _DATA_SET.sub("", test_id)
    return test_id


def structure(signal: Signal) -> Structure:
    """The structural features of one signal. Regressions are located by their test id."""
    location = normalise_route(signal.route)
    if location is None and signal.test_id:
        location = "test:" + test_function(signal.test_id)
    # Positional, in the order of the fields, through `_make`: ingest builds one a signal.
    return Structure._make(
        (
            location,
            # A value-only exception has no type: unknown, not the displayed "Error".
            (signal.error.type or None) if signal.error else None,  # error_type
            top_frame(signal),
            signal.kind,
            flags_key(signal.flags),  # flags
            signal.release,
        )
    )


# Each field of `Structure`, in order: its weight, whether an error lacking it differs from
# one that has it, and whether it is the location.
_FEATURES = tuple(
    (WEIGHTS[name], name in _ERROR_FEATURES, name == "location") for name in Structure._fields
)


def agreement(a: Structure, b: Structure) -> float:
    """The summed weight of the features both sides know and share: more shared evidence,
    where `score` (a share) calls two fits equal."""
    return sum(
        weight
        for (weight, _e, _l), x, y in zip(_FEATURES, a, b, strict=True)
        if x is not None and x == y
    )


def score(a: Structure, b: Structure) -> float:
    """Weighted share of the features known on both sides that agree, 0 to 1."""
    compared = agreed = 0.0
    feedback = a.kind == "feedback" or b.kind == "feedback"
    for (weight, error_feature, location), x, y in zip(_FEATURES, a, b, strict=True):
        if x is None or y is None:
            # Feedback never has an error type or frames; errors lacking one that the other
            # has do differ. Other features may simply be unreported.
            if x is y or feedback or not error_feature:
                continue
        elif location and x.startswith("test:") != y.startswith("test:"):
            continue  # a test id and a route are not comparable places
        compared += weight
        if x == y:
            agreed += weight
    if compared < MIN_EVIDENCE:
        return agreed
    return agreed / compared
