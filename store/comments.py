"""A reviewer's line comments on a proposal's diff, and the redirect context they make.

A comment keeps the line's text beside `file:line`, so the note still reads right when the
agent's next attempt moves the code. `redirect_context` turns a proposal's notes into the text
box's first draft when the person presses `r`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import sqlite_utils
from pydantic import BaseModel, Field

from store.runs import write_lock
from store.signal import utcnow


class LineComment(BaseModel):
    """A note on one line of a proposal's diff."""

    id: int | None = None
    proposal_id: int
    file: str
    line: int
    """The line's number on its side of the diff."""
    side: Literal["new", "old"] = "new"
    """`old` for a removed line (numbered in the base version), else `new`."""
    line_text: str
    """The line as it read when the note was written."""
    body: str
    created_at: datetime = Field(default_factory=utcnow)


_COLUMNS = list(LineComment.model_fields)


def add_comment(db: sqlite_utils.Database, comment: LineComment) -> int:
    """Keep a note; return its id. An empty note is refused."""
    if not comment.body.strip():
        raise ValueError("a line comment needs some words")
    row = comment.model_dump(exclude={"id"})
    row["created_at"] = comment.created_at.isoformat()
    with write_lock, db.conn:
        cursor = db.conn.execute(
            f"INSERT INTO line_comments ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
    return int(cursor.lastrowid or 0)


def delete_comment(db: sqlite_utils.Database, comment_id: int) -> bool:
    with write_lock, db.conn:
        cursor = db.conn.execute("DELETE FROM line_comments WHERE id = ?", [comment_id])
    return cursor.rowcount == 1


def list_comments(db: sqlite_utils.Database, proposal_id: int) -> list[LineComment]:
    """A proposal's notes in the order of the diff: by file, then line, then time."""
    rows = db.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM line_comments WHERE proposal_id = ? "
        "ORDER BY file, line, id",
        [proposal_id],
    )
    return [LineComment.model_validate(dict(zip(_COLUMNS, r, strict=True))) for r in rows]


def redirect_context(comments: Sequence[LineComment]) -> str:
    """The notes as a reviewer would write them on a pull request, for the agent's next run."""
    parts = []
    for c in comments:
        where = f"{c.file}:{c.line}" + (" (removed line)" if c.side == "old" else "")
        parts.append(f"{where}: `{c.line_text.strip()}`\n  {c.body.strip()}")
    return "\n".join(parts)
