"""JUnit XML reports (pytest `--junitxml` and other producers) as `regression` signals.

Each failing or erroring test case becomes one signal, with the test id, the failure message and
the frames parsed from the traceback text (Python native and pytest long tracebacks, Java and
JavaScript `at ...` lines).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from runner.sources import Parsed
from runner.sources.common import BadRecord, describe_validation_error, one_line, parse_timestamp
from runner.triage.structure import test_function
from store.signal import ErrorDetail, Frame, Signal, content_id, utcnow
from store.signals import rejection

SOURCE = "junit"

_PY_NATIVE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')
# pytest's own traceback entries: `path.py:12: in function` (short), `path.py:12: Error` (the
# crashing entry) or `path.py:12: ` (a long entry, whose function is in the source above it).
_PY_LONG_LOCATION = re.compile(
    r"^(?P<file>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<function>\S+)| (?P<type>[\w.]+))?\s*$"
)
_PY_DEF = re.compile(r"^\s*(?:>\s*)?(?:async\s+)?def (?P<function>\w+)\(")
_AT_FRAME = re.compile(
    r"^\s*at (?:(?P<function>[\w$.<>]+) \()?(?P<file>[^():\s]+):(?P<line>\d+)(?::\d+)?\)?$"
)
_JAVA_FRAME = re.compile(r"^\s*at (?P<function>[\w$.<>]+)\((?P<file>[\w$.]+):(?P<line>\d+)\)")
# PHPUnit prints a failure's stack as bare `path/File.php:13` lines, the failing line first.
_PHP_FRAME = re.compile(r"^\s*(?P<file>\S+\.php):(?P<line>\d+)\s*$")
# Paths that belong to installed libraries or the runtime, not to the application.
_LIBRARY_MARKERS = (
    "site-packages",
    "dist-packages",
    "/lib/python",
    "node_modules",
    "<frozen",
    "/vendor/",  # Composer's, Go's and Bundler's installed code
)
_EXC_LINE = re.compile(r"^(?:E\s+)?(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Failure))\b:?")


def read_junit_file(path: Path) -> Iterator[Parsed]:
    data = path.read_bytes()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        yield rejection(SOURCE, str(path), f"malformed JUnit XML: {exc}", data)
        return
    if root.tag not in ("testsuite", "testsuites"):
        yield rejection(SOURCE, str(path), f"not a JUnit report: root is <{root.tag}>", data)
        return
    for case, stamp in _cases(root, root.get("timestamp") or ""):
        outcome = case.find("failure")
        if outcome is None:
            outcome = case.find("error")
        if outcome is None:
            continue
        raw = ET.tostring(case, encoding="unicode")
        try:
            yield case_to_signal(case, outcome, stamp, raw)
        except BadRecord as exc:
            yield rejection(SOURCE, f"{path}:{case.get('name')}", str(exc), raw)


def _cases(element: ET.Element, stamp: str) -> Iterator[tuple[ET.Element, str]]:
    """Each test case once, with the timestamp of the nearest suite around it that has one:
    suites nest (PHPUnit's per directory, class and data provider), and a case read once per
    suite around it would be counted as often."""
    for child in element:
        if child.tag == "testcase":
            yield child, stamp
        elif child.tag == "testsuite":
            yield from _cases(child, child.get("timestamp") or stamp)


def case_to_signal(case: ET.Element, outcome: ET.Element, stamp: str, raw: str) -> Signal:
    test_id = _test_id(case)
    details = (outcome.text or "").strip()
    message = (outcome.get("message") or "").strip() or one_line(details) or outcome.tag
    frames, located_type = parse_frames(details)
    frames = _named_in_own_file(frames, case)
    error_type = outcome.get("type") or located_type or _type_from_text(message) or "TestFailure"
    now = utcnow()
    try:
        return Signal(
            id=content_id(SOURCE, stamp, test_id, message, details),
            kind="regression",
            source=SOURCE,
            occurred_at=parse_timestamp(stamp or None, now),
            received_at=now,
            title=one_line(f"{test_id} failed: {message}", 512),
            test_id=test_id,
            error=ErrorDetail(type=error_type, message=message, frames=frames),
            text=details or None,
            raw=raw,
        )
    except ValidationError as exc:
        raise BadRecord("JUnit test case: " + describe_validation_error(exc)) from exc


def _named_in_own_file(frames: list[Frame], case: ET.Element) -> list[Frame]:
    """A frame in the test's own file that its runner printed without a function (PHPUnit's
    `File.php:13`) is in the test's method: named so, two tests of one file are two places."""
    file, name = case.get("file"), case.get("name")
    if not file or not name:
        return frames
    method = test_function(name)
    return [
        f.model_copy(update={"function": method}) if f.function is None and f.file == file else f
        for f in frames
    ]


