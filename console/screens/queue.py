"""The Queue screen: four lanes of the morning's work, one key for each decision.

Data flow: `load` (a thread worker) reads every lane's first page under one snapshot and posts
`Loaded`; the handler fills only the lanes whose rows changed. `StoreChanged` (the app's poll
of `PRAGMA data_version`) starts another `load`. A key press captures the row under the cursor
and hands the decision to the app's writer queue (`OvernightApp.decide`); the decision's commit
comes back as a store change and the row leaves its lane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static, TabbedContent, TabPane

from console.messages import StoreChanged
from console.widgets.footer import ScreenFooter
from console.widgets.queue.lane_table import LaneTable
from console.widgets.queue.row_details import RowDetails
from runner import decisions
from store.queue import (
    LANE_NAMES,
    PAGE_SIZE,
    LaneName,
    QueueFilter,
    QueueRow,
    lane_counts,
    lane_page,
    nights_run,
)

if TYPE_CHECKING:
    from console.app import OvernightApp

LANE_TITLES: dict[LaneName, str] = {
    "proposals": "Proposals",
    "needs_confirmation": "Needs confirmation",
    "held": "Held for human triage",
    "no_proposal": "No proposal",
}
EMPTY: dict[LaneName, str] = {
    "proposals": "No proposals wait for review. Look at the other lanes, or press s for stats.",
    "needs_confirmation": "No duplicates await confirmation: triage was sure of every link.",
    "held": "The safety filter held nothing back.",
    "no_proposal": "Every agent run came to a proposal.",
}
NO_NIGHT = (
    "No night has run yet: run `overnight run --once` (or `overnight demo` for a sample "
    "night), then come back with `overnight review`."
)
WARM_UP_AFTER = 0.5
"""Seconds after the queue's first paint to warm the diff view (`OvernightApp.warm_diffs`)."""
# Which lanes each decision applies to; elsewhere its key is hidden from the footer.
ACTION_LANES: dict[str, tuple[LaneName, ...]] = {
    "merge": ("proposals",),
    "redirect": ("proposals", "no_proposal"),
    "close": ("proposals", "no_proposal"),
    "open": ("proposals", "no_proposal"),
    "confirm": ("needs_confirmation",),
    "split": ("needs_confirmation",),
    "next_candidate": ("needs_confirmation",),
    "dispatch_anyway": ("held",),
}


