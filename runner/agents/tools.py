"""The tools an agent is offered, and how each call is carried out.

`bash` and `edit` run in the container (an edit is a small Python program run there as the
container's user, so it obeys the same walls as any command); the endings (`submit`,
`cannot_reproduce`, `give_up`) are answered on the host by raising the exception that ends the
loop. A call the model got wrong (bad arguments, an unknown tool) is answered with an error the
model can act on; it is never a crash.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Protocol

from runner.agents.models import ToolSpec

OUTPUT_HEAD = 4_000
OUTPUT_TAIL = 4_000
DEFAULT_COMMAND_TIMEOUT_S = 120
MAX_COMMAND_TIMEOUT_S = 900
MAX_EDIT_BYTES = 96_000
"""An edit travels as program arguments; Linux caps one argument at 128 KiB."""


class Ending(Exception):
    """The agent loop is over; `outcome` and `reason` say how."""

    outcome = "failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Submitted(Ending):
    outcome = "submitted"

    def __init__(self, repro_command: str, scope: list[str], reasoning: str) -> None:
        super().__init__("the agent submitted a fix")
        self.repro_command = repro_command
        self.scope = scope
        self.reasoning = reasoning


class CannotReproduce(Ending):
    outcome = "not_reproduced"


class GaveUp(Ending):
    outcome = "gave_up"


class LimitsExceeded(Ending):
    outcome = "gave_up"


class ModelFailed(Ending):
    outcome = "failed"


class Interrupted(Ending):
    outcome = "interrupted"


@dataclass
class CommandOutcome:
    """What a command did, as the loop needs it."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False


class Workspace(Protocol):
    """Where commands run: the container of the agent's run."""

    def run_command(
        self, argv: list[str], timeout_s: float, data: dict[str, Any]
    ) -> CommandOutcome: ...


_STRING = {"type": "string"}
TOOLS = [
    ToolSpec(
        name="bash",
        description=(
            "Run one bash command in the repository's checkout (/workspace) inside the "
            "sandbox: no network, no credentials. You get the exit code, stdout and stderr "
            "(long output is cut in the middle). Exit code 124 means it hit its time limit."
        ),
        parameters={
            "type": "object",
            "properties": {
                "command": {**_STRING, "description": "the command, run with bash -c"},
                "timeout_s": {
                    "type": "integer",
                    "description": f"time limit in seconds (default {DEFAULT_COMMAND_TIMEOUT_S})",
                },
            },
            "required": ["command"],
        },
    ),
    ToolSpec(
        name="edit",
        description=(
            "Change a file of the checkout: replace the exact text `old`, which must occur "
            "exactly once, with `new`; or, with `old` left out, write `new` as the whole file."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {**_STRING, "description": "path relative to /workspace"},
                "old": {**_STRING, "description": "the exact text to replace (unique)"},
                "new": {**_STRING, "description": "the replacement, or the whole file"},
            },
            "required": ["path", "new"],
        },
    ),
    ToolSpec(
        name="submit",
        description=(
            "Finish with a fix. The runner then checks it itself: `repro_command` must fail on "
            "the original commit and pass with your change, and no test that passed before may "
            "fail after. Only files listed in `scope` may be changed."
        ),
        parameters={
            "type": "object",
            "properties": {
                "repro_command": {
                    **_STRING,
                    "description": "a command that fails before the fix and passes after",
                },
                "scope": {
                    "type": "array",
                    "items": _STRING,
                    "description": "the files (relative paths) the fix changes",
                },
                "reasoning": {
                    **_STRING,
                    "description": "markdown: the cause, the fix, and the evidence",
                },
            },
            "required": ["repro_command", "scope", "reasoning"],
        },
    ),
    ToolSpec(
        name="cannot_reproduce",
        description="Finish without a fix because you could not make the fault happen.",
        parameters={
            "type": "object",
            "properties": {
                "tried": {**_STRING, "description": "what you tried, and what happened"}
            },
            "required": ["tried"],
        },
    ),
    ToolSpec(
        name="give_up",
        description="Finish without a fix for another reason (say it).",
        parameters={
            "type": "object",
            "properties": {"reason": {**_STRING, "description": "why you stop"}},
            "required": ["reason"],
        },
    ),
]
TOOL_NAMES = [tool.name for tool in TOOLS]

