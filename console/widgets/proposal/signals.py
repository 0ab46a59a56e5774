"""The Signals tab: the envelopes behind an issue, and why each was linked to it."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from runner.triage.grouping import Component, Grouping
from store.proposal_view import IssueSignals, LinkedSignal

MAX_FRAMES = 8
"""Frames shown per stack, crashing frame last (the in-app ones are marked)."""
MAX_ACTIONS = 5
MAX_TREE_LINES = 80
"""Lines of a grouping tree shown; a deep native stack is cut, the rest is in the store."""
VARIANTS = {
    "checksum": "the client's checksum",
    "hashed-checksum": "the client's checksum",
    "custom": "the client's fingerprint",
    "hybrid": "the client's fingerprint with the default grouping",
    "built-in": "a built-in fingerprint rule",
    "app": "the in-app stack",
    "system": "the full stack",
    "message": "the message",
}


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
        lines.append(
            _line("  [b $text-error]$type[/]: $msg", type=error.shown_type, msg=error.message)
        )
        for frame in error.frames[-MAX_FRAMES:]:
            where = f"{frame.file or frame.module or '?'}:{frame.line or '?'} in {frame.function}"
            if frame.in_app:
                lines.append(_line("    [b $text-accent]▸ $where[/]  [dim]in app[/]", where=where))
            else:
                lines.append(_line("    [dim]  $where[/]", where=where))
    if signal.text:
        lines.append(_line("  [dim]said[/] [i]“$text”[/i]", text=signal.text.strip()))
    return Content("\n").join(lines)


def _tree_lines(node: Component, depth: int, lines: list[Content], counted: bool = True) -> None:
    """`counted`: the parent contributes (under an ignored part nothing counts)."""
    indent = "  " * depth
    strings = [v for v in node.values if isinstance(v, str)]
    children = [v for v in node.values if not isinstance(v, str)]
    values = " ".join(repr(v) for v in strings)
    counted = counted and node.contributes
    if not counted and node.contributes:
        lines.append(
            _line("$indent[dim]  $id $values[/]", indent=indent, id=node.id, values=values)
        )
    elif counted:
        lines.append(
            _line(
                "$indent[$text-success]✓[/] $id $values", indent=indent, id=node.id, values=values
            )
        )
    else:
        lines.append(
            _line(
                "$indent[dim]✗ $id $values — $hint[/]",
                indent=indent,
                id=node.id,
                values=values,
                hint=node.hint or "does not contribute",
            )
        )
    for child in children:
        _tree_lines(child, depth + 1, lines, counted)


def grouping_content(grouping: Grouping) -> Content:
    """Why a signal groups where it does: the winning variant's tree, each part marked as
    contributing to the hash (✓) or not, with Sentry's kind of hint for why not."""
    tree = grouping.trees.get(grouping.variant)
    if tree is None:
        return _line("[dim]nothing in this signal contributes to a grouping hash[/]")
    lines: list[Content] = []
    _tree_lines(tree, 0, lines)
    if len(lines) > MAX_TREE_LINES:
        cut = len(lines) - MAX_TREE_LINES
        lines = [*lines[:MAX_TREE_LINES], _line("[dim]… $n more lines[/]", n=str(cut))]
    return Content("\n").join(lines)


def grouping_title(grouping: Grouping) -> str:
    """The one line a collapsed tree shows: what the hash rests on, and the hash."""
    what = VARIANTS.get(grouping.variant, grouping.variant)
    digest = grouping.hash.rsplit(":", 1)[-1][:12] if grouping.hash else "none"
    return f"Why it groups: {what} · {digest}"


class SignalsView(VerticalScroll):
    """Each signal of the issue as a block, newest first."""

    DEFAULT_CSS = """
    SignalsView {
        height: 1fr;
        #signals-count { padding: 0 1; color: $text-muted; }
        .signal { padding: 0 1 0 1; }
        .grouping { margin: 0 1 1 1; border: none; padding: 0; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading the signals…", id="signals-count")

    async def show(
        self, signals: IssueSignals, groupings: Mapping[str, Grouping] | None = None
    ) -> None:
        """Replace the blocks with these signals, each error with its grouping tree
        (collapsed) from `groupings` (signal id → grouping)."""
        await self.query(".signal, .grouping").remove()
        shown, total = len(signals.signals), signals.total
        self.query_one("#signals-count", Static).update(
            f"{total} signals linked to issue {signals.issue_id}"
            + (f", the latest {shown} shown" if shown < total else "")
        )
        widgets: list[Static | Collapsible] = []
        for item in signals.signals:
            widgets.append(Static(signal_content(item), classes="signal"))
            grouping = (groupings or {}).get(item.signal_id)
            if grouping is not None and grouping.hash:
                widgets.append(
                    Collapsible(
                        Static(grouping_content(grouping), classes="grouping-tree"),
                        title=grouping_title(grouping),
                        classes="grouping",
                    )
                )
        await self.mount_all(widgets)
