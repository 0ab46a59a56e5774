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
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.actions import CommentsRead, DecisionFlows
from console.diff_model import warm_up
from console.messages import DecisionMade, StoreChanged
from console.screens.help import HelpScreen
from console.screens.proposal import ProposalScreen
from console.screens.queue import QueueScreen
from console.widgets.proposal.diff_lines import LineNote
from console.widgets.proposal.diff_pane import DiffPane
from console.widgets.proposal.replay import ReplayStepper
from runner.containers.settings import ContainerSettings
from runner.errors import UserError
from runner.git import MergeMode
from runner.routines import Routines
from store.comments import LineComment
from store.read import DataVersion, Reader
from store.signal import utcnow
from store.writer import StoreBusy, Writer

Clock = Callable[[], datetime]
ProposalScreenFactory = Callable[[int, Path], Screen[None]]

POLL_SECONDS = 0.5


class OvernightApp(DecisionFlows):
    """`overnight review`: the queue, a proposal's tabs, the stats."""

    CSS_PATH = "overnight.tcss"
    TITLE = "Overnight"
    SUB_TITLE = "morning review"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "leave", "Back/quit", id="app.leave"),
        Binding("question_mark", "help", "Help", id="app.help"),
        # On the Proposal screen: decide on the proposal in view (the Queue has its own).
        Binding("m", "merge_shown", "Merge", id="app.merge"),
        Binding("r", "redirect_shown", "Redirect", id="app.redirect"),
        Binding("c", "close_shown", "Close", id="app.close"),
        Binding("u", "undo", "Undo", id="app.undo"),
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
        merge_mode: MergeMode = "auto",
        clock: Clock = utcnow,
        user: str = "person",
        poll_seconds: float = POLL_SECONDS,
        containers: ContainerSettings | None = None,
        routines: Routines | None = None,
    ) -> None:
        super().__init__()
        self.containers = containers
        self.routines = routines
        """Triage's routines: a confirm or split reassesses the issues' lanes with them."""
        """Podman settings for a live re-run from the Replay tab; None: re-runs are off."""
        self.db_path = db_path
        self.reader = reader
        self.writer = writer
        self.version = version
        self.repo = repo
        """The repository merges go into; None means each proposal's own `repository`."""
        self.target = target
        """The branch proposals merge into."""
        self.merge_mode: MergeMode = merge_mode
        """Fast-forward when possible (`auto`), only then (`ff-only`), or a merge commit."""
        self.clock = clock
        self.user = user
        self.poll_seconds = poll_seconds
        self.proposal_screen: ProposalScreenFactory | None = None
        """Builds the Proposal screen; `make_app` sets it when that screen is installed."""
        self.diffs_warmed = 0
        """How many times the diff view was warmed (`warm_diffs`): once, after the queue."""
        self.decisions_made = []
        """Every decision this session carried out, in order (what the person was told)."""

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

    @on(DecisionMade)
    def decision_made(self, message: DecisionMade) -> None:
        self.decisions_made.append(message)
        self.notify(message.summary, title="Done", timeout=6)
        shown = self.shown_proposal()
        if shown is not None and message.proposal_id == shown:
            self.pop_screen()  # decided: back to the queue for the next one
        self.forward_store_changed(StoreChanged())

    # -- the Proposal screen ----------------------------------------------------------

    def shown_proposal(self) -> int | None:
        """The id of the proposal whose screen is in view, if one is."""
        proposal_id = getattr(self.screen, "proposal_id", None)
        return proposal_id if isinstance(proposal_id, int) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("merge_shown", "redirect_shown", "close_shown"):
            return self.shown_proposal() is not None
        return True

    def _shown(self) -> tuple[int, int, str] | None:
        detail = getattr(self.screen, "detail", None)
        if detail is None:
            self.notify("the proposal is still loading", severity="warning")
            return None
        return detail.proposal.id, detail.proposal.issue_id, detail.issue_title

    def action_merge_shown(self) -> None:
        if shown := self._shown():
            self.merge(*shown)

    def action_close_shown(self) -> None:
        if shown := self._shown():
            self.close(*shown)

    def action_redirect_shown(self) -> None:
        if shown := self._shown():
            self.redirect(shown[0], shown[2])

    def action_undo(self) -> None:
        self.undo()

    def on_comments_read(self, message: CommentsRead) -> None:
        screen = self.screen
        if self.shown_proposal() == message.proposal_id and hasattr(screen, "set_notes"):
            screen.set_notes([note_of(c) for c in message.comments])

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
        self.read_comments(proposal_id)

    @work(thread=True, group="warm-up", description="warming the diff view", exit_on_error=False)
    def warm_diffs(self) -> None:
        """Before the first proposal is opened, the one-time cost of naming its files'
        languages (`diff_model.warm_up`), which would otherwise delay the first diff."""
        warm_up()
        self.diffs_warmed += 1

    @on(DiffPane.LineCommented)
    def line_commented(self, message: DiffPane.LineCommented) -> None:
        self.keep_comment(
            LineComment(
                proposal_id=message.proposal_id,
                file=message.file,
                line=message.line,
                side=message.side,
                line_text=message.line_text,
                body=message.body,
                created_at=self.clock(),
            )
        )

    @on(ReplayStepper.RerunRequested)
    def rerun_requested(self, message: ReplayStepper.RerunRequested) -> None:
        if self.containers is None:
            self.notify(
                "a live re-run needs the containers configuration: open the console with "
                "`overnight review`",
                severity="warning",
            )
            return
        self.notify(f"re-running {message.run_id} in a fresh container…", timeout=4)
        self.rerun(message.proposal_id, message.run_id)

    @work(thread=True, group="rerun", description="re-running the run", exit_on_error=False)
    def rerun(self, proposal_id: int, run_id: str) -> None:
        """`replay --rerun` in a worker: a fresh container from the same image and commit."""
        from runner.containers.pool import RunPool
        from runner.containers.replay import ReplayError, rerun

        assert self.containers is not None
        try:
            with RunPool(self.writer.db, self.containers) as pool:
                report = rerun(pool, run_id)
        except ReplayError as exc:
            raise UserError(str(exc)) from exc
        pairs = [(step.seq, not step.matched) for step in report.steps]
        self.call_from_thread(self._show_rerun, proposal_id, run_id, pairs)

    def _show_rerun(self, proposal_id: int, run_id: str, pairs: list[tuple[int, bool]]) -> None:
        differ = sum(d for _seq, d in pairs)
        self.notify(f"re-run of {run_id}: {differ} of {len(pairs)} steps differ", timeout=8)
        screen = self.screen
        if self.shown_proposal() == proposal_id and hasattr(screen, "show_rerun"):
            screen.show_rerun(run_id, pairs)

    @on(ReplayStepper.RedirectRequested)
    def redirect_from_step(self, message: ReplayStepper.RedirectRequested) -> None:
        detail = getattr(self.screen, "detail", None)
        title = detail.issue_title if detail is not None else f"proposal #{message.proposal_id}"
        self.redirect(message.proposal_id, title, at_step=message.seq, from_run=message.run_id)


def make_app(
    db_path: Path,
    *,
    repo: Path | None = None,
    clock: Clock | None = None,
    target: str = "main",
    merge_mode: MergeMode = "auto",
    user: str | None = None,
    poll_seconds: float = POLL_SECONDS,
    containers: ContainerSettings | None = None,
    routines: Routines | None = None,
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
        merge_mode=merge_mode,
        clock=clock or utcnow,
        user=user or _reviewer(),
        poll_seconds=poll_seconds,
        containers=containers,
        routines=routines,
    )
    app.proposal_screen = ProposalScreen
    return app


def note_of(comment: LineComment) -> LineNote:
    """A stored line comment as the diff's margin shows it."""
    return LineNote(
        file=comment.file,
        line=comment.line,
        line_text=comment.line_text,
        body=comment.body,
        side=comment.side,
    )


def _reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "person"
