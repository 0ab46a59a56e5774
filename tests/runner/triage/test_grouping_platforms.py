"""Grouping of Java, .NET, native, Cocoa and browser JavaScript events where it follows a
particular line of Sentry's source (`newstyle:2026-01-20` with its `all-platforms` rules).

Events go through the real parser, shaped as the SDKs send them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.sources.records import parse_record
from runner.triage.grouping import group
from runner.triage.grouping.component import Component, digest
from runner.triage.grouping.message import normalize as normalize_message
from runner.triage.grouping.native import trim_native_function
from runner.triage.grouping.normalize import java_module
from store.signal import Signal


def event(platform: str, frames: list[dict[str, Any]], type_: str = "TypeError") -> Signal:
    record: dict[str, Any] = {
        "platform": platform,
        "level": "error",
        "exception": {"values": [{"type": type_, "value": "x", "stacktrace": {"frames": frames}}]},
    }
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def js(abs_path: str, function: str | None, **extra: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"abs_path": abs_path, "lineno": 1, "colno": 40, "in_app": True}
    if function is not None:
        frame["function"] = function
    return frame | extra


def test_a_file_url_keeps_its_file_name_an_http_one_does_not() -> None:
    """Sentry's `newstyle.get_filename_component` drops the file name of a frame whose path
    `has_url_origin(abs_path, files_count_as_urls=False)`: `http(s):`, `blob:` and
    `applewebdata:` paths, not `file:` ones, whose base name groups like a plain path's."""
    served = event("javascript", [js("https://shop.example.com/static/js/main.3f9a2b.js", "t")])
    elsewhere = event("javascript", [js("https://cdn.example.net/js/vendor.1c2d.js", "t")])
    local = event("javascript", [js("file:///opt/kiosk/static/js/main.3f9a2b.js", "t")])
    other = event("javascript", [js("file:///opt/kiosk/static/js/vendor.1c2d.js", "t")])
    plain = event("javascript", [js("/srv/static/main.3f9a2b.js", "t")])
    assert group(served).hash == group(elsewhere).hash
    assert group(local).hash == group(plain).hash
    assert len({group(served).hash, group(local).hash, group(other).hash}) == 3
    served_frame = group(served).trees["app"].values[0]
    assert isinstance(served_frame, Component)
    assert "ignored because frame points to a URL" in served_frame.render()


def test_a_nameless_frame_from_any_url_loses_its_source_line() -> None:
    """Sentry's `newstyle.get_contextline_component` drops the source line of a nameless
    JavaScript frame whose path `has_url_origin(abs_path, files_count_as_urls=True)`:
    served and `file:` frames alike; a plain path's line counts."""

    def two(base: str, text: str) -> Signal:
        frames = [
            js(f"{base}/app.js", "checkout"),
            js(f"{base}/app.js", None, context_line=text),
        ]
        return event("javascript", frames)

    line, other = "  return cart.total.toFixed(2);", "  return cart.count.toFixed(0);"
    for base in ("file:///opt/kiosk", "https://shop.example.com"):
        assert group(two(base, line)).hash == group(two(base, other)).hash
    assert group(two("/opt/kiosk", line)).hash != group(two("/opt/kiosk", other)).hash


def test_raw_webpack_and_app_frames_keep_the_client_s_in_app_mark() -> None:
    """Symbolicator's `is_in_app` for `webpack:` and `app:` paths (`symbolicate_js_frame`)
    applies only to a frame it resolved through a source map; a frame it cannot resolve
    (no source map uploaded) comes back as sent. So an event's raw `webpack:` or `app:` frames
    are in-app as the client marked them: none here, and the whole stack groups."""

    def stack(library: dict[str, Any]) -> Signal:
        return event(
            "javascript",
            [
                {"abs_path": "webpack:///./src/cart.js", "function": "cartTotal", "in_app": False},
                library,
                {"abs_path": "webpack:///./src/cart.js", "function": "priceOf", "in_app": False},
            ],
        )

    lodash = {"abs_path": "webpack:///./node_modules/lodash/map.js", "function": "arrayMap"}
    lodash_es = {"abs_path": "webpack:///./node_modules/lodash-es/map.js", "function": "baseMap"}
    first, second = group(stack(lodash)), group(stack(lodash_es))
    assert first.variant == second.variant == "system"
    assert first.hash != second.hash
    react_native = event(
        "javascript",
        [
            {"abs_path": "app:///index.bundle", "function": "render", "in_app": False},
            {"abs_path": "app:///node_modules/react/index.js", "function": "x", "in_app": False},
        ],
    )
    assert group(react_native).variant == "system"


