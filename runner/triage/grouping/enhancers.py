"""Stack trace rules, as Sentry applies its built-in ones before grouping.

A rule is matchers and actions in Sentry's documented syntax (`family:native
function:__cxa_throw ^-group -group`): matchers on a frame's `family`, `path` (its absolute
path or file), `filename`, `package`, `module`, `function`, `category` and `app`, optionally
on the frame before it (`[ … ] |`, its caller) or after it (`| [ … ]`, its callee); actions
set `in_app` (`+app`, `-app`), whether the frame groups (`+group`, `-group`), each optionally
for the frames after (`^`, toward the crash) or before (`v`) the match instead of the frame
itself, or a `category=` that later rules match on.

Rules run in two passes, as Sentry's: the classifying actions (in-app, category) of every rule
first, rule by rule (each matched against every frame before its actions apply), then the
grouping actions on what the first pass made.
The rules themselves are in `rules.py`.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache
from typing import NamedTuple

from runner.triage.grouping.rules import BUILT_IN_RULES

_FIELDS = {
    "family": "family",
    "path": "path",
    "stack.abs_path": "path",
    "package": "package",
    "stack.package": "package",
    "module": "module",
    "stack.module": "module",
    "function": "function",
    "stack.function": "function",
    "filename": "filename",
    "stack.filename": "filename",
    "category": "category",
    "app": "app",
}
_INDEX = {
    "family": 0,
    "function": 1,
    "module": 2,
    "package": 3,
    "path": 4,
    "app": 5,
    "filename": 6,
    "category": 7,  # not a frame field: categories are kept apart, as rules give them
}
_PATH_LIKE = frozenset({"path", "package", "filename"})
"""Matched case-insensitively, `\\` read as `/`, `*` not crossing a `/` (`**` does)."""


class MatchFrame(NamedTuple):
    """What the rules read of a frame: values lower-cased and `/`-separated for paths."""

    family: str
    function: str
    module: str | None
    package: str | None
    path: str | None
    in_app: bool
    filename: str | None = None
    """The file name as sent (`stack.filename`), apart from the path (`abs_path` first)."""


# `globset`'s recursive tokens: `**/` first, `/**` last, `/**/` inside.
_RECURSIVE_PREFIX, _RECURSIVE_SUFFIX, _RECURSIVE_MIDDLE = "(?:/?|.*/)", "/.*", "(?:/|/.*/)"


class _BadGlob(Exception):
    """A glob `globset` refuses to build (an alternate group unclosed or nested, a dangling
    escape): `sentry-ophio` makes its matcher a `Noop`, which matches no frame."""


def _alternates(alternatives: list[list[str]]) -> str:
    """globset's `Token::Alternates`: `(?:a|b)`, an empty alternative left out (its
    `empty_alternates` is off), nothing at all when every one is empty."""
    parts = ["".join(a) for a in alternatives if "".join(a)]
    return f"(?:{'|'.join(parts)})" if parts else ""


def _glob(pattern: str, path_like: bool) -> re.Pattern[str] | None:
    """A glob as Sentry's rules read it: `sentry-ophio` builds each with the `globset` crate
    (0.4.14, `translate_pattern`), separators literal for paths and packages. `*` is any run
    (not crossing a `/` in a path), `?` one character, `[…]` a class, `{a,b}` either
    alternative, `\\x` a literal x outside paths (a path's `\\` is a `/`); `**` is recursive
    only as a whole path component (`**/x`, `x/**`, `x/**/y`, an alternative's start and end
    counting as the pattern's), elsewhere it is two `*`. None for a glob globset refuses."""
    if path_like:
        pattern = pattern.replace("\\", "/")
    try:
        return re.compile(_glob_regex(pattern, path_like))
    except (_BadGlob, re.error):
        return None


def _glob_regex(pattern: str, path_like: bool) -> str:
    """The regex of a glob, as globset's `Parser::parse` and `Tokens::to_regex_with` make it:
    `stack` holds the pattern's tokens, then one list per alternative of an open group."""
    star, one = ("[^/]*", "[^/]") if path_like else (".*", ".")
    stack: list[list[str]] = [[]]
    prev: str | None = None  # the character before the one being read, as globset keeps it
    i = 0
    while i < len(pattern):
        tokens, char = stack[-1], pattern[i]
        if char == "\\":
            if i + 1 == len(pattern):
                raise _BadGlob("dangling escape")
            tokens.append(re.escape(pattern[i + 1]))
            prev, i = pattern[i + 1], i + 2
            continue
        if char == "*" and pattern.startswith("**", i):
            prev, i = _double_star(pattern, i, stack, prev, star)
            continue
        if char == "*":
            tokens.append(star)
        elif char == "?":
            tokens.append(one)
        elif char == "[":
            end = _class_end(pattern, i)
            if end < 0:
                raise _BadGlob("unclosed class")
            inner = pattern[i + 1 : end]
            if inner.startswith(("!", "^")):
                inner = "^" + inner[1:]
            tokens.append("[" + inner.replace("\\", "\\\\").replace("[", "\\[") + "]")
            prev, i = "]", end + 1
            continue
        elif char == "{":
            if len(stack) > 1:
                raise _BadGlob("nested alternates")
            stack.append([])
        elif char == "}":
            # Closes the open group; with none open, an empty group that matches nothing.
            alternatives = stack[1:]
            del stack[1:]
            stack[0].append(_alternates(alternatives))
        elif char == "," and len(stack) > 1:
            stack.append([])
        else:
            tokens.append(re.escape(char))
        prev, i = char, i + 1
    if len(stack) > 1:
        raise _BadGlob("unclosed alternates")
    tokens = stack[0]
    body = ".*" if tokens == [_RECURSIVE_PREFIX] else "".join(tokens)
    return body + r"\Z"


def _class_end(pattern: str, start: int) -> int:
    """Where the class opened at `start` ends (-1: never): a `]` right after the opening
    (and its `!` or `^`) is a member, not the end."""
    negated = pattern.startswith(("[!", "[^"), start)
    return pattern.find("]", start + 2 + negated)


def _double_star(
    pattern: str, i: int, stack: list[list[str]], prev: str | None, star: str
) -> tuple[str | None, int]:
    """globset's `parse_star` for a `**` at `i`: its tokens added to the innermost list;
    returns the character read last and where reading goes on."""
    tokens = stack[-1]
    after = pattern[i + 2] if i + 2 < len(pattern) else None
    if not tokens:
        if after in (None, "/"):
            tokens.append(_RECURSIVE_PREFIX)
            return after, i + (2 if after is None else 3)
        tokens += [star, star]
        return "*", i + 2
    # Past the pattern's (or an alternative's) end, the `**` is a recursive suffix.
    suffix = after is None or (after in (",", "}") and len(stack) > 1)
    if prev != "/" or not (suffix or after == "/"):
        tokens += [star, star]
        return "*", i + 2
    last = tokens.pop()  # the `/` before, or a recursive token holding it
    if last in (_RECURSIVE_PREFIX, _RECURSIVE_SUFFIX):
        tokens.append(last)
    else:
        tokens.append(_RECURSIVE_SUFFIX if suffix else _RECURSIVE_MIDDLE)
    return (after, i + 3) if after == "/" else ("*", i + 2)


class _Matcher(NamedTuple):
    field: str
    negated: bool
    pattern: re.Pattern[str] | None
    values: frozenset[str]  # family names; or {"1"}/{"0"} for app ({} matches no frame)
    needle: str = ""  # a literal part of the pattern any match contains: a cheap first test

    def matches(self, frame: MatchFrame, category: str | None) -> bool:
        return self._positive(frame, category) != self.negated

    def _positive(self, frame: MatchFrame, category: str | None) -> bool:
        if self.field == "family":
            return "all" in self.values or frame.family in self.values
        if self.field == "app":
            return ("1" if frame.in_app else "0") in self.values
        value = category if self.field == "category" else frame[_INDEX[self.field]]
        if not isinstance(value, str) or self.pattern is None:
            return False
        if self.needle and self.needle not in value and self.needle not in "/" + value:
            return False
        if self.pattern.match(value):
            return True
        return (
            self.field in _PATH_LIKE
            and not value.startswith("/")
            and bool(self.pattern.match("/" + value))
        )


def _app_values(pattern: str) -> frozenset[str]:
    """The in-app mark an `app:` matcher asks for, as Sentry encodes it for `sentry-ophio`
    (`FrameMatch._to_config_structure`: `bool_from_string`, then "1", "0" or ""): a value it
    cannot read (`app:maybe`) becomes ophio's `Noop`, which matches no frame (negated, every
    frame), not a frame out of the app."""
    truth = pattern.lower()
    if truth in ("1", "yes", "true"):
        return frozenset({"1"})
    if truth in ("0", "no", "false"):
        return frozenset({"0"})
    return frozenset()


def _matcher(token: str) -> _Matcher:
    negated = token.startswith("!")
    key, _, pattern = token.lstrip("!").partition(":")
    field = _FIELDS[key]
    if field == "family":
        return _Matcher(field, negated, None, frozenset(pattern.split(",")))
    if field == "app":
        return _Matcher(field, negated, None, _app_values(pattern))
    path_like = field in _PATH_LIKE
    pattern = pattern.lower() if path_like else pattern
    return _Matcher(
        field,
        negated,
        _glob(pattern, path_like),
        frozenset(),
        # A leading `**/` matches nothing before its `/` too: the needle leaves the `/` out.
        max(_literal_runs(pattern, path_like), key=len, default="").lstrip("/"),
    )


def _literal_runs(pattern: str, path_like: bool) -> list[str]:
    """The glob's literal runs outside any class or alternate group (escapes read): every
    value the glob matches holds each of them."""
    runs, run, i = [], "", 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and not path_like and i + 1 < len(pattern):
            run, i = run + pattern[i + 1], i + 2
            continue
        if char in "*?[{},":
            runs.append(run)
            run = ""
            if char == "[":  # past the class
                i = max(_class_end(pattern, i), i)
            elif char == "{":  # past the group (globset nests none)
                i = max(pattern.find("}", i), i)
        else:
            run += "/" if char == "\\" else char
        i += 1
    return [*runs, run]


class Action(NamedTuple):
    kind: str  # "app", "group" or "category"
    value: bool | str
    reach: str  # "" the frame, "^" the frames after it, "v" the frames before


class Rule(NamedTuple):
    text: str
    matchers: tuple[_Matcher, ...]
    caller: _Matcher | None
    callee: _Matcher | None
    actions: tuple[Action, ...]
    families: frozenset[str] | None
    needs: frozenset[str] = frozenset()
    """Categories the rule's matchers require (of the frame or a neighbour): it cannot match
    in a stack where no rule gives them."""

    def matches(self, frames: list[MatchFrame], categories: list[str | None], i: int) -> bool:
        """The rest, on what earlier rules made of the frame and its neighbours."""
        if not all(
            m.matches(frames[i], categories[i]) for m in self.matchers if m.field in _DYNAMIC
        ):
            return False
        if self.caller is not None and not (
            i > 0 and self.caller.matches(frames[i - 1], categories[i - 1])
        ):
            return False
        return self.callee is None or (
            i + 1 < len(frames) and self.callee.matches(frames[i + 1], categories[i + 1])
        )


_DYNAMIC = frozenset({"category", "app"})
_ACTION = re.compile(r"^([\^v]?)([+-])(app|group)$")


def parse_rule(line: str) -> Rule:
    """One rule line; raises ValueError on a matcher or action it does not know."""
    text = line.strip()
    tokens = shlex.split(text.replace("[ ", "[").replace(" ]", "]"), posix=True)
    matchers: list[_Matcher] = []
    actions: list[Action] = []
    caller = callee = None
    for index, token in enumerate(tokens):
        if token.startswith("[") and token.endswith("]"):
            inner = _matcher(token[1:-1].strip())
            if index + 1 < len(tokens) and tokens[index + 1] == "|":
                caller = inner
            else:
                callee = inner
        elif token == "|":
            continue
        elif (found := _ACTION.match(token)) is not None:
            actions.append(Action(found.group(3), found.group(2) == "+", found.group(1)))
        elif token.startswith("category="):
            actions.append(Action("category", token.partition("=")[2], ""))
        else:
            matchers.append(_matcher(token))
    if not actions:
        raise ValueError(f"stack trace rule without an action: {line!r}")
    family = next((m for m in matchers if m.field == "family" and not m.negated), None)
    families = None if family is None or "all" in family.values else family.values
    needs = frozenset(
        m.needle
        for m in (*matchers, caller, callee)
        if m is not None
        and m.field == "category"
        and not m.negated
        and m.pattern is not None
        # Only a plain category name is one a rule must have given (a glob may match several).
        and m.pattern.pattern == re.escape(m.needle) + r"\Z"
    )
    return Rule(text, tuple(matchers), caller, callee, tuple(actions), families, needs)


def _parse(text: str) -> tuple[Rule, ...]:
    rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            rules.append(parse_rule(line))
    return tuple(rules)


RULES = _parse(BUILT_IN_RULES)
_CLASSIFIERS = tuple(r for r in RULES if any(a.kind != "group" for a in r.actions))
_GROUPERS = tuple(r for r in RULES if any(a.kind == "group" for a in r.actions))


def _reach(action: Action, i: int, n: int) -> range:
    if action.reach == "^":
        return range(i + 1, n)
    if action.reach == "v":
        return range(0, i)
    return range(i, i + 1)


class Enhanced(NamedTuple):
    """What the rules made of a stack: each frame's in-app mark and category, and, for frames
    a grouping rule reached, whether it groups and the rule's hint."""

    in_app: tuple[bool, ...]
    categories: tuple[str | None, ...]
    group: tuple[tuple[bool, str] | None, ...]


# A static matcher flattened for the hot loop: (frame field index, needle, glob, negated,
# path-like), or for a family matcher (-1, "", None, negated, False) with the families apart.
_Check = tuple[int, str, re.Pattern[str] | None, bool, bool]


def _checks(rule: Rule) -> tuple[_Check, ...]:
    return tuple(
        (_INDEX[m.field], m.needle, m.pattern, m.negated, m.field in _PATH_LIKE)
        for m in rule.matchers
        if m.field not in _DYNAMIC and m.field != "family"
    )


def _static_ok(frame: MatchFrame, checks: tuple[_Check, ...]) -> bool:
    for index, needle, pattern, negated, path_like in checks:
        value = frame[index]
        found = False
        if isinstance(value, str) and pattern is not None:
            if needle and needle not in value and not (path_like and needle in "/" + value):
                found = False
            elif pattern.match(value):
                found = True
            elif path_like and not value.startswith("/"):
                found = pattern.match("/" + value) is not None
        if found == negated:
            return False
    return True


class _Table(NamedTuple):
    """A family's rules of one pass, arranged for `_candidates`: rules to check one by one,
    and rules with a single plain matcher, grouped by the frame field it reads, behind one
    search for any of their literal parts."""

    general: tuple[tuple[int, tuple[_Check, ...]], ...]
    by_field: tuple[
        tuple[int, bool, re.Pattern[str], tuple[tuple[int, tuple[_Check, ...]], ...]], ...
    ]


_FOR_FAMILY: dict[str, tuple[_Table, _Table]] = {}


def _table(rules: tuple[Rule, ...], family: str) -> _Table:
    general: list[tuple[int, tuple[_Check, ...]]] = []
    grouped: dict[int, list[tuple[int, tuple[_Check, ...]]]] = {}
    for i, rule in enumerate(rules):
        if rule.families is not None and family not in rule.families:
            continue
        if not all(
            ("all" in m.values or family in m.values) != m.negated
            for m in rule.matchers
            if m.field == "family"
        ):
            continue
        checks = _checks(rule)
        if len(checks) == 1 and checks[0][1] and not checks[0][3]:
            grouped.setdefault(checks[0][0], []).append((i, checks))
        else:
            general.append((i, checks))
    by_field = tuple(
        (
            index,
            index in (_INDEX["path"], _INDEX["package"], _INDEX["filename"]),
            re.compile("|".join(re.escape(c[0][1]) for _, c in members)),
            tuple(members),
        )
        for index, members in grouped.items()
    )
    return _Table(tuple(general), by_field)


def _for_family(family: str) -> tuple[_Table, _Table]:
    """The rules that can apply to a family at all: a Python frame never meets the two
    hundred native ones."""
    if family not in _FOR_FAMILY:
        _FOR_FAMILY[family] = (_table(_CLASSIFIERS, family), _table(_GROUPERS, family))
    return _FOR_FAMILY[family]


def _matching(frame: MatchFrame, table: _Table) -> tuple[int, ...]:
    found = [i for i, checks in table.general if _static_ok(frame, checks)]
    for index, path_like, any_needle, members in table.by_field:
        value = frame[index]
        if not isinstance(value, str):
            continue
        if any_needle.search(value) is None and not (
            path_like and any_needle.search("/" + value) is not None
        ):
            continue
        found.extend(i for i, checks in members if _static_ok(frame, checks))
    return tuple(sorted(found))


@lru_cache(maxsize=65_536)
def _candidates(frame: MatchFrame) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The classifying and grouping rules (by index) that can match this frame at all: most
    rules name a function, module or path, so a frame meets few of them."""
    classifiers, groupers = _for_family(frame.family)
    return _matching(frame, classifiers), _matching(frame, groupers)


@lru_cache(maxsize=16_384)
def enhance(frames: tuple[MatchFrame, ...]) -> Enhanced:
    """Apply the built-in rules to a stack (caller first): rule by rule, each to every frame
    it matches."""
    current = list(frames)
    n = len(frames)
    categories: list[str | None] = [None] * n
    candidates = [_candidates(f._replace(in_app=False)) for f in frames]
    given = {
        str(a.value)
        for c in candidates
        for r in c[0]
        for a in _CLASSIFIERS[r].actions
        if a.kind == "category"
    }
    by_rule: dict[int, list[int]] = {}
    for i, c in enumerate(candidates):
        for r in c[0]:
            if _CLASSIFIERS[r].needs <= given:
                by_rule.setdefault(r, []).append(i)
    for r in sorted(by_rule):
        rule = _CLASSIFIERS[r]
        # As sentry-ophio's `apply_modifications_to_frames`: every frame the rule matches,
        # then its actions on all of them (what it sets does not change what it matches).
        matched = [i for i in by_rule[r] if rule.matches(current, categories, i)]
        for i in matched:
            for action in rule.actions:
                if action.kind == "category":
                    categories[i] = str(action.value)
                elif action.kind == "app":
                    for j in _reach(action, i, n):
                        current[j] = current[j]._replace(in_app=bool(action.value))
    group: list[tuple[bool, str] | None] = [None] * n
    final = set(categories)
    for r, i in sorted(
        (r, i) for i, c in enumerate(candidates) for r in c[1] if _GROUPERS[r].needs <= final
    ):
        rule = _GROUPERS[r]
        if not rule.matches(current, categories, i):
            continue
        for action in rule.actions:
            if action.kind != "group":
                continue
            verb = "un-ignored" if action.value else "ignored"
            for j in _reach(action, i, n):
                group[j] = (bool(action.value), f"{verb} by stack trace rule ({rule.text})")
    return Enhanced(tuple(f.in_app for f in current), tuple(categories), tuple(group))
