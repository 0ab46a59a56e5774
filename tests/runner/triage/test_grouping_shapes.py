"""Grouping of event shapes real SDKs send, read against Sentry's and Relay's source (and
`sentry-ophio`, which runs Sentry's stack trace rules): each test names the function it
follows.

Events go through the real parser, shaped as the SDKs send them.
"""

from __future__ import annotations

import json
from typing import Any

from runner.sources.records import parse_record
from runner.triage.features import signal_text
from runner.triage.grouping import Component, group
from runner.triage.grouping.fingerprints import FINGERPRINT_FRAMES
from runner.triage.structure import structure
from store.signal import Signal


def event(**fields: Any) -> Signal:
    record: dict[str, Any] = {"platform": "python", "level": "error"} | fields
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def values(*exceptions: dict[str, Any], **fields: Any) -> Signal:
    return event(exception={"values": list(exceptions)}, **fields)


RETRY_FRAMES = [{"module": "app.jobs", "function": "retry", "in_app": True}]


def member(
    ident: int, value: str, type_: str | None = "RetryError", frames: list | None = RETRY_FRAMES
) -> dict[str, Any]:
    """A member of an exception group, as the SDKs link it to the group (id 0)."""
    entry: dict[str, Any] = {
        "value": value,
        "mechanism": {"type": "chained", "exception_id": ident, "parent_id": 0},
    }
    if type_ is not None:
        entry["type"] = type_
    if frames is not None:
        entry["stacktrace"] = {"frames": frames}
    return entry


def group_root(value: str) -> dict[str, Any]:
    return {
        "type": "ExceptionGroup",
        "value": value,
        "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": True},
    }


def test_a_value_only_exception_has_no_type() -> None:
    """Sentry's `newstyle.single_exception` builds the type component from `exception.type`
    alone (`[exception.type] if exception.type else []`), and Relay's `normalize_exception`
    fills a missing type only from a `Type: message` value, never from the mechanism: a
    value-only exception's type does not contribute. Two with the same value group together;
    one typed `Error` with that value does not join them."""
    bare = values({"value": "the cart is empty"})
    assert bare.error is not None and bare.error.type == ""
    again = values({"value": "the cart is empty", "mechanism": {"type": "generic"}})
    typed = values({"type": "Error", "value": "the cart is empty"})
    assert group(bare).hash == group(again).hash
    assert group(bare).hash != group(typed).hash
    assert group(bare).hash != group(values({"value": "the cart is full"})).hash
    rendered = group(bare).trees["system"].render()
    assert "type (ignored)" in rendered and "'Error'" not in rendered
    # Shown as Sentry shows it (`ErrorEvent.extract_metadata`: type defaults to "Error"); to
    # triage's other votes the type is unknown, and the words are the value's.
    assert bare.title == "Error: the cart is empty"
    assert bare.error.shown_type == "Error"
    assert structure(bare).error_type is None and structure(typed).error_type == "Error"
    assert signal_text(bare) == signal_text(typed)


def test_value_only_members_of_a_group_sort_as_sentry_sorts_them() -> None:
    """Sentry's `filter_exceptions_for_exception_groups` sorts the top-level exceptions by
    `str(exception.type)`, descending: a member without a type sorts as `"None"`, after
    `ValueError` and before `KeyError`, so the reduced group keeps that order."""

    def typed(ident: int, type_: str | None, value: str) -> dict[str, Any]:
        frames = [{"module": f"app.m{ident}", "function": "f", "in_app": True}]
        return member(ident, value, type_, frames)

    root = group_root("many")
    # Listed in another order: the reduction sorts them, so both events are one group.
    a = values(typed(1, "KeyError", "k"), typed(2, None, "n"), typed(3, "ValueError", "v"), root)
    b = values(typed(3, "ValueError", "v"), typed(1, "KeyError", "k"), typed(2, None, "n"), root)
    assert group(a).hash == group(b).hash
    tree = group(a).trees["app"].render()
    assert tree.index("app.m3") < tree.index("app.m2") < tree.index("app.m1")


