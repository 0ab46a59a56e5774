"""A proposal's diff as rows to draw: parsed from unified diff text, paired for side by side,
and syntax-highlighted on demand.

Everything here is plain CPU work with no widget in sight, so the screen runs it in a thread
worker before anything is mounted (as Toad's diff view does in `prepare()`). Highlighting is
the one cost that grows with the file (pygments takes ~0.4 s for 4,000 lines here), so it is
done a window of lines at a time, when a window is first drawn, from the whole file's text when
git still has it: a 5,000-line diff opens at the cost of one screenful.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound
from textual.content import Content
from textual.highlight import HighlightTheme, highlight

RowKind = Literal["context", "added", "removed", "hunk", "note"]
Side = Literal["old", "new"]
FileStatus = Literal["modified", "added", "deleted", "renamed", "binary"]

HIGHLIGHT_WINDOW = 96
"""Lines highlighted together when a line is first drawn."""
HIGHLIGHT_CONTEXT = 24
"""Lines before the window given to the lexer, so a string or comment open above is seen."""

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


@dataclass(slots=True)
class DiffRow:
    """One line of a unified diff: a hunk header, or a line with its old and new numbers."""

    kind: RowKind
    text: str
    old_no: int | None = None
    new_no: int | None = None

    @property
    def side(self) -> Side:
        """Which version of the file the line is read from (removed lines: the old one)."""
        return "old" if self.kind == "removed" else "new"

    @property
    def line_no(self) -> int | None:
        return self.old_no if self.kind == "removed" else self.new_no


@dataclass(slots=True)
class SplitRow:
    """One row of the side by side view: a line on the left (old), the right (new), or both."""

    left: DiffRow | None
    right: DiffRow | None

    @property
    def hunk(self) -> bool:
        return self.left is not None and self.left.kind == "hunk"


@dataclass
class FilePatch:
    """The changes to one file."""

    path: str
    old_path: str
    status: FileStatus = "modified"
    rows: list[DiffRow] = field(default_factory=list)

    @cached_property
    def added(self) -> int:
        """Lines added (counted once: the rows do not change after parsing)."""
        return sum(1 for r in self.rows if r.kind == "added")

    @cached_property
    def removed(self) -> int:
        return sum(1 for r in self.rows if r.kind == "removed")

    def split_rows(self) -> list[SplitRow]:
        """Pairs for side by side: context on both sides, a run of removals beside the run of
        additions that follows it, hunk headers across."""
        out: list[SplitRow] = []
        removed: list[DiffRow] = []
        added: list[DiffRow] = []

        def flush() -> None:
            for i in range(max(len(removed), len(added))):
                out.append(
                    SplitRow(
                        removed[i] if i < len(removed) else None,
                        added[i] if i < len(added) else None,
                    )
                )
            removed.clear()
            added.clear()

        for row in self.rows:
            if row.kind == "removed":
                if added:
                    flush()
                removed.append(row)
            elif row.kind == "added":
                added.append(row)
            else:
                flush()
                out.append(SplitRow(row, row))
        flush()
        return out


def _strip_prefix(path: str) -> str:
    path = path.strip().strip('"')
    if path == "/dev/null":
        return path
    return path[2:] if path[:2] in ("a/", "b/") else path


def parse_unified(text: str) -> list[FilePatch]:
    """The files of a unified diff (`git diff` output or a plain `diff -u`), in order.

    Hunk line counts are followed, so a removed line that starts with `--` is never taken for
    a file header."""
    files: list[FilePatch] = []
    current: FilePatch | None = None
    old_left = new_left = 0
    old_no = new_no = 0
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if current is not None and (old_left > 0 or new_left > 0):
            tag, body = line[:1], line[1:].expandtabs()
            if tag == "+":
                current.rows.append(DiffRow("added", body, None, new_no))
                new_no += 1
                new_left -= 1
                continue
            if tag == "-":
                current.rows.append(DiffRow("removed", body, old_no, None))
                old_no += 1
                old_left -= 1
                continue
            if tag == " " or line == "":
                current.rows.append(DiffRow("context", body, old_no, new_no))
                old_no += 1
                new_no += 1
                old_left -= 1
                new_left -= 1
                continue
            if tag == "\\":  # "\ No newline at end of file"
                continue
            old_left = new_left = 0  # a short hunk: fall through to the headers
        if line.startswith("diff --git "):
            parts = line[len("diff --git ") :].split(" b/", 1)
            old = _strip_prefix(parts[0])
            new = parts[1] if len(parts) == 2 else old
            current = FilePatch(path=new, old_path=old)
            files.append(current)
        elif line.startswith("--- ") and i < len(lines) and lines[i].startswith("+++ "):
            old = _strip_prefix(line[4:].split("\t")[0])
            new = _strip_prefix(lines[i][4:].split("\t")[0])
            i += 1
            if current is None or current.rows:
                current = FilePatch(path=new, old_path=old)
                files.append(current)
            if old == "/dev/null":
                current.status, current.old_path = "added", new
            elif new == "/dev/null":
                current.status, current.path = "deleted", old
            else:
                current.path, current.old_path = new, old
        elif current is None:
            continue
        elif line.startswith("new file mode"):
            current.status = "added"
        elif line.startswith("deleted file mode"):
            current.status = "deleted"
        elif line.startswith("rename to "):
            current.status, current.path = "renamed", line[len("rename to ") :]
        elif line.startswith("rename from "):
            current.old_path = line[len("rename from ") :]
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            current.status = "binary"
        elif match := _HUNK.match(line):
            old_no, new_no = int(match[1]), int(match[3])
            old_left = int(match[2]) if match[2] is not None else 1
            new_left = int(match[4]) if match[4] is not None else 1
            current.rows.append(DiffRow("hunk", line, old_no, new_no))
    return files


def warm_up() -> None:
    """Do ahead of the first diff what pygments does the first time it names a file's
    language: compile the filename patterns of every lexer it has (about 900 regular
    expressions, 50 ms here), whichever file is asked about. Blocking (run in a thread)."""
    _language("warm-up.py")


def _language(path: str) -> str:
    try:
        lexer = get_lexer_for_filename(path)
    except ClassNotFound:
        return "text"
    return str(lexer.aliases[0]) if lexer.aliases else "text"


class Highlighter:
    """Syntax-highlighted lines of one file's two versions, computed a window at a time.

    `old` and `new` map line numbers to text: the whole file when git has it (so the lexer
    sees what comes before a window), else only the lines the diff itself carries."""

    def __init__(self, path: str, old: dict[int, str], new: dict[int, str]) -> None:
        self.path = path
        self.language = _language(path)
        self._text: dict[Side, dict[int, str]] = {"old": old, "new": new}
        self._done: dict[Side, dict[int, Content]] = {"old": {}, "new": {}}

    def line(self, side: Side, number: int, fallback: str) -> Content:
        """The highlighted text of line `number` of a side (`fallback` when it is unknown)."""
        done = self._done[side]
        if number not in done:
            self._highlight(side, number)
        return done.get(number) or Content(fallback)

    def _highlight(self, side: Side, number: int) -> None:
        text, done = self._text[side], self._done[side]
        if number not in text:
            return
        start = number
        while start - 1 in text and number - start < HIGHLIGHT_CONTEXT:
            start -= 1
        end = number
        while end + 1 in text and end - number < HIGHLIGHT_WINDOW:
            end += 1
        code = "\n".join(text[n] for n in range(start, end + 1))
        lines = highlight(code, language=self.language, theme=HighlightTheme).split("\n")
        for n, content in zip(range(start, end + 1), lines, strict=False):
            if n >= number or n not in done:
                done[n] = content

    def warm(self, rows: Iterator[DiffRow]) -> None:
        """Highlight the lines of these rows now (in the worker, before the first paint)."""
        for row in rows:
            if row.kind != "hunk" and row.line_no is not None:
                self.line(row.side, row.line_no, row.text)


def lines_of(patch: FilePatch) -> tuple[dict[int, str], dict[int, str]]:
    """The old and new lines a patch itself carries, by number (when git has no file)."""
    old: dict[int, str] = {}
    new: dict[int, str] = {}
    for row in patch.rows:
        if row.kind in ("context", "removed") and row.old_no is not None:
            old[row.old_no] = row.text
        if row.kind in ("context", "added") and row.new_no is not None:
            new[row.new_no] = row.text
    return old, new


def numbered(text: str | None) -> dict[int, str]:
    """A file's text as {line number: line}."""
    if not text:
        return {}
    return dict(enumerate(text.expandtabs().splitlines(), 1))


