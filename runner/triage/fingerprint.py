"""The stack fingerprint, and how triage names frames when it compares them.

The fingerprint is the hash of Sentry-style grouping (`runner.triage.grouping`): checksum,
custom or hybrid fingerprint, built-in rules, the in-app stack, the full stack, the exception
type and value, the parameterised message, in that precedence. The frame helpers here give
the short `module:function` names structure and feedback comparisons use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from runner.triage.grouping.variants import fast_hash, has_source_lines, loose_hash
from store.signal import ErrorDetail, Frame, Signal

_GENERATED = re.compile(r"\$\$[A-Za-z]+\$\$[0-9a-f]+|\$[0-9]+|<lambda_?\d*>|lambda\$\d+")
_VERSION = re.compile(r"[-.@][0-9a-f]{7,}|[-.@]v?\d+(?:\.\d+)+")


class Fingerprint(NamedTuple):
    """A grouping hash and what it was computed from."""

    hash: str | None
    """Hex digest; None when the signal has nothing to group on."""
    basis: str
    """explicit, hybrid, stack, system-stack, exception, message or none."""
    loose: str | None = None
    """The hash without source lines, when source lines counted in `hash` (None otherwise):
    how a stack from a producer that sends them meets the same stack from one that does not."""
    system: str | None = None
    """The hash of every frame when the in-app stack made `hash` (and it differs): Sentry's
    second hash of the event, which a group having either takes it by."""

    def same(self) -> tuple[str, ...]:
        """The hashes Sentry would group this signal by: an issue filed under any of them is
        the same problem to Sentry."""
        if not self.hash:
            return ()
        return (self.hash, self.system) if self.system else (self.hash,)

    def filed_under(self) -> tuple[str, ...]:
        """What an issue that saw this fingerprint is filed under."""
        return self.same() + ((LOOSE + self.loose,) if self.hash and self.loose else ())

    def agreeing(self) -> tuple[str, ...]:
        """The keys of issues whose fingerprint agrees with this one: the same hashes; and the
        same stack without source lines, when one of the two has none to compare (an
        Overnight-native record or a test report meeting an SDK's event). Two that both have
        source lines and differ in them are apart, as Sentry keeps them."""
        if not self.hash:
            return ()
        return self.same() + ((self.loose,) if self.loose else (LOOSE + self.hash,))


LOOSE = "~"
"""Marks a hash without source lines among an issue's fingerprints."""


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


def fingerprint(signal: Signal) -> Fingerprint:
    """The signal's grouping hash, computed by `runner.triage.grouping` (Sentry's variants in
    precedence; the hash carries the grouping version), and its hash without source lines
    when it has some."""
    digest, basis, system = fast_hash(signal)
    loose = loose_hash(signal) if digest and has_source_lines(signal) else None
    return Fingerprint(digest, basis, loose if loose != digest else None, system)


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
