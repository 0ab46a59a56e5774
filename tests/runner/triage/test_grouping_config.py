"""What Sentry's default grouping configuration, `newstyle:2026-01-20`, does differently from
`newstyle:2023-01-11` (`src/sentry/grouping/strategies/configurations.py`: the context flags
it turns off and its `all-platforms@2026-01-20` stack trace rules), and the fingerprint
variables and frame rules its source has now. Each test names the function it follows.

Events go through the real parser, shaped as the SDKs send them.
"""

from __future__ import annotations

import json
from typing import Any

from runner.sources.records import parse_record
from runner.triage.grouping import group
from store.signal import Signal


def event(platform: str, frames: list[dict[str, Any]], **fields: Any) -> Signal:
    record: dict[str, Any] = {
        "platform": platform,
        "level": "error",
        "exception": {
            "values": [{"type": "KeyError", "value": "'sku'", "stacktrace": {"frames": frames}}]
        },
    } | fields
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def py(path: str, function: str, in_app: bool = True, **extra: Any) -> dict[str, Any]:
    return {"abs_path": path, "filename": path.rsplit("/", 1)[-1], "function": function,
            "in_app": in_app, "lineno": 10} | extra  # fmt: skip


APP = py("/srv/shop/cart.py", "total", module="shop.cart")


def test_unix_library_paths_are_never_in_app_on_any_platform() -> None:
    """`all-platforms@2026-01-20`: `path:/usr/local/lib/** -app` (and `/lib`, `/usr/lib`,
    `**/.local/share`) for every family, where the 2023 rules said `family:native`: a Python
    standard library frame the client marked in-app does not make the in-app stack."""
    stdlib = "/usr/local/lib/python3.11/json/decoder.py"
    decode = event("python", [APP, py(stdlib, "decode", module="json.decoder")])
    raw = event("python", [APP, py(stdlib, "raw_decode", module="json.decoder")])
    alone = event("python", [APP])
    assert group(decode).variant == "app"
    assert group(decode).hash == group(raw).hash == group(alone).hash
    shared = py("/home/u/.local/share/virtualenvs/x/json.py", "load", module="lib.json")
    assert group(event("python", [APP, shared])).hash == group(alone).hash


def test_a_throwing_frame_neither_groups_nor_is_in_app() -> None:
    """`all-platforms@2026-01-20`: `category:throw ^-group -group ^-app -app` (the 2023 rules
    said `category:throw ^-group`): `abort` itself no longer groups, nor counts as in-app."""
    app = "/var/containers/Bundle/Application/1/Shop.app/Shop"

    def crash(*stack: dict[str, Any]) -> Signal:
        return event("cocoa", list(stack))

    main = {"function": "main", "package": app, "in_app": True}
    add = {"function": "-[Cart add:]", "package": app, "in_app": True}
    abort = {"function": "abort", "package": app, "in_app": True}
    assert group(crash(main, add, abort)).hash == group(crash(main, add)).hash
    thrown = group(crash(main, add, abort)).trees
    assert "marked out of app by stack trace rule" in thrown["app"].render()
    assert "category:throw ^-group -group ^-app -app" in thrown["system"].render()


def test_python_multiprocessing_bootstrap_is_internals() -> None:
    """`all-platforms@2026-01-20`: `function:<module> | [ function:spawn_main ]
    category=internals`, and `category:internals -app -group`: the generated `<module>` frame
    that calls `spawn_main` never groups."""
    spawn = py("/usr/lib/python3.11/multiprocessing/spawn.py", "spawn_main", in_app=False)

    def child(module: str, callee: dict[str, Any] = spawn) -> Signal:
        boot = {"filename": "<string>", "function": "<module>", "module": module,
                "in_app": True, "lineno": 1}  # fmt: skip
        return event("python", [boot, callee, APP])

    assert group(child("__main__")).hash == group(child("__mp_main__")).hash
    # Only the frame calling `spawn_main`: another `<module>` frame groups on its module.
    run = py("/srv/shop/boot.py", "run", module="shop.boot")
    assert group(child("__main__", run)).hash != group(child("__mp_main__", run)).hash


