"""The lines of a proposal's diff: a virtual list (Textual's line API) with a cursor.

Only the rows on screen are drawn, so a 5,000-line diff costs what one screenful costs; the
parsing and the first screen's highlighting happened in a worker (`console.gitview`). Unified
or side by side follows the width unless a person chose; `+`/`-` marks for readers who do not
tell green from red are a toggle; notes on lines show under the line they are about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from console.diff_model import (
    DiffRow,
    DisplayRow,
    FilePatch,
    Highlighter,
    LineNote,
    Side,
    SplitRow,
    display_rows,
)
from console.gitview import PreparedDiff

SPLIT_MIN_WIDTH = 140
"""Side by side from this many columns on (two halves of 70 keep 80-column code readable)."""

_STATUS = {"modified": "M", "added": "A", "deleted": "D", "renamed": "R", "binary": "B"}


class DiffLines(ScrollView, can_focus=True):
    """Every file of a diff, one header row each, with a cursor line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="diff.down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="diff.up"),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False, id="diff.page_down"),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False, id="diff.page_up"),
        Binding("right_square_bracket", "file(1)", "Next file", id="diff.next_file"),
        Binding("left_square_bracket", "file(-1)", "Prev file", id="diff.previous_file"),
        Binding("v", "toggle_split", "Split/unified", id="diff.toggle_split"),
        Binding("a", "toggle_annotations", "+/\u2212 marks", id="diff.toggle_annotations"),
        Binding("i", "note", "Note on line", id="diff.note"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-lines--added",
        "diff-lines--removed",
        "diff-lines--context",
        "diff-lines--gutter",
        "diff-lines--hunk",
        "diff-lines--file",
        "diff-lines--cursor",
        "diff-lines--note",
        "diff-lines--mark-added",
        "diff-lines--mark-removed",
    }
    DEFAULT_CSS = """
    DiffLines {
        height: 1fr;
        background: $surface;
        & > .diff-lines--added { background: $success 15%; }
        & > .diff-lines--removed { background: $error 15%; }
        & > .diff-lines--gutter { color: $foreground 45%; }
        & > .diff-lines--hunk { color: $text-primary; background: $primary 10%; }
        & > .diff-lines--file { color: $text; background: $panel; text-style: bold; }
        & > .diff-lines--cursor { background: $accent 30%; }
        & > .diff-lines--note { color: $text-warning; background: $warning 10%; }
        & > .diff-lines--mark-added { color: $text-success; text-style: bold; }
        & > .diff-lines--mark-removed { color: $text-error; text-style: bold; }
    }
    """

    split: reactive[bool] = reactive(False)
    """Side by side (True) or unified."""
    auto_split: reactive[bool] = reactive(True)
    """Follow the width (side by side from `SPLIT_MIN_WIDTH` columns) until a person chooses."""
    annotations: reactive[bool] = reactive(False)
    """Show `+`/`-` beside changed lines, for readers who cannot rely on colour."""
    cursor: reactive[int] = reactive(0)
    """Index of the row under the cursor."""

    @dataclass
    class CursorMoved(Message):
        """The cursor is now in file `file` (an index into the diff's files)."""

        file: int

    class Painted(Message):
        """The first row of a loaded diff was drawn (its frame is written before this is
        handled: the screen draws on the event loop, and messages wait their turn)."""

    @dataclass
    class NoteRequested(Message):
        """A person asked to write a note on the line under the cursor."""

        file: str
        line: int
        line_text: str
        side: Side

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._files: list[FilePatch] = []
        self._highlighters: list[Highlighter] = []
        self._notes: list[LineNote] = []
        self._rows: list[DisplayRow] = []
        self._file_starts: list[int] = []
        self._number_width = 1
        self._code_width = 0
        self._styles: dict[str, Style] = {}
        self.painted = False
        """True once a row of a loaded diff has been drawn (the benchmark waits for it)."""

    # -- data ---------------------------------------------------------------------------

    def load(self, prepared: PreparedDiff, notes: list[LineNote] | None = None) -> None:
        """Show a prepared diff (on the event loop: it only lays out rows already parsed)."""
        self._files, self._highlighters = prepared.files, prepared.highlighters
        self._notes = list(notes or [])
        self._number_width, self._code_width = prepared.number_width, prepared.code_width
        self.painted = False
        if self.split or self._notes:
            self._layout()
        else:  # the worker laid these rows out already
            self._show_rows(prepared.rows, prepared.file_starts)
        self.cursor = 0

    @property
    def files(self) -> list[FilePatch]:
        return self._files

    def set_notes(self, notes: list[LineNote]) -> None:
        """Show these notes under their lines (replacing those shown)."""
        self._notes = list(notes)
        self._layout()

    def _layout(self) -> None:
        self._show_rows(*display_rows(self._files, self.split, self._notes))

    def _show_rows(self, rows: list[DisplayRow], starts: list[int]) -> None:
        self._rows, self._file_starts = rows, starts
        gutter = self._gutter_width()
        self.virtual_size = Size(gutter + self._code_width + 1, len(self._rows))
        self.cursor = min(self.cursor, max(len(self._rows) - 1, 0))
        self.refresh()

    def current_file(self) -> int:
        """The index of the file the cursor is in."""
        return self._rows[self.cursor].file if self._rows else 0

    def current_line(self) -> tuple[str, DiffRow] | None:
        """The file and line under the cursor; None on a header, hunk or note row."""
        if not self._rows:
            return None
        row = self._rows[self.cursor]
        line = row.row
        if row.pair is not None:
            line = row.pair.right if row.pair.right is not None else row.pair.left
        if row.kind != "line" or line is None or line.kind == "hunk" or line.line_no is None:
            return None
        return self._files[row.file].path, line

    # -- reactions ----------------------------------------------------------------------

    def watch_split(self) -> None:
        self._layout()

    def watch_annotations(self) -> None:
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        if not self._rows:
            return
        if old >= len(self._rows) or self._rows[old].file != self._rows[new].file:
            self.post_message(self.CursorMoved(self.current_file()))
        top, height = int(self.scroll_y), self.scrollable_content_region.height
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self.auto_split:
            self.split = event.size.width >= SPLIT_MIN_WIDTH

    def on_unmount(self) -> None:
        # A closed screen can outlive its close (a worker thread keeps the last worker it ran,
        # and the worker its screen): the diff's rows need not live on with it.
        self._files, self._highlighters, self._rows, self._file_starts = [], [], [], []

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    # -- actions ------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_cursor_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def action_file(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) file's header."""
        if not self._file_starts:
            return
        if direction > 0:
            later = [s for s in self._file_starts if s > self.cursor]
            target = later[0] if later else self._file_starts[-1]
        else:
            earlier = [s for s in self._file_starts if s < self.cursor]
            target = earlier[-1] if earlier else 0
        self.go_to_file(self._file_starts.index(target))

    def go_to_file(self, index: int) -> None:
        """Put the cursor on file `index`'s header, at the top of the view."""
        if 0 <= index < len(self._file_starts):
            start = self._file_starts[index]
            self.cursor = start
            self.scroll_to(y=start, animate=False)

    def action_toggle_split(self) -> None:
        self.auto_split = False
        self.split = not self.split

    def action_toggle_annotations(self) -> None:
        self.annotations = not self.annotations

    def action_note(self) -> None:
        found = self.current_line()
        if found is None:
            self.app.bell()
            self.notify("Put the cursor on a line of code to note it.", severity="warning")
            return
        path, line = found
        assert line.line_no is not None
        self.post_message(self.NoteRequested(path, line.line_no, line.text, line.side))

    # -- drawing ------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        if name not in self._styles:
            self._styles[name] = self.get_visual_style(f"diff-lines--{name}", partial=True)
        return self._styles[name]

    def _gutter_width(self) -> int:
        return 2 * self._number_width + 2 + 3

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.visual_style
        if index >= len(self._rows):
            return Strip.blank(width, base.rich_style)
        if not self.painted:
            self.painted = True
            self.post_message(self.Painted())  # handled once this frame is on the screen
        row = self._rows[index]
        cursor = self._style("cursor") if index == self.cursor else None
        if row.kind == "file":
            strip = self._file_strip(row.file, base + self._style("file"), width)
        elif row.kind == "note":
            strip = self._note_strip(row.note, base + self._style("note"), width)
        elif row.pair is not None:
            strip = self._split_strip(row.file, row.pair, base, width)
        else:
            assert row.row is not None
            strip = self._unified_strip(row.file, row.row, base, width)
        if cursor is not None:
            # Added on top of each segment, so the cursor's background wins over the line's.
            over = RichStyle(bgcolor=(base + cursor).rich_style.bgcolor)
            strip = Strip(
                [Segment(text, style + over if style else over) for text, style, _ in strip],
                strip.cell_length,
            )
        return strip

    def _text_strip(self, text: str, style: Style, width: int) -> Strip:
        return Strip([Segment(text, style.rich_style)]).crop_extend(0, width, style.rich_style)

    def _file_strip(self, index: int, style: Style, width: int) -> Strip:
        patch = self._files[index]
        name = patch.path if patch.status != "renamed" else f"{patch.old_path} → {patch.path}"
        text = f" {_STATUS[patch.status]} {name}   +{patch.added} \u2212{patch.removed}"
        if patch.status == "binary":
            text += "   (binary: not shown)"
        return self._text_strip(text, style, width)

    def _note_strip(self, note: LineNote | None, style: Style, width: int) -> Strip:
        assert note is not None
        pad = " " * (self._gutter_width() - 2)
        return self._text_strip(f"{pad}✎ {note.body}", style, width)

    def _line_style(self, row: DiffRow, base: Style) -> Style:
        if row.kind == "added":
            return base + self._style("added")
        if row.kind == "removed":
            return base + self._style("removed")
        if row.kind == "hunk":
            return base + self._style("hunk")
        return base

    def _mark(self, row: DiffRow, style: Style) -> Segment:
        if not self.annotations or row.kind not in ("added", "removed"):
            return Segment("  ", style.rich_style)
        mark = self._style("mark-added" if row.kind == "added" else "mark-removed")
        return Segment("+ " if row.kind == "added" else "- ", (style + mark).rich_style)

    def _code(self, index: int, row: DiffRow, style: Style, width: int) -> Strip:
        if row.kind == "hunk" or row.line_no is None:
            content_segments = [Segment(row.text, style.rich_style)]
        else:
            content = self._highlighters[index].line(row.side, row.line_no, row.text)
            content_segments = [
                Segment(text, part.rich_style)
                for text, part in content.render(
                    style, end="", parse_style=self.app.stylesheet.parse_style
                )
            ]
        x = int(self.scroll_x)
        return Strip(content_segments).crop_extend(x, x + max(width, 0), style.rich_style)

    def _number(self, number: int | None) -> str:
        return f"{number:>{self._number_width}}" if number else " " * self._number_width

    def _has_note(self, path: str, row: DiffRow) -> bool:
        return any(
            n.file == path and n.side == row.side and n.line == row.line_no for n in self._notes
        )

    def _unified_strip(self, index: int, row: DiffRow, base: Style, width: int) -> Strip:
        style = self._line_style(row, base)
        gutter = base + self._style("gutter")
        if row.kind == "hunk":
            return self._text_strip(f"{'':>{self._gutter_width() - 1}} {row.text}", style, width)
        path = self._files[index].path
        note = "●" if self._notes and self._has_note(path, row) else " "
        head = Strip(
            [
                Segment(
                    f"{self._number(row.old_no)} {self._number(row.new_no)} {note}",
                    gutter.rich_style,
                ),
                self._mark(row, style),
            ]
        )
        return Strip.join([head, self._code(index, row, style, width - head.cell_length)])

    def _half(self, index: int, row: DiffRow | None, side: Side, base: Style, width: int) -> Strip:
        if row is None:
            return Strip.blank(width, (base + self._style("gutter")).rich_style)
        style = self._line_style(row, base)
        gutter = base + self._style("gutter")
        number = row.old_no if side == "old" else row.new_no
        noted = self._notes and row.side == side and self._has_note(self._files[index].path, row)
        head = Strip(
            [
                Segment(f"{self._number(number)}{'●' if noted else ' '}", gutter.rich_style),
                self._mark(row, style),
            ]
        )
        return Strip.join([head, self._code(index, row, style, width - head.cell_length)])

    def _split_strip(self, index: int, pair: SplitRow, base: Style, width: int) -> Strip:
        if pair.hunk:
            assert pair.left is not None
            return self._text_strip(f" {pair.left.text}", self._line_style(pair.left, base), width)
        left_width = (width - 1) // 2
        divider = Strip([Segment("│", (base + self._style("gutter")).rich_style)])
        return Strip.join(
            [
                self._half(index, pair.left, "old", base, left_width),
                divider,
                self._half(index, pair.right, "new", base, width - left_width - 1),
            ]
        )
