"""Fingerprints as Sentry reads them: a producer's custom or hybrid fingerprint, its variables
resolved (`fingerprinting/utils.py`), and Sentry's built-in fingerprinting rules for
JavaScript (`fingerprinting/configs/javascript@2024-02-02`).
"""

from __future__ import annotations

import re

from runner.triage.grouping import normalize, strategies
from runner.triage.grouping.component import Component
from runner.triage.grouping.message import parameterize
from store.signal import Frame, Signal

VARIABLE = re.compile(r"\{\{\s*(\S+)\s*\}\}\Z")  # Sentry's: names are case-sensitive

# Sentry's built-in fingerprinting rules: (platform family, test, fingerprint).
_HYDRATION = frozenset(
    m.lower()
    for m in (
        "Hydration failed because the initial UI does not match what was rendered on the server.",
        "The server could not finish this Suspense boundary, likely due to an error during "
        "server rendering. Switched to client rendering.",
        "There was an error while hydrating this Suspense boundary. Switched to client rendering.",
        "There was an error while hydrating. Because the error happened outside of a Suspense "
        "boundary, the entire root will switch to client rendering.",
        "Text content does not match server-rendered HTML.",
    )
)


def crash_frame(frames: list[Frame], platform: str | None) -> Frame | None:
    """Sentry's crash frame (`processing.get_crash_frame_from_event_data`): the highest frame
    in-app after the stack trace rules, else the highest frame."""
    if not frames:
        return None
    marks = strategies.in_app_marks(frames, platform)
    in_app = [f for f, app in zip(frames, marks, strict=True) if app]
    return in_app[-1] if in_app else frames[-1]


def variable_frames(signal: Signal) -> list[Frame]:
    """The frames Sentry's fingerprint variables read: the raised exception's, else the
    event's bare stack trace, else its one thread's, as ingestion kept them
    (`FINGERPRINT_FRAMES`) where they are not the stack grouping reads."""
    kept = signal.contexts.get(FINGERPRINT_FRAMES)
    if isinstance(kept, dict) and isinstance(kept.get("frames"), list):
        return [Frame.model_validate(f) for f in kept["frames"] if isinstance(f, dict)]
    if signal.error is not None and signal.error.frames:
        return signal.error.frames
    return signal.stack


FIELD_VARIABLES = {"transaction": "transaction", "logger": "logger"}
"""The fingerprint variables that read an event field Sentry also copies into a tag."""

FINGERPRINT_FIELDS = "fingerprint_fields"
"""The context that holds those fields of a Sentry event whose fingerprint names them: the tag
of the name may be a client's own."""

FINGERPRINT_FRAMES = "fingerprint_frames"
"""The context that holds, as `{"frames": [...]}`, the frames Sentry's fingerprint variables
read, when the event has such variables and those frames are not the stack grouping reads."""


def _basename(path: str | None) -> str | None:
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else None


# Sentry's fingerprint variables (`fingerprinting.utils.resolve_fingerprint_variable`): each
# name it knows, what it reads, and what stands in when the event has none.
_VARIABLES = {
    "transaction": "transaction",
    "message": "message",
    "raw_message": "message",
    "type": "type",
    "error.type": "type",
    "value": "value",
    "error.value": "value",
    "raw_value": "value",
    "error.raw_value": "value",
    "function": "function",
    "stack.function": "function",
    "path": "abs-path",
    "stack.abs_path": "abs-path",
    "stack.filename": "filename",
    "module": "module",
    "stack.module": "module",
    "package": "package",
    "stack.package": "package",
    "level": "level",
    "logger": "logger",
}
_FRAME_KEYS = frozenset({"function", "abs-path", "filename", "module", "package"})


FRAME_VARIABLES = frozenset(n for n, key in _VARIABLES.items() if key in _FRAME_KEYS)
"""The fingerprint variables that read the crash frame."""