def _test_id(case: ET.Element) -> str:
    """pytest-style `path::Class::name` when the file is known, else `classname.name`."""
    name = case.get("name") or "?"
    classname = case.get("classname") or ""
    file = case.get("file")
    if file:
        module = classname.rsplit(".", 1)
        klass = module[1] if len(module) == 2 and module[1][:1].isupper() else None
        return "::".join(p for p in (file, klass, name) if p)
    return f"{classname}.{name}" if classname else name


def parse_frames(text: str) -> tuple[list[Frame], str | None]:
    """Frames (caller first) and, when the traceback names it, the exception type."""
    frames: list[Frame] = []
    last_def: str | None = None
    error_type: str | None = None
    for line in text.splitlines():
        if match := _PY_DEF.match(line):
            last_def = match["function"]
        if match := _PY_NATIVE.search(line):
            frames.append(_frame(match["file"], match["function"], match["line"]))
        elif match := _PY_LONG_LOCATION.match(line):
            frames.append(_frame(match["file"], match["function"] or last_def, match["line"]))
            error_type = match["type"] or error_type
        elif (match := _JAVA_FRAME.match(line)) or (match := _AT_FRAME.match(line)):
            # Java and JavaScript print the crashing frame first; reversed below.
            frames.insert(0, _frame(match["file"], match["function"], match["line"]))
        elif match := _PHP_FRAME.match(line):
            frames.insert(0, _frame(match["file"], None, match["line"]))
    return frames, error_type


def _frame(file: str, function: str | None, line: str) -> Frame:
    in_app = not any(marker in file for marker in _LIBRARY_MARKERS)
    module = _python_module(file) if in_app else None
    return Frame(file=file, function=function, line=int(line), in_app=in_app, module=module)


_MODULE_PATH = re.compile(r"^(?:\./)?(?:src/)?(?P<path>[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)\.py$")


def _python_module(file: str) -> str | None:
    """`src/demo_app/reports.py` → `demo_app.reports`: the module the Python SDK would name,
    so a test's frames group with production's. Absolute and odd paths have none."""
    match = _MODULE_PATH.match(file.replace("\\", "/"))
    return match["path"].replace("/", ".") if match else None


def _type_from_text(message: str) -> str | None:
    match = _EXC_LINE.match(message)
    return match["type"] if match else None


@dataclass(frozen=True)
class JUnitCase:
    """One test case of a report, whatever its outcome."""

    test_id: str
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration_s: float | None
    message: str | None


def cases(data: bytes) -> list[JUnitCase]:
    """Every test case of a JUnit report, in report order (the runner's check compares them
    test by test). Raises `ValueError` with the parser's reason when the XML is not a report."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"malformed JUnit XML: {exc}") from exc
    if root.tag not in ("testsuite", "testsuites"):
        raise ValueError(f"not a JUnit report: root is <{root.tag}>")
    found = []
    for case in root.iter("testcase"):
        outcome: Literal["passed", "failed", "error", "skipped"] = "passed"
        message = None
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome = "failed" if tag == "failure" else tag  # type: ignore[assignment]
                message = one_line(element.get("message") or element.text or "", 500) or None
                break
        try:
            duration = float(case.get("time") or "")
        except ValueError:
            duration = None
        found.append(JUnitCase(_test_id(case), outcome, duration, message))
    return found
