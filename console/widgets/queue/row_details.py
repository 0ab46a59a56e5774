"""The selected row in full: check, reasons, files, and its arrivals as a Textual Sparkline."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Sparkline, Static

from console.widgets.queue import cells
from store.queue import SPARK_HOURS, QueueRow

WORDS_SHOWN = 70
"""Characters of a waiting signal's words shown beside its issue's title."""


class RowDetails(Vertical):
    """What the cursor is on, in more words than the row has room for."""

    shown_key: reactive[str | None] = reactive(None)
    """The key of the row shown (tests and the benchmark wait on it)."""

    def compose(self) -> ComposeResult:
        yield Static(id="details-text")
        yield Static(id="details-spark-label")
        yield Sparkline([0], id="details-spark")

    def show(self, row: QueueRow | None, now: datetime) -> None:
        text = self.query_one("#details-text", Static)
        spark = self.query_one("#details-spark", Sparkline)
        label = self.query_one("#details-spark-label", Static)
        if row is None:
            text.update("")
            spark.data = [0]
            label.update("")
            self.shown_key = None
            return
        # A proposed duplicate's decision is which issue it joins: the candidates take the
        # room the arrivals have elsewhere.
        self.set_class(row.lane == "needs_confirmation", "-link")
        text.update(_describe(row, now))
        spark.data = row.arrivals or [0]
        label.update(
            Text(f"signals per hour, last {SPARK_HOURS} h: {sum(row.arrivals)}", style="dim")
        )
        self.shown_key = row.key


def _describe(row: QueueRow, now: datetime) -> Text:
    if row.lane == "needs_confirmation":
        return _describe_link(row, now)
    out = Text()
    out.append(f"#{row.issue_id} ", style="bold")
    out.append(row.title, style="bold")
    out.append(
        f"\n{row.signal_count} signals from {row.users_affected} users, "
        f"first {cells.age(row.first_seen, now)} ago"
    )
    if row.lane in ("proposals", "no_proposal"):
        out.append(f"\n{(row.outcome or '').replace('_', ' ')}: ", style="bold")
        out.append(row.reason or "")
        out.append(f"  (cost {cells.cost(row)})", style="dim")
        if row.check_summary:
            out.append("\ncheck: ")
            out.append_text(cells.check_badge(row))
            out.append(f"  ({row.check_summary})")
        if row.files:
            out.append(f"\nfiles: {', '.join(row.files)}  ")
            out.append_text(cells.diff_size(row))
        if row.branch:
            out.append(f"\nbranch: {row.branch}", style="dim")
    elif row.lane == "held":
        for reason in row.reasons:
            out.append(f"\n• {reason}")
    if row.dispatch_state:
        out.append(f"\nagent: {row.dispatch_state}", style="bold yellow")
    return out


def _describe_link(row: QueueRow, now: datetime) -> Text:
    """A proposed duplicate: the signal's issue, why triage was unsure, and the issues it may
    join, the one `y` joins marked."""
    out = Text()
    out.append(f"#{row.home_issue_id} ", style="bold")
    out.append(row.home_title or "", style="bold")
    if row.home_words:
        words = row.home_words
        out.append(" — " + (words if len(words) <= WORDS_SHOWN else words[:WORDS_SHOWN] + "…"))
    out.append(f"\n{row.rule or ''} · {cells.scores(row)}", style="dim")
    several = len(row.candidates) > 1
    out.append("\ny joins ▸" + (", ] picks another:" if several else ":"), style="dim")
    for n, candidate in enumerate(row.candidates or [row.target]):
        chosen = n == row.chosen
        score = "" if candidate.score is None else f"  ({candidate.score:.2f})"
        out.append(
            f"\n{'▸' if chosen else ' '} #{candidate.issue_id} ", style="bold" if chosen else ""
        )
        out.append(candidate.title + score, style="bold" if chosen else "")
        if chosen and candidate.issue_id == row.issue_id:
            out.append(
                f"  · {row.signal_count} signals, first {cells.age(row.first_seen, now)} ago",
                style="dim",
            )
    return out
