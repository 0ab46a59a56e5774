"""Normalising what grouping reads of a frame and a message, per platform.

Follows Sentry's newstyle grouping: a file is its lower-cased base name (query and fragment
dropped), a frame served from a URL contributes no file at all, and function names lose what
a compiler or runtime generates (Java lambdas and proxies, .NET closures, C++ argument lists,
JavaScript's `Object.` prefix and anonymous functions). Messages are parameterised: numbers,
ids, hashes, dates, IPs, UUIDs, e-mails and URLs become placeholders.
"""

from __future__ import annotations

import re
from functools import lru_cache

JAVASCRIPT = frozenset({"javascript", "node"})
NATIVE = frozenset({"native", "c", "cpp", "objc", "swift", "cocoa", "rust", "go"})
JAVA = frozenset({"java", "kotlin", "scala", "groovy", "android"})
DOTNET = frozenset({"csharp", "dotnet", "fsharp"})

_EXTENSIONS = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "javascript",
    ".tsx": "javascript",
    ".jsx": "javascript",
    ".java": "java",
    ".kt": "java",
    ".cs": "csharp",
    ".c": "native",
    ".cc": "native",
    ".cpp": "native",
    ".h": "native",
    ".rs": "native",
}


def platform_of(frame_platform: str | None, event_platform: str | None, file: str | None) -> str:
    """A frame's platform: its own, else the event's, else guessed from the file's extension."""
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


def has_url_origin(path: str | None) -> bool:
    """Served from a URL (`http(s)://`, `blob:`, `webpack://` is not): `file://` is a file."""
    if not path:
        return False
    lowered = path.lower()
    return lowered.startswith(("http://", "https://", "blob:", "ftp://"))


_SEPARATORS = re.compile(r"[/\\]")


@lru_cache(maxsize=32_768)
def filename(path: str) -> str:
    """The lower-cased base name, without query string or fragment."""
    base = _SEPARATORS.split(path.partition("?")[0].partition("#")[0])[-1]
    return base.lower()


# Java and Kotlin generated classes: CGLIB and Guice enhancers, javassist, Hibernate proxies,
# lambdas, reflection accessors and dynamic proxies.
_JAVA_MODULE = (
    (
        re.compile(r"\$\$(EnhancerBy[A-Za-z]*|FastClassBy[A-Za-z]*|SpringCGLIB)\$\$[0-9a-fA-F]+"),
        r"$$\1$$<auto>",
    ),
    (re.compile(r"_\$\$_jvst[0-9a-f]+(_[0-9a-f]+)?"), "_$$_jvst<auto>"),
    (re.compile(r"\$HibernateProxy\$[A-Za-z0-9]+"), "$HibernateProxy$<auto>"),
    (re.compile(r"\$\$Lambda\$?[0-9]*(/0x[0-9a-fA-F]+|/[0-9]+)?(\$[0-9]+)?"), "$$Lambda$<auto>"),
    (
        re.compile(r"\bGenerated(Serialization)?(Method|Constructor)Accessor[0-9]+"),
        r"Generated\1\2Accessor<auto>",
    ),
    (re.compile(r"\$Proxy[0-9]+"), "$Proxy<auto>"),
    (re.compile(r"\bjdk\.proxy[0-9]+"), "jdk.proxy<auto>"),
)
_JAVA_FUNCTION = re.compile(r"^lambda\$(.*?)\$[0-9]+$")
# .NET closures and lambdas: `<Main>b__0_0`, `<>c__DisplayClass3_0`, `<Run>d__12`.
_DOTNET = re.compile(r"(b__|c__DisplayClass|d__|<>c__)[0-9_]+")
_NATIVE_CLONE = re.compile(r"\s*\[clone [^\]]*\]|\.(cold|part|isra|constprop)\.[0-9]+")
_JS_PREFIXES = ("async ", "new ", "Object.", "Module.")
_UNKNOWN = frozenset({"?", "<anonymous>", "anonymous", "<unknown>", "<anonymous function>"})


@lru_cache(maxsize=32_768)
def module(name: str, platform: str) -> str:
    """A module with generated parts folded (Java, .NET), a JavaScript module without its
    query string or fragment (a cache-buster, as Sentry's module names of URLs drop them);
    others are kept as they are."""
    if platform in JAVASCRIPT:
        return name.partition("?")[0].partition("#")[0]
    if platform in JAVA or "$" in name:
        for pattern, replacement in _JAVA_MODULE:
            name = pattern.sub(replacement, name)
    if platform in DOTNET:
        name = _DOTNET.sub(r"\1<auto>", name)
    return name


@lru_cache(maxsize=32_768)
def function(name: str, platform: str) -> str | None:
    """A function name as grouping compares it; None when it names nothing (anonymous)."""
    name = name.strip()
    if not name or name in _UNKNOWN:
        return None
    if platform in JAVASCRIPT:
        for prefix in _JS_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
        name = name.replace(" [as ", " ").split(" ")[0]
        if name in _UNKNOWN or not name:
            return None
    elif platform in JAVA or name.startswith("lambda$"):
        name = _JAVA_FUNCTION.sub(r"lambda$\1$<auto>", name)
        for pattern, replacement in _JAVA_MODULE:
            name = pattern.sub(replacement, name)
    elif platform in DOTNET:
        name = _DOTNET.sub(r"\1<auto>", name)
    elif platform in NATIVE:
        name = _native_function(name)
    if platform == "python" and name.startswith("<lambda"):
        name = "<lambda>"
    return name or None


def _native_function(name: str) -> str:
    """`void ns::Foo<int>::bar(int) const` → `ns::Foo<T>::bar`: no return type, no arguments,
    templates folded, compiler clones dropped."""
    name = _NATIVE_CLONE.sub("", name)
    depth = 0
    out: list[str] = []
    in_arguments = False
    for ch in name:  # fold template arguments; drop the argument list and what follows it
        if ch in "<(":
            if depth == 0:
                out.append("<T>" if ch == "<" else "")
                in_arguments = ch == "("
            depth += 1
        elif ch in ">)":
            depth = max(depth - 1, 0)
            if depth == 0 and in_arguments:
                break
        elif depth == 0:
            out.append(ch)
    text = "".join(out).strip()
    return text.rsplit(" ", 1)[-1] if " " in text else text


# Sentry's parameterisation of messages, most specific first.
_PARAMETERS = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("url", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)),
    (
        "ip",
        re.compile(
            r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b", re.I
        ),
    ),
    (
        "uuid",
        re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b", re.I),
    ),
    ("sha1", re.compile(r"\b[0-9a-f]{40}\b", re.I)),
    ("md5", re.compile(r"\b[0-9a-f]{32}\b", re.I)),
    (
        "date",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
            r"|\b\d{1,2}:\d{2}:\d{2}\b"
        ),
    ),
    (
        "duration",
        re.compile(
            r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|min|mins|minutes?"
            r"|h|hours?)\b",
            re.I,
        ),
    ),
    ("hex", re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I)),
    ("float", re.compile(r"(?<![\w.])-?\d+\.\d+(?![\w.])")),
    ("int", re.compile(r"(?<![\w.])-?\d+(?![\w.])")),
)


@lru_cache(maxsize=16_384)
def parameterize(message: str) -> str:
    """`Order 1234 failed for a@b.io` → `Order <int> failed for <email>`."""
    text = message.strip()
    for name, pattern in _PARAMETERS:
        text = pattern.sub(f"<{name}>", text)
    return text
