"""The Stats screen: for the last 7 or 30 days, the funnel, time to merge, spend, and the
wrong-tree rate night by night."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static

from console.messages import StoreChanged
from console.widgets.footer import ScreenFooter
from console.widgets.stats.funnel import FunnelView
from console.widgets.stats.wrong_tree import WrongTreeChart
from store.stats import StatsReport, stats_report

if TYPE_CHECKING:
    from console.app import OvernightApp

WINDOWS = (7, 30)


class StatsScreen(Screen[None]):
    """How the nights have gone."""

    BINDINGS = [
        Binding("w", "window", "7/30 days", id="stats.window"),
        Binding("escape", "app.leave", "Back", id="stats.back"),
    ]

    days: reactive[int] = reactive(7)
    """The window, in days ending now."""

    @dataclass
    class Loaded(Message):
        report: StatsReport

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="stats-body"):
            with Vertical(id="stats-left"):
                yield Static(id="stats-window", classes="stats-heading")
                yield FunnelView(id="stats-funnel")
                yield Static(id="stats-figures")
            yield WrongTreeChart(id="stats-chart")
        yield ScreenFooter()

    @property
    def overnight(self) -> OvernightApp:
        return cast("OvernightApp", self.app)

    def on_mount(self) -> None:
        self.load()

    def watch_days(self) -> None:
        if self.is_mounted:
            self.load()

    def action_window(self) -> None:
        self.days = WINDOWS[(WINDOWS.index(self.days) + 1) % len(WINDOWS)]

    @work(
        thread=True,
        exclusive=True,
        group="stats",
        description="reading the stats",
        exit_on_error=False,
    )
    def load(self) -> None:
        with self.overnight.reader.borrow() as db:
            report = stats_report(db, days=self.days, now=self.overnight.clock())
        self.post_message(self.Loaded(report))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        report = message.report
        self.query_one("#stats-window", Static).update(
            f"The last {report.days} days (w switches to {self._other()} days)"
        )
        self.query_one(FunnelView).show(report)
        median = report.median_signal_to_merge_h
        self.query_one("#stats-figures", Static).update(
            "median first signal → merge: "
            + (f"{median:.1f} h" if median is not None else "no merges yet")
            + f"\nspend on agents: ${report.spend_usd:.2f}"
            + f"\nnights in the window: {len(report.nights)}"
        )
        self.query_one(WrongTreeChart).show(report)

    def _other(self) -> int:
        return WINDOWS[(WINDOWS.index(self.days) + 1) % len(WINDOWS)]

    @on(StoreChanged)
    def reload(self) -> None:
        self.load()