@pytest.mark.parametrize(
    ("name", "trimmed"),
    [
        ("Renderer::drawFrame(Scene&) [clone .cold]", "Renderer::drawFrame"),
        ("Cache<int>::get(int const&) const", "Cache<T>::get"),
        ("std::__1::unique_ptr<Foo>::operator->() const", "std::__1::unique_ptr<T>::operator->"),
        ("memcpy@@GLIBC_2.14", "memcpy"),
        ("Shop.fetch(id: Swift.Int) throws -> Shop.Order", "Shop.fetch"),
        (
            "closure #2 (Swift.Int) -> () in Shop.CartViewController.viewDidLoad() -> ()",
            "closure in Shop.CartViewController.viewDidLoad",
        ),
        (
            "initialization expression of static Shop.Config.shared : Shop.Config",
            "initializer expression of Shop.Config.shared",
        ),
    ],
)
def test_native_names_trim_as_sentry_trims_them_now(name: str, trimmed: str) -> None:
    assert trim_native_function(name, "cocoa") == trimmed


def test_a_swift_attribute_where_the_name_should_be_is_a_closure_on_apple_platforms_only() -> None:
    assert trim_native_function("@objc Shop.Cart.add() -> ()", "cocoa") == "Shop.Cart.add"
    assert trim_native_function("@objc () -> ()", "swift") == "closure"
    assert trim_native_function("@objc () -> ()", "native") == "@objc"


def test_cglib_lambda_and_reflection_names_fold_as_sentry_folds_them() -> None:
    assert java_module("com.shop.OrderService$$EnhancerBySpringCGLIB$$3f9a2b1c") == (
        "com.shop.OrderService$$EnhancerBySpringCGLIB$$<auto>"
    )
    assert java_module("com.shop.OrderService$$FastClassBySpringCGLIB$$51ab07f3") == (
        "com.shop.OrderService$$FastClassBySpringCGLIB$$<auto>"
    )
    assert java_module("com.shop.RefundService$$SpringCGLIB$$1") == (
        "com.shop.RefundService$$SpringCGLIB$$<auto>"
    )
    assert java_module("com.shop.User$HibernateProxy$oRWxjAWT") == (
        "com.shop.User$HibernateProxy$<auto>"
    )
    assert java_module("jdk.internal.reflect.GeneratedMethodAccessor12") == (
        "jdk.internal.reflect.GeneratedMethodAccessor"
    )
    # JDK dynamic proxies keep their number: Sentry has no rule for them.
    assert java_module("jdk.proxy2.$Proxy45") == "jdk.proxy2.$Proxy45"

    def java(lambda_index: int) -> Signal:
        frames = [
            {"module": "com.shop.Inventory", "function": "runSteps", "in_app": True},
            {"module": "java.lang.Iterable", "function": "forEach"},
            {
                "module": "com.shop.Inventory",
                "function": f"lambda$runSteps${lambda_index}",
                "in_app": True,
            },
            {"module": "com.shop.Inventory", "function": "reserve", "in_app": True},
        ]
        return event("java", frames, "IllegalStateException")

    assert group(java(0)).hash == group(java(3)).hash


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("blob 'invoices/3f9a2b1c7d.pdf' is gone", "blob 'invoices/<hex>.pdf' is gone"),
        ("build abc1234 failed", "build <git_sha> failed"),
        ("trace 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "trace <traceparent>"),
        ("at 9:05 pm and 21:05:33", "at <date> and <date>"),
        ("Tue Dec 01 2026 10:00:00 GMT+0100 (Central European Standard Time)", "<date>"),
        ("2026-12-01 10:00:00+01:00 is late", "<date> is late"),
        ("Foo::bar() on 10.1.2.3 and fe80::1", "Foo::bar() on <ip> and <ip>"),
        ("order 12345678 of 7", "order <hex> of <int>"),
        ("sku-9 and -9", "sku-<int> and <int>"),
        ("tx0123456789abcdef01234-0123456789 failed", "<swift_txn_id> failed"),
    ],
)
def test_parameterisation_follows_sentry_s_current_patterns(value: str, masked: str) -> None:
    assert normalize_message(value) == masked