@dataclass(frozen=True)
class LineNote:
    """A reviewer's note on one line of the diff (`file:line`, with the line's text)."""

    file: str
    line: int
    line_text: str
    body: str
    side: Side = "new"
    """`old` for a note on a removed line (numbered in the base version), else `new`."""


@dataclass(slots=True)
class DisplayRow:
    """One row as drawn: a file's header, a line (unified) or pair (split), or a note."""

    kind: Literal["file", "line", "note"]
    file: int
    row: DiffRow | None = None
    pair: SplitRow | None = None
    note: LineNote | None = None


def display_rows(
    files: list[FilePatch], split: bool, notes: list[LineNote]
) -> tuple[list[DisplayRow], list[int]]:
    """Every row to draw, in order, and the index of each file's header row."""
    by_line: dict[tuple[str, Side, int], list[LineNote]] = {}
    for note in notes:
        by_line.setdefault((note.file, note.side, note.line), []).append(note)

    def notes_of(path: str, index: int, row: DiffRow) -> list[DisplayRow]:
        if not by_line or row.kind == "hunk" or row.line_no is None:
            return []
        found = by_line.get((path, row.side, row.line_no), [])
        return [DisplayRow("note", index, note=note) for note in found]

    rows: list[DisplayRow] = []
    starts: list[int] = []
    for index, patch in enumerate(files):
        starts.append(len(rows))
        rows.append(DisplayRow("file", index))
        if split:
            for pair in patch.split_rows():
                rows.append(DisplayRow("line", index, pair=pair))
                sides = [pair.left] if pair.left is pair.right else [pair.left, pair.right]
                for line in sides:
                    if line is not None:
                        rows.extend(notes_of(patch.path, index, line))
        else:
            for row in patch.rows:
                rows.append(DisplayRow("line", index, row=row))
                rows.extend(notes_of(patch.path, index, row))
    return rows, starts