class QueueScreen(Screen[None]):
    """The morning queue."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="queue.open"),
        Binding("m", "merge", "Merge", id="queue.merge"),
        Binding("r", "redirect", "Redirect", id="queue.redirect"),
        Binding("c", "close", "Close", id="queue.close"),
        Binding("y", "confirm", "Confirm", id="queue.confirm"),
        Binding(
            "right_square_bracket",
            "next_candidate(1)",
            "Next candidate",
            key_display="]",
            id="queue.next_candidate",
        ),
        Binding(
            "left_square_bracket",
            "next_candidate(-1)",
            "Previous candidate",
            key_display="[",
            show=False,
            id="queue.previous_candidate",
        ),
        Binding("x", "split", "Split", id="queue.split"),
        Binding("d", "dispatch_anyway", "Dispatch anyway", id="queue.dispatch_anyway"),
        Binding("u", "undo", "Undo", id="queue.undo"),
        Binding("slash", "filter", "Filter", id="queue.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="queue.clear_filter"),
        Binding("s", "stats", "Stats", id="queue.stats"),
        Binding("l", "next_lane(1)", "Next lane", show=False, id="queue.next_lane"),
        Binding("h", "next_lane(-1)", "Previous lane", show=False, id="queue.previous_lane"),
        *(
            Binding(str(n), f"lane('{lane}')", LANE_TITLES[lane], show=False, id=f"queue.{lane}")
            for n, lane in enumerate(LANE_NAMES, start=1)
        ),
    ]

    filter_text: reactive[str] = reactive("")
    """The words typed after `/`; rows whose titles hold them all are shown."""
    lane: reactive[LaneName] = reactive[LaneName]("proposals")
    """The lane in view."""

    @dataclass
    class Loaded(Message):
        """A snapshot of lanes' first pages (the lane in view alone, then the others)."""

        generation: int
        pages: dict[LaneName, list[QueueRow]]
        counts: dict[LaneName, int]
        nights: int

    @dataclass
    class MoreLoaded(Message):
        """The next page of one lane."""

        generation: int
        lane: LaneName
        rows: list[QueueRow]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._counts: dict[LaneName, int] = dict.fromkeys(LANE_NAMES, 0)
        self._loading_more: set[LaneName] = set()
        self.loaded = False
        """True once the first snapshot is on screen (the benchmark waits on it)."""

    @property
    def overnight(self) -> OvernightApp:
        return cast("OvernightApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="lanes", initial="proposals"):
            for lane in LANE_NAMES:
                with TabPane(LANE_TITLES[lane], id=lane):
                    yield Static("", id=f"empty-{lane}", classes="empty", markup=False)
                    yield LaneTable(lane, id=f"table-{lane}")
        yield RowDetails(id="details")
        yield Input(placeholder="filter: words in the title (escape clears)", id="filter")
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32, "-short")

    # -- reading ------------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="queue",
        description="reading the queue",
        exit_on_error=False,
    )
    def load(self) -> None:
        """Every lane's first page, the counts, and whether any night ran: one snapshot. The
        lane in view is posted first, so it paints before the others are read."""
        self._generation += 1
        generation = self._generation
        flt = QueueFilter(text=self.filter_text)
        now = self.overnight.clock()
        first = self.lane
        with self.overnight.reader.borrow() as db:
            db.conn.execute("BEGIN")  # one snapshot: counts and pages agree
            counts = lane_counts(db, flt)
            nights = nights_run(db)
            page = lane_page(db, first, limit=PAGE_SIZE, flt=flt, now=now)
            self.post_message(self.Loaded(generation, {first: page}, counts, nights))
            rest = {
                lane: lane_page(db, lane, limit=PAGE_SIZE, flt=flt, now=now)
                for lane in LANE_NAMES
                if lane != first
            }
        self.post_message(self.Loaded(generation, rest, counts, nights))

    @work(
        thread=True, group="queue-more", description="reading more of the lane", exit_on_error=False
    )
    def load_more(self, lane: LaneName, offset: int, generation: int) -> None:
        flt = QueueFilter(text=self.filter_text)
        with self.overnight.reader.borrow() as db:
            rows = lane_page(db, lane, offset=offset, flt=flt, now=self.overnight.clock())
        self.post_message(self.MoreLoaded(generation, lane, rows))

    @on(Loaded)
    def show_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return  # a newer read is on its way
        self._counts = message.counts
        self._loading_more.clear()
        now = self.overnight.clock()
        tabs = self.query_one(TabbedContent)
        for lane, rows in message.pages.items():
            table = self.query_one(f"#table-{lane}", LaneTable)
            table.show_rows(rows, now)
            tabs.get_tab(lane).label = f"{LANE_TITLES[lane]} {message.counts[lane]}"
            empty = self.query_one(f"#empty-{lane}", Static)
            if message.counts[lane]:
                empty.display = False
            else:
                empty.display = True
                empty.update(self._empty_text(lane, message.nights))
            table.display = bool(message.counts[lane])
        if not self.loaded and (message.counts["proposals"] or message.counts["no_proposal"]):
            self.set_timer(WARM_UP_AFTER, self.overnight.warm_diffs)  # the queue painted first
        self.loaded = True
        self._show_details()
        self.refresh_bindings()

    def _empty_text(self, lane: LaneName, nights: int) -> str:
        if self.filter_text:
            return f"Nothing here matches “{self.filter_text}”: press escape to clear the filter."
        if nights == 0 and not any(self._counts.values()):
            return NO_NIGHT
        return EMPTY[lane]

    @on(MoreLoaded)
    def show_more(self, message: MoreLoaded) -> None:
        self._loading_more.discard(message.lane)
        if message.generation == self._generation:
            table = self.query_one(f"#table-{message.lane}", LaneTable)
            table.append_rows(message.rows, self.overnight.clock())

    @on(StoreChanged)
    def reload(self) -> None:
        self.load()

    # -- the cursor -----------------------------------------------------------------------

    def table(self) -> LaneTable:
        return self.query_one(f"#table-{self.lane}", LaneTable)

    def current_row(self) -> QueueRow | None:
        return self.table().current()

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if not isinstance(table, LaneTable) or table.lane != self.lane:
            return
        self._show_details()
        loaded = len(table.order)
        wanted = table.near_end() and loaded < self._counts[table.lane]
        if wanted and table.lane not in self._loading_more:
            self._loading_more.add(table.lane)
            self.load_more(table.lane, loaded, self._generation)

    def _show_details(self) -> None:
        self.query_one(RowDetails).show(self.current_row(), self.overnight.clock())

    @on(TabbedContent.TabActivated)
    def lane_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id in LANE_NAMES:
            self.lane = cast(LaneName, event.pane.id)
            self.table().focus()
            self._show_details()
            self.refresh_bindings()

    def action_lane(self, lane: str) -> None:
        self.query_one(TabbedContent).active = lane

    def action_next_lane(self, step: int) -> None:
        index = (LANE_NAMES.index(self.lane) + step) % len(LANE_NAMES)
        self.action_lane(LANE_NAMES[index])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        lanes = ACTION_LANES.get(action)
        return lanes is None or self.lane in lanes

    # -- filtering ------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.load()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        if not self.filter_text:
            self.query_one("#filter", Input).display = False
        self.table().focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self.table().focus()
        self.load()

    # -- decisions ------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.current_row()
        if row is not None and row.proposal_id is not None:
            self.overnight.open_proposal(row.proposal_id)

    def _proposal_row(self) -> QueueRow | None:
        row = self.current_row()
        if row is None or row.proposal_id is None:
            self.notify("no proposal under the cursor", severity="warning")
            return None
        return row

    def action_merge(self) -> None:
        if row := self._proposal_row():
            self.overnight.merge(row.proposal_id or 0, row.issue_id, row.title)

    def action_close(self) -> None:
        if row := self._proposal_row():
            self.overnight.close(row.proposal_id or 0, row.issue_id, row.title)

    def action_redirect(self) -> None:
        if row := self._proposal_row():
            self.overnight.redirect(row.proposal_id or 0, row.title)

    def action_undo(self) -> None:
        self.overnight.undo()

    def action_confirm(self) -> None:
        row = self.current_row()
        into = row.target.issue_id if row is not None and row.candidates else None
        self._decide_link(
            "confirming",
            partial(decisions.confirm_link, into=into),
            lambda row, target: f"Confirmed: #{row.home_issue_id} is now part of #{target}",
        )

    def action_next_candidate(self, step: int) -> None:
        """Pick which of a proposed link's candidates `y` joins."""
        if self.table().choose(step, self.overnight.clock()) is not None:
            self._show_details()

    def action_split(self) -> None:
        self._decide_link(
            "splitting",
            decisions.split_link,
            lambda row, home: f"Split: #{home} and #{row.issue_id} stay apart for good",
        )

    def _decide_link(
        self,
        doing: str,
        decide: Callable[..., int],
        said: Callable[[QueueRow, int], str],
    ) -> None:
        """A person's answer to a proposed link (confirm or split), in the writer's worker."""
        row = self.current_row()
        if row is None or row.link_id is None:
            return
        link_id, user, routines = row.link_id, self.overnight.user, self.overnight.routines
        self.overnight.decide(
            f"{doing} link {link_id}",
            lambda db: decide(db, link_id, by=user, routines=routines),
            lambda result: said(row, result),
        )

    def action_dispatch_anyway(self) -> None:
        row = self.current_row()
        if row is None:
            return
        issue_id, user = row.issue_id, self.overnight.user
        self.overnight.decide(
            f"dispatching held issue #{issue_id}",
            lambda db: decisions.dispatch_anyway(db, issue_id, by=user),
            lambda dispatch_id: f"Queued an agent for held #{issue_id} (dispatch {dispatch_id})",
        )

    def action_stats(self) -> None:
        from console.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())
