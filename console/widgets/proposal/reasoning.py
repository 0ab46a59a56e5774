"""The Reasoning tab: the runner's check and the outcome, then the agent's own markdown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from store.proposal_view import ProposalDetail


def _mark(ok: bool | None) -> str:
    return "[$text-success]✓[/]" if ok else ("[$text-error]✗[/]" if ok is False else "[dim]?[/]")


def check_content(detail: ProposalDetail) -> Content:
    """The runner's check in lines: fails before, passes after, no new failures, and why."""
    p = detail.proposal
    fails_before = None if p.repro_before is None else p.repro_before != 0
    passes_after = None if p.repro_after is None else p.repro_after == 0
    verdict = "[b $text-success]verified[/]" if p.verified else "[b $text-warning]not verified[/]"
    lines = [
        Content.from_markup(
            f"{verdict}  $outcome: $reason", outcome=p.outcome, reason=p.reason or "no reason given"
        ),
        Content.from_markup(
            f"{_mark(fails_before)} fails before [dim](exit $before)[/]   "
            f"{_mark(passes_after)} passes after [dim](exit $after)[/]   "
            f"{_mark(not p.new_failures)} no new failures",
            before="—" if p.repro_before is None else str(p.repro_before),
            after="—" if p.repro_after is None else str(p.repro_after),
        ),
        Content.from_markup("[dim]repro:[/] $cmd", cmd=p.repro_command or "none recorded"),
    ]
    if p.check_summary:
        lines.append(Content.from_markup("[dim]check:[/] $s", s=p.check_summary))
    for test in p.tests_fixed:
        lines.append(Content.from_markup("  [$text-success]fixed[/] $t", t=test))
    for test in p.new_failures:
        lines.append(Content.from_markup("  [$text-error]now failing[/] $t", t=test))
    lines.append(
        Content.from_markup(
            "[dim]$steps steps · $cost · $model[/]",
            steps=p.steps,
            cost=f"${p.cost_usd:.2f}",
            model=p.model or "model unknown",
        )
    )
    return Content("\n").join(lines)


class ReasoningView(VerticalScroll):
    """The check's verdict above the agent's account of cause and fix."""

    DEFAULT_CSS = """
    ReasoningView {
        height: 1fr;
        #reasoning-check { padding: 1 2; background: $boost; }
        #reasoning-text { padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="reasoning-check")
        yield Markdown(id="reasoning-text")

    def show(self, detail: ProposalDetail) -> None:
        """Fill in the check and the agent's markdown."""
        self.query_one("#reasoning-check", Static).update(check_content(detail))
        text = detail.proposal.reasoning.strip() or "*The agent wrote no reasoning.*"
        self.query_one("#reasoning-text", Markdown).update(text)
