"""The morning console: the App, and `make_app`, the one factory the CLI and the tests use.

The app owns the store's three handles (a read-only `Reader` pool for workers, the `Writer`
decisions go through, and a `DataVersion` polled every half second in a worker) and the
settings every screen shares (repository, target branch, clock, reviewer). Screens never wait:
each store or git call runs in a thread worker with a description, results come back as
messages, and one `Worker.StateChanged` handler here turns any worker's error into a
notification, so a failure reads as a sentence, never a traceback.
"""

from __future__ import annotations

import getpass
import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.messages import DecisionMade, StoreChanged
from console.screens.help import HelpScreen
from console.screens.queue import QueueScreen
from runner.errors import UserError
from store.read import DataVersion, Reader
from store.signal import utcnow
from store.writer import StoreBusy, Writer

Clock = Callable[[], datetime]
ProposalScreenFactory = Callable[[int, Path], Screen[None]]

POLL_SECONDS = 0.5
T = TypeVar("T")


class OvernightApp(App[None]):
    """`overnight review`: the queue, a proposal's tabs, the stats."""

    CSS_PATH = "overnight.tcss"
    TITLE = "Overnight"
    SUB_TITLE = "morning review"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "leave", "Back/quit", id="app.leave"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        reader: Reader,
        writer: Writer,
        version: DataVersion,
        repo: Path | None = None,
        target: str = "main",
        clock: Clock = utcnow,
        user: str = "person",
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.reader = reader
        self.writer = writer
        self.version = version
        self.repo = repo
        """The repository merges go into; None means each proposal's own `repository`."""
        self.target = target
        """The branch proposals merge into."""
        self.clock = clock
        self.user = user
        self.poll_seconds = poll_seconds
        self.proposal_screen: ProposalScreenFactory | None = None
        """Builds the Proposal screen; `make_app` sets it when that screen is installed."""
        self.decisions_made: list[DecisionMade] = []
        """Every decision this session carried out, in order (what the person was told)."""
        self._tickets = itertools.count()
        self._turn = 0
        self._turns = threading.Condition()

    def on_mount(self) -> None:
        self.push_screen(QueueScreen())
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self.poll_store)

    def on_unmount(self) -> None:
        self.version.close()
        self.reader.close()
        self.writer.close()

    @work(
        thread=True,
        exclusive=True,
        group="poll",
        description="watching the store",
        exit_on_error=False,
    )
    def poll_store(self) -> None:
        """Ask SQLite whether anyone committed; tell the screens only when someone did."""
        if self.version.changed():
            self.post_message(StoreChanged())

    @on(StoreChanged)
    def forward_store_changed(self, message: StoreChanged) -> None:
        for screen in self.screen_stack:
            screen.post_message(StoreChanged())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's error, from any screen, becomes one notification."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, UserError | StoreBusy):
            self.notify(str(error), title="Not done", severity="warning", timeout=8)
        else:
            self.notify(
                f"{type(error).__name__}: {error}",
                title=f"{event.worker.description} failed",
                severity="error",
                timeout=12,
            )

    def decide(
        self,
        description: str,
        write: Callable[[sqlite_utils.Database], T],
        summary: Callable[[T], str],
    ) -> Worker[None]:
        """Carry out a decision in a thread worker, through the writer, in the order the keys
        were pressed (an `u` right after an `m` undoes that merge, not the one before)."""
        ticket = next(self._tickets)

        def job() -> None:
            with self._turns:
                self._turns.wait_for(lambda: self._turn == ticket)
            try:
                result = self.writer.call(write)
            finally:
                with self._turns:
                    self._turn += 1
                    self._turns.notify_all()
            self.post_message(DecisionMade(summary(result)))

        return self.run_worker(
            job, thread=True, group="decide", description=description, exit_on_error=False
        )

    @on(DecisionMade)
    def decision_made(self, message: DecisionMade) -> None:
        self.decisions_made.append(message)
        self.notify(message.summary, title="Done", timeout=6)
        self.forward_store_changed(StoreChanged())

    def action_leave(self) -> None:
        """`q`: back to the previous screen, or quit from the queue."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.exit()

    def action_help(self) -> None:
        """`?`: the bindings of the screen in view."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen.for_screen(self.screen))

    def open_proposal(self, proposal_id: int) -> None:
        if self.proposal_screen is None:
            self.notify("the Proposal screen is not installed in this build", severity="warning")
            return
        self.push_screen(self.proposal_screen(proposal_id, self.db_path))


def make_app(
    db_path: Path,
    *,
    repo: Path | None = None,
    clock: Clock | None = None,
    target: str = "main",
    user: str | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> OvernightApp:
    """The console on the store at `db_path` (created and migrated if needed: the writer may).

    `repo` overrides where merges go (default: each proposal's repository); `clock` freezes time
    for tests and snapshots."""
    writer = Writer(db_path)
    app = OvernightApp(
        db_path,
        reader=Reader(db_path),
        writer=writer,
        version=DataVersion(db_path),
        repo=repo,
        target=target,
        clock=clock or utcnow,
        user=user or _reviewer(),
        poll_seconds=poll_seconds,
    )
    try:
        from console.screens.proposal import ProposalScreen  # built beside this one
    except ImportError:
        pass
    else:
        app.proposal_screen = ProposalScreen
    return app


def _reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "person"
