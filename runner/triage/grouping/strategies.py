"""Strategies per part of an event, each building a grouping component.

`frame` → `stacktrace` → `exception` → `chained-exception`, and `message`, as in Sentry's
newstyle grouping. Each is computed per variant: `app` counts only in-app frames, `system`
counts every frame. Line and column numbers never contribute, so edits that shift lines keep
the issue.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

from runner.triage.grouping import normalize
from runner.triage.grouping.component import Component
from store.signal import ErrorDetail, Frame

Variant = Literal["app", "system"]

# Built-in stack trace rules (Sentry's enhancements `-group`): frames of the SDK itself, and,
# for Overnight, of the test harness, whose frames differ between a test and production.
_SDK_MODULES = ("sentry_sdk", "raven", "@sentry/")
_SDK_PATHS = ("/sentry_sdk/", "/@sentry/", "/raven/")


_HARNESS = "ignored by stack trace rule (test harness -group)"


def _is_test(path: str, module: str, function: str) -> bool:
    where = (path or module.replace(".", "/")).lower()
    base = where.rsplit("/", 1)[-1]
    return function.startswith("test_") or base.startswith("test_") or "/tests/" in f"/{where}"


class _Attributes(NamedTuple):
    """What grouping reads of a frame, whatever the variant: its value components and what
    the built-in rules say of it."""

    values: list[Component | str]
    native: bool
    sdk: bool
    test: bool
    unnamed_js: bool


@lru_cache(maxsize=65_536)
def _attributes(
    file: str | None,
    function_name: str | None,
    module: str | None,
    abs_path: str | None,
    frame_platform: str | None,
    platform: str | None,
) -> _Attributes:
    """A frame's value components and rule flags. Cached: duplicates repeat their frames, and
    the components are shared (never changed once made)."""
    plat = normalize.platform_of(frame_platform, platform, file or abs_path)
    values: list[Component | str] = []
    path = abs_path or file
    if module:
        values.append(Component("module", [normalize.module(module, plat)]))
        if file:
            values.append(
                Component("filename", [normalize.filename(file)], False, "module takes precedence")
            )
    elif file:
        name = normalize.filename(file)
        if normalize.has_url_origin(path):
            hint = "ignored because frame points to a URL"
            values.append(Component("filename", [name], False, hint))
        elif name in {"<anonymous>", "[native code]", "native", ""}:
            values.append(Component("filename", [name], False, "anonymous filename"))
        else:
            values.append(Component("filename", [name]))
    function = normalize.function(function_name, plat) if function_name else None
    if function_name and function is None:
        values.append(Component("function", [function_name], False, "ignored unknown function"))
    elif function:
        values.append(Component("function", [function]))
    where = (path or "").replace("\\", "/")
    return _Attributes(
        values=values,
        native="[native code]" in (file, abs_path),
        sdk=(module or "").startswith(_SDK_MODULES) or any(p in where for p in _SDK_PATHS),
        test=_is_test(where, module or "", function_name or ""),
        unnamed_js=plat in normalize.JAVASCRIPT and function is None,
    )


def frame(f: Frame, platform: str | None, variant: Variant, harness: bool = True) -> Component:
    """One frame: its module (or else its file) and its function.

    `harness`: test frames are left out (they differ between a test and production, the code
    under test does not); off when nothing but the test itself is left to group on.
    """
    a = _attributes(f.file, f.function, f.module, f.abs_path, f.platform, platform)
    component = Component("frame", a.values)
    if a.native:
        return component.ignore("ignored native code frame")
    if variant == "app" and not f.in_app:
        return component.ignore("non app frame")
    if a.sdk:
        return component.ignore("ignored by stack trace rule (category:sdk -group)")
    if harness and a.test:
        return component.ignore(_HARNESS)
    if a.unnamed_js:
        # Sentry: a JavaScript frame without a function name is low quality (a URL and a line).
        return component.ignore("ignored low quality javascript frame")
    if not component.contributes:
        component.hint = "ignored because it has no grouping attributes"
    return component


def stacktrace(frames: list[Frame], platform: str | None, variant: Variant) -> Component:
    """The frames, caller first; contributes when at least one frame does."""
    children: list[Component | str] = [frame(f, platform, variant) for f in frames]
    component = Component("stacktrace", children)
    if not component.contributes and any(
        isinstance(c, Component) and c.hint == _HARNESS for c in children
    ):
        # A test failing in its own body (an assertion): the test is the place.
        children = [frame(f, platform, variant, harness=False) for f in frames]
        component = Component("stacktrace", children)
    if not frames:
        return component.ignore("no frames")
    if not component.contributes:
        hint = (
            "ignored because it contains no in-app frames"
            if variant == "app"
            else ("ignored because no frame contributes")
        )
        component.ignore(hint)
    return component


def exception(exc: ErrorDetail, platform: str | None, variant: Variant) -> Component:
    """Type, stack trace and value: the value only when no stack trace contributes."""
    stack = stacktrace(exc.frames, platform, variant)
    value = normalize.parameterize(exc.message) if exc.message else ""
    value_component = Component("value", [value] if value else [])
    if stack.contributes:
        value_component.ignore("ignored because stacktrace takes precedence")
    elif not value:
        value_component.ignore("empty value")
    type_component = Component("type", [exc.type])
    return Component("exception", [type_component, stack, value_component])


def exceptions_for_grouping(
    exceptions: list[ErrorDetail], components: list[Component]
) -> list[int]:
    """Which of an event's exceptions group, as indexes: all of a chain; of an exception
    group, its distinct top-level (non-group) exceptions.

    Sentry's rule: when one distinct top-level exception is left, it and the first path of its
    children group alone (`Group[E, E, E]` is `E`); with several, one of each and the root
    group. Without mechanism ids everywhere, nothing is filtered.
    """
    if len(exceptions) <= 1 or not any(e.is_group for e in exceptions):
        return list(range(len(exceptions)))
    by_id: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    for index, exc in enumerate(exceptions):
        if exc.exception_id is None:
            return list(range(len(exceptions)))
        by_id[exc.exception_id] = index
    for index, exc in enumerate(exceptions):
        if exc.parent_id is not None and exc.parent_id in by_id:
            children.setdefault(by_id[exc.parent_id], []).append(index)
    root = by_id.get(0, min(by_id.values()))

    def top_level(index: int) -> list[int]:
        if exceptions[index].is_group:
            return [t for child in children.get(index, []) for t in top_level(child)]
        return [index]

    tops = sorted(top_level(root), key=lambda i: exceptions[i].type, reverse=True)
    distinct: list[int] = []
    seen: set[str | None] = set()
    for index in tops:
        key = components[index].hash()
        if key not in seen:
            seen.add(key)
            distinct.append(index)
    if len(distinct) == 1:
        path = [distinct[0]]
        while children.get(path[-1]):
            path.append(children[path[-1]][0])
        return path
    if not distinct:
        return [root]
    return [*distinct, root]


def chained_exception(
    exceptions: list[ErrorDetail], platform: str | None, variant: Variant
) -> Component:
    """Every exception of a chain (cause first), or of an exception group as reduced above."""
    components = [exception(e, platform, variant) for e in exceptions]
    if len(components) == 1:
        return components[0]
    keep = exceptions_for_grouping(exceptions, components)
    # The kept exceptions in the order the reduction gives (by type for a group's members),
    # so the same members in another order group together; then the rest, for the record.
    ordered: list[Component | str] = [components[i] for i in keep]
    for index, component in enumerate(components):
        if index not in keep:
            ordered.append(component.ignore("ignored: reduced away as part of an exception group"))
    return Component("chained-exception", ordered)


def message(text: str) -> Component:
    """The parameterised message."""
    return Component("message", [normalize.parameterize(text)])