def test_group_members_compare_as_sentrys_component_reprs() -> None:
    """Sentry's `filter_exceptions_for_exception_groups` keeps one of each run of members whose
    `hash_from_values(exception_components[id(exception)].values())` is equal: the reprs of
    their exception components, hints included. `single_exception` parameterises every value
    and hints "stripped event-specific values" when that changed it, unless the stack trace
    (or an NSError) takes precedence, whose hint replaces it. So two stackless members with
    the same parameterised value, one sent with a number and one sent already masked, stay
    two (the group then groups on both and on itself); with a stack trace counting, they
    are one."""

    root = group_root("retries")

    def kept(stack: bool, first: str, second: str) -> int:
        """How many exceptions the event groups on."""
        frames = RETRY_FRAMES if stack else None
        members = (member(1, first, frames=frames), member(2, second, frames=frames))
        tree = group(values(*members, root)).trees["app"]
        if tree.id == "exception":
            return 1
        return sum(isinstance(v, Component) and v.contributes for v in tree.values)

    # Stackless: "retry 3 failed" was stripped, "retry <int> failed" was not.
    assert kept(False, "retry 3 failed", "retry <int> failed") == 3  # both and the group
    assert kept(False, "retry 3 failed", "retry 4 failed") == 1
    # The stack trace's precedence hint replaces the stripped one: the members are one.
    assert kept(True, "retry 3 failed", "retry <int> failed") == 1


def test_the_stack_hash_cache_keeps_group_members_apart_by_value() -> None:
    """`filter_exceptions_for_exception_groups` compares members' components, values
    included even where a stack trace takes precedence: two groups of the same stacks, one
    of twin members and one of members with other values, reduce differently, and the
    hash cache (`variants.fast_hash`) must not hand the first one's hash to the second."""
    from runner.triage.grouping.variants import fast_hash

    root = group_root("retries")
    twins = values(member(1, "timeout"), member(2, "timeout"), root, platform="javascript")
    other = values(member(1, "timeout"), member(2, "refused"), root, platform="javascript")
    assert group(twins).hash != group(other).hash
    assert fast_hash(twins)[0] == group(twins).hash
    assert fast_hash(other)[0] == group(other).hash


def test_an_unmarked_frame_is_not_in_app_for_every_rule_and_variant() -> None:
    """No tri-state is needed: Sentry's stack trace rules run in Rust (`sentry-ophio`,
    `FrameMatcherInner::InApp` matches `frame.in_app.unwrap_or_default() == expected`), so a
    frame without `in_app` matches `app:no`; and `processing._normalize_in_app` then sets every
    unset `in_app` to False before the app variant reads it. (The Python `InAppMatch` of
    2019-2023 compared `None` with the rule's value, so such a frame matched neither.)"""

    def cocoa(in_app: bool | None) -> Signal:
        frame: dict[str, Any] = {"function": "__38-[Cart checkout]_block_invoke", "package": "App"}
        if in_app is not None:
            frame["in_app"] = in_app
        caller = {"function": "-[Cart tap:]", "package": "App", "in_app": True}
        stack = {"frames": [caller, frame]}
        return values({"type": "NSException", "value": "x", "stacktrace": stack}, platform="cocoa")

    # `family:native function:*_block_invoke* app:no category=internals`, then
    # `category:internals -app -group`: the unmarked block groups as the unmarked-false one.
    unset, no, yes = group(cocoa(None)), group(cocoa(False)), group(cocoa(True))
    assert unset.hash == no.hash != yes.hash
    assert "(ignored)" not in yes.trees["system"].render().split("type")[0]
    assert "category:internals -app -group" in unset.trees["system"].render()


def test_an_app_matcher_of_no_known_value_matches_no_frame() -> None:
    """Sentry hands its rules to `sentry-ophio` encoded by `FrameMatch._to_config_structure`,
    which reads an `app:` value with `bool_from_string` (`yes`/`true`/`1`, `no`/`false`/`0`,
    any case) and writes any other as "", which ophio's `new_in_app` makes a `Noop` matcher:
    it matches no frame, and negated every frame. (Before, any unknown value asked for a frame
    out of the app.)"""
    from runner.triage.grouping.enhancers import MatchFrame, parse_rule

    def frame_(in_app: bool) -> MatchFrame:
        return MatchFrame("native", "f", None, None, None, in_app)

    [odd] = parse_rule("app:maybe -group").matchers
    assert not odd.matches(frame_(False), None) and not odd.matches(frame_(True), None)
    [negated] = parse_rule("!app:maybe -group").matchers
    assert negated.matches(frame_(False), None) and negated.matches(frame_(True), None)
    [upper] = parse_rule("app:NO -group").matchers
    assert upper.matches(frame_(False), None) and not upper.matches(frame_(True), None)
    [yes] = parse_rule("app:Yes -group").matchers
    assert yes.matches(frame_(True), None) and not yes.matches(frame_(False), None)


