"""The Replay tab: a run step by step as the agent saw it, then the runner's check runs.

`n`/`p` step; keys jump to the reproduction and to the runner's check; one asks the app to
re-run the container live, after which the steps whose output changed are marked; one asks for
a redirect that starts at the step in view.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.proposal_view import Replay, ReplayStep
from store.transcript import (
    CommandData,
    ModelReplyData,
    ModelRequestData,
    OutcomeData,
    ToolData,
)

MAX_OUTPUT = 4_000
"""Characters of a stream shown in a step's detail (the rest is cut, and says so)."""
_PURPOSE = {"agent": "agent", "check_before": "before", "check_after": "after"}


def _first_line(text: str | None, width: int = 60) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def step_summary(step: ReplayStep) -> str:
    """A step in one line, for the list."""
    d = step.detail
    if isinstance(d, ModelRequestData):
        return f"→ model {d.model}: {d.messages} messages"
    if isinstance(d, ModelReplyData):
        if d.error:
            return f"← error: {_first_line(d.error)}"
        calls = ", ".join(c.name for c in d.tool_calls)
        said = _first_line(d.text, 40)
        return f"← {said + ' ' if said else ''}{'[' + calls + ']' if calls else ''}".rstrip()
    if isinstance(d, ToolData):
        return f"⚙ {d.name}: {_first_line(d.result, 50)}"
    if isinstance(d, OutcomeData):
        return f"■ {d.outcome}: {_first_line(d.reason, 50)}"
    command = " ".join(step.command or [])
    exit_code = "—" if step.exit_code is None else step.exit_code
    return f"$ {_first_line(command, 50)}  (exit {exit_code})"


