"""Grouping variants in Sentry's order of precedence, and the hash of the one that wins.

1. `checksum`: a legacy `checksum` sent by the producer (`hashed-checksum` when it is not an
   md5 digest).
2. `built-in`: Sentry's built-in fingerprinting rules for JavaScript (ChunkLoadError, React
   hydration errors); like Sentry's server-side rules, they replace a client fingerprint.
3. `custom`: the producer's fingerprint; `hybrid` when it holds `{{ default }}`, which expands
   to the default tree, so extra values make another group.
4. `app`: the exception chain with only in-app frames, when one of them contributes.
5. `system`: every frame; with no frame, the exception type and parameterised value.
6. `template`, `security`, `message`: a template error's file name and line, a browser
   security report, else the parameterised message (its template, when the producer sent
   one).
7. `fallback`: an error event of which nothing contributes; all such events share one hash,
   as Sentry's fallback variant does.

Every hash carries the grouping version: hashes compare only within one version.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from runner.triage.grouping import fingerprints, strategies
from runner.triage.grouping.chained import chained_exception
from runner.triage.grouping.component import Component, digest
from runner.triage.grouping.security import security
from store.signal import ErrorDetail, Frame, Signal

GROUPING_VERSION = "overnight:2026-12-07"
"""This grouping's configuration; it follows Sentry's default, `newstyle:2026-01-20` (source
lines, recursion, built-in stack trace rules, native name trimming since `overnight:2026-12-02`;
Sentry's current native name trimming and parameterisation, the JavaScript `webpack:`/`app:`
in-app rules and a length-prefixed digest since `overnight:2026-12-03`; since
`overnight:2026-12-04`: the `all-platforms@2026-01-20` rules without the `webpack:`/`app:`
ones, `file://` frames keeping their file name, a lone nameless JavaScript frame not from a
URL ignored, CPython's multiprocessing line parameterised, recursion read on trimmed names,
unknown fingerprint variables flagged, a stackless cause out of the system variant, templates
and CSP reports as Sentry's strategies read them; since `overnight:2026-12-05`: a value-only
exception without a type; since `overnight:2026-12-06`: a fingerprint entry equal to one of
the event's messages, and `{{ message }}`, parameterised whole, as Sentry's
`resolve_fingerprint_values` does; `{{ raw_message }}`/`{{ raw_value }}` known; a closure in
a Swift initializer expression named `closure in`; a template beside a stack that counts for
nothing; since `overnight:2026-12-07`: a frame's file name sent beside the same URL as its
`abs_path` kept as sent, as Relay's `process_non_raw_frame` keeps it; exception group members
compared as Sentry compares their components' reprs, the value's hint included)."""

_MD5 = re.compile(r"^[0-9a-f]{32}$")  # Sentry's: lower-case only; others are hashed


class Grouping(NamedTuple):
    """The winning variant of a signal's grouping, and every variant's tree."""

    hash: str | None
    """`<version>:<md5>`; None when nothing contributes (feedback, an empty event)."""
    variant: str
    """checksum, hashed-checksum, custom, hybrid, built-in, app, system, security, message,
    fallback or none."""
    basis: str
    """What the hash rests on, as issues record it: checksum, explicit, hybrid, built-in,
    stack, system-stack, exception, message or none."""
    trees: dict[str, Component]
    """Each variant's component tree, the winner's included."""
    system: str | None = None
    """When the in-app stack wins: the hash of every frame, if it differs. Sentry gives an
    event both and puts it in a group that has either, so the same stack marked in-app in
    another way (or not at all) still meets it."""


def _versioned(value: str | None) -> str | None:
    return f"{GROUPING_VERSION}:{value}" if value else None


def _md5(values: list[str]) -> str:
    return digest(values)


def _exceptions(error: ErrorDetail) -> list[ErrorDetail]:
    return [*error.chain, error]


def default_trees(signal: Signal) -> dict[str, Component]:
    """The app and system trees of an error, or the message tree of a message event."""
    error = signal.error
    if error is not None:
        chain = _exceptions(error)
        harness = signal.kind == "regression"
        trees = {
            "app": chained_exception(chain, signal.platform, "app", harness),
            "system": chained_exception(chain, signal.platform, "system", harness),
        }
        if trees["app"].contributes or trees["system"].contributes:
            return trees
        # Sentry's strategies in order of score, the first one contributing wins: an exception
        # that groups on nothing leaves the event to its thread, its stack, its message.
        return _after_exception(signal) or trees
    return _after_exception(signal)


def _after_exception(signal: Signal) -> dict[str, Component]:
    """The trees of the strategies after the exception's: threads or the bare stack trace, a
    template, a security report, the message."""
    if signal.kind == "feedback":
        # A person's words are not a message template: equal words from two people say little.
        return {}
    template = signal.contexts.get("grouping_template")
    if isinstance(template, dict):
        # Sentry's `template:v1`: the template's file name and line as sent (no base name,
        # no normalisation), above a security report and the message.
        located = Component(
            "template",
            [
                Component("filename", _strings(template.get("filename"))),
                Component("context-line", _strings(template.get("context_line"))),
            ],
        )
        if located.contributes:
            return {"template": located}
    elif signal.stack:
        # A message captured with its stack (a thread's or a bare one) groups on the stack.
        trees = {
            variant: Component(
                "threads", [strategies.stacktrace(signal.stack, signal.platform, variant)]
            )
            for variant in ("app", "system")
        }
        if trees["system"].contributes:
            return trees
    report = signal.contexts.get("security_report")
    if isinstance(report, dict) and (tree := security(report)) is not None:
        # A security report groups on what it reports, after a stack, before any message.
        return {"security": tree}
    text = signal.message_template or signal.text or ""
    if not text.strip():
        return {}
    return {"message": strategies.message(text)}


def _strings(value: object) -> list[Component | str]:
    return [value] if isinstance(value, str) and value else []


def _has_stack(tree: Component) -> bool:
    if tree.id == "stacktrace":
        return tree.contributes
    return tree.contributes and any(isinstance(v, Component) and _has_stack(v) for v in tree.values)


def _default(trees: dict[str, Component]) -> tuple[str, Component] | None:
    """The default variant that wins: app if an in-app frame contributes, else system."""
    app, system = trees.get("app"), trees.get("system")
    if app is not None and _has_stack(app):
        return "app", app
    if system is not None and system.contributes:
        if (
            app is not None
            and app.contributes
            and not _has_stack(system)
            and app.hash() != system.hash()
        ):
            # No stack trace counts anywhere, and the app variant holds exceptions the system
            # one leaves out (those without a stack trace): Sentry keeps both hashes.
            return "app", app
        return "system", system
    for name in ("template", "security", "message"):
        tree = trees.get(name)
        if tree is not None and tree.contributes:
            return name, tree
    return None


def _basis(variant: str, tree: Component) -> str:
    if variant == "app":
        return "stack" if _has_stack(tree) else "exception"
    if variant == "system":
        return "system-stack" if _has_stack(tree) else "exception"
    return variant


def group(signal: Signal) -> Grouping:
    """Every variant of a signal's grouping, and the one that wins."""
    trees = default_trees(signal)
    if signal.checksum:
        checksum = signal.checksum
        if _MD5.match(checksum):
            tree = Component("checksum", [checksum])
            trees["checksum"] = tree
            return Grouping(_versioned(checksum), "checksum", "checksum", trees)
        tree = Component("hashed-checksum", [checksum])
        trees["hashed-checksum"] = tree
        return Grouping(_versioned(_md5([checksum])), "hashed-checksum", "checksum", trees)
    built_in = fingerprints.built_in(signal)
    if built_in is not None:
        trees["built-in"] = built_in
        return Grouping(_versioned(built_in.hash()), "built-in", "built-in", trees)
    default = _default(trees)
    custom = fingerprints.custom(signal, default)
    if custom is not None:
        variant, tree = custom
        trees[variant] = tree
        basis = "hybrid" if variant == "hybrid" else "explicit"
        system = None
        if variant == "hybrid" and default is not None and default[0] == "app":
            # Sentry salts each default variant: the whole stack's hash, salted, is the second.
            salted = fingerprints.custom(signal, ("system", trees["system"]))
            system = _other(salted[1].hash(), tree.hash()) if salted else None
        return Grouping(_versioned(tree.hash()), variant, basis, trees, _versioned(system))
    if default is None:
        if signal.kind == "feedback":
            return Grouping(None, "none", "none", trees)
        # Sentry's fallback: an event of which nothing contributes still gets a hash, the same
        # for every such event.
        trees["fallback"] = Component("fallback", ["<fallback>"], hint="nothing else contributes")
        return Grouping(_versioned(_md5(["<fallback>"])), "fallback", "fallback", trees)
    variant, tree = default
    digest = tree.hash()
    system = trees["system"].hash() if variant == "app" and trees["system"].contributes else None
    return Grouping(
        _versioned(digest),
        variant,
        _basis(variant, tree),
        trees,
        _versioned(_other(system, digest)),
    )


