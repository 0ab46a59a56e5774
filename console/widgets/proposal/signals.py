"""The Signals tab: the envelopes behind an issue, and why each was linked to it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from store.proposal_view import IssueSignals, LinkedSignal

MAX_FRAMES = 8
"""Frames shown per stack, crashing frame last (the in-app ones are marked)."""
MAX_ACTIONS = 5


def _line(markup: str, **values: object) -> Content:
    # Values are substituted as plain text: a signal's words are data, never markup.
    return Content.from_markup(markup, **values)


def signal_content(item: LinkedSignal) -> Content:
    """One signal as lines: what it is, why it was linked, and what it carries."""
    signal = item.signal
    title = signal.title if signal else item.signal_id
    lines = [
        _line(
            "[b]$title[/b]  [dim]$kind · $source · $when · $state[/]",
            title=title,
            kind=signal.kind if signal else "?",
            source=signal.source if signal else "?",
            when=(signal.occurred_at if signal else item.linked_at).strftime("%Y-%m-%d %H:%M"),
            state=item.state,
        ),
        _line(
            "  [dim]linked by[/] fingerprint $f · structure $s · text $t  [i]$rule[/i]",
            f=f"{item.fingerprint_score:.2f}",
            s=f"{item.structure_score:.2f}",
            t=f"{item.text_score:.2f}",
            rule=item.rule,
        ),
    ]
    if signal is None:
        lines.append(_line("  [dim]the envelope is no longer stored[/]"))
        return Content("\n").join(lines)
    actor = signal.actor.email or signal.actor.id or signal.actor.name if signal.actor else None
    flags = ", ".join(f"{k}={v}" for k, v in sorted(signal.flags.items()))
    lines.append(
        _line(
            "  [dim]route[/] $route  [dim]user[/] $actor  [dim]flags[/] $flags",
            route=signal.route or "—",
            actor=actor or "—",
            flags=flags or "—",
        )
    )
    if signal.intent:
        lines.append(_line("  [dim]trying to[/] $intent", intent=signal.intent))
    for action in signal.actions[-MAX_ACTIONS:]:
        lines.append(
            _line("  [dim]· $cat[/] $msg", cat=action.category or "action", msg=action.message)
        )
    if signal.error:
        error = signal.error
        lines.append(_line("  [b $text-error]$type[/]: $msg", type=error.type, msg=error.message))
        for frame in error.frames[-MAX_FRAMES:]:
            where = f"{frame.file or frame.module or '?'}:{frame.line or '?'} in {frame.function}"
            if frame.in_app:
                lines.append(_line("    [b $text-accent]▸ $where[/]  [dim]in app[/]", where=where))
            else:
                lines.append(_line("    [dim]  $where[/]", where=where))
    if signal.text:
        lines.append(_line("  [dim]said[/] [i]“$text”[/i]", text=signal.text.strip()))
    return Content("\n").join(lines)


class SignalsView(VerticalScroll):
    """Each signal of the issue as a block, newest first."""

    DEFAULT_CSS = """
    SignalsView {
        height: 1fr;
        #signals-count { padding: 0 1; color: $text-muted; }
        .signal { padding: 0 1 1 1; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading the signals…", id="signals-count")

    async def show(self, signals: IssueSignals) -> None:
        """Replace the blocks with these signals."""
        await self.query(".signal").remove()
        shown, total = len(signals.signals), signals.total
        self.query_one("#signals-count", Static).update(
            f"{total} signals linked to issue {signals.issue_id}"
            + (f", the latest {shown} shown" if shown < total else "")
        )
        await self.mount_all(
            Static(signal_content(item), classes="signal") for item in signals.signals
        )
