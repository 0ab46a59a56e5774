"""The one envelope every source normalises into: `Signal`.

A signal is untrusted input. Its text is data: it is stored, compared and shown, never executed
or interpolated into a shell command.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

SignalKind = Literal["error", "feedback", "regression"]

# Bounds on untrusted text, so one hostile record cannot bloat the store or the console.
MAX_TEXT = 16_384
MAX_TITLE = 512


def _cut_to(limit: int) -> BeforeValidator:
    """Text past `limit` is cut, not refused: a pasted log makes a long report, not a
    malformed one (the payload stays whole in `raw`)."""
    return BeforeValidator(lambda v: v[:limit] if isinstance(v, str) and len(v) > limit else v)


Title = Annotated[str, _cut_to(MAX_TITLE)]
Text = Annotated[str, _cut_to(MAX_TEXT)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Frame(_Model):
    """One stack frame, ordered caller → callee in `ErrorDetail.frames` (crashing frame last)."""

    file: str | None = None
    """File name or path as the producer reported it."""
    function: str | None = None
    """Function or method name."""
    module: str | None = None
    """Module (Python, Java) when the producer knows it; preferred over `file` for grouping."""
    line: int | None = None
    """Line number; never used for grouping, because edits shift it."""
    in_app: bool = False
    """True for the application's own code, false for libraries and the runtime."""
    abs_path: str | None = None
    """The full path or URL (Sentry's `abs_path`), when the producer sent it beside a file
    name (equal or not): grouping tells a frame served from `http://` apart from one read from
    `file://` by it. None when `file` is the only path (then the file name is a URL's path)."""
    platform: str | None = None
    """The frame's own platform, when it differs from the event's (mixed stacks)."""
    column: int | None = None
    """Column number; like the line, never grouped on, but two calls are recursion only when
    both agree."""
    context_line: str | None = None
    """The source line the frame was executing, when the producer sent it (Sentry's
    `context_line`): Sentry groups on it for Python, JavaScript, Node, PHP and Ruby."""
    package: str | None = None
    """The binary or library holding the frame (native code, Sentry's `package`): stack trace
    rules tell system libraries from the application's by it."""
    raw_function: str | None = None
    """The function exactly as the producer sent it, when `function` is a trimmed form."""
    sourcemap: bool = False
    """The frame was resolved through a source map (Sentry's `data.sourcemap`)."""


class ErrorDetail(_Model):
    """An exception: the one that was raised, with the chain of causes before it."""

    type: Title
    """Exception class name, e.g. `ZeroDivisionError`; empty when the producer sent none (a
    value-only Sentry exception), which groups apart from any type. `shown_type` is what a
    person sees."""
    message: Text = ""
    """The exception's message (Sentry's `value`)."""
    module: str | None = None
    """Module that defines the exception class, when known."""
    frames: list[Frame] = Field(default_factory=list)
    """Stack frames, caller → callee."""
    chain: list[ErrorDetail] = Field(default_factory=list)
    """Earlier exceptions in the chain, oldest (the root cause) first, as Sentry orders them."""
    exception_id: int | None = None
    """Sentry's `mechanism.exception_id`: this exception's place in an exception group."""
    parent_id: int | None = None
    """Sentry's `mechanism.parent_id`: the exception group that holds this one."""
    is_group: bool = False
    """Sentry's `mechanism.is_exception_group`: an exception group (it holds others)."""
    synthetic: bool = False
    """Sentry's `mechanism.synthetic`: the SDK made the exception up to carry a stack (a
    signal, a log call), so its type says nothing about the fault."""
    ns_error: tuple[str, str] | None = None
    """Sentry's `mechanism.meta.ns_error` (Cocoa): the NSError domain and code."""

    @property
    def shown_type(self) -> str:
        """The type as a person sees it: `Error` when there is none, as Sentry titles it."""
        return self.type or "Error"


class Actor(_Model):
    """The person or client the signal came from."""

    id: str | None = None
    email: str | None = None
    name: str | None = None