def _cut(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n… {len(text) - MAX_OUTPUT} more characters"


def step_detail(step: ReplayStep, differs: bool | None) -> Content:
    """Everything recorded for a step."""
    d = step.detail
    head = Content.from_markup(
        "[b]$purpose run $run · step $seq · $kind[/b]",
        purpose=_PURPOSE.get(step.purpose, step.purpose),
        run=step.run_id,
        seq=step.seq,
        kind=step.kind,
    )
    parts: list[Content] = [head]
    if step.is_repro:
        parts.append(Content.from_markup("[b $text-warning]◆ the reproduction step[/]"))
    if differs is not None:
        parts.append(
            Content.from_markup("[b $text-error]≠ output differs on the live re-run[/]")
            if differs
            else Content.from_markup("[$text-success]= same output on the live re-run[/]")
        )
    if isinstance(d, ModelRequestData):
        parts.append(Content(f"sent {d.messages} messages to {d.model} ({d.protocol})"))
    elif isinstance(d, ModelReplyData):
        if d.error:
            parts.append(Content.from_markup("[$text-error]$e[/]", e=d.error))
        if d.text:
            parts.append(Content(d.text.strip()))
        for call in d.tool_calls:
            args = json.dumps(call.arguments, indent=2) if call.arguments else call.raw_arguments
            parts.append(Content.from_markup("[b]tool call[/] $n\n$a", n=call.name, a=args))
        u = d.usage
        parts.append(
            Content.from_markup(
                "[dim]stop $stop · in $i · out $o · cache $c · $cost · $lat[/]",
                stop=d.stop,
                i=u.input_tokens,
                o=u.output_tokens,
                c=u.cache_read_tokens,
                cost=f"${d.cost_usd:.4f}",
                lat=f"{d.latency_s:.2f}s",
            )
        )
    elif isinstance(d, ToolData):
        args = json.dumps(d.arguments, indent=2) if d.arguments else ""
        parts.append(Content.from_markup("[b]$n[/] $a", n=d.name, a=args))
        parts.append(Content(_cut(d.result)))
    elif isinstance(d, OutcomeData):
        parts.append(Content.from_markup("[b]$o[/]: $r", o=d.outcome, r=d.reason))
    else:
        parts.extend(_command_parts(step, d))
    return Content("\n\n").join(parts)


def _command_parts(step: ReplayStep, d: CommandData) -> list[Content]:
    why = f"{d.tool} call" if d.tool else (f"check: {d.check}" if d.check else "runner")
    duration = "—" if step.duration_s is None else f"{step.duration_s:.2f}s"
    parts = [
        Content.from_markup("[b]$ $cmd[/b]", cmd=" ".join(step.command or [])),
        Content.from_markup(
            "[dim]exit $exit · $dur · $why$timeout[/]",
            exit="—" if step.exit_code is None else step.exit_code,
            dur=duration,
            why=why,
            timeout=" · timed out" if d.timed_out else "",
        ),
    ]
    if step.stdout:
        parts.append(Content.from_markup("[dim]stdout[/]\n$o", o=_cut(step.stdout.rstrip())))
    if step.stderr:
        parts.append(Content.from_markup("[dim]stderr[/]\n$e", e=_cut(step.stderr.rstrip())))
    return parts


class ReplayStepper(Horizontal):
    """The steps of the proposal's runs in a list, the step in view beside it."""

    DEFAULT_CSS = """
    ReplayStepper {
        height: 1fr;
        #replay-steps {
            width: 45%; border: none; border-right: vkey $foreground 20%;
            text-wrap: nowrap; text-overflow: ellipsis;
        }
        #replay-detail { width: 1fr; padding: 0 1; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "step(1)", "Next step", id="replay.next"),
        Binding("p", "step(-1)", "Prev step", id="replay.previous"),
        Binding("x", "repro", "Repro step", id="replay.repro"),
        Binding("t", "check", "Check", id="replay.check"),
        Binding("L", "rerun", "Re-run live", id="replay.rerun"),
        Binding("f", "redirect", "Redirect from here", id="replay.redirect"),
    ]

    @dataclass
    class RerunRequested(Message):
        """Run `overnight replay RUN --rerun` (the app, in a worker), then call
        `ProposalScreen.show_rerun` with which steps' output differs."""

        proposal_id: int
        run_id: str

    @dataclass
    class RedirectRequested(Message):
        """Redirect the proposal's agent, replaying run `run_id` up to step `seq` first."""

        proposal_id: int
        run_id: str
        seq: int

    def __init__(self, proposal_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.proposal_id = proposal_id
        self._steps: list[ReplayStep] = []
        self._agent_run: str | None = None
        self._differs: dict[tuple[str, int], bool] = {}

    def compose(self) -> ComposeResult:
        yield OptionList(id="replay-steps")
        with VerticalScroll(id="replay-detail"):
            yield Static("Loading the run…", id="replay-step")

    @property
    def current(self) -> int:
        """Index of the step in view."""
        return self.query_one("#replay-steps", OptionList).highlighted or 0

    @property
    def steps(self) -> list[ReplayStep]:
        return self._steps

    def show(self, replay: Replay) -> None:
        """List the replay's steps and show the first."""
        self._steps = replay.steps
        agents = [r.run.id for r in replay.runs if r.run.purpose == "agent"]
        self._agent_run = agents[0] if agents else None
        self._refill()
        if not self._steps:
            self.query_one("#replay-step", Static).update("The run recorded no steps.")
            return
        self.go_to(0)

    def _label(self, step: ReplayStep) -> Content:
        differs = self._differs.get((step.run_id, step.seq))
        marks = {None: "◆" if step.is_repro else " ", True: "≠", False: "="}
        mark = marks[differs]
        return Content.from_markup(
            "[dim]$purpose $seq[/] $mark $summary",
            purpose=f"{_PURPOSE.get(step.purpose, step.purpose):>6}",
            seq=f"{step.seq:>3}",
            mark=mark,
            summary=step_summary(step),
        )

    def _refill(self) -> None:
        steps = self.query_one("#replay-steps", OptionList)
        keep = steps.highlighted
        steps.clear_options()
        steps.add_options(Option(self._label(s)) for s in self._steps)
        if keep is not None and keep < len(self._steps):
            steps.highlighted = keep

    def go_to(self, index: int) -> None:
        """Show step `index` (of all runs' steps, in order)."""
        if not self._steps:
            return
        index = max(0, min(len(self._steps) - 1, index))
        steps = self.query_one("#replay-steps", OptionList)
        steps.highlighted = index
        self._show_detail(index)

    def _show_detail(self, index: int) -> None:
        step = self._steps[index]
        differs = self._differs.get((step.run_id, step.seq))
        self.query_one("#replay-step", Static).update(step_detail(step, differs))
        self.query_one("#replay-detail", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#replay-steps")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail(event.option_index)

    def set_comparison(self, run_id: str, pairs: Sequence[tuple[int, bool]]) -> None:
        """Mark the steps of `run_id` whose output differs on a live re-run: (seq, differs)."""
        for seq, differs in pairs:
            self._differs[(run_id, seq)] = differs
        self._refill()
        if self._steps:
            self._show_detail(self.current)

    def _next_index(self, matches: list[int]) -> int | None:
        if not matches:
            return None
        later = [i for i in matches if i > self.current]
        return later[0] if later else matches[0]

    def action_step(self, delta: int) -> None:
        self.go_to(self.current + delta)

    def action_repro(self) -> None:
        """The next step that runs the reproduction (the agent's, then the check's)."""
        target = self._next_index([i for i, s in enumerate(self._steps) if s.is_repro])
        if target is None:
            self.notify("No step ran the reproduction command.", severity="warning")
        else:
            self.go_to(target)

    def action_check(self) -> None:
        """The first step of the next check run (before, then after the fix)."""
        starts = [
            i
            for i, s in enumerate(self._steps)
            if s.purpose != "agent" and (i == 0 or self._steps[i - 1].run_id != s.run_id)
        ]
        target = self._next_index(starts)
        if target is None:
            self.notify("The runner's check has not run for this proposal.", severity="warning")
        else:
            self.go_to(target)

    def action_rerun(self) -> None:
        if self._agent_run is None:
            self.notify("There is no agent run to re-run.", severity="warning")
            return
        self.post_message(self.RerunRequested(self.proposal_id, self._agent_run))
        self.notify(f"Re-running {self._agent_run} live…")

    def action_redirect(self) -> None:
        if not self._steps:
            return
        step = self._steps[self.current]
        self.post_message(self.RedirectRequested(self.proposal_id, step.run_id, step.seq))