def test_python_multiprocessing_source_line_is_parameterised() -> None:
    """`stacktraces.processing.normalize_stacktraces_for_grouping` with
    `prevent_python_multiprocessing_context_line_parameterization` off (2026-01-20): the
    `spawn_main(tracker_fd=N, pipe_handle=M)` line of a `<string>` `<module>` frame of module
    `__main__` groups with its numbers as `<int>`; another line keeps them."""

    def child(line: str, module: str = "__main__") -> Signal:
        boot = {"filename": "<string>", "function": "<module>", "module": module,
                "in_app": True, "lineno": 1, "context_line": line}  # fmt: skip
        return event("python", [boot, APP])

    call = "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd={}, pipe_handle={})"
    windows = (
        "from multiprocessing.spawn import spawn_main; spawn_main(parent_pid={}, pipe_handle={})"
    )
    assert group(child(call.format(5, 7))).hash == group(child(call.format(11, 13))).hash
    assert group(child(windows.format(4120, 7))).hash == group(child(windows.format(9, 3))).hash
    assert group(child(call.format(5, 7))).hash != group(child(windows.format(5, 7))).hash
    other = "run(tracker_fd={})"
    assert group(child(other.format(5))).hash != group(child(other.format(6))).hash
    in_a_module = call.format(5, 7), call.format(6, 8)
    assert group(child(in_a_module[0], "boot")).hash != group(child(in_a_module[1], "boot")).hash


def test_a_lone_nameless_javascript_frame_not_from_a_url_does_not_group() -> None:
    """`newstyle._single_stacktrace_variant` with `handle_js_single_frame_url_origin_backwards`
    off (2026-01-20): a one-frame JavaScript stack whose frame has no function and no URL is
    ignored, so the exception groups on its type and value; a served one is kept (it has
    nothing left to group on anyway: its file is a URL and its line nameless)."""

    def lone(path: str, line: str, value: str = "x is undefined") -> Signal:
        frame = {"abs_path": path, "lineno": 1, "colno": 5, "in_app": True, "context_line": line}
        record_value = {"type": "TypeError", "value": value, "stacktrace": {"frames": [frame]}}
        return event("javascript", [], exception={"values": [record_value]})

    local_a, local_b = lone("/app/main.js", "a.b.c;"), lone("/app/other.js", "d.e;")
    assert group(local_a).hash == group(local_b).hash
    assert group(local_a).basis == "exception"
    assert group(local_a).hash != group(lone("/app/main.js", "a.b.c;", "y is undefined")).hash
    assert group(lone("file:///app/main.js", "a.b.c;")).basis == "stack"


def test_recursion_compares_frames_after_trimming_their_function_names() -> None:
    """`newstyle._is_recursive_frame` compares the frame as `normalize_stacktraces_for_grouping`
    left it: `function` already trimmed (`_trim_function_name`), so two template
    instantiations of one function calling each other are one frame."""

    def native(*names: str) -> Signal:
        stack = [
            {"function": n, "filename": "cache.h", "package": "/opt/shop/bin/shop", "in_app": True}
            for n in names
        ]
        return event("native", stack)

    main = "main"
    get_int = "Cache<int>::get(int) const"
    get_long = "Cache<long>::get(long) const"
    assert group(native(main, get_int, get_long)).hash == group(native(main, get_int)).hash
    assert (
        "ignored due to recursion" in group(native(main, get_int, get_long)).trees["app"].render()
    )


def fingerprinted(parts: list[str], path: str = "/srv/shop/cart.py", **fields: Any) -> Signal:
    return event("python", [py(path, "total", module="shop.cart")], fingerprint=parts, **fields)


def test_stack_filename_is_the_file_as_sent_not_its_base_name() -> None:
    """`fingerprinting.utils.resolve_fingerprint_variable`: `stack.filename` is the crash
    frame's `filename or abs_path`, not a base name; `filename` alone is no variable."""

    def frame_file(filename: str) -> Signal:
        record = {"filename": filename, "function": "total", "in_app": True}
        return event("python", [record], fingerprint=["{{ stack.filename }}"])

    assert group(frame_file("shop/cart.py")).hash != group(frame_file("legacy/cart.py")).hash
    assert group(frame_file("shop/cart.py")).hash == group(frame_file("shop/cart.py")).hash
    bare = group(fingerprinted(["{{ filename }}"])).trees["custom"].render()
    assert "<unrecognized-variable-filename>" in bare


