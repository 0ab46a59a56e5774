"""The Proposal screen: one agent run's result, in four tabs (Diff, Reasoning, Signals, Replay).

Nothing here waits: the proposal and its diff are read and prepared in one thread worker, the
signals and the replay in their own the first time their tab is opened; each result comes
back as a message and is shown on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from console import collector
from console.diff_model import LineNote
from console.gitview import PreparedDiff, prepare_diff
from console.widgets.footer import ScreenFooter
from console.widgets.proposal.diff_lines import DiffLines
from console.widgets.proposal.diff_pane import DiffPane
from console.widgets.proposal.reasoning import ReasoningView
from console.widgets.proposal.replay import ReplayStepper
from console.widgets.proposal.signals import SignalsView
from runner.triage.grouping import Grouping, group
from store.proposal_view import (
    IssueSignals,
    ProposalDetail,
    Replay,
    load_proposal,
    load_replay,
    load_signals,
    open_reader,
)

TABS = ("diff", "reasoning", "signals", "replay")
HOLD_SECONDS = 1.0
"""The longest the screen holds the garbage collector off while its diff is prepared."""


def title_content(detail: ProposalDetail) -> Content:
    """The screen's headline: the issue (numbered as the queue numbers it), outcome, check,
    size, cost, and the proposal's own number last."""
    p = detail.proposal
    badge = "[b $text-success]verified[/]" if p.verified else "[b $text-warning]unverified[/]"
    return Content.from_markup(
        f"[b]#$issue $title[/b]  {badge} [dim]$outcome · $signals signals · $users users · "
        "$branch ·[/] [$text-success]+$added[/] [$text-error]\u2212$removed[/] "
        "[dim]· $cost · proposal $id[/]",
        issue=p.issue_id,
        id=p.id or 0,
        title=detail.issue_title,
        outcome=p.outcome,
        signals=detail.signal_count,
        users=detail.users_affected,
        branch=p.branch or "no branch",
        added=p.added,
        removed=p.removed,
        cost=f"${p.cost_usd:.2f}",
    )


