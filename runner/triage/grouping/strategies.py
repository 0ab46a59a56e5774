"""Strategies per part of an event, each building a grouping component, as Sentry's newstyle
grouping (`newstyle:2023-01-11`, its default) does.

`frame` → `stacktrace` → `exception` → `chained-exception`, per variant: `app` counts only
in-app frames, `system` every frame. A frame groups on its module (else its file name), its
function and, for Python, JavaScript, Node, PHP and Ruby, its source line; line and column
numbers never count. A frame repeating the one before (recursion) does not count, and the
built-in stack trace rules (`enhancers`) say which frames are the application's and which are
noise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

from runner.triage.grouping import message as messages
from runner.triage.grouping import normalize
from runner.triage.grouping.component import Component
from runner.triage.grouping.enhancers import MatchFrame, enhance
from store.signal import ErrorDetail, Frame

Variant = Literal["app", "system"]

_HARNESS = "ignored by stack trace rule (test harness -group)"
_UNKNOWN_JS = frozenset({"?", "<anonymous function>", "<anonymous>", "Anonymous function"})
_LOW_QUALITY_JS_PATHS = frozenset({"[native code]", "native code", "eval code", "<anonymous>"})


class _Base(NamedTuple):
    """A frame as grouping reads it, whatever the variant."""

    values: tuple[Component, ...]
    contributes: bool
    hint: str | None
    match: MatchFrame
    javascript: bool
    named: bool
    url: bool
    test: bool


# A frame's key: what grouping reads of it, and whether it repeats the frame before it.
# Line and column are not part of it: a stack whose lines moved keys the same.
_FILE, _FUNCTION, _MODULE, _ABS_PATH, _PLATFORM, _IN_APP = 0, 1, 2, 3, 4, 5
_CONTEXT, _PACKAGE, _RAW, _SOURCEMAP, _REPEAT = 6, 7, 8, 9, 10


def _recursive(f: Frame, previous: Frame, platform: str | None) -> bool:
    """Sentry's recursion test (`newstyle._is_recursive_frame`): abs_path, package, module,
    filename, function, lineno and colno equal, read after its stack normalisation
    (`stacktraces.processing.normalize_stacktraces_for_grouping`): the function trimmed as
    `_trim_function_name` trims it, a browser file without its query string."""
    if not (
        f.line == previous.line
        and f.column == previous.column
        and f.module == previous.module
        and f.package == previous.package
        and f.abs_path == previous.abs_path
    ):
        return False
    if f.file != previous.file and (
        platform != "javascript"
        or f.file is None
        or previous.file is None
        or normalize.strip_query(f.file) != normalize.strip_query(previous.file)
    ):
        return False
    return f.function == previous.function or trimmed_function(f, platform) == trimmed_function(
        previous, platform
    )


def trimmed_function(f: Frame, platform: str | None) -> str | None:
    """The function Sentry's normalisation leaves in `function`: trimmed for the frame's
    platform (else the event's) unless the producer sent a `raw_function`."""
    if not f.function or f.raw_function is not None:
        return f.function
    return normalize.trim_function(f.function, (f.platform or platform or "other").lower())


def stack_key(frames: list[Frame], platform: str | None = None) -> tuple[tuple[object, ...], ...]:
    """Everything of a stack grouping reads: equal keys, equal trees. `platform`: the event's."""
    keys = []
    previous: Frame | None = None
    for f in frames:
        keys.append(
            (
                f.file,
                f.function,
                f.module,
                f.abs_path,
                f.platform,
                f.in_app,
                f.context_line,
                f.package,
                f.raw_function,
                f.sourcemap,
                previous is not None and _recursive(f, previous, platform),
            )
        )
        previous = f
    return tuple(keys)


def _is_test(path: str, module: str, function: str) -> bool:
    where = (path or module.replace(".", "/")).lower()
    base = where.rsplit("/", 1)[-1]
    return function.startswith("test_") or base.startswith("test_") or "/tests/" in f"/{where}"


@lru_cache(maxsize=65_536)
def _base(key: tuple[object, ...], event_platform: str | None) -> _Base:
    """The frame's value components and its own reasons not to count. Cached and shared:
    components made here are never changed afterwards."""
    file, function, module, abs_path = key[_FILE], key[_FUNCTION], key[_MODULE], key[_ABS_PATH]
    frame_platform, in_app, context_line = key[_PLATFORM], key[_IN_APP], key[_CONTEXT]
    package, raw_function, sourcemap = key[_PACKAGE], key[_RAW], key[_SOURCEMAP]
    assert isinstance(file, str | None) and isinstance(function, str | None)
    assert isinstance(module, str | None) and isinstance(abs_path, str | None)
    assert isinstance(frame_platform, str | None) and isinstance(context_line, str | None)
    assert isinstance(package, str | None) and isinstance(raw_function, str | None)
    platform = normalize.platform_of(frame_platform, event_platform, file or abs_path)
    family = normalize.family(platform)
    path = abs_path or file
    if file is not None and abs_path is None:
        # Sentry's ingestion (Relay's `process_non_raw_frame`): a frame with only a URL gets
        # the URL's path as its file; one sent with both keeps its file name as sent.
        file = normalize.url_path(file)
    if file is not None and event_platform == "javascript":
        file = normalize.strip_query(file)
    values: list[Component] = []

    module_part: Component | None = None
    if module is not None:
        module_part = Component("module", [module])
        if platform == "javascript" and "/" in module and path and path.endswith(module):
            module_part.ignore("ignored bad javascript module")
        elif platform == "java":
            cleaned = normalize.java_module(module)
            if "$$Lambda$" in module:
                module_part.ignore("ignored java lambda")
            if cleaned != module:
                module_part.values = [cleaned]
                module_part.hint = module_part.hint or "removed codegen marker"
        values.append(module_part)
    if file is not None:
        name = normalize.filename(file, platform)
        file_part = Component("filename", [name])
        # Sentry's `get_filename_component`: a served frame's file name does not count; a
        # `file://` one does (`has_url_origin(abs_path, files_count_as_urls=False)`).
        if normalize.has_url_origin(path, files_count_as_urls=False):
            file_part.ignore("ignored because frame points to a URL")
        elif name == "<anonymous>":
            file_part.ignore("ignored because filename is anonymous")
        elif name == "[native code]":
            file_part.ignore("ignored because filename suggests native code")
        elif module_part is not None and module_part.contributes:
            file_part.ignore("ignored because module takes precedence")
        values.append(file_part)

    line_part: Component | None = None
    if (
        normalize.USE_CONTEXT_LINES
        and context_line
        and platform in normalize.CONTEXT_LINE_PLATFORMS
    ):
        if event_platform == "python" and module == "__main__":
            context_line = normalize.multiprocessing_line(context_line, file, function)
        line = " ".join(context_line.split())
        if line:
            line_part = Component("context-line", [line])
            if len(context_line) > 120:
                line_part.ignore("ignored because line is too long")
            elif (
                family == "javascript"
                and not function
                and normalize.has_url_origin(path, files_count_as_urls=True)
            ):
                line_part.ignore("ignored because file path is a URL and function name is missing")

    trimmed = normalize.trim_function(function, platform) if function and not raw_function else None
    # C# groups on the name as sent (Sentry trimmed C# names late and kept the old hashes).
    func = (
        (raw_function or function)
        if platform == "csharp"
        else (trimmed or function or raw_function)
    )
    function_part: Component | None = None
    if func:
        function_part = Component("function", [func])
        if platform == "ruby":
            function_part.values = [normalize.ruby_function(func)]
        elif platform == "php":
            if func.startswith(("[Anonymous", "class@anonymous\x00")):
                function_part.ignore("ignored anonymous function")
            if func.startswith("class@anonymous"):
                function_part.values = [func.rsplit("::", 1)[-1]]
        elif platform == "java":
            if func.startswith("lambda$"):
                function_part.ignore("ignored lambda function")
        elif family == "native" and func in ("<redacted>", "<unknown>"):
            function_part.ignore("ignored unknown function")
        elif family == "javascript":
            function_part.values = [func.rsplit(".", 1)[-1]]
            if sourcemap and line_part is not None and line_part.contributes:
                function_part.ignore("ignored because sourcemap used and context line available")
    hint: str | None = None
    frame_ok = True
    if family == "javascript":
        # Sentry's JavaScript noise: a frame without a function name, or an unknown one,
        # groups on its file and line alone; `eval` and native-code frames not at all.
        short = (raw_function or function or "").rsplit(".", 1)[-1]
        if function_part is not None and (
            not short or short in _UNKNOWN_JS or short.endswith("/<")
        ):
            function_part.ignore("ignored unknown function name")
        if short == "eval" or path in _LOW_QUALITY_JS_PATHS:
            frame_ok, hint = False, "ignored low quality javascript frame"
    if function_part is not None:
        values.append(function_part)
    if line_part is not None:
        values.append(line_part)

    contributes = frame_ok and any(v.contributes for v in values)
    if frame_ok and not contributes:
        hint = None
    match = MatchFrame(
        family=family,
        function=(function if raw_function else trimmed or function) or "<unknown>",
        module=module,
        package=package.lower().replace("\\", "/") if package else None,
        path=path.lower().replace("\\", "/") if path else None,
        in_app=in_app is True,
        filename=file.lower().replace("\\", "/") if file else None,
    )
    where = (path or "").replace("\\", "/")
    return _Base(
        values=tuple(values),
        contributes=contributes,
        hint=hint,
        match=match,
        javascript=family == "javascript",
        named=bool(function),
        url=normalize.has_url_origin(path, files_count_as_urls=True),
        test=_is_test(where, module or "", function or ""),
    )


def in_app_marks(frames: list[Frame], platform: str | None) -> tuple[bool, ...]:
    """Each frame's in-app mark after the built-in stack trace rules, as Sentry writes them
    into the event before anything reads it (`apply_category_and_updated_in_app_to_frames`,
    an unset mark made False by `_normalize_in_app`)."""
    keys = stack_key(frames, platform)
    return enhance(tuple(_base(k[:_REPEAT], platform).match for k in keys)).in_app


@lru_cache(maxsize=32_768)
def _stacktraces(
    keys: tuple[tuple[object, ...], ...], platform: str | None, harness: bool
) -> tuple[Component, Component]:
    """The app and system stack trace components of a stack (caller first)."""
    bases = [_base(k[:_REPEAT], platform) for k in keys]
    enhanced = enhance(tuple(b.match for b in bases))
    out: list[Component] = []
    for variant in ("app", "system"):
        components: list[Component | str] = []
        for index, (key, base) in enumerate(zip(keys, bases, strict=True)):
            contributes, hint = base.contributes, base.hint
            if key[_REPEAT]:
                contributes, hint = False, "ignored due to recursion"
            if (
                len(keys) == 1
                and contributes
                and base.javascript
                and not base.named
                and not base.url
            ):
                # Sentry's `_single_stacktrace_variant`: a lone nameless JavaScript frame not
                # served from a URL is too poor to group on (`newstyle:2026-01-20` fixed the
                # inversion `handle_js_single_frame_url_origin_backwards` kept before).
                contributes, hint = False, "ignored single non-URL JavaScript frame"
            rule = enhanced.group[index]
            if rule is not None:
                contributes, hint = rule[0], rule[1] if rule[1] else hint
            if harness and base.test:
                contributes, hint = False, _HARNESS
            in_app = enhanced.in_app[index]
            if variant == "app" and not in_app:
                contributes = False
                hint = (
                    "non app frame"
                    if base.match.in_app == in_app
                    else "marked out of app by stack trace rule"
                )
            components.append(Component("frame", list(base.values), contributes, hint))
        stack = Component("stacktrace", components)
        if not keys:
            stack.ignore("ignored because it contains no frames")
        elif variant == "app" and not any(enhanced.in_app):
            stack.ignore("ignored because it contains no in-app frames")
        elif not stack.contributes:
            stack.ignore("ignored because it contains no contributing frames")
        out.append(stack)
    return out[0], out[1]


def stacktrace(
    frames: list[Frame], platform: str | None, variant: Variant, harness: bool = False
) -> Component:
    """The frames, caller first; contributes when at least one frame does.

    `harness`: for test failures, frames of the test harness do not group (they differ
    between a test and production, the code under test does not), unless nothing else is
    left: a test failing in its own body groups on the test.
    """
    keys = stack_key(frames, platform)
    app, system = _stacktraces(keys, platform, harness)
    chosen = app if variant == "app" else system
    if harness and not chosen.contributes:
        app, system = _stacktraces(keys, platform, False)
        chosen = app if variant == "app" else system
    return chosen


def exception(
    exc: ErrorDetail, platform: str | None, variant: Variant, harness: bool = False
) -> Component:
    """Type, stack trace and value: the value only when no stack trace (and no NSError)
    contributes; a synthetic exception's type never does."""
    stack = stacktrace(exc.frames, platform, variant, harness)
    type_part = Component("type", [exc.type] if exc.type else [])
    if exc.synthetic:
        type_part.ignore("ignored because exception is synthetic")
    parts: list[Component | str] = [stack, type_part]
    ns_error = None
    if exc.ns_error is not None:
        ns_error = Component(
            "ns-error",
            [Component("domain", [exc.ns_error[0]]), Component("code", [exc.ns_error[1]])],
        )
        parts.append(ns_error)
    if stack.contributes and exc.message:
        # Not parameterised: it does not count, and parameterising costs (the group
        # reduction in `chained` compares values parameterised on its own).
        value_part = Component("value", [exc.message])
        value_part.ignore("ignored because stacktrace takes precedence")
        return Component("exception", [*parts, value_part])
    value = messages.normalize(exc.message) if exc.message else ""
    value_part = Component("value", [value] if value else [])
    if not value:
        value_part.ignore("empty value")
    elif ns_error is not None and ns_error.contributes:
        value_part.ignore("ignored because ns-error info takes precedence")
    parts.append(value_part)
    return Component("exception", parts)


def message(text: str) -> Component:
    """The message, trimmed to two lines and parameterised."""
    return Component("message", [messages.normalize(text)])