def frame(module: str, function: str, in_app: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"module": module, "function": function, "lineno": 3}
    if in_app is not None:
        out["in_app"] = in_app
    return out


def thread(frames_: list[dict[str, Any]], **marks: Any) -> dict[str, Any]:
    return {"id": len(frames_), "stacktrace": {"frames": frames_}, **marks}


def test_fingerprint_variables_read_sentrys_crash_frame() -> None:
    """Sentry's `fingerprinting.utils.resolve_fingerprint_variable` reads the frame
    `processing.get_crash_frame_from_event_data` finds: the raised exception's stack, else the
    event's bare `stacktrace`, else the one thread when there is exactly one (not the crashed
    thread grouping picks); in it, the highest frame in-app after the stack trace rules (which
    Sentry writes into the event first), else the highest frame."""

    def fp(**fields: Any) -> str | None:
        return group(event(fingerprint=["{{ function }}"], **fields)).hash

    def named(function: str) -> str | None:
        return fp(
            exception={
                "values": [{"type": "E", "stacktrace": {"frames": [frame("a.b", function, True)]}}]
            }
        )

    # Two threads, one crashed, no bare stack: Sentry finds no frame at all.
    crashed = thread([frame("app.jobs", "run", True)], crashed=True)
    other = thread([frame("app.idle", "wait", True)])
    assert fp(message="stalled", threads={"values": [crashed, other]}) == fp(message="stalled")
    # A bare stack outranks the only thread.
    only = thread([frame("app.jobs", "run", True)])
    bare = {"frames": [frame("app.cli", "main", True)]}
    assert fp(message="m", threads={"values": [only]}, stacktrace=bare) == named("main")
    assert fp(message="m", threads={"values": [only]}) == named("run")
    # An exception without a stack: the event's bare one (two exceptions: it stays bare).
    chain = [{"type": "KeyError", "value": "k"}, {"type": "E", "value": "v"}]
    assert fp(exception={"values": chain}, stacktrace=bare) == named("main")
    assert fp(exception={"values": chain}, threads={"values": [only]}) == named("run")
    # A frame the client marked in-app but a built-in rule takes out (`**/site-packages/**
    # -app`) is passed over for the highest frame left in-app.
    stack = [
        {"filename": "app/views.py", "function": "handle", "in_app": True},
        {"filename": "/venv/lib/site-packages/lib/x.py", "function": "call", "in_app": True},
    ]
    marked = fp(exception={"values": [{"type": "E", "stacktrace": {"frames": stack}}]})
    assert marked == named("handle")
    # Ingestion keeps those frames only where they are not the stack grouping reads.
    plain = event(
        fingerprint=["{{ function }}"],
        exception={"values": [{"type": "E", "stacktrace": {"frames": stack}}]},
    )
    assert FINGERPRINT_FRAMES not in plain.contexts
    two = event(fingerprint=["{{ module }}"], message="m", threads={"values": [crashed, other]})
    assert two.contexts[FINGERPRINT_FRAMES] == {"frames": []}
    assert (
        FINGERPRINT_FRAMES not in event(message="m", threads={"values": [crashed, other]}).contexts
    )


def test_bare_hex_is_masked_as_sentrys_current_pattern_masks_it() -> None:
    """Sentry's `parameterization.DEFAULT_PARAMETERIZATION_REGEXES` (`hex`): besides `0x…`, a
    bare run of one case is hex from 4 to 6 characters when it holds a digit and a letter,
    and from 8 to 128 whatever it holds (all letters too: `deadbeef`); a dash joining no two
    words is its minus sign. Seven mixed characters are a `git_sha`."""
    from runner.triage.grouping.message import parameterize

    assert parameterize("token a1b2 expired") == "token <hex> expired"
    assert parameterize("node F00D1 down") == "node <hex> down"
    assert parameterize("magic deadbeef seen") == "magic <hex> seen"
    assert parameterize("offset -deadbeef") == "offset <hex>"
    assert parameterize("build 3fa9c21 broke") == "build <git_sha> broke"
    # Not hex: one letter kind only below 8, mixed case, a word the dash joins.
    assert parameterize("cafe face added") == "cafe face added"
    assert parameterize("key aB12 and x-ab12") == "key aB12 and x-<hex>"


