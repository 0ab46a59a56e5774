"""The funnel of a window, stage by stage, with each stage's share of the one before."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from store.stats import StatsReport

_STAGES = (
    ("signals", "signals received"),
    ("issues", "unique issues"),
    ("dispatched", "issues dispatched"),
    ("proposals", "proposals"),
)
_DECIDED = (("merged", "merged"), ("redirected", "redirected"), ("closed", "closed"))


class FunnelView(Static):
    """signals → unique issues → dispatched → proposals → merged / redirected / closed."""

    def show(self, report: StatsReport) -> None:
        funnel = report.funnel.model_dump()
        table = Table(box=None, expand=False, show_header=False, pad_edge=False)
        table.add_column("stage", no_wrap=True)
        table.add_column("count", justify="right", style="bold")
        table.add_column("share", justify="right", style="dim")
        previous: int | None = None
        for key, label in _STAGES:
            n = funnel[key]
            share = f"{n / previous:.0%} of above" if previous else ""
            table.add_row(label, str(n), share)
            previous = n
        for key, label in _DECIDED:
            n = funnel[key]
            share = f"{n / funnel['proposals']:.0%} of proposals" if funnel["proposals"] else ""
            table.add_row(f"  {label}", str(n), share)
        self.update(table)
