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
        self._report = report
        self._draw()

    def on_resize(self) -> None:
        if self._report is not None:
            self._draw()

    _report: StatsReport | None = None

    def _draw(self) -> None:
        report = self._report
        assert report is not None
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("wrong-tree rate by night (%)")
        nights = report.nights
        labels = [n.started_at.strftime("%m-%d") for n in nights] or ["no nights"]
        rates = [round(n.rate * 100, 1) for n in nights] or [0.0]
        positions = [float(n) for n in range(1, len(labels) + 1)]
        plt.bar(positions, rates, width=0.5)
        # Ticks chosen here, not by plotext: its own choice depends on state it keeps between
        # plots, and the chart must read the same every time.
        room = max(1, (self.size.width - 12) // 8)  # a label is 5 wide; keep 3 apart
        step = -(-len(labels) // room)
        plt.xticks(positions[::step], labels[::step])
        plt.ylim(0, 100)
        self.refresh()