class Action(_Model):
    """One of the user's last actions before the signal (Sentry breadcrumbs)."""

    message: Text = ""
    """What happened, in the producer's words."""
    category: str | None = None
    """E.g. `ui.click`, `navigation`, `http`, `db`."""
    timestamp: datetime | None = None
    level: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Signal(_Model):
    """One error report, piece of feedback or test regression, as every source delivers it."""

    id: str
    """Stable id: the source's own event id, or a content hash. The same signal twice is one row."""
    kind: SignalKind
    """`error` (an exception), `feedback` (a person's words) or `regression` (a failing test)."""
    source: str
    """Which source produced it: `inbox`, `sentry-endpoint`, `sentry-api`, `feedback`, `junit`."""
    occurred_at: datetime
    """When it happened, as the producer says; the receive time when it does not."""
    received_at: datetime
    """When Overnight stored it."""
    title: Title
    """A one-line summary for lists."""
    route: str | None = None
    """The route, URL path or screen where it happened."""
    actor: Actor | None = None
    workspace: str | None = None
    """Tenant, organisation or workspace of the actor."""
    actions: list[Action] = Field(default_factory=list)
    """The last user actions before the signal, oldest first."""
    flags: dict[str, Any] = Field(default_factory=dict)
    """Feature-flag state at the time."""
    intent: Text | None = None
    """What the user was attempting, e.g. `refresh the dashboard`."""
    error: ErrorDetail | None = None
    """The exception, for errors and regressions."""
    text: Text | None = None
    """Free text: the feedback, or the failure output of a test."""
    test_id: str | None = None
    """The failing test's id, for regressions."""
    release: str | None = None
    environment: str | None = None
    level: str | None = None
    fingerprint: list[str] | None = None
    """An explicit grouping fingerprint from the producer; it wins over the computed one."""
    platform: str | None = None
    """The producer's platform (`python`, `javascript`, `node`, `java`, `native`, ...): how
    frames are normalised for grouping."""
    checksum: str | None = None
    """Sentry's legacy `checksum`: when present, it is the grouping hash."""
    stack: list[Frame] = Field(default_factory=list)
    """Frames of an event without an exception, or with one that groups on nothing (Sentry's
    bare `stacktrace`, or the crashing or current thread's): a message captured with its stack
    groups on the stack."""
    message_template: Text | None = None
    """The message before its parameters were filled in (Sentry's `logentry.message`), when
    the producer sent one: what a message groups on."""
    tags: dict[str, str] = Field(default_factory=dict)
    contexts: dict[str, Any] = Field(default_factory=dict)
    raw: str = ""
    """The payload exactly as it arrived (decoded text), kept for inspection and re-parsing."""


def content_id(*parts: str) -> str:
    """A stable id for a signal whose producer gave none: a hash of what identifies it."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:32]


def utcnow() -> datetime:
    return datetime.now(UTC)


_TWO = tuple(f"{n:02d}" for n in range(100))
"""Two digits of every number below 100: a time's fields are written by looking them up."""
_LAST: list[tuple[datetime, str]] = [(datetime.min, datetime.min.isoformat())]
"""The time `iso_text` formatted last, and its text."""


def iso_text(moment: datetime) -> str:
    """`moment.isoformat()`: the same text, in half the time for a time in UTC.

    Ingest writes two times of every signal, and its features the time it happened again;
    `isoformat` formats each field through `printf`, and cost more than any other step of a
    signal's row but its validation and its JSON. Here each field is two digits looked up.
    The time formatted last is the one a signal's features ask for next, so it is kept (held
    here, the object cannot be freed and its address taken by another).
    """
    last = _LAST[0]
    if last[0] is moment:
        return last[1]
    if moment.tzinfo is not UTC:
        return moment.isoformat()
    two = _TWO
    year, micro = moment.year, moment.microsecond
    text = (
        f"{two[year // 100]}{two[year % 100]}-{two[moment.month]}-{two[moment.day]}"
        f"T{two[moment.hour]}:{two[moment.minute]}:{two[moment.second]}"
    )
    if micro:
        text += f".{two[micro // 10_000]}{two[micro // 100 % 100]}{two[micro % 100]}"
    text += "+00:00"
    _LAST[0] = (moment, text)
    return text
