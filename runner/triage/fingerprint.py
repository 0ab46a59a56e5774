"""The stack fingerprint: a grouping hash in the manner of Sentry's default grouping.

Inputs, in order of precedence (see shared/reference/sentry-protocol.md §5):
1. An explicit fingerprint wins; `{{ default }}` inside it mixes in the computed hash.
2. The exception chain: every exception's type plus its in-app frames' module (or file base
   name) and function. Line numbers never count, so edits that shift lines keep the issue.
   When no exception has an in-app frame, all frames are used (the "system" variant).
3. No usable frame: the exception type and its parameterised message.
4. No exception: the parameterised message. Feedback without an error has none.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import NamedTuple

from runner.triage.text import mask
from store.signal import ErrorDetail, Frame, Signal

DEFAULT_MARKER = "{{ default }}"
_GENERATED = re.compile(r"\$\$[A-Za-z]+\$\$[0-9a-f]+|\$[0-9]+|<lambda_?\d*>|lambda\$\d+")
_VERSION = re.compile(r"[-.@][0-9a-f]{7,}|[-.@]v?\d+(?:\.\d+)+")


class Fingerprint(NamedTuple):
    """A grouping hash and what it was computed from."""

    hash: str | None
    """Hex digest; None when the signal has nothing to group on."""
    basis: str
    """explicit, hybrid, stack, system-stack, exception, message or none."""


def _digest(parts: list[str]) -> str:
    return _md5("\x1f".join(parts))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8", "replace")).hexdigest()


def frame_file(frame: Frame) -> str | None:
    """The frame's file as grouping sees it: base name, lower case, versions stripped."""
    return _file_name(frame.file)


def _file_name(file: str | None) -> str | None:
    if not file:
        return None
    name = file.replace("\\", "/")
    if name.startswith(("http://", "https://", "blob:")) or name in {
        "<anonymous>",
        "[native code]",
    }:
        return None
    return _VERSION.sub("", name.rsplit("/", 1)[-1].lower())


def frame_function(frame: Frame) -> str | None:
    """The function name with generated-code markers folded, `Object.aha` → `aha`."""
    return _function_name(frame.function)


def _function_name(function: str | None) -> str | None:
    if not function:
        return None
    name = function.strip()
    if "$" in name or "<" in name:  # every generated-code marker holds one
        name = _GENERATED.sub("<auto>", name)
    return name.rsplit(".", 1)[-1] if "." in name and "<" not in name else name


def frame_place(frame: Frame) -> str | None:
    """The frame's module as a short name: `demo_app.reports` and `demo_app/reports.py` are
    both `reports`, so a test report's file paths meet an SDK's module names."""
    return _place(frame.module, frame.file)


def _place(module: str | None, file: str | None) -> str | None:
    if module:
        return module.rsplit(".", 1)[-1].lower()
    name = _file_name(file)
    return name.rsplit(".", 1)[0] if name and "." in name else name


def is_test_frame(frame: Frame) -> bool:
    """A frame of the test harness (a test function or file), not of the code under test."""
    return _frame_info(frame.file, frame.module, frame.function)[0]


def frame_key(frame: Frame) -> str | None:
    """`module:function` for one frame, None if it carries neither."""
    return _frame_info(frame.file, frame.module, frame.function)[1]


@lru_cache(maxsize=65_536)
def _frame_info(
    file: str | None, module: str | None, function: str | None
) -> tuple[bool, str | None]:
    """Whether a frame is a test frame, and its key. Cached: the same frames recur in every
    duplicate, and both are wanted of each frame."""
    return _is_test(file, module, function), _frame_key(module, file, function)


def _is_test(file: str | None, module: str | None, function: str | None) -> bool:
    path = (file or module or "").replace("\\", "/").replace(".", "/").lower()
    base = path.rsplit("/", 1)[-1]
    return (
        (function or "").startswith("test_")
        or base.startswith("test_")
        or ("/tests/" in f"/{path}")
    )


def _frame_key(module: str | None, file: str | None, function: str | None) -> str | None:
    where = _place(module, file)
    name = _function_name(function)
    if not where and not name:
        return None
    return f"{where or '?'}:{name or '?'}"


def _exceptions(error: ErrorDetail) -> list[ErrorDetail]:
    """The chain, root cause first, the raised exception last."""
    return [*error.chain, error]


def _stack_parts(error: ErrorDetail, in_app_only: bool) -> list[str]:
    parts: list[str] = []
    contributing = False
    for exc in _exceptions(error):
        parts.append(f"type={exc.type}")
        for frame in exc.frames:
            if in_app_only and not frame.in_app:
                continue
            test, key = _frame_info(frame.file, frame.module, frame.function)
            # Test frames differ between the test and production; the code under test does not.
            if key and not test:
                parts.append(key)
                contributing = True
    return parts if contributing else []


def default_parts(signal: Signal) -> tuple[list[str], str]:
    """The computed grouping components and their basis, ignoring any explicit fingerprint."""
    error = signal.error
    if error is not None:
        parts = _stack_parts(error, in_app_only=True)
        if parts:
            return parts, "stack"
        parts = _stack_parts(error, in_app_only=False)
        if parts:
            return parts, "system-stack"
        return [
            *(f"type={e.type}" for e in _exceptions(error)),
            f"message={mask(error.message)}",
        ], "exception"
    if signal.kind == "feedback":
        # A person's words are not a message template: equal words from two people (a widget's
        # "Dashboard" subject) say little, so feedback without an error has no fingerprint.
        return [], "none"
    words = mask(signal.text or signal.title)
    return ([f"message={words}"], "message") if words else ([], "none")


def fingerprint(signal: Signal) -> Fingerprint:
    """The signal's grouping hash. An explicit fingerprint wins; `{{ default }}` mixes in."""
    explicit = signal.fingerprint
    if explicit and explicit != [DEFAULT_MARKER]:
        if DEFAULT_MARKER in explicit:
            parts, _basis = default_parts(signal)
            mixed = [
                f"default={_digest(parts)}" if part == DEFAULT_MARKER else f"extra={part}"
                for part in explicit
            ]
            return Fingerprint(_digest(mixed), "hybrid")
        return Fingerprint(_digest([f"explicit={part}" for part in explicit]), "explicit")
    parts, basis = default_parts(signal)
    if not parts:
        return Fingerprint(None, basis)
    text = "\x1f".join(parts)
    if len(text) <= _CACHED_TEXT:
        return _cached_fingerprint(text, basis)
    return _hashed(text, basis)


def _hashed(text: str, basis: str) -> Fingerprint:
    return Fingerprint(_md5(text), basis)


# Duplicates share their stack, so its hash is worth keeping; only for short stacks, so hostile
# long frames cannot bloat the cache.
_CACHED_TEXT = 1024
_cached_fingerprint = lru_cache(maxsize=16_384)(_hashed)


def in_app_frames(signal: Signal) -> list[Frame]:
    """In-app frames of the raised exception and its causes, crashing frame first."""
    if signal.error is None:
        return []
    frames: list[Frame] = []
    for exc in reversed(_exceptions(signal.error)):
        frames.extend(f for f in reversed(exc.frames) if f.in_app)
    return frames


def top_frame(signal: Signal) -> str | None:
    """The crashing in-app frame of the raised exception, as `module:function`."""
    if signal.error is None:
        return None
    for frame in reversed(signal.error.frames):
        if frame.in_app:
            test, key = _frame_info(frame.file, frame.module, frame.function)
            if not test:
                return key
    return None
