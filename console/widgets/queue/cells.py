"""How a queue row's values read in a cell: age, arrivals, the check badge, diff size, cost.

Words as well as colour (the badge says "fails/passes", the diff says "+12 -3"), so the queue
reads the same to a colour-blind reviewer and in a plain capture of the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from store.queue import QueueRow

_BARS = " ▁▂▃▄▅▆▇█"


def age(since: datetime, now: datetime) -> str:
    """`45m`, `5h`, `3d`: how long ago, in the largest unit that fits."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def arrivals(counts: Sequence[int], width: int = 12, hours: int = 24) -> str:
    """The last `hours` hours' arrivals as `width` bars (each the sum of a few hours), oldest
    first; an hour without arrivals is a blank."""
    counts = list(counts)[-hours:]
    if not counts:
        return " " * width
    size = max(1, len(counts) // width)
    sums = [sum(counts[i : i + size]) for i in range(0, size * width, size)][-width:]
    top = max(sums) or 1
    return "".join(_BARS[round(s / top * (len(_BARS) - 1))] if s else " " for s in sums)


def cut(text: str) -> Text:
    """Text cut with an ellipsis where its column ends."""
    return Text(text, no_wrap=True, overflow="ellipsis")


def signals(row: QueueRow) -> Text:
    """The count and the last day's arrivals, 3 hours a bar."""
    bars = arrivals(row.arrivals, width=8)
    return Text.assemble((f"{row.signal_count:>4} ", "bold"), (bars, "cyan"))


def target_signals(row: QueueRow) -> Text:
    """The signals of the issue a confirm would join; its arrivals when it is the link's own
    (they are read for that one only)."""
    target = row.target
    if target.issue_id == row.issue_id:
        return signals(row)
    return Text(f"{target.signal_count:>4} ", "bold")


def check_badge(row: QueueRow) -> Text:
    """The runner's check in three words: the repro before and after the fix, and how many
    tests newly fail (`✓ fail/pass/0 new`)."""
    if row.repro_before is None and row.repro_after is None:
        return Text("no check", style="dim")
    before = "fail" if row.repro_before else "pass"
    after = "pass" if row.repro_after == 0 else "fail"
    news = f"{row.new_failures} new"
    style = "green" if row.verified else "red"
    mark = "✓" if row.verified else "✗"
    return Text(f"{mark} {before}/{after}/{news}", style=style)


def diff_size(row: QueueRow) -> Text:
    return Text.assemble((f"+{row.added}", "green"), " ", (f"-{row.removed}", "red"))


def cost(row: QueueRow) -> str:
    return f"${row.cost_usd:.2f}"


def state(row: QueueRow) -> Text:
    """`queued`/`running` when an agent is (about to be) at work on the row's issue."""
    if row.dispatch_state:
        what = "redirected, " if row.status == "redirected" else ""
        return Text(f"{what}{row.dispatch_state}", style="bold yellow")
    return Text("")


def link_target(row: QueueRow) -> str:
    """`#home→#target`, and which of several candidates it is."""
    text = f"#{row.home_issue_id}→#{row.target.issue_id}"
    if len(row.candidates) > 1:
        text += f" {row.chosen + 1}/{len(row.candidates)}"
    return text


def scores(row: QueueRow) -> str:
    if row.scores is None:
        return ""
    fp, st, tx = row.scores
    return f"fp {fp:.2f} st {st:.2f} tx {tx:.2f}"
