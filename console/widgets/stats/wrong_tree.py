"""The wrong-tree rate night by night, as a bar chart (textual-plotext).

The canary for triage degrading: when triage groups unlike signals, agents fix the wrong thing
and reviewers close proposals as "wrong tree". A chart with axes shows a trend that a single
number hides.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from store.stats import StatsReport


class WrongTreeChart(PlotextPlot):
    """One bar per night: the share of its decided proposals closed as wrong tree."""

    def show(self, report: StatsReport) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("wrong-tree rate by night (%)")
        nights = report.nights
        if nights:
            labels = [n.started_at.strftime("%m-%d") for n in nights]
            plt.bar(labels, [round(n.rate * 100, 1) for n in nights], width=0.5)
            plt.ylim(0, 100)
        else:
            plt.bar(["no nights"], [0])
            plt.ylim(0, 100)
        self.refresh()
