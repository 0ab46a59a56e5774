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
from runner.triage.grouping.normalize import function, module, parameterize
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
    # Another host is the same frame (a URL contributes no file); `file://` keeps its file.
    assert group(http).hash == group(browser("http://cdn.example.net")).hash
    assert group(http).hash != group(browser("file:///opt/shop")).hash
    assert group(browser("file:///opt/shop")).hash == group(browser("file:///srv/other")).hash
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
    assert module("jdk.proxy2.$Proxy87", "java") == "jdk.proxy<auto>.$Proxy<auto>"


def test_platform_function_names() -> None:
    assert function("Object.aha", "javascript") == "aha"
    assert function("async fetchCart", "node") == "fetchCart"
    assert function("<anonymous>", "javascript") is None
    assert function("<Main>b__0_0", "csharp") == "<Main>b__<auto>"
    assert function("void cart::Store<int>::add(int, char const*) const", "native") == (
        "cart::Store<T>::add"
    )
    assert function("<lambda>", "python") == "<lambda>"


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
    # Built-in rules are for JavaScript; a client fingerprint wins over them.
    assert group(event(exception={"values": [exc("ChunkLoadError", "x", APP)]})).variant == "app"


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
    summed = event(message="anything", checksum="0123456789abcdef0123456789ABCDEF")
    assert group(summed).variant == "checksum"
    assert (
        group(summed).hash
        == group(event(message="else", checksum="0123456789abcdef0123456789abcdef")).hash
    )
    assert group(event(message="a", checksum="legacy-key")).variant == "hashed-checksum"
    # No in-app frame: the full stack groups (the system variant).
    lib = frames(("requests.api", "get", False), ("urllib3.pool", "urlopen", False))
    system = event(exception={"values": [exc("ConnectionError", "refused", lib)]})
    assert tree(system) == snapshot
    assert group(system).variant == "system"


@pytest.mark.parametrize("value", ["took 3.2s", "id 7f3e9a12bc", "from 10.0.0.7", "at 12:30:01"])
def test_parameterisation_masks_variable_parts(value: str) -> None:
    assert "<" in parameterize(value)


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