def test_an_exception_that_groups_on_nothing_leaves_threads_then_the_message() -> None:
    """Sentry runs its strategies in order of score (`chained-exception`, `threads`,
    `stacktrace`, `template`, the security reports, `message`) and the first of them with a
    contributing variant wins: a synthetic exception (its type ignored by `single_exception`)
    with no value and an unsymbolicated stack leaves the event to its one crashed thread, and
    without threads to its message, rather than to the one fallback group."""

    def crash(message: str | None = None, **fields: Any) -> Signal:
        exception = {
            "type": "SIGSEGV",
            "value": "",
            "mechanism": {"type": "signalhandler", "synthetic": True},
            "stacktrace": {"frames": [{"instruction_addr": "0x1000"}]},
        }
        if message is not None:
            fields["logentry"] = {"formatted": message}
        return event(platform="native", exception={"values": [exception]}, **fields)

    def threads(function: str) -> dict[str, Any]:
        stack = {"frames": [{"function": function, "package": "/opt/app/bin", "in_app": True}]}
        return {"values": [{"id": 1, "crashed": True, "stacktrace": stack}, {"id": 2}]}

    a = group(crash("disk 7 failed"))
    assert a.variant == "message"
    assert a.hash == group(crash("disk 9 failed")).hash
    assert a.hash != group(crash("fan 9 failed")).hash
    on_thread = group(crash("disk 7 failed", threads=threads("flush_cache")))
    assert on_thread.variant == "app" and on_thread.hash != a.hash
    assert on_thread.hash == group(crash("other", threads=threads("flush_cache"))).hash
    assert on_thread.hash != group(crash("other", threads=threads("read_block"))).hash
    assert group(crash()).variant == "fallback"
    # Triage's cache of hashes by exception does not hold such an event's hash.
    from runner.triage.fingerprint import fingerprint

    assert fingerprint(crash("disk 7 failed")).hash == a.hash
    assert fingerprint(crash("fan 9 failed")).hash != a.hash


def test_a_legacy_mechanism_keeps_no_ns_error() -> None:
    """Relay's `Mechanism::from_value`: a mechanism without `type` is the legacy form, read
    only for `posix_signal` and `mach_exception` (its `meta.ns_error` empty), so Sentry's
    `single_exception` has no ns-error component and the value counts."""

    def cocoa(value: str, mechanism: dict[str, Any]) -> Signal:
        ns_error = {"meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": -1001}}}
        entry = {"type": "NSError", "value": value, "mechanism": mechanism | ns_error}
        return values(entry, platform="cocoa")

    legacy_a, legacy_b = cocoa("timed out", {}), cocoa("hors délai", {})
    assert legacy_a.error is not None and legacy_a.error.ns_error is None
    assert group(legacy_a).hash != group(legacy_b).hash
    typed = {"type": "NSError"}
    assert group(cocoa("timed out", typed)).hash == group(cocoa("hors délai", typed)).hash


def test_an_exception_tree_with_a_cycle_is_not_reduced() -> None:
    """Sentry's `filter_exceptions_for_exception_groups` walks the tree recursively
    (`get_top_level_exceptions`, `get_first_path`) with no guard against a cycle: a root that
    names its own child as parent ends in a RecursionError, which `chained_exception` catches
    and groups on every exception as listed."""

    def entry(type_: str, ident: int, parent: int, group_: bool = False) -> dict[str, Any]:
        mechanism = {"type": "chained", "exception_id": ident, "parent_id": parent}
        if group_:
            mechanism["is_exception_group"] = True
        stack = {"frames": [{"module": f"app.{type_.lower()}", "function": "f", "in_app": True}]}
        return {"type": type_, "value": "v", "mechanism": mechanism, "stacktrace": stack}

    def plain(type_: str) -> dict[str, Any]:
        return {k: v for k, v in entry(type_, 0, 0).items() if k != "mechanism"}

    cyclic = values(entry("KeyError", 1, 0), entry("ExceptionGroup", 0, 1, group_=True))
    listed = values(plain("KeyError"), plain("ExceptionGroup"))
    assert group(cyclic).hash == group(listed).hash