# Runs in the container as its user. Paths are resolved and must stay inside /workspace.
EDIT_PROGRAM = r"""
import base64, os, sys
root = "/workspace"
path, old, new = sys.argv[1], sys.argv[2], base64.b64decode(sys.argv[3]).decode()
target = os.path.realpath(os.path.join(root, path))
if target != root and not target.startswith(root + "/"):
    sys.exit(f"refused: {path} is outside /workspace")
if old == "-":
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write(new)
    print(f"wrote {os.path.relpath(target, root)} ({len(new.splitlines())} lines)")
    sys.exit(0)
old = base64.b64decode(old).decode()
try:
    text = open(target, encoding="utf-8").read()
except FileNotFoundError:
    sys.exit(f"no such file: {path}")
count = text.count(old)
if count != 1:
    sys.exit(f"`old` occurs {count} times in {path}; it must occur exactly once")
with open(target, "w", encoding="utf-8") as f:
    f.write(text.replace(old, new, 1))
line = text[: text.index(old)].count("\n") + 1
print(f"edited {os.path.relpath(target, root)} at line {line}")
"""


def for_the_model(text: str) -> str:
    """Keep the head and the tail of long output, and say what was cut."""
    if len(text) <= OUTPUT_HEAD + OUTPUT_TAIL:
        return text
    cut = len(text) - OUTPUT_HEAD - OUTPUT_TAIL
    return f"{text[:OUTPUT_HEAD]}\n[… {cut} characters cut …]\n{text[-OUTPUT_TAIL:]}"


def describe(outcome: CommandOutcome) -> str:
    """A command's result as the model reads it."""
    head = f"exit code {outcome.exit_code} ({outcome.duration_s:.1f} s)"
    if outcome.timed_out:
        head += " — the command hit its time limit and was stopped"
    parts = [head]
    if outcome.stdout:
        parts.append(f"--- stdout ---\n{for_the_model(outcome.stdout)}")
    if outcome.stderr:
        parts.append(f"--- stderr ---\n{for_the_model(outcome.stderr)}")
    if not outcome.stdout and not outcome.stderr:
        parts.append("(no output)")
    return "\n".join(parts)


class BadCall(ValueError):
    """A tool call's arguments do not fit the tool; the message tells the model what to fix."""


def _text(arguments: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = arguments.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip() and name != "new"):
        raise BadCall(f"`{name}` must be a non-empty string")
    return value


def bash_argv(arguments: dict[str, Any]) -> tuple[list[str], float]:
    command = _text(arguments, "command")
    assert command is not None
    timeout = arguments.get("timeout_s", DEFAULT_COMMAND_TIMEOUT_S)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise BadCall("`timeout_s` must be a positive number of seconds")
    return ["bash", "-c", command], float(min(timeout, MAX_COMMAND_TIMEOUT_S))


def edit_argv(arguments: dict[str, Any]) -> list[str]:
    path = _text(arguments, "path")
    new = _text(arguments, "new")
    old = _text(arguments, "old", required=False)
    assert path is not None and new is not None
    if old == "":
        raise BadCall("`old` is empty; leave it out to write the whole file")
    size = len(new.encode()) + len((old or "").encode())
    if size > MAX_EDIT_BYTES:
        raise BadCall(f"the edit is {size} bytes; split it into edits under {MAX_EDIT_BYTES}")
    encoded_old = "-" if old is None else base64.b64encode(old.encode()).decode()
    return [
        "python3",
        "-c",
        EDIT_PROGRAM,
        path,
        encoded_old,
        base64.b64encode(new.encode()).decode(),
    ]


def ending(name: str, arguments: dict[str, Any]) -> Ending:
    """The exception an ending tool raises."""
    if name == "submit":
        repro = _text(arguments, "repro_command")
        reasoning = _text(arguments, "reasoning")
        scope = arguments.get("scope")
        if not isinstance(scope, list) or not scope or not all(isinstance(s, str) for s in scope):
            raise BadCall("`scope` must be a non-empty list of file paths")
        assert repro is not None and reasoning is not None
        return Submitted(repro, [s.strip().removeprefix("./") for s in scope], reasoning)
    if name == "cannot_reproduce":
        return CannotReproduce(_text(arguments, "tried") or "")
    return GaveUp(_text(arguments, "reason") or "")
