"""Native function names reduced to what groups, as Sentry's ingestion trims them.

`unsigned int ns::Foo<int>::bar(char const*) const` → `ns::Foo<T>::bar`: no return type, no
argument list, no `const`/`&` trailer, template arguments past the first name become `<T>`,
compiler-specific lambda names (`{lambda()#1}`, `lambda_<hash>`, `$_0`) become `lambda`, Rust
hashes (`::h0123456789abcdef`), glibc symbol versions (`memcpy@@GLIBC_2.14`), GCC's
`[clone .cold]` marks and Windows decoration (`_foo@12`) go; Swift names are read left of the
last return arrow, closures and thunks named so. Objective-C selectors (`-[Foo bar:]`) are
kept as sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WINDOWS_DECORATION = re.compile(r"^@?(.*?)@[0-9]+$")
_RUST_HASH = re.compile(r"::h[a-z0-9]{16}$")
_GLIBC_VERSION = re.compile(r"@@?GLIBC_([0-9.]+)$")
_TRAILER = re.compile(r"(\bconst\b|&)$")
_RUST_BLANKET = re.compile(r"^([A-Z] as )")
_LAMBDA = re.compile(r"\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b")
_MSVC_ANONYMOUS = re.compile(r"\?A0x[a-f0-9]{8}::")
_ANONYMOUS = "\u3014anonymousnamespace\u3015"  # a bracket no signature holds
_OPEN = {"(": ")", "{": "}", "[": "]", "<": ">"}
# Stand-ins for sequences that would upset the bracket balancing, and back.
_PROTECT = (
    ("operator<<", "operator⟨⟨"),
    ("operator<", "operator⟨"),
    ("operator()", "operator◯"),
    ("operator->", "operator⟿"),
    (" -> ", " ⟿ "),
    ("`anonymous namespace'", _ANONYMOUS),
)
_RESTORE = (("⟨", "<"), ("◯", "()"), ("⟿", "->"), (_ANONYMOUS, "`anonymous namespace'"))


def _replace_enclosed(text: str, start: str, end: str, replace: Callable[[str, int], str]) -> str:
    """Each outermost `start…end` span replaced by `replace(inside, position)`."""
    if start not in text:
        return text
    depth = 0
    out: list[str] = []
    opened = 0
    for index, char in enumerate(text):
        if char == start:
            if depth == 0:
                opened = index
            depth += 1
        elif char == end:
            depth -= 1
            if depth == 0:
                out.append(replace(text[opened + 1 : index], opened))
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, a bracketed span never split."""
    tokens: list[str] = []
    current: list[str] = []
    closing: list[str] = []
    end = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            closing.append(_OPEN[char])
        elif closing and char == closing[-1]:
            closing.pop()
            if not closing:
                current.append(text[end : index + 1])
                end = index + 1
        elif not closing:
            if char.isspace():
                if current:
                    tokens.append("".join(current))
                current = []
            else:
                current.append(text[end : index + 1])
            end = index + 1
    if current:
        tokens.append("".join(current))
    return tokens


def _arguments(inside: str, _: int) -> str:
    inside = inside.strip()
    return f"({inside})" if inside in ("anonymous namespace", "operator") else ""


def _generics(inside: str, position: int) -> str:
    if inside == "lambda" or _LAMBDA.match(inside):
        return f"<{inside}>"
    if position > 0:
        return "<T>"
    # `<Foo as Bar>::baz` (Rust traits): the type, or the trait of a blanket impl.
    inside = _RUST_BLANKET.sub("", inside)
    inside = _replace_enclosed(inside, "<", ">", _generics)
    return inside.split(" as ", 1)[0]


def _brackets(inside: str, _: int) -> str:
    # `[clone .cold.1]` and the like (GCC's split and cloned functions) say nothing.
    return "" if inside.startswith("clone .") else f"[{inside}]"


def _name_token(tokens: list[str], function: str, platform: str) -> str | None:
    """The token that names the function: after a Swift `initialization expression of`, left
    of the last return arrow (skipping `throws`), else the last one."""
    if "initialization expression of" in function and "of" in tokens:
        last_of = len(tokens) - 1 - tokens[::-1].index("of")
        rest = tokens[last_of + 1 :]
        if rest and rest[0] == "static":
            rest = rest[1:]
        if not rest:
            return None
        name = "initializer expression of " + rest[0].removeprefix(":")
    elif not tokens:
        return None
    else:
        name = _named_before_arrow(tokens)
    if name.startswith("@") and platform in ("cocoa", "swift"):
        # A Swift attribute where the name should be: an anonymous function.
        return ("thunk for " if "thunk for " in function else "") + "closure"
    if "closure" in tokens and name != "closure":
        # Sentry's `trim_native_function_name` marks a closure whatever named it, a Swift
        # initializer expression too.
        return "closure in " + name
    return name


def _named_before_arrow(tokens: list[str]) -> str:
    """Left of the last return arrow (skipping `throws`), else the last token."""
    name = tokens[-1]
    if "⟿" in tokens:
        arrow = len(tokens) - 1 - tokens[::-1].index("⟿")
        before = tokens[:arrow]
        if before and before[-1] == "throws":
            before = before[:-1]
        if before:
            name = before[-1]
    return name


def trim_native_function(function: str, platform: str = "native") -> str:
    """The grouping name of a native function (see the module docstring)."""
    if function in ("<redacted>", "<unknown>"):
        return function
    original = function
    function = function.strip()
    if function.startswith(("[", "+[", "-[")):
        return function
    function = _replace_enclosed(function, "[", "]", _brackets).rstrip()
    while (match := _TRAILER.search(function)) is not None:
        function = function[: match.start()].rstrip()
    for old, new in _PROTECT:
        function = function.replace(old, new)
    function = _LAMBDA.sub("lambda", function)
    function = _MSVC_ANONYMOUS.sub(f"{_ANONYMOUS}::", function)
    function = _replace_enclosed(function, "(", ")", _arguments)
    function = _replace_enclosed(function, "<", ">", _generics)
    tokens = _tokens(function)
    if len(tokens) > 1 and tokens[-1] == "<T>":  # MSVC: `operator< <T>`
        tokens.pop()
        tokens[-1] += " <T>"
    name = _name_token(tokens, function, platform)
    if name:
        for old, new in _RESTORE:
            name = name.replace(old, new)
        function = name
    else:
        function = original
    function = _RUST_HASH.sub("", function)
    function = _GLIBC_VERSION.sub("", function)
    return _WINDOWS_DECORATION.sub(r"\1", function)
