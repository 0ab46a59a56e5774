"""The console's dealings with Python's cyclic garbage collector.

Opening a proposal allocates a few tens of thousands of objects (the diff's rows, the
screen's widgets, their rendered strips), and every few opens that sets off a collection of
the oldest generation, which walks every object the process holds: 60 to 180 ms on this
machine, longer than the rest of the open. The screen therefore holds the collector off from
composing until its diff is on the screen (`hold`/`release`, counted, as Textual's own
`App.PAUSE_GC_ON_SCROLL` does for a scroll), and what a closed screen leaves behind in
Textual's caches is let go (`release_render_caches`), so the collection that follows walks
less.
"""

from __future__ import annotations

import gc

try:  # private to Textual: a later Textual without it must not stop the console
    from textual._styles_cache import StylesCache
except ImportError:  # pragma: no cover - depends on the installed Textual
    StylesCache = None  # type: ignore[assignment,misc]

_holds = 0
_was_enabled = False


def hold() -> None:
    """Hold the collector off until the matching `release` (holds nest)."""
    global _holds, _was_enabled
    if _holds == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holds += 1


def release() -> None:
    """End one `hold`; the last one turns the collector back on if it was on before."""
    global _holds
    if _holds == 0:
        return
    _holds -= 1
    if _holds == 0 and _was_enabled:
        gc.enable()


def holding() -> bool:
    """True while some `hold` has not been released."""
    return _holds > 0


def release_render_caches() -> None:
    """Let go of the rendered lines of widgets that are gone.

    Textual keeps `StylesCache.get_inner_outer` in an `lru_cache` of 1,024 entries keyed by
    the instance (Textualize/textual#6665), and so each removed widget's styles cache, with
    every strip it rendered, stays alive until a thousand later renders push it out: about
    9,500 objects for every proposal opened and closed, all walked by each full collection.
    The cached values are two `Style`s per pair of colours, rebuilt on the next render."""
    cached = getattr(getattr(StylesCache, "get_inner_outer", None), "cache_clear", None)
    if cached is not None:
        cached()