def test_the_digest_never_merges_lists_that_differ() -> None:
    """Sentry digests the values run together; ours prefixes each with its length, so equal
    digests mean equal lists (and so equal Sentry hashes), whatever the values hold."""
    assert digest(["ab", "c"]) != digest(["a", "bc"])
    assert digest(["a\x1fb"]) != digest(["a", "b"])
    assert digest(["a", "b"]) == digest(["a", "b"])
    assert Component("x", ["ab", "c"]).hash() != Component("x", ["a", "bc"]).hash()


def test_an_ns_error_groups_on_domain_and_code_not_its_localised_text() -> None:
    def ns(code: int, text: str) -> Signal:
        record: dict[str, Any] = {
            "platform": "cocoa",
            "exception": {
                "values": [
                    {
                        "type": "NSURLErrorDomain",
                        "value": text,
                        "mechanism": {
                            "type": "NSError",
                            "meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": code}},
                        },
                    }
                ]
            },
        }
        return parse_record(record, json.dumps(record), "test")

    offline = group(ns(-1009, "The Internet connection appears to be offline."))
    german = group(ns(-1009, "Die Internetverbindung scheint offline zu sein."))
    timeout = group(ns(-1001, "The Internet connection appears to be offline."))
    assert offline.hash == german.hash != timeout.hash


def test_an_unsymbolicated_native_stack_groups_on_the_signal() -> None:
    def crash(addrs: list[int]) -> Signal:
        frames = [{"instruction_addr": hex(a), "package": "/opt/shop/bin/kiosk"} for a in addrs]
        return event("native", frames, "SIGSEGV")

    first, second = group(crash([0x401A20, 0x40A110])), group(crash([0x402B00, 0x40F220]))
    assert first.hash == second.hash
    assert first.basis == "exception"


def test_dotnet_names_group_as_sent_state_machines_and_display_classes_included() -> None:
    """Sentry trims a C# name only to match rules on it (`Foo.Bar (int x)` → `Foo.Bar`) and
    groups on the name as sent; an async state machine or a closure class keeps its number."""

    def dotnet(module: str, function: str) -> Signal:
        frames = [
            {"module": "Shop.Api.OrdersController", "function": "Post", "in_app": True},
            {"module": module, "function": function, "in_app": True},
        ]
        return event("csharp", frames, "InvalidOperationException")

    machine = group(dotnet("Shop.Orders.OrderService+<PlaceOrderAsync>d__5", "MoveNext"))
    renumbered = group(dotnet("Shop.Orders.OrderService+<PlaceOrderAsync>d__7", "MoveNext"))
    assert machine.hash != renumbered.hash
    closure = group(dotnet("Shop.Orders.OrderService+<>c__DisplayClass5_0", "<PlaceOrder>b__0"))
    assert closure.hash != machine.hash
    unity = group(dotnet("Shop.Cart", "Shop.Cart.Add (System.Int32 count)"))
    other_args = group(dotnet("Shop.Cart", "Shop.Cart.Add (System.Int64 count)"))
    assert unity.hash != other_args.hash