def _other(second: str | None, first: str | None) -> str | None:
    """A second hash only when it is another."""
    return second if second != first else None


def _lineless(frames: list[Frame]) -> list[Frame]:
    return [f.model_copy(update={"context_line": None}) if f.context_line else f for f in frames]


def _lineless_error(error: ErrorDetail) -> ErrorDetail:
    return error.model_copy(
        update={
            "frames": _lineless(error.frames),
            "chain": [_lineless_error(e) for e in error.chain],
        }
    )


def has_source_lines(signal: Signal) -> bool:
    """Whether any frame of the signal's stacks carries its source line."""
    if any(f.context_line for f in signal.stack):
        return True
    error = signal.error
    return error is not None and any(f.context_line for e in _exceptions(error) for f in e.frames)


def loose_hash(signal: Signal) -> str | None:
    """The hash this signal would have without its source lines: what a producer that sends
    none (an Overnight-native record, a test report) gets for the same stack. Sentry never
    needs it (one project, one SDK); Overnight, fed by several producers, can link the same
    fault across them by it. Equal to `group(signal).hash` when no frame has a source line."""
    if not has_source_lines(signal):
        return group(signal).hash
    update: dict[str, object] = {"stack": _lineless(signal.stack)}
    if signal.error is not None:
        update["error"] = _lineless_error(signal.error)
    return group(signal.model_copy(update=update)).hash