class ProposalScreen(Screen[None]):
    """Everything a reviewer needs to decide on one proposal."""

    DEFAULT_CSS = """
    ProposalScreen {
        #proposal-title { height: 1; padding: 0 1; background: $panel; }
        TabbedContent { height: 1fr; }
        TabPane { padding: 0; height: 1fr; }
    }
    """
    AUTO_FOCUS = "#diff-lines"
    """Focused from the start, so the footer is laid out once, not again when the diff loads."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="proposal.back"),
        Binding("1", "tab('diff')", "Diff", id="proposal.tab_diff"),
        Binding("2", "tab('reasoning')", "Reasoning", id="proposal.tab_reasoning"),
        Binding("3", "tab('signals')", "Signals", id="proposal.tab_signals"),
        Binding("4", "tab('replay')", "Replay", id="proposal.tab_replay"),
    ]

    @dataclass
    class _Loaded(Message):
        detail: ProposalDetail | None

    @dataclass
    class _DiffPrepared(Message):
        prepared: PreparedDiff

    @dataclass
    class _SignalsLoaded(Message):
        signals: IssueSignals
        groupings: dict[str, Grouping]

    @dataclass
    class _ReplayLoaded(Message):
        replay: Replay | None

    def __init__(
        self,
        proposal_id: int,
        db_path: Path,
        notes: Sequence[LineNote] = (),
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.proposal_id = proposal_id
        self.db_path = Path(db_path)
        self.detail: ProposalDetail | None = None
        """The proposal, once read."""
        self._notes = list(notes)
        self._requested: set[str] = set()
        """Tabs opened before the proposal was read: their data is read once it is."""
        self._started: set[str] = set()
        self._holding = False
        """True while this screen holds the garbage collector off (`console.collector`)."""
        self._held = False

    def compose(self) -> ComposeResult:
        # From here until the diff is painted no collection of the whole heap may start: one
        # costs more than the rest of the open (see `console.collector`).
        if not self._held:  # once: a later compose has no first paint to wait for
            self._held = self._holding = True
            collector.hold()
        yield Static(f"Proposal #{self.proposal_id}: loading…", id="proposal-title")
        with TabbedContent(initial="diff"):
            with TabPane("Diff", id="diff"):
                yield DiffPane(self.proposal_id, id="diff-pane")
            # The other tabs' widgets are mounted when first opened: styling a screen's
            # widgets is most of the cost of opening it, and the Diff tab is what opens.
            yield TabPane("Reasoning", id="reasoning")
            yield TabPane("Signals", id="signals")
            yield TabPane("Replay", id="replay")
        # The footer comes once the diff is shown (`_mount_footer`): its keys cost as much
        # to style as the diff itself, and the diff is what a person opened the screen for.

    def on_mount(self) -> None:
        self._read_proposal()
        self.set_timer(0.3, self._mount_footer)  # also when there is no diff to show
        self.set_timer(HOLD_SECONDS, self._release_collector)  # a slow diff: not forever

    def on_unmount(self) -> None:
        self._release_collector()
        collector.release_render_caches()

    def _release_collector(self) -> None:
        if self._holding:
            self._holding = False
            collector.release()

    async def _mount_footer(self) -> None:
        if not self.query(ScreenFooter):
            await self.mount(ScreenFooter())
            self.refresh_bindings()  # a footer mounted late shows its keys on this signal

    # -- public -------------------------------------------------------------------------

    def set_notes(self, notes: Sequence[LineNote]) -> None:
        """Show the proposal's line notes in the diff's margin (the app reads them)."""
        self._notes = list(notes)
        self.query_one(DiffPane).set_notes(self._notes)

    def show_rerun(self, run_id: str, pairs: Sequence[tuple[int, bool]]) -> None:
        """Mark the steps of `run_id` whose output differs on the live re-run: (seq, differs)."""
        for stepper in self.query(ReplayStepper):
            stepper.set_comparison(run_id, pairs)

    # -- workers ------------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="proposal",
        exit_on_error=False,
        description="read the proposal and prepare its diff",
    )
    def _read_proposal(self) -> None:
        db = open_reader(self.db_path)
        try:
            detail = load_proposal(db, self.proposal_id)
        finally:
            db.close()
        self.post_message(self._Loaded(detail))
        if detail is not None:
            p = detail.proposal
            prepared = prepare_diff(p.repository, p.base_commit, p.head_commit, p.diff)
            self.post_message(self._DiffPrepared(prepared))

    @work(
        thread=True,
        exclusive=True,
        group="signals",
        exit_on_error=False,
        description="read the issue's signals",
    )
    def _read_signals(self, issue_id: int) -> None:
        db = open_reader(self.db_path)
        try:
            signals = load_signals(db, issue_id)
        finally:
            db.close()
        groupings = {
            item.signal_id: group(item.signal)
            for item in signals.signals
            if item.signal is not None and item.signal.error is not None
        }
        self.post_message(self._SignalsLoaded(signals, groupings))

    @work(
        thread=True,
        exclusive=True,
        group="replay",
        exit_on_error=False,
        description="read the runs' steps",
    )
    def _read_replay(self) -> None:
        db = open_reader(self.db_path)
        try:
            replay = load_replay(db, self.proposal_id)
        finally:
            db.close()
        self.post_message(self._ReplayLoaded(replay))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._release_collector()
            what = event.worker.description or event.worker.name
            self.notify(f"Could not {what}: {event.worker.error}", severity="error", timeout=10)

    # -- results ------------------------------------------------------------------------

    @on(_Loaded)
    def _loaded(self, event: _Loaded) -> None:
        title = self.query_one("#proposal-title", Static)
        if event.detail is None:
            title.update(f"Proposal #{self.proposal_id} is not in the store.")
            self._release_collector()
            return
        self.detail = event.detail
        title.update(title_content(event.detail))
        for view in self.query(ReasoningView):
            view.show(event.detail)
        for tab in list(self._requested):
            self._load_tab(tab)

    @on(_DiffPrepared)
    def _diff_prepared(self, event: _DiffPrepared) -> None:
        self.query_one(DiffPane).show(event.prepared, self._notes)
        self.set_timer(0.05, self._mount_footer)  # once the diff is on the screen
        if not event.prepared.files:
            self._release_collector()  # no rows to paint, so no `DiffLines.Painted` to wait for

    @on(DiffLines.Painted)
    def _diff_painted(self, event: DiffLines.Painted) -> None:
        event.stop()
        self._release_collector()  # the diff is on the screen: collections may run again

    @on(_SignalsLoaded)
    async def _signals_loaded(self, event: _SignalsLoaded) -> None:
        await self.query_one(SignalsView).show(event.signals, event.groupings)

    @on(_ReplayLoaded)
    def _replay_loaded(self, event: _ReplayLoaded) -> None:
        if event.replay is not None:
            stepper = self.query_one(ReplayStepper)
            stepper.show(event.replay)
            if self.query_one(TabbedContent).active == "replay":
                stepper.query_one("#replay-steps").focus()

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        await self._mount_tab(tab)
        self._load_tab(tab)
        self._focus_tab(tab)

    async def _mount_tab(self, tab: str) -> None:
        pane = self.query_one(f"#{tab}", TabPane)
        if tab == "diff" or pane.children:
            return
        if tab == "reasoning":
            view = ReasoningView(id="reasoning-view")
            await pane.mount(view)
            if self.detail is not None:
                view.show(self.detail)
        elif tab == "signals":
            await pane.mount(SignalsView(id="signals-view"))
        elif tab == "replay":
            await pane.mount(ReplayStepper(self.proposal_id, id="replay-view"))

    def _load_tab(self, tab: str) -> None:
        """Start reading a tab's data the first time it is shown."""
        if tab not in ("signals", "replay") or tab in self._started:
            return
        if self.detail is None:
            self._requested.add(tab)
            return
        self._requested.discard(tab)
        self._started.add(tab)
        if tab == "signals":
            self._read_signals(self.detail.proposal.issue_id)
        else:
            self._read_replay()

    def _focus_tab(self, tab: str) -> None:
        target = {
            "diff": "#diff-lines",
            "reasoning": "#reasoning-view",
            "signals": "#signals-view",
            "replay": "#replay-steps",
        }.get(tab)
        if target:
            for widget in self.query(target):
                widget.focus()

    # -- actions ------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.dismiss(None)
