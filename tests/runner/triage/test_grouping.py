"""Sentry-style grouping: the component trees (snapshots) and which events share a hash.

Events are Sentry event payloads through the real parser, shaped as the SDKs send them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from runner.sources.records import parse_record
from runner.triage.grouping import GROUPING_VERSION, group
from runner.triage.grouping.message import normalize as normalize_message
from runner.triage.grouping.message import parameterize
from runner.triage.grouping.native import trim_native_function
from runner.triage.grouping.normalize import java_module, trim_function
from store.signal import Signal


def event(**fields: Any) -> Signal:
    record: dict[str, Any] = {"platform": "python", "level": "error"} | fields
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def frames(*specs: tuple[str, str, bool], platform: str | None = None) -> list[dict[str, Any]]:
    """(module-or-file, function, in_app) per frame, caller first."""
    out = []
    for where, name, in_app in specs:
        key = "module" if "." in where and "/" not in where and ":" not in where else "filename"
        frame: dict[str, Any] = {key: where, "function": name, "in_app": in_app, "lineno": 7}
        if key == "filename" and "://" in where:
            frame["abs_path"] = where
        if platform:
            frame["platform"] = platform
        out.append(frame)
    return out


def exc(type_: str, value: str, stack: list[dict[str, Any]] | None = None, **mech: Any) -> dict:
    value_: dict[str, Any] = {"type": type_, "value": value}
    if stack is not None:
        value_["stacktrace"] = {"frames": stack}
    if mech:
        value_["mechanism"] = {"type": "generic", **mech}
    return value_


APP = frames(("app.views", "handle", True), ("app.reports", "ratio", True))


def tree(signal: Signal) -> str:
    g = group(signal)
    return "\n".join(
        [f"winner: {g.variant} ({g.basis})"]
        + [f"[{name}]\n{t.render()}" for name, t in g.trees.items()]
    )


def test_a_chained_exception_tree(snapshot: SnapshotAssertion) -> None:
    chained = event(
        exception={
            "values": [
                exc("FileNotFoundError", "No such file: /etc/app/7.toml", APP),
                exc("ConfigError", "config 7 unreadable", APP),
            ]
        }
    )
    assert tree(chained) == snapshot
    g = group(chained)
    assert g.hash is not None and g.hash.startswith(GROUPING_VERSION + ":")
    assert g.variant == "app"
    # Every exception of the chain counts: the same raise with another cause is apart.
    other_cause = event(
        exception={
            "values": [
                exc("PermissionError", "denied", APP),
                exc("ConfigError", "config 7 unreadable", APP),
            ]
        }
    )
    assert group(other_cause).hash != g.hash


def test_an_exception_group_reduces_to_its_distinct_members(snapshot: SnapshotAssertion) -> None:
    def grouped(*members: str) -> Signal:
        values = [
            exc(t, f"{t} {i}", APP, exception_id=i + 1, parent_id=0) for i, t in enumerate(members)
        ]
        root = exc("ExceptionGroup", "several", APP, exception_id=0, is_exception_group=True)
        return event(exception={"values": [*values, root]})

    same = grouped("ValueError", "ValueError", "ValueError")
    assert tree(same) == snapshot
    # Group[E, E, E] is E alone; its messages never count with a stack.
    single = event(exception={"values": [exc("ValueError", "ValueError 9", APP)]})
    assert group(same).hash == group(single).hash
    mixed = grouped("ValueError", "KeyError")
    assert tree(mixed) == snapshot
    assert group(mixed).hash == group(grouped("KeyError", "ValueError", "KeyError")).hash
    assert group(mixed).hash != group(same).hash != group(grouped("TypeError", "KeyError")).hash


def test_javascript_frames_from_urls_and_files(snapshot: SnapshotAssertion) -> None:
    def browser(base: str, function_: str = "loadCart") -> Signal:
        stack = frames(
            (f"{base}/static/app.min.js?v=3", "Object.onClick", True),
            (f"{base}/static/app.min.js?v=3", function_, True),
            platform="javascript",
        )
        return event(
            platform="javascript", exception={"values": [exc("TypeError", "x is undefined", stack)]}
        )

    http = browser("https://shop.example.com")
    assert tree(http) == snapshot
    # Another host is the same frame (a URL contributes no file); a `file://` one is not a
    # URL to Sentry's `get_filename_component` (`files_count_as_urls=False`): it keeps its
    # (base) file name, whatever its directory.
    assert group(http).hash == group(browser("http://cdn.example.net")).hash
    assert group(http).hash != group(browser("file:///opt/shop")).hash
    assert group(browser("file:///opt/shop")).hash == group(browser("file:///srv/other")).hash
    # A plain path keeps its file name.
    assert group(http).hash != group(browser("/opt/shop")).hash
    # Anonymous functions say nothing; named ones do.
    assert group(browser("https://a.io", "<anonymous>")).hash != group(http).hash


def test_java_generated_names_fold(snapshot: SnapshotAssertion) -> None:
    def java(proxy: str, lam: str, accessor: int) -> Signal:
        stack: list[dict[str, Any]] = [
            {
                "module": f"com.shop.Cart$$EnhancerBySpringCGLIB$${proxy}",
                "function": "add",
                "in_app": True,
            },
            {"module": "com.shop.Cart", "function": lam, "in_app": True},
            {"module": f"sun.reflect.GeneratedMethodAccessor{accessor}", "function": "invoke"},
        ]
        return event(
            platform="java", exception={"values": [exc("IllegalStateException", "", stack)]}
        )

    a = java("a1b2c3d4", "lambda$add$0", 12)
    assert tree(a) == snapshot
    assert group(a).hash == group(java("99ffee00", "lambda$add$3", 57)).hash
    assert java_module("com.shop.Cart$$EnhancerByGuice$$ae46b1bf") == (
        "com.shop.Cart$$EnhancerByGuice$$<auto>"
    )
    assert (
        java_module("com.shop.User$HibernateProxy$oRWxjAWT")
        == "com.shop.User$HibernateProxy$<auto>"
    )
    # Sentry folds no other proxy names: a JDK proxy class is its own module.
    assert java_module("jdk.proxy2.$Proxy87") == "jdk.proxy2.$Proxy87"


def test_platform_function_names() -> None:
    assert trim_function("void cart::Store<int>::add(int, char const*) const", "native") == (
        "cart::Store<T>::add"
    )
    assert trim_native_function("std::vector<int>::push_back(int&&)") == "std::vector<T>::push_back"
    assert trim_native_function("main::$_0::operator()() const") == "main::lambda::operator()"
    assert trim_native_function("-[NSView layout]") == "-[NSView layout]"
    assert trim_native_function("core::panicking::panic::h0123456789abcdef") == (
        "core::panicking::panic"
    )
    assert trim_native_function("_RtlUserThreadStart@8") == "_RtlUserThreadStart"
    assert trim_function("Shop.Cart.Add (System.Int32 count)", "csharp") == "Shop.Cart.Add"
    # Python, Go, Rust-as-its-own-platform names are not trimmed: Sentry's native family is
    # objc, cocoa, swift, native and c.
    assert trim_function("f(int)", "go") == "f(int)"


def test_the_whole_stack_is_a_second_hash_salted_too() -> None:
    # Sentry files an event under its in-app and its whole-stack hash; a hybrid fingerprint
    # salts both. The same frames marked in-app otherwise meet on the second.
    library = ("django.core", "dispatch", False)
    marked = frames(library, ("app.views", "handle", True), ("app.reports", "ratio", True))
    unmarked = frames(library, ("app.views", "handle", False), ("app.reports", "ratio", False))
    for extra in ({}, {"fingerprint": ["{{ default }}", "checkout"]}):
        app = group(event(exception={"values": [exc("KeyError", "'x'", marked)]}, **extra))
        whole = group(event(exception={"values": [exc("KeyError", "'x'", unmarked)]}, **extra))
        assert app.system is not None and app.system != app.hash
        assert whole.system is None and whole.hash == app.system
    # With every frame in-app the two hashes are one.
    assert group(event(exception={"values": [exc("KeyError", "'x'", APP)]})).system is None


def test_custom_hybrid_and_built_in_fingerprints(snapshot: SnapshotAssertion) -> None:
    base = {"exception": {"values": [exc("TimeoutError", "took 3s", APP)]}}
    default = group(event(**base)).hash
    hybrid = event(**base, fingerprint=["{{ default }}", "checkout"])
    assert tree(hybrid) == snapshot
    assert group(hybrid).variant == "hybrid"
    # `{{ default }}` expands: other extra values are another group, equal ones the same.
    assert (
        len(
            {
                default,
                group(hybrid).hash,
                group(event(**base, fingerprint=["{{ default }}", "cart"])).hash,
            }
        )
        == 3
    )
    assert group(event(**base, fingerprint=["{{default}}"])).hash == default
    custom = group(event(**base, fingerprint=["payments", "{{ error.type }}"]))
    other_stack = event(
        fingerprint=["payments", "{{ error.type }}"],
        exception={"values": [exc("TimeoutError", "x")]},
    )
    assert custom.variant == "custom" and custom.hash == group(other_stack).hash
    chunk = event(
        platform="javascript",
        exception={"values": [exc("ChunkLoadError", "Loading chunk 7 failed.", APP)]},
    )
    assert tree(chunk) == snapshot
    other_chunk = event(
        platform="javascript",
        exception={"values": [exc("ChunkLoadError", "Loading chunk 9 failed.")]},
    )
    assert group(chunk).hash == group(other_chunk).hash
    # Built-in rules are for the JavaScript family, and replace a client fingerprint there,
    # as Sentry's server-side rules do.
    assert group(event(exception={"values": [exc("ChunkLoadError", "x", APP)]})).variant == "app"
    fingerprinted = event(
        platform="javascript",
        fingerprint=["mine"],
        exception={"values": [exc("ChunkLoadError", "Loading chunk 3 failed.")]},
    )
    assert group(fingerprinted).variant == "built-in"
    assert group(fingerprinted).hash == group(chunk).hash


def test_messages_checksums_and_system_stacks(snapshot: SnapshotAssertion) -> None:
    msg = event(message="Payment 4711 failed for jane@example.com at 2026-11-30T10:00:00Z")
    assert tree(msg) == snapshot
    assert (
        group(msg).hash
        == group(event(message="Payment 12 failed for ann@example.org at 2025-01-01")).hash
    )
    template = event(logentry={"message": "Sync of %s failed", "formatted": "Sync of cart failed"})
    assert (
        group(template).hash
        == group(
            event(logentry={"message": "Sync of %s failed", "formatted": "Sync of x failed"})
        ).hash
    )
    summed = event(message="anything", checksum="0123456789abcdef0123456789abcdef")
    assert group(summed).variant == "checksum"
    assert (
        group(summed).hash
        == group(event(message="else", checksum="0123456789abcdef0123456789abcdef")).hash
    )
    # Sentry takes only a lower-case md5 digest as it is; any other checksum is hashed.
    upper = group(event(message="x", checksum="0123456789abcdef0123456789ABCDEF"))
    assert upper.variant == "hashed-checksum" and upper.hash != group(summed).hash
    assert group(event(message="a", checksum="legacy-key")).variant == "hashed-checksum"
    # No in-app frame: the full stack groups (the system variant).
    lib = frames(("requests.api", "get", False), ("urllib3.pool", "urlopen", False))
    system = event(exception={"values": [exc("ConnectionError", "refused", lib)]})
    assert tree(system) == snapshot
    assert group(system).variant == "system"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("took 3.2s", "took <duration>"),
        ("took 150ms", "took <duration>"),
        ("from 10.0.0.7", "from <ip>"),
        ("at 12:30:01", "at <date>"),
        ("on 2026-11-30T10:00:00Z", "on <date>"),
        ("mail ann@example.org", "mail <email>"),
        ("GET https://api.example.com/v1?x=1 failed", "GET <url> failed"),
        ("host db.example.com unreachable", "host <hostname> unreachable"),
        ("id 123e4567-e89b-12d3-a456-426614174000", "id <uuid>"),
        ("flags 0x1f and -3 and 4.5", "flags <hex> and <int> and <float>"),
        ("user='ann' active=true", "user=<quoted_str> active=<bool>"),
        # Sentry masks a bare hex run of 8 digits or more; a dash between words is no minus.
        ("id 7f3e9a12bc sku-9", "id <hex> sku-<int>"),
        ("build abc1234 at 9:05 pm, pid -4", "build <git_sha> at <date>, pid <int>"),
        ("Foo::bar() on 10.1.2.3", "Foo::bar() on <ip>"),
    ],
)
def test_parameterisation_masks_variable_parts(value: str, masked: str) -> None:
    assert parameterize(value) == masked


def test_messages_group_on_their_first_two_lines() -> None:
    assert normalize_message("first\n\nsecond 7\nthird") == "first\nsecond <int>..."
    assert normalize_message("one line") == "one line"


def test_a_message_with_a_thread_stack_groups_on_the_stack() -> None:
    def logged(text: str, caller: str, form: str) -> Signal:
        stack = {"frames": frames(("app.jobs", caller, True), ("app.stock", "warn", True))}
        where: dict[str, Any] = (
            {"stacktrace": stack}
            if form == "bare"
            else {"threads": {"values": [{"id": 1, "current": True, "stacktrace": stack}]}}
        )
        return event(message=text, **where)

    a = logged("Stock for item 7 is low", "checkout", "thread")
    assert group(a).variant == "app" and len(a.stack) == 2
    assert group(a).hash == group(logged("Stock for sku-9 is short", "checkout", "bare")).hash
    assert group(a).hash != group(logged("Stock for item 7 is low", "restock", "thread")).hash
    # Without a stack, the message groups.
    plain = group(event(message="Stock for item 7 is low"))
    assert (
        plain.variant == "message"
        and plain.hash == group(event(message="Stock for item 8 is low")).hash
    )


def py_frame(function_: str, line: str | None, lineno: int = 7, in_app: bool = True) -> dict:
    frame: dict[str, Any] = {
        "module": "shop.prices",
        "filename": "shop/prices.py",
        "abs_path": "/srv/shop/prices.py",
        "function": function_,
        "lineno": lineno,
        "in_app": in_app,
    }
    if line is not None:
        frame["context_line"] = line
    return frame


def key_error(*stack: dict[str, Any]) -> Signal:
    return event(exception={"values": [exc("KeyError", "'price'", list(stack))]})


def test_source_lines_group_for_the_platforms_sentry_trusts(snapshot: SnapshotAssertion) -> None:
    price = key_error(py_frame("price_of", '    base = item["price"]'))
    assert tree(price) == snapshot
    # Another line of the same function is another group; whitespace is not.
    assert group(price).hash != group(key_error(py_frame("price_of", "    d = item['x']"))).hash
    assert (
        group(price).hash == group(key_error(py_frame("price_of", 'base  =  item["price"]'))).hash
    )
    # Too long a line does not count (it is likely generated or minified).
    long = "x = " + "1 + " * 40
    assert (
        group(key_error(py_frame("price_of", long))).hash
        == group(key_error(py_frame("price_of", long + "2"))).hash
    )
    # Java source lines never count.
    java = {"module": "shop.Prices", "function": "of", "in_app": True, "context_line": "a();"}
    other = dict(java, context_line="b();")
    assert (
        group(event(platform="java", exception={"values": [exc("E", "", [java])]})).hash
        == group(event(platform="java", exception={"values": [exc("E", "", [other])]})).hash
    )


def test_a_repeated_frame_does_not_count(snapshot: SnapshotAssertion) -> None:
    call = py_frame("leaf_of", "    return leaf_of(tree, depth - 1)", lineno=12)
    raise_ = py_frame("leaf_of", '        return tree["leaf"]', lineno=11)
    shallow = key_error(call, raise_)
    deep = key_error(call, call, call, call, raise_)
    assert tree(deep) == snapshot
    assert group(shallow).hash == group(deep).hash
    # Not a repeat when its line differs: a different call site of the same function counts.
    assert group(key_error(call, dict(call, lineno=13), raise_)).hash != group(shallow).hash


def test_javascript_source_maps_and_nameless_frames() -> None:
    def js(frame: dict[str, Any]) -> Signal:
        return event(platform="javascript", exception={"values": [exc("TypeError", "x", [frame])]})

    mapped = {
        "filename": "app:///src/cart.ts",
        "abs_path": "app:///src/cart.ts",
        "function": "minifiedA",
        "context_line": "return cart.items.length;",
        "in_app": True,
        "data": {"sourcemap": "app:///main.js.map"},
    }
    # With a source map and a source line, the (unreliable) mapped name does not count.
    assert group(js(mapped)).hash == group(js(dict(mapped, function="minifiedB"))).hash
    unmapped = {k: v for k, v in mapped.items() if k != "data"}
    assert group(js(unmapped)).hash != group(js(dict(unmapped, function="minifiedB"))).hash
    # `Object.foo` and `foo` are one function; `eval` frames are noise.
    named = {"filename": "cart.js", "abs_path": "/srv/cart.js", "function": "Cart.add"}
    assert group(js(named)).hash == group(js(dict(named, function="add"))).hash
    assert group(js(dict(named, function="eval"))).variant == "system"
    tree_ = group(js(dict(named, function="eval"))).trees["system"]
    assert "ignored low quality javascript frame" in tree_.render()


def test_a_synthetic_exception_groups_without_its_type() -> None:
    def synthetic(type_: str) -> Signal:
        return event(
            platform="native",
            exception={
                "values": [
                    exc(type_, "", [{"function": "crash_here", "in_app": True}], synthetic=True)
                ]
            },
        )

    assert group(synthetic("SIGSEGV")).hash == group(synthetic("EXC_BAD_ACCESS")).hash
    assert (
        "ignored because exception is synthetic"
        in group(synthetic("SIGSEGV")).trees["app"].render()
    )


def native_frame(function_: str, package: str, in_app: bool = False) -> dict[str, Any]:
    return {"function": function_, "package": package, "in_app": in_app}


def test_native_stack_trace_rules(snapshot: SnapshotAssertion) -> None:
    def crash(*stack: dict[str, Any]) -> Signal:
        return event(platform="cocoa", exception={"values": [exc("NSException", "", list(stack))]})

    app = "/var/containers/Bundle/Application/1234/Shop.app/Shop"
    thrown = crash(
        native_frame("start", "/usr/lib/system/libdyld.dylib"),
        native_frame("main", app),
        native_frame("-[Cart add:]", app),
        native_frame("objc_exception_throw", "/usr/lib/libobjc.A.dylib"),
        native_frame("__cxa_throw", "/usr/lib/libc++abi.dylib"),
    )
    assert tree(thrown) == snapshot
    g = group(thrown)
    # The app's own binary is in-app by path though the SDK said not; the throw machinery
    # and thread start do not group.
    assert g.variant == "app"
    assert list(g.trees["app"].leaves()) == ["main", "-[Cart add:]", "NSException"]
    # A crash thrown from another in-app method is another group.
    other = crash(native_frame("main", app), native_frame("-[Cart remove:]", app))
    assert group(other).hash != g.hash


def test_an_exception_group_keeps_sentrys_order_and_first_path() -> None:
    def grouped(*members: str) -> Signal:
        values = [
            exc(t, f"{t} {i}", APP, exception_id=i + 1, parent_id=0) for i, t in enumerate(members)
        ]
        root = exc("ExceptionGroup", "several", APP, exception_id=0, is_exception_group=True)
        return event(exception={"values": [root, *values]})

    # Without a root (id 0) the group is not reduced: every exception counts.
    no_root = event(
        exception={
            "values": [
                exc("ValueError", "a", APP, exception_id=1, parent_id=2),
                exc("ExceptionGroup", "g", APP, exception_id=2, is_exception_group=True),
            ]
        }
    )
    assert group(no_root).trees["app"].id == "chained-exception"
    assert (
        group(grouped("KeyError", "ValueError")).hash
        == group(grouped("ValueError", "KeyError")).hash
    )


def test_python_sdk_3_exception_groups_are_not_reduced() -> None:
    def grouped(version: str, *members: str) -> Signal:
        values = [exc(t, "v", APP, exception_id=i + 1, parent_id=0) for i, t in enumerate(members)]
        root = exc("ExceptionGroup", "g", APP, exception_id=0, is_exception_group=True)
        return event(
            sdk={"name": "sentry.python", "version": version}, exception={"values": [*values, root]}
        )

    assert (
        group(grouped("2.19.0", "ValueError", "ValueError")).hash
        == group(grouped("2.19.0", "ValueError")).hash
    )
    assert (
        group(grouped("3.0.0", "ValueError", "ValueError")).hash
        != group(grouped("3.0.0", "ValueError")).hash
    )


def test_threads_the_one_crashed_thread_groups() -> None:
    def threads(*values: dict[str, Any]) -> Signal:
        return event(message="crash", threads={"values": list(values)})

    stack_a = {"frames": frames(("app.jobs", "run", True))}
    stack_b = {"frames": frames(("app.jobs", "stop", True))}
    crashed = threads(
        {"id": 1, "stacktrace": stack_b}, {"id": 2, "crashed": True, "stacktrace": stack_a}
    )
    assert (
        group(crashed).hash
        == group(threads({"id": 2, "crashed": True, "stacktrace": stack_a})).hash
    )
    # Two current threads and none crashed: no thread groups, the message does.
    two = threads(
        {"id": 1, "current": True, "stacktrace": stack_a},
        {"id": 2, "current": True, "stacktrace": stack_b},
    )
    assert group(two).variant == "message"


def test_nothing_to_group_on_is_one_fallback_group() -> None:
    empty = event(exception={"values": [exc("", "", None, synthetic=True)]})
    assert group(empty).variant == "fallback"
    assert (
        group(empty).hash
        == group(
            event(platform="native", exception={"values": [exc("", "", None, synthetic=True)]})
        ).hash
    )


def test_what_sentry_ingestion_normalises_before_grouping() -> None:
    def one(frame: dict[str, Any], platform: str = "python") -> Signal:
        return event(platform=platform, exception={"values": [None, exc("E", "v", [frame])]})

    # A frame with only a `file:` URL gets the URL's path as its file name (Relay), which
    # counts (`get_filename_component`: a `file:` path is no served URL): its base name
    # groups, the folder and query never matter.
    url = {"abs_path": "file:///srv/app/main.js?v=1", "function": "f", "in_app": True}
    moved = {"abs_path": "file:///opt/other.js?v=2", "function": "f", "in_app": True}
    plain = {"filename": "/opt/main.js", "function": "f", "in_app": True}
    assert group(one(url, "node")).hash != group(one(moved, "node")).hash
    assert group(one(url, "node")).hash == group(one(plain, "node")).hash
    # An `app://` path (React Native) is not such a URL: its query stays in the file name.
    app = {"filename": "app:///main.js?v=1", "function": "f", "in_app": True}
    assert (
        group(one(app, "node")).hash
        != group(one(dict(app, filename="app:///main.js"), "node")).hash
    )


def test_the_loose_hash_links_producers_with_and_without_source_lines() -> None:
    from runner.triage.grouping import loose_hash

    with_lines = key_error(py_frame("price_of", '    base = item["price"]'))
    without = key_error(py_frame("price_of", None))
    assert group(with_lines).hash != group(without).hash
    assert loose_hash(with_lines) == loose_hash(without) == group(without).hash
    other_line = key_error(py_frame("price_of", "    d = item['x']"))
    assert loose_hash(other_line) == loose_hash(with_lines)


def test_a_template_error_groups_on_the_template_file_and_line_as_sent() -> None:
    """Sentry's `template:v1` (score 1100: below a stack, above a security report and the
    message): the template's `filename` and `context_line` as sent, no base name, no case or
    whitespace folding, no length limit; the line number never counts."""

    def rendered(line: str, filename: str = "shop/cart.html", lineno: int = 3) -> Signal:
        template = {"filename": filename, "abs_path": f"/srv/t/{filename}", "lineno": lineno}
        return event(message="render failed", template=dict(template, context_line=line))

    total = group(rendered("{{ cart.total }}"))
    assert total.variant == "template"
    assert total.hash == group(rendered("{{ cart.total }}", lineno=9)).hash
    assert total.hash != group(rendered("{{ cart.items }}")).hash
    assert total.hash != group(rendered("{{ cart.total }}", "mail/cart.html")).hash
    assert total.hash != group(rendered("{{ cart.total }}", "shop/Cart.html")).hash
    assert total.hash != group(rendered("{{  cart.total }}")).hash
    long_line = "{{ " + "x" * 130 + " }}"
    assert group(rendered(long_line)).hash != group(rendered(long_line + " ")).hash
    # The template is where the event is: its one frame locates it.
    assert [f.file for f in rendered("{{ cart.total }}").stack] == ["shop/cart.html"]
    # A stack, when the event has one, groups instead.
    frames_ = frames(("app.views", "render", True))
    with_stack = event(
        message="render failed",
        template={"filename": "shop/cart.html", "context_line": "{{ x }}"},
        stacktrace={"frames": frames_},
    )
    assert group(with_stack).variant == "app"


def test_fingerprint_variables_resolve_as_sentry_resolves_them() -> None:
    def fp(parts: list[str], **fields: Any) -> str | None:
        base: dict[str, Any] = {"exception": {"values": [exc("TimeoutError", "slow", APP)]}}
        return group(event(fingerprint=parts, **(base | fields))).hash

    # `transaction` and `logger` are the event's fields (Sentry copies them into tags, but its
    # variables read the fields): a client's tag of the name alone is no transaction.
    assert fp(["{{ transaction }}"], transaction="/cart") != fp(
        ["{{ transaction }}"], tags={"transaction": "/cart"}
    )
    assert fp(["{{ transaction }}"], transaction="/cart") != fp(
        ["{{ transaction }}"], transaction="/pay"
    )
    assert fp(["{{ logger }}"], logger="shop.sync") != fp(["{{ logger }}"], logger="shop.pay")
    # The crash frame is the raised exception's highest in-app frame.
    assert fp(["{{ function }}"]) == fp(
        ["{{ function }}"],
        exception={"values": [exc("KeyError", "other", frames(("x.y", "ratio", True)))]},
    )
    # An unknown variable stays as written: it is a constant part.
    assert fp(["{{ nonsense }}", "a"]) == fp(["{{ nonsense }}", "a"], transaction="/x")


def test_security_reports_group_on_what_they_report() -> None:
    def csp(blocked: str, directive: str = "img-src", violated: str = "") -> Signal:
        report = {
            "document_uri": "https://shop.example.com/cart",
            "effective_directive": directive,
            "violated_directive": violated or directive,
            "blocked_uri": blocked,
        }
        return event(platform="javascript", csp=report)

    a = group(csp("https://evil.example.net/pixel.gif?id=1"))
    assert a.variant == "security"
    assert a.hash == group(csp("https://evil.example.net/other.gif")).hash
    assert a.hash != group(csp("https://cdn.example.org/x.gif")).hash
    assert a.hash != group(csp("https://evil.example.net/x.js", "script-src")).hash
    # Sentry's `Csp._normalize_uri`: an `http(s)` URL is its host, whatever the scheme; a
    # bare scheme is `scheme:`, as a URL of that scheme without host is.
    assert a.hash == group(csp("http://evil.example.net/pixel.gif")).hash
    assert group(csp("data")).hash == group(csp("data:image/png;base64,iVBO")).hash
    # `local_script_violation_type`: only a local (`'self'`, empty) blocked URI of
    # `script-src` groups on the kind of violation; another groups on its origin.
    violated = "script-src 'self' 'unsafe-inline'"
    local = group(csp("self", "script-src", violated))
    assert local.hash == group(csp("", "script-src", violated)).hash
    assert "'unsafe-inline'" in local.trees["security"].render()
    inline = group(csp("inline", "script-src", violated))
    assert inline.hash != group(csp("https://x.io/a.js", "script-src", violated)).hash
    assert inline.hash != local.hash
    hpkp = event(hpkp={"hostname": "shop.example.com", "port": 443})
    assert group(hpkp).hash != group(event(hpkp={"hostname": "api.example.com"})).hash


def test_a_value_without_a_type_is_read_as_type_and_message() -> None:
    split = event(exception={"values": [{"value": "ZeroDivisionError: division by zero"}]})
    assert split.error is not None and split.error.type == "ZeroDivisionError"
    assert split.error.message == "division by zero"
    assert (
        group(split).hash
        == group(event(exception={"values": [exc("ZeroDivisionError", "division by zero")]})).hash
    )


def test_a_stack_keeps_its_last_250_frames() -> None:
    deep = [{"module": f"app.m{i}", "function": "f", "in_app": True} for i in range(300)]
    cut = event(exception={"values": [exc("RecursionError", "deep", deep)]})
    assert cut.error is not None and len(cut.error.frames) == 250
    assert cut.error.frames[-1].module == "app.m299"
    assert (
        group(cut).hash
        == group(event(exception={"values": [exc("RecursionError", "x", deep[50:])]})).hash
    )


def test_native_frames_keep_package_raw_function_and_source_map_marks() -> None:
    frame = {
        "function": "cart::add",
        "raw_function": "cart::add(int)",
        "package": "/usr/lib/libcart.so",
        "colno": 12,
        "data": {"sourcemap": "x.map"},
    }
    parsed = event(platform="native", exception={"values": [exc("E", "", [frame])]})
    assert parsed.error is not None
    [f] = parsed.error.frames
    assert (f.raw_function, f.package, f.column, f.sourcemap) == (
        "cart::add(int)",
        "/usr/lib/libcart.so",
        12,
        True,
    )


def test_a_hostile_value_is_parameterised_in_bounded_time() -> None:
    import time

    started = time.process_time()
    for text in ("a." * 8000, "1." * 8000, "a-" * 8000):
        assert parameterize(text).startswith(text[:8]) or parameterize(text).startswith("<")
    # Unbounded, the host-name pattern alone takes seconds on the first of these.
    assert time.process_time() - started < 2.0
    # Below the bound, host names are masked as Sentry masks them.
    assert parameterize("a " * 300 + "db.example.com") == "a " * 300 + "<hostname>"