def test_built_in_fingerprint_rules_read_values_stripped() -> None:
    """Sentry's fingerprinting `EventDatastore` strips what its rules match on (an exception's
    `value`, the message, tags): `error.value:"ChunkLoadError*"` takes a value with a leading
    space, and the hydration rules a message with a trailing line break."""

    def js(value: str, **fields: Any) -> Signal:
        return values({"type": "Error", "value": value}, platform="javascript", **fields)

    chunk = group(js(" ChunkLoadError: Loading chunk 7 failed."))
    assert chunk.variant == "built-in"
    assert chunk.hash == group(js("ChunkLoadError: Loading chunk 9 failed.")).hash
    hydration = "Text content does not match server-rendered HTML.\n"
    found = group(js(hydration, transaction="/cart"))
    assert found.variant == "built-in"
    assert found.hash != group(js(hydration, transaction="/pay")).hash


def test_stack_trace_rule_globs_are_globsets() -> None:
    """Sentry's stack trace rules match through `sentry-ophio`, whose `translate_pattern`
    builds each glob with the `globset` crate (`literal_separator` and case-insensitive for
    paths and packages): `**` is recursive only as a whole path component (`**/x`, `x/**`,
    `x/**/y`); elsewhere it is two `*`, which in a path stop at a `/`. So
    `package:**.app/Contents/**` does not reach an absolute macOS path, and a leading `**/`
    also matches nothing before it (`module:**/packages/flutter/**`)."""
    from runner.triage.grouping.enhancers import parse_rule

    [app] = parse_rule("package:**.app/Contents/** +app").matchers
    assert not app.pattern.match("/applications/shop.app/contents/macos/shop")
    assert app.pattern.match("shop.app/contents/macos/shop")
    [flutter] = parse_rule("module:**/packages/flutter/** -app").matchers
    assert flutter.pattern.match("packages/flutter/src/widgets/framework.dart")
    assert flutter.pattern.match("x/packages/flutter/a")
    [middle] = parse_rule("path:/a/**/b -app").matchers
    assert middle.pattern.match("/a/b") and middle.pattern.match("/a/x/y/b")
    [one] = parse_rule("path:/usr/lib/*.so -app").matchers
    assert one.pattern.match("/usr/lib/libc.so") and not one.pattern.match("/usr/lib/x/libc.so")

    def mac(package: str) -> Signal:
        frames = [
            {"function": "main", "package": package},
            {"function": "crash", "package": package},
        ]
        return values(
            {"type": "EXC_BAD_ACCESS", "value": "x", "stacktrace": {"frames": frames}},
            platform="cocoa",
        )

    # No rule makes these frames in-app (the `/Users/**` one aside), so the app variant is empty.
    assert group(mac("/Applications/Shop.app/Contents/MacOS/Shop")).variant == "system"
    assert group(mac("/Users/dev/Shop.app/Contents/MacOS/Shop")).variant == "app"