def test_stack_filename_of_a_frame_sent_with_the_same_url_twice_is_the_url() -> None:
    """Relay's `process_non_raw_frame` fills a missing `filename` from `abs_path` (a URL's
    path) and a missing `abs_path` from `filename`, and leaves a pair sent as it is: so
    `resolve_fingerprint_variable`'s `stack.filename` (`filename or abs_path`) is the whole URL
    when the SDK sent it as both, and only its path when the SDK sent the URL once."""

    def served(url: str, both: bool) -> Signal:
        record = {"abs_path": url, "function": "total", "in_app": True}
        if both:
            record["filename"] = url
        return event("python", [record], fingerprint=["{{ stack.filename }}"])

    shop, admin = "https://shop.example/static/app.py", "https://admin.example/static/app.py"
    twice = served(shop, both=True)
    assert twice.error is not None and twice.error.frames[0].abs_path == shop
    assert "'https://shop.example/static/app.py'" in group(twice).trees["custom"].render()
    assert group(twice).hash != group(served(admin, both=True)).hash
    # Sent once, the URL's path is the file name: the host no longer tells them apart.
    once = group(served(shop, both=False))
    assert "'/static/app.py'" in once.trees["custom"].render()
    assert once.hash == group(served(admin, both=False)).hash != group(twice).hash
    # The default grouping is the same either way: a served frame's file name never counts.
    plain = [{"abs_path": shop, "filename": shop, "function": "total", "in_app": True}]
    alone = [{"abs_path": shop, "function": "total", "in_app": True}]
    assert group(event("python", plain)).hash == group(event("python", alone)).hash


def test_unknown_fingerprint_variables_are_flagged_whatever_their_spacing() -> None:
    """`resolve_fingerprint_variable` without `use_legacy_unknown_variable_handling`
    (2026-01-20): a name it does not know (`release`, `abs_path`, `dog`) becomes
    `<unrecognized-variable-NAME>`, so `{{dog}}` and `{{ dog }}` are one fingerprint, and a
    `{{ release }}` fingerprint does not split releases."""
    assert group(fingerprinted(["{{dog}}"])).hash == group(fingerprinted(["{{ dog }}"])).hash
    one = group(fingerprinted(["{{ release }}"], release="shop@1"))
    two = group(fingerprinted(["{{ release }}"], release="shop@2"))
    assert one.hash == two.hash
    assert "<unrecognized-variable-release>" in one.trees["custom"].render()
    moved = group(fingerprinted(["{{ abs_path }}"], path="/opt/shop/cart.py"))
    assert moved.hash == group(fingerprinted(["{{ abs_path }}"])).hash
    # The names it knows still resolve: `stack.abs_path` and `path` are the crash frame's path.
    assert (
        group(fingerprinted(["{{ stack.abs_path }}"], path="/opt/shop/cart.py")).hash
        != group(fingerprinted(["{{ path }}"])).hash
    )


def test_a_cause_without_a_stack_trace_is_not_in_the_system_variant() -> None:
    """`newstyle.single_exception` gives an exception without a stack trace only an app
    variant, so `chained_exception`'s system variant holds only the exceptions with one: when
    no frame is in-app, a stackless cause does not count; when one is, it does (type, value)."""
    library = [py("/usr/lib/python3/dist-packages/yaml/reader.py", "read", in_app=False)]

    def chain(cause: str, frames: list[dict[str, Any]]) -> Signal:
        values = [
            {"type": cause, "value": "no config"},
            {"type": "ConfigError", "value": "unreadable", "stacktrace": {"frames": frames}},
        ]
        return event("python", [], exception={"values": values})

    missing, denied = chain("FileNotFoundError", library), chain("PermissionError", library)
    assert group(missing).variant == "system"
    assert group(missing).hash == group(denied).hash
    assert (
        group(chain("FileNotFoundError", [APP])).hash != group(chain("PermissionError", [APP])).hash
    )
    # No stack trace anywhere: every exception's type and value.
    assert group(chain("FileNotFoundError", [])).hash != group(chain("PermissionError", [])).hash


