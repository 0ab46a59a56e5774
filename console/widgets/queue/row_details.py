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
        text.update(_describe(row, now))
        spark.data = row.arrivals or [0]
        label.update(
            Text(f"signals per hour, last {SPARK_HOURS} h: {sum(row.arrivals)}", style="dim")
        )
        self.shown_key = row.key


def _describe(row: QueueRow, now: datetime) -> Text:
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
    elif row.lane == "needs_confirmation":
        out.append(
            f"\nsignal of #{row.home_issue_id} proposed as a duplicate of #{row.issue_id}: "
            f"{row.rule or ''}\n{cells.scores(row)}"
        )
        if len(row.candidates) > 1:
            out.append("\ny joins the marked issue; ] picks the next:", style="dim")
            for n, candidate in enumerate(row.candidates):
                mark = "▸" if n == row.chosen else " "
                score = "" if candidate.score is None else f"  ({candidate.score:.2f})"
                line = f"\n{mark} #{candidate.issue_id} {candidate.title}{score}"
                out.append(line, style="bold" if n == row.chosen else "")
    if row.dispatch_state:
        out.append(f"\nagent: {row.dispatch_state}", style="bold yellow")
    return out