def test_stack_trace_rule_globs_have_globsets_alternates() -> None:
    """`sentry-ophio`'s `translate_pattern` builds globs with `globset` 0.4.14, whose
    `Parser::parse` reads `{a,b}` as either alternative (an empty one left out; a `**` at an
    alternative's start or end recursive as at the pattern's), a `}` with no group open as
    nothing, and refuses a nested or unclosed group or class, which ophio makes a `Noop`
    matcher (no frame; negated, every frame). A `,` outside a group is a comma."""
    from runner.triage.grouping.enhancers import MatchFrame, parse_rule

    def native(function: str = "f", package: str | None = None) -> MatchFrame:
        return MatchFrame("native", function, None, package, None, False)

    [either] = parse_rule("function:{objc_msgSend,objc_retain}* -group").matchers
    assert either.matches(native("objc_msgSendSuper2"), None)
    assert either.matches(native("objc_retain"), None)
    assert not either.matches(native("objc_release"), None)
    [lib] = parse_rule("package:/usr/{lib,local/lib}/** -app").matchers
    assert lib.matches(native(package="/usr/local/lib/libz.so"), None)
    assert lib.matches(native(package="/usr/lib/x/libc.so"), None)
    assert not lib.matches(native(package="/usr/share/libc.so"), None)
    [deep] = parse_rule("package:{**/vendor,/opt}/** -app").matchers
    assert deep.matches(native(package="/app/vendor/a/b.so"), None)
    assert deep.matches(native(package="vendor/b.so"), None)
    [blank] = parse_rule("function:get{,ter} -group").matchers
    assert blank.matches(native("getter"), None) and not blank.matches(native("get"), None)
    [stray] = parse_rule("function:a}b -group").matchers
    assert stray.matches(native("ab"), None)
    [comma] = parse_rule("function:a,b -group").matchers
    assert comma.matches(native("a,b"), None)
    for broken in ("{a", "{a,{b}}", "-[*"):
        [bad] = parse_rule(f"function:{broken} -group").matchers
        assert not bad.matches(native(broken), None) and not bad.matches(native("a"), None)
        [notbad] = parse_rule(f"!function:{broken} -group").matchers
        assert notbad.matches(native("a"), None)
    # A category glob is no category a rule must give first: the rule still runs.
    assert parse_rule("category:{gl,av} | [ category:gl ] category=internals").needs == {"gl"}


def test_a_rule_matches_every_frame_before_it_changes_any() -> None:
    """`sentry-ophio`'s `apply_modifications_to_frames`: for each rule, first the frames it
    matches, then its actions on all of them, so a category a rule sets does not stop the same
    rule matching the next frame: three `std::` frames in a row under
    `[ category:std ] | category:std category=internals` leave only the first one `std`."""
    frames = [
        {"function": "main", "package": "/opt/app/bin/app", "in_app": True},
        {"function": "std::sort", "package": "/opt/app/bin/app"},
        {"function": "std::stable_sort", "package": "/opt/app/bin/app"},
        {"function": "std::merge", "package": "/opt/app/bin/app"},
    ]
    entry = {"type": "SIGSEGV", "value": "x", "stacktrace": {"frames": frames}}
    tree = group(values(entry, platform="native")).trees["system"].render()
    assert tree.count("category:internals -app -group") == 2
    system = tree.split("\n    frame")
    assert "(ignored)" not in system[2] and "(ignored)" in system[3] and "(ignored)" in system[4]


def test_an_event_field_replaces_the_clients_tag_of_its_name() -> None:
    """Sentry's `event_manager._pull_out_data` copies `level`, `logger`, `environment` and
    `transaction` into tags with `set_tag`, which replaces a tag the client sent under that
    name: the field is what the built-in hydration rule's `tags.transaction` reads."""
    hydration = {"type": "Error", "value": "Text content does not match server-rendered HTML."}

    def js(**fields: Any) -> Signal:
        return values(hydration, platform="javascript", **fields)

    a = js(transaction="/cart", tags={"transaction": "/stale"})
    assert a.tags["transaction"] == "/cart" and a.tags["level"] == "error"
    assert group(a).hash == group(js(transaction="/cart")).hash
    assert group(a).hash != group(js(tags={"transaction": "/stale"})).hash


def test_transaction_and_logger_variables_read_the_event_fields() -> None:
    """Sentry's `resolve_fingerprint_variable` reads `event.data["transaction"]` and
    `event.data["logger"]`, not tags: a client's tag of that name alone resolves to
    `<no-transaction>` (`<no-logger>`), as an event without either does."""

    def fp(parts: list[str], **fields: Any) -> str | None:
        return group(values({"type": "E", "value": "v"}, fingerprint=parts, **fields)).hash

    assert fp(["{{ transaction }}"], tags={"transaction": "/cart"}) == fp(["{{ transaction }}"])
    assert fp(["{{ transaction }}"], transaction="/cart") != fp(["{{ transaction }}"])
    assert fp(["{{ logger }}"], tags={"logger": "shop"}) == fp(["{{ logger }}"])
    assert fp(["{{ logger }}"], logger="shop") != fp(["{{ logger }}"])
