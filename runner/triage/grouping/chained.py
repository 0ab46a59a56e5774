"""The chained-exception strategy: every exception of a chain, and of an exception group the
distinct members Sentry reduces it to.

Sentry's rule for groups (its exception-groups RFC, as its newstyle strategy implements it):
rebuild the tree from `mechanism.exception_id`/`parent_id` (root id 0); the top-level
exceptions are the root's non-group descendants, sorted by type (descending); runs of equal
grouping components among them (equal reprs, hints included, as Sentry compares them) collapse
to one. One distinct exception left: it and the first
path of its children group alone (`Group[E, E, E]` is `E`). Several: one of each, then the
root group. A broken tree (an id missing, repeated or its own parent, no root, a cycle) is not
reduced.
"""

from __future__ import annotations

from itertools import groupby

from runner.triage.grouping import message as messages
from runner.triage.grouping.component import Component
from runner.triage.grouping.strategies import Variant, exception
from store.signal import ErrorDetail


def exceptions_for_grouping(exceptions: list[ErrorDetail], keys: list[str]) -> list[int]:
    """Which of an event's exceptions group, as indexes, in the order they group.

    `keys[i]`: what makes exception i's grouping components equal to another's.
    """
    everything = list(range(len(exceptions)))
    if len(exceptions) <= 1:
        return everything
    node_of: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    # Built from the last exception back, as Sentry does: a parent's first child is the
    # last one listed.
    for index in reversed(everything):
        exc = exceptions[index]
        ident = exc.exception_id
        if ident is None or ident == exc.parent_id or ident in node_of:
            return everything
        node_of[ident] = index
        if exc.parent_id is not None:
            children.setdefault(exc.parent_id, []).append(index)
    root = node_of.get(0)
    if root is None:
        return everything

    def kids(index: int) -> list[int]:
        ident = exceptions[index].exception_id
        return children.get(ident, []) if ident is not None else []

    def top_level(index: int, seen: frozenset[int]) -> list[int]:
        if index in seen:  # a cycle: Sentry's recursion never ends, and it gives up
            raise _Cycle
        if exceptions[index].is_group:
            return [t for child in kids(index) for t in top_level(child, seen | {index})]
        return [index]

    try:
        found = top_level(root, frozenset())
    except _Cycle:
        return everything
    # Sentry sorts on `str(exception.type)`: a member without a type sorts as "None".
    tops = sorted(found, key=lambda i: exceptions[i].type or "None", reverse=True)
    if not tops:
        return everything
    distinct = [next(run) for _, run in groupby(tops, key=lambda i: keys[i])]
    if len(distinct) == 1:
        path = [distinct[0]]
        while kids(path[-1]):
            child = kids(path[-1])[0]
            if child in path:  # a cycle again: Sentry's recursion gives up
                return everything
            path.append(child)
        return path
    return [*distinct, root]


class _Cycle(Exception):
    """The exception tree loops: Sentry's recursive walk of it fails, and it keeps the list."""


def _key(exc: ErrorDetail, app: Component, system: Component) -> str:
    """What Sentry compares of two members: `hash_from_values` of the repr of each of their
    exception components (the app and system variants; only the app one for an exception
    without a stack trace, as `single_exception` gives it no other): every child with its
    values and hint, counting or not. The value is held apart, as Sentry builds it."""
    normalized = messages.normalize(exc.message) if exc.message else ""
    parts: list[str] = []
    for component in (app, system) if exc.frames else (app,):
        children = [v for v in component.values if isinstance(v, Component)]
        parts += [c.render() for c in children if c.id != "value"]
        parts.append(_value_repr(exc.message, normalized, children))
    return "\x1e".join(parts)


def _value_repr(raw: str, normalized: str, children: list[Component]) -> str:
    """The value component of `single_exception` in one variant: the value parameterised
    (whether it counts or not; this tree keeps a value that does not count as sent), and its
    hint: the stack trace's or the NSError's precedence, else "stripped event-specific values"
    when parameterising changed the value."""
    if not normalized:
        return ""
    if any(c.id == "stacktrace" and c.contributes for c in children):
        hint = "stacktrace takes precedence"
    elif any(c.id == "ns-error" and c.contributes for c in children):
        hint = "ns-error takes precedence"
    else:
        hint = "stripped event-specific values" if raw != normalized else ""
    return f"{normalized}\x1f{hint}"


def chained_exception(
    exceptions: list[ErrorDetail], platform: str | None, variant: Variant, harness: bool = False
) -> Component:
    """Every exception of a chain (cause first), or of an exception group as reduced above."""
    both = [
        (exception(e, platform, "app", harness), exception(e, platform, "system", harness))
        for e in exceptions
    ]
    chosen = [pair[0] if variant == "app" else pair[1] for pair in both]
    if len(chosen) == 1:
        return chosen[0]
    keys = [_key(e, pair[0], pair[1]) for e, pair in zip(exceptions, both, strict=True)]
    keep = exceptions_for_grouping(exceptions, keys)
    stackless: list[int] = []
    if variant == "system" and any(exceptions[i].frames for i in keep):
        # Sentry's `single_exception` gives an exception without a stack trace only an app
        # variant (`{"!app": StacktraceGroupingComponent()}`), so `chained_exception`'s
        # system variant holds only the exceptions that have one.
        stackless = [i for i in keep if not exceptions[i].frames]
        keep = [i for i in keep if exceptions[i].frames]
    if len(keep) == 1 and not stackless:
        return chosen[keep[0]]
    ordered: list[Component | str] = [chosen[i] for i in keep]
    for index, component in enumerate(chosen):
        if index in stackless:
            ordered.append(
                component.ignore("ignored: no stack trace, so not in the system variant")
            )
        elif index not in keep:
            ordered.append(component.ignore("ignored: reduced away as part of an exception group"))
    return Component("chained-exception", ordered)