# The hash of an error's stack depends only on its frames and exception types (values never
# count while a stack contributes), and duplicates share their frames: it is computed once per
# distinct stack, without building trees again. Bounded, so hostile variety cannot bloat it.
_STACKS: dict[tuple[object, ...], tuple[str | None, str, str, str | None] | None] = {}
_MAX_STACKS = 32_768


def _stack_key(signal: Signal, error: ErrorDetail) -> tuple[object, ...]:
    return (
        signal.platform,
        signal.kind,
        tuple(
            (
                e.type,
                e.exception_id,
                e.parent_id,
                e.is_group,
                e.synthetic,
                e.ns_error,
                # A group's members are reduced on their values too (`chained._key`), even
                # where no value counts: they are part of the key there.
                e.message if e.exception_id is not None else None,
                strategies.stack_key(e.frames, signal.platform),
            )
            for e in _exceptions(error)
        ),
    )


def _values_count(tree: Component) -> bool:
    """Some exception's value contributes somewhere in the tree (kept or reduced away)."""
    if tree.id == "value":
        return bool(tree.values) and tree.contributes
    return any(isinstance(v, Component) and _values_count(v) for v in tree.values)


def fast_hash(signal: Signal) -> tuple[str | None, str, str | None]:
    """`(hash, basis, system)` as `group` gives them, computed once per distinct stack."""
    error = signal.error
    # What the stack does not decide: a checksum, a fingerprint, a built-in rule (they read
    # exception values and tags).
    if (
        error is None
        or signal.checksum
        or signal.fingerprint
        or fingerprints.built_in(signal) is not None
    ):
        result = group(signal)
        return result.hash, result.basis, result.system
    key = _stack_key(signal, error)
    cached = _STACKS.get(key, _MISSING)
    if cached is _MISSING:
        result = group(signal)
        # The hashes are the winning tree's and the system tree's: they may be shared when no
        # value counts in either.
        trees = [result.trees.get(result.variant)]
        if result.system is not None:
            trees.append(result.trees.get("system"))
        # Only the exception's own trees (not a thread's stack or a message it fell back to)
        # are decided by the key.
        independent = (
            not signal.stack
            and result.variant in ("app", "system")
            and all(t is not None and not _values_count(t) for t in trees)
        )
        cached = (result.hash, result.variant, result.basis, result.system) if independent else None
        if len(_STACKS) < _MAX_STACKS:
            _STACKS[key] = cached
        if cached is None:
            return result.hash, result.basis, result.system
    if cached is None:
        result = group(signal)
        return result.hash, result.basis, result.system
    assert isinstance(cached, tuple)
    return cached[0], cached[2], cached[3]


_MISSING: object = object()