def _variable(name: str, signal: Signal) -> str:
    """The value of a fingerprint variable (`{{ error.type }}`, `{{ tags.x }}`, ...), as
    Sentry resolves it; a name it does not know is `<unrecognized-variable-NAME>`, as in
    `newstyle:2026-01-20` (the 2023 configuration kept the entry as written)."""
    if name.startswith("tags."):
        return signal.tags.get(name[5:]) or f"<no-value-for-tag-{name[5:]}>"
    key = _VARIABLES.get(name)
    if key is None:
        return f"<unrecognized-variable-{name}>"
    error = signal.error
    frame = crash_frame(variable_frames(signal), signal.platform) if key in _FRAME_KEYS else None
    value: str | None
    fields = signal.contexts.get(FINGERPRINT_FIELDS)
    if key in FIELD_VARIABLES and isinstance(fields, dict):
        value = fields.get(key) if isinstance(fields.get(key), str) else None
    elif key == "transaction":
        value = signal.tags.get("transaction")
    elif key == "message":
        value = signal.text or signal.message_template or (error.message if error else None)
    elif key == "type":
        value = error.type if error else None
    elif key == "value":
        value = error.message if error else None
    elif key == "level":
        value = signal.level
    elif key == "logger":
        value = signal.tags.get("logger")
    elif frame is None:
        value = None
    elif key == "function":
        value = strategies.trimmed_function(frame, signal.platform)
    elif key == "abs-path":
        value = frame.abs_path or frame.file
    elif key == "filename":
        # The file name (else the path), not its base name, as Sentry's ingestion leaves it
        # (Relay's `process_non_raw_frame`): a URL alone gives its path, a file name sent
        # beside its `abs_path` stays as sent (the same URL too); a browser file loses its
        # query string.
        value = frame.file
        if value is not None and frame.abs_path is None:
            value = normalize.url_path(value)
        if value is not None and signal.platform == "javascript":
            value = normalize.strip_query(value)
    elif key == "module":
        value = frame.module
    else:
        value = _basename(frame.package)
    if value and name == "message":
        # `{{ message }}` is parameterised whole (not cut to two lines); `{{ raw_message }}`
        # and the value variables are not.
        return parameterize(value)
    return value or f"<no-{key}>"


def _event_messages(signal: Signal) -> frozenset[str]:
    """The event's messages as sent: the log entry's (formatted and template) and every
    exception's value, causes and group members included."""
    found = {signal.text, signal.message_template}
    if signal.error is not None:
        found.update(e.message for e in (*signal.error.chain, signal.error))
    return frozenset(m for m in found if m)


def custom(signal: Signal, default: tuple[str, Component] | None) -> tuple[str, Component] | None:
    """The custom or hybrid fingerprint's variant and tree; None for the default grouping."""
    parts = signal.fingerprint
    if not parts:
        return None
    values: list[Component | str] = []
    hybrid = False
    messages = _event_messages(signal)
    for part in parts:
        match = VARIABLE.match(part)
        if match and match.group(1) == "default":
            hybrid = True
            if default is not None:
                values.append(default[1])
        elif match:
            values.append(_variable(match.group(1), signal))
        elif part in messages:
            # Sentry's `resolve_fingerprint_values` (`fingerprinting/utils.py`): an entry equal
            # to one of the event's messages is parameterised as that message is, whole, so a
            # client that puts the value it raised into its fingerprint groups as if it had not.
            values.append(parameterize(part))
        else:
            values.append(part)
    if hybrid and (default is None or len(parts) == 1):
        # Sentry's `get_fingerprint_type`: `{{ default }}` alone is the default grouping (any
        # other hybrid, `{{ default }}` twice too, salts the default variants with every
        # entry); and with no default variant contributing there is nothing to salt (Sentry
        # then falls back).
        return None
    return ("hybrid" if hybrid else "custom"), Component("fingerprint", values)


def built_in(signal: Signal) -> Component | None:
    """Sentry's built-in fingerprinting rules (`javascript@2024-02-02`), for the JavaScript
    family: a ChunkLoadError anywhere in the chain (by type, or a value starting so), and
    React's hydration errors (by message or value, on an event with a `transaction` tag)."""
    platform = (signal.platform or "").lower()
    if platform not in {"javascript", "node"}:
        return None
    chain = [*signal.error.chain, signal.error] if signal.error is not None else []
    if any(
        e.type == "ChunkLoadError" or e.message.strip().lower().startswith("chunkloaderror")
        for e in chain
    ):
        return Component("fingerprint", ["chunkloaderror"], hint="built-in rule: ChunkLoadError")
    transaction = signal.tags.get("transaction")
    # Sentry's rules read values stripped (`EventDatastore`).
    texts = [signal.text or "", *(e.message for e in chain)]
    if transaction is not None and any(t.strip().lower() in _HYDRATION for t in texts):
        return Component(
            "fingerprint", ["hydrationerror", transaction], hint="built-in rule: hydration error"
        )
    return None
