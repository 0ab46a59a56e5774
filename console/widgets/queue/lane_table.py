"""One lane of the queue as a table: rows keyed by what they are, cursor kept across reloads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from console.widgets.queue import cells
from store.queue import LaneName, QueueRow

Cell = Callable[[QueueRow, datetime], str | Text]
NARROW = 100
"""Below this many columns the table keeps to what fits in 80."""
_WIDE_ONLY = {"Age", "Cost", "Rule", "Reason"}
_WIDTHS: dict[str, tuple[int, int]] = {
    # (wide, narrow): text columns are cut with an ellipsis; the details pane has them whole.
    "Title": (40, 22),
    "Held because": (44, 30),
    "Reason": (36, 20),
    "Rule": (30, 20),
}

_COLUMNS: dict[LaneName, list[tuple[str, Cell]]] = {
    "proposals": [
        ("Issue", lambda r, _n: f"#{r.issue_id}"),
        ("Title", lambda r, _n: cells.cut(r.title)),
        ("Signals", lambda r, _n: cells.signals(r)),
        ("Age", lambda r, n: cells.age(r.first_seen, n)),
        ("Check", lambda r, _n: cells.check_badge(r)),
        ("Diff", lambda r, _n: cells.diff_size(r)),
        ("Cost", lambda r, _n: cells.cost(r)),
        ("Agent", lambda r, _n: cells.state(r)),
    ],
    "needs_confirmation": [
        ("Issue", lambda r, _n: cells.link_target(r)),
        ("Title", lambda r, _n: cells.cut(r.target.title)),
        ("Signals", lambda r, _n: cells.target_signals(r)),
        ("Age", lambda r, n: cells.age(r.first_seen, n)),
        ("Scores", lambda r, _n: cells.scores(r)),
        ("Rule", lambda r, _n: cells.cut(r.rule or "")),
    ],
    "held": [
        ("Issue", lambda r, _n: f"#{r.issue_id}"),
        ("Title", lambda r, _n: cells.cut(r.title)),
        ("Signals", lambda r, _n: cells.signals(r)),
        ("Age", lambda r, n: cells.age(r.first_seen, n)),
        ("Held because", lambda r, _n: cells.cut(r.reason)),
        ("Agent", lambda r, _n: cells.state(r)),
    ],
    "no_proposal": [
        ("Issue", lambda r, _n: f"#{r.issue_id}"),
        ("Title", lambda r, _n: cells.cut(r.title)),
        ("Signals", lambda r, _n: cells.signals(r)),
        ("Age", lambda r, n: cells.age(r.first_seen, n)),
        ("Outcome", lambda r, _n: (r.outcome or "").replace("_", " ")),
        ("Reason", lambda r, _n: cells.cut(r.reason)),
        ("Cost", lambda r, _n: cells.cost(r)),
        ("Agent", lambda r, _n: cells.state(r)),
    ],
}


class LaneTable(DataTable[str | Text]):
    """The rows of one lane; `j`/`k` move as the arrows do."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="queue.down"),
        Binding("k", "cursor_up", "Up", show=False, id="queue.up"),
    ]

    def __init__(self, lane: LaneName, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.lane: LaneName = lane
        self.rows_by_key: dict[str, QueueRow] = {}
        self.order: list[str] = []
        self._narrow = False
        self._now = datetime.min
        """When the rows were last drawn: ages are drawn again as they were."""
        self.chosen: dict[str, int] = {}
        """The candidate picked on each proposed link's row, kept across reloads."""

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        # Narrow terminals drop the columns the details pane repeats (age, cost, rule).
        narrow = self.app.size.width < NARROW
        self._narrow = narrow
        for label, _cell in self.columns_shown(narrow):
            widths = _WIDTHS.get(label)
            width = widths[narrow] if widths else None
            self.add_column(label, key=label.lower(), width=width)

    def on_resize(self) -> None:
        """Across the narrow width, the columns change: the table is laid out again, the
        cursor on the same row."""
        if (self.app.size.width < NARROW) == self._narrow:
            return
        rows = [self.rows_by_key[k] for k in self.order]
        cursor = self.cursor_row
        self.clear(columns=True)
        self.rows_by_key, self.order = {}, []
        self._add_columns()
        self.append_rows(rows, self._now)
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def columns_shown(self, narrow: bool | None = None) -> list[tuple[str, Cell]]:
        if narrow is None:
            narrow = self.app.size.width < NARROW
        columns = _COLUMNS[self.lane]
        return [c for c in columns if not (narrow and c[0] in _WIDE_ONLY)]

    def show_rows(self, rows: Sequence[QueueRow], now: datetime) -> bool:
        """Show `rows`, keeping the cursor on the same row if it is still there. Rows that
        left are removed and changed ones rewritten in place (a decision takes one row out of
        hundreds); only a new order rebuilds the table. Returns False when nothing changed."""
        self._now = now
        rows = [self._with_choice(r) for r in rows]
        keys = [r.key for r in rows]
        fresh = {r.key: r for r in rows}
        if keys == self.order and all(self.rows_by_key[k] == fresh[k] for k in keys):
            return False
        current = self.current_key()
        before = self.rows_by_key.get(current) if current else None
        kept = [k for k in self.order if k in fresh]
        if kept == keys[: len(kept)]:
            self._update_in_place(fresh, keys[len(kept) :], now)
        else:
            self.clear()
            self.rows_by_key, self.order = {}, []
            self.append_rows(rows, now)
        if current in self.rows_by_key:
            index = self.order.index(current)
            now_row = self.rows_by_key[current]
            # Decided on (redirected) but still shown: the cursor moves on to the next row, as
            # it does when a merged or closed row leaves the lane.
            if before and before.status != now_row.status == "redirected":
                index = min(index + 1, len(self.order) - 1)
            self.move_cursor(row=index, animate=False)
        return True

    def _update_in_place(self, fresh: dict[str, QueueRow], added: list[str], now: datetime) -> None:
        columns = self.columns_shown()
        for key in [k for k in self.order if k not in fresh]:
            self.remove_row(key)
            del self.rows_by_key[key]
        self.order = [k for k in self.order if k in fresh]
        for key in self.order:
            if self.rows_by_key[key] != fresh[key]:
                self.rows_by_key[key] = fresh[key]
                for label, cell in columns:
                    self.update_cell(key, label.lower(), cell(fresh[key], now))
        self.append_rows([fresh[k] for k in added], now)

    def append_rows(self, rows: Sequence[QueueRow], now: datetime) -> None:
        self._now = now
        columns = self.columns_shown()
        fresh = [self._with_choice(r) for r in rows if r.key not in self.rows_by_key]
        for r in fresh:
            self.rows_by_key[r.key] = r
            self.order.append(r.key)
        for r in fresh:
            self.add_row(*(cell(r, now) for _label, cell in columns), key=r.key)

    def choose(self, step: int, now: datetime) -> QueueRow | None:
        """Move the current row's pick to the next (or previous) candidate; the row as it is
        now, or None when it offers no other."""
        row = self.current()
        if row is None or len(row.candidates) < 2:
            return None
        self.chosen[row.key] = (row.chosen + step) % len(row.candidates)
        fresh = self._with_choice(row)
        self.rows_by_key[row.key] = fresh
        for label, cell in self.columns_shown():
            self.update_cell(row.key, label.lower(), cell(fresh, now))
        return fresh

    def _with_choice(self, row: QueueRow) -> QueueRow:
        chosen = self.chosen.get(row.key, 0)
        if chosen == row.chosen or chosen >= len(row.candidates):
            return row
        return row.model_copy(update={"chosen": chosen})

    def current_key(self) -> str | None:
        if not self.order or self.cursor_row < 0 or self.cursor_row >= len(self.order):
            return None
        return self.order[self.cursor_row]

    def current(self) -> QueueRow | None:
        key = self.current_key()
        return self.rows_by_key.get(key) if key else None

    def near_end(self) -> bool:
        """Whether the cursor is within a screenful of the last loaded row."""
        return bool(self.order) and self.cursor_row >= len(self.order) - 20
