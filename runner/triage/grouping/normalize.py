"""What grouping reads of a frame, normalised per platform as Sentry's newstyle grouping does.

A file is its lower-cased base name; a frame served from a URL contributes no file. A module
loses the generated parts of Java class names. A function is trimmed per platform: native
signatures lose return types, arguments and template arguments; C# keeps the name as sent.
The rules of which part contributes live in `strategies`; this module only rewrites values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

JAVASCRIPT = frozenset({"javascript", "node"})
NATIVE = frozenset({"objc", "cocoa", "swift", "native", "c"})
"""Sentry's native family: these platforms' functions are trimmed, and native stack trace
rules apply to them (C++, Rust and Go SDKs send `native` or their own name)."""
CONTEXT_LINE_PLATFORMS = frozenset({"javascript", "node", "python", "php", "ruby"})
"""Platforms whose source line Sentry trusts enough to group on."""
USE_CONTEXT_LINES = True
"""Source lines count, as in Sentry. The cost, for a tool fed by several producers: the same
fault sent once with source lines (an SDK) and once without (a hand-written or pulled event)
gets two hashes, as Sentry would give it; False trades that fidelity for such links."""

_EXTENSIONS = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "javascript",
    ".java": "java",
    ".kt": "java",
    ".cs": "csharp",
    ".c": "native",
    ".cc": "native",
    ".cpp": "native",
}


def family(platform: str | None) -> str:
    """Sentry's behaviour family of a platform: `native`, `javascript` or `other`."""
    if platform in NATIVE:
        return "native"
    if platform in JAVASCRIPT:
        return "javascript"
    return "other"


def platform_of(frame_platform: str | None, event_platform: str | None, file: str | None) -> str:
    """A frame's platform: its own, else the event's; guessed from the file's extension only
    for producers that name none (Sentry's ingestion always sets one)."""
    if frame_platform:
        return frame_platform.lower()
    if event_platform:
        return event_platform.lower()
    if file:
        base = file.rsplit("/", 1)[-1].partition("?")[0]
        dot = base.rfind(".")
        if dot >= 0:
            return _EXTENSIONS.get(base[dot:].lower(), "other")
    return "other"


def has_url_origin(path: str | None, files_count_as_urls: bool) -> bool:
    """Served from a URL: `http:`, `https:`, `blob:` or `applewebdata:`; `file:` only when
    `files_count_as_urls` (Sentry drops a `file://` frame's file name as it drops a served
    one's, but keeps the source line of a nameless `file://` JavaScript frame)."""
    if not path:
        return False
    if path.startswith(("http:", "https:", "applewebdata:", "blob:")):
        return True
    return files_count_as_urls and path.startswith("file:")


@lru_cache(maxsize=32_768)
def url_path(filename: str) -> str:
    """A frame's only path, when it is a `file:`, `http(s):` or `applewebdata:` URL, as Sentry's
    ingestion makes it the file name: the URL's path, when there is one."""
    if not filename.startswith(("file:", "http:", "https:", "applewebdata:")):
        return filename
    try:
        path = urlsplit(filename).path
    except ValueError:
        return filename
    return path if path not in ("", "/") else filename


# Sentry's `PYTHON_MULTIPROCESSING_CALL_REGEX` (`stacktraces/processing.py`): the line
# CPython's multiprocessing runs in a spawned process, with its file descriptors in it.
_SPAWN_MAIN = re.compile(
    r"from multiprocessing\.spawn import spawn_main; spawn_main\("
    r"(tracker_fd|parent_pid)=\d+, pipe_handle=\d+\)"
)


def multiprocessing_line(context_line: str, file: str | None, function: str | None) -> str:
    """A Python `__main__` frame's source line as Sentry groups it: CPython's `spawn_main(
    tracker_fd=11, pipe_handle=21)` bootstrap with its numbers as `<int>` (done by
    `normalize_stacktraces_for_grouping` for `newstyle:2026-01-20`), any other line as it is.
    The caller checks the event's platform and the module."""
    if file == "<string>" and function == "<module>" and _SPAWN_MAIN.match(context_line):
        return re.sub(r"=\d+", "=<int>", context_line)
    return context_line


def strip_query(filename: str) -> str:
    """A browser JavaScript file name without its query string (a cache-buster): Sentry drops
    it before grouping, the fragment stays."""
    try:
        query = urlsplit(filename).query
    except ValueError:
        return filename
    return filename.replace(f"?{query}", "") if query else filename


_SEPARATORS = re.compile(r"[/\\]")
_JAVASSIST = re.compile(r"(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?")


@lru_cache(maxsize=32_768)
def filename(path: str, platform: str) -> str:
    """The lower-cased base name; Java's javassist class files folded."""
    base = _SEPARATORS.split(path)[-1].lower()
    if platform == "java":
        base = _JAVASSIST.sub(r"\1<auto>", base)
    return base


# Java classes generated at run time, each with the part that varies folded to `<auto>`:
# reflection accessors, Spring's CGLIB, javassist, Clojure functions, Guice enhancers and fast
# classes, Hibernate proxies.
_JAVA_GENERATED = (
    re.compile(r"(sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+"),
    re.compile(r"(\$\$[\w_]+?CGLIB\$\$)[a-fA-F0-9]+(_[0-9]+)?"),
    _JAVASSIST,
    re.compile(r"(\$fn__)\d+"),
    re.compile(r"(\$\$?EnhancerBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?"),
    re.compile(r"(\$\$?FastClassBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?"),
    re.compile(r"(\$\$?HibernateProxy\$?\$)\w+(_[0-9]+)?"),
)
_REFLECTION = (
    "sun.reflect.GeneratedMethodAccessor",
    "jdk.internal.reflect.GeneratedMethodAccessor",
)


@lru_cache(maxsize=32_768)
def java_module(name: str) -> str:
    """A Java module with its generated class names folded."""
    for prefix in _REFLECTION:
        if name.startswith(prefix):
            return prefix
    for pattern in _JAVA_GENERATED:
        name = pattern.sub(r"\1<auto>", name)
    return name


@lru_cache(maxsize=32_768)
def trim_function(name: str, platform: str) -> str:
    """The function name Sentry stores for grouping: C# without its argument list, native code
    reduced to the bare name; others as sent."""
    if platform == "csharp":
        return name.split(" (", 1)[0]
    if platform in NATIVE:
        from runner.triage.grouping.native import trim_native_function

        return trim_native_function(name, platform)
    return name


_RUBY_ERB = re.compile(r"__\d{4,}_\d{4,}$")


def ruby_function(name: str) -> str:
    """Ruby blocks are `block`; erb templates lose their generated suffix."""
    if name.startswith("block "):
        return "block"
    return _RUBY_ERB.sub("", name)