def test_a_thread_whose_frames_do_not_count_leaves_the_bare_stack_trace() -> None:
    """`api._get_component_trees_for_variants` runs every strategy by score and the first that
    contributes wins: `threads:v1` (1900) with a crashed thread none of whose frames counts
    (unsymbolicated, `<unknown>`) does not, so `stacktrace:v1` (1800) groups on the event's
    bare stack trace; a thread whose frames count wins over it."""
    unknown = [{"function": "<unknown>", "instruction_addr": "0x1a2b", "package": "/opt/x"}]

    def native(thread: list[dict[str, Any]], bare: list[dict[str, Any]]) -> Signal:
        record = {
            "platform": "native",
            "message": "watchdog fired",
            "threads": {"values": [{"id": 1, "crashed": True, "stacktrace": {"frames": thread}}]},
            "stacktrace": {"frames": bare},
        }
        return parse_record(record, json.dumps(record), "test")

    def frame(name: str) -> dict[str, Any]:
        return {"function": name, "package": "/opt/shop/bin/shop", "in_app": True}

    loop, flush = [frame("main"), frame("run_loop")], [frame("main"), frame("flush")]
    assert group(native(unknown, loop)).hash != group(native(unknown, flush)).hash
    assert group(native(unknown, loop)).basis == "stack"
    assert group(native([frame("tick")], loop)).hash == group(native([frame("tick")], flush)).hash


def test_a_stored_event_s_frames_are_read_with_the_client_s_in_app_mark() -> None:
    """`stacktraces.processing.normalize_stacktraces_for_grouping` restores a frame's
    `data.orig_in_app` (the client's mark, -1 for none, kept when a stack trace rule changed
    it) before applying the rules again: an event exported from Sentry groups as it was sent."""
    app = "/var/containers/Bundle/Application/1/Shop.app/Shop"

    def stack(block_in_app: bool, data: dict[str, Any] | None) -> Signal:
        block = {
            "function": "__43-[Cart add:]_block_invoke",
            "package": app,
            "in_app": block_in_app,
        }
        if data is not None:
            block["data"] = data
        main = {"function": "main", "package": app, "in_app": True}
        return event("cocoa", [main, block])

    sent = group(stack(False, None))
    # As Sentry stored it: the package rule (`+app`) marked it in-app, the client had not.
    stored = group(stack(True, {"orig_in_app": 0}))
    assert stored.hash == sent.hash
    assert group(stack(True, {"orig_in_app": -1})).hash == sent.hash
    assert group(stack(True, None)).hash != sent.hash


def test_a_stored_event_s_built_in_fingerprint_groups_as_the_rule_does() -> None:
    """`apply_server_side_fingerprinting` stores the matched rule's fingerprint in the event
    (`event["fingerprint"]`, variables unresolved): an exported ChunkLoadError or hydration
    error groups with the events the built-in rule (`javascript@2024-02-02`) fingerprints."""

    def js(value: str, fingerprint: list[str] | None = None) -> Signal:
        exc = {"type": "Error", "value": value}
        extra: dict[str, Any] = {"tags": {"transaction": "/cart"}}
        if fingerprint is not None:
            extra["fingerprint"] = fingerprint
        return event("javascript", [], exception={"values": [exc]}, **extra)

    chunk = "ChunkLoadError: Loading chunk 7 failed."
    assert group(js(chunk)).hash == group(js(chunk, ["chunkloaderror"])).hash
    hydration = "Text content does not match server-rendered HTML."
    stored = js(hydration, ["hydrationerror", "{{tags.transaction}}"])
    assert group(js(hydration)).hash == group(stored).hash


def test_default_twice_is_a_hybrid_fingerprint_not_the_default() -> None:
    """`fingerprinting.utils.get_fingerprint_type`: only `{{ default }}` alone is the default
    fingerprint; `["{{ default }}", "{{ default }}"]` is hybrid, and its salted variants
    (`SaltedComponentVariant`, each `{{ default }}` expanded) hash apart from the default."""
    plain = group(fingerprinted([]))
    assert group(fingerprinted(["{{ default }}"])).hash == plain.hash
    assert group(fingerprinted(["{{default}}"])).hash == plain.hash
    twice = group(fingerprinted(["{{ default }}", "{{default}}"]))
    assert twice.variant == "hybrid"
    assert twice.hash != plain.hash
