"""The Diff tab: a list of the files, the diff's lines, and a box for a note on a line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from console.diff_model import LineNote, Side
from console.gitview import PreparedDiff
from console.widgets.proposal.diff_lines import DiffLines

FILE_LIST_MIN_WIDTH = 100
"""Below this width the file list is hidden and the header names the file instead."""


class DiffPane(Widget):
    """A proposal's diff with per-file navigation and notes on lines."""

    DEFAULT_CSS = """
    DiffPane {
        height: 1fr;
        #diff-header { height: 1; padding: 0 1; color: $text-muted; background: $boost; }
        #diff-files { width: 30; border: none; border-right: vkey $foreground 20%; }
        &.-narrow #diff-files { display: none; }
        #diff-note { display: none; dock: bottom; }
        #diff-note.-open { display: block; }
        #diff-empty { padding: 1 2; color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close_note", "Cancel note", show=False, id="diff.cancel_note"),
    ]

    @dataclass
    class LineCommented(Message):
        """A reviewer wrote a note on a line; the app stores it with the proposal."""

        proposal_id: int
        file: str
        line: int
        line_text: str
        body: str
        side: Side = "new"
        """`old` when the line is a removed one (numbered in the base version)."""

    def __init__(self, proposal_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.proposal_id = proposal_id
        self._pending: DiffLines.NoteRequested | None = None
        self._notes: list[LineNote] = []

    def compose(self) -> ComposeResult:
        yield Static("Loading the diff…", id="diff-header")
        with Horizontal():
            yield OptionList(id="diff-files")
            # The note box is mounted when first asked for: one widget less to style on open.
            yield Vertical(DiffLines(id="diff-lines"), id="diff-body")

    @property
    def lines(self) -> DiffLines:
        return self.query_one(DiffLines)

    def show(self, prepared: PreparedDiff, notes: list[LineNote] | None = None) -> None:
        """Show a prepared diff (parsed in a worker) with the proposal's notes."""
        if notes is not None:
            self._notes = list(notes)
        files = self.query_one("#diff-files", OptionList)
        files.clear_options()
        files.add_options(
            Option(
                Content.from_markup("$path [dim]+$a \u2212$r", path=f.path, a=f.added, r=f.removed)
            )
            for f in prepared.files
        )
        self.lines.load(prepared, self._notes)
        if not prepared.files:
            self._header("No changes: the run left no diff.")
        else:
            self._show_file(0)
            if prepared.note:
                self.notify(prepared.note, severity="warning")

    def set_notes(self, notes: list[LineNote]) -> None:
        """Show the proposal's notes in the margin of their lines."""
        self._notes = list(notes)
        self.lines.set_notes(self._notes)

    def _header(self, text: str) -> None:
        # Plain text: a file's path is never read as markup.
        self.query_one("#diff-header", Static).update(Content(text))

    def _show_file(self, index: int) -> None:
        files = self.lines.files
        if not files:
            return
        patch = files[index]
        self._header(
            f"file {index + 1}/{len(files)}  {patch.path}  +{patch.added} \u2212{patch.removed}"
            "   [ ] files · v split · a +/\u2212 · i note"
        )
        self.query_one("#diff-files", OptionList).highlighted = index

    def on_resize(self) -> None:
        self.set_class(self.size.width < FILE_LIST_MIN_WIDTH, "-narrow")

    @on(DiffLines.CursorMoved)
    def _cursor_moved(self, event: DiffLines.CursorMoved) -> None:
        self._show_file(event.file)

    @on(OptionList.OptionSelected, "#diff-files")
    def _file_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.lines.go_to_file(event.option_index)
        self.lines.focus()

    @on(DiffLines.NoteRequested)
    async def _open_note(self, event: DiffLines.NoteRequested) -> None:
        event.stop()
        self._pending = event
        if not self.query("#diff-note"):
            await self.query_one("#diff-body").mount(Input(id="diff-note"))
        note = self.query_one("#diff-note", Input)
        note.value = ""
        note.placeholder = f"Note on {event.file}:{event.line} (enter saves, escape cancels)"
        note.add_class("-open")
        note.focus()

    @on(Input.Submitted, "#diff-note")
    def _save_note(self, event: Input.Submitted) -> None:
        event.stop()
        pending, body = self._pending, event.value.strip()
        self.action_close_note()
        if pending is None or not body:
            return
        self.post_message(
            self.LineCommented(
                self.proposal_id, pending.file, pending.line, pending.line_text, body, pending.side
            )
        )
        # Shown at once; the app's `set_notes` with the stored notes replaces the list.
        self.set_notes(
            [
                *self._notes,
                LineNote(pending.file, pending.line, pending.line_text, body, pending.side),
            ]
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape closes an open note box; otherwise it goes on to the screen (back).
        if action == "close_note":
            return self._pending is not None
        return True

    def action_close_note(self) -> None:
        self._pending = None
        self.query("#diff-note").remove_class("-open")
        self.lines.focus()
