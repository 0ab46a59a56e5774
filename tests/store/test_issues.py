"""Issue rows: what is written reads back the same, lists as JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlite_utils

from store.issues import Issue, ScopeEntry, get_issue, insert_issues, json_strings


@pytest.mark.parametrize(
    "items",
    [[], ["kind:error"], ['say "hi"', "back\\slash", "tab\tnew\nline"], ["é", "€", "😀", "\x00"]],
)
def test_json_strings_is_json_dumps(items: list[str]) -> None:
    assert json_strings(items) == json.dumps(items)


def test_an_issue_reads_back_as_written(fresh_db: sqlite_utils.Database) -> None:
    now = datetime(2026, 11, 23, 4, 5, 6, tzinfo=UTC)
    issue = Issue(
        id=7,
        title="ZeroDivisionError: division by zero",
        kind="error",
        texts=["division by zero in “report” total"],
        scope=[ScopeEntry(file="app/report.py", function="total", line=12)],
        repro=["Open /reports/:id"],
        labels=["kind:error", "env:production"],
        routes_seen=["/reports/:id"],
        kinds=["error"],
        sources=["inbox"],
        first_seen=now,
        last_seen=now,
        created_at=now,
        updated_at=now,
    )
    with fresh_db.conn:
        insert_issues(fresh_db, [issue])
    assert get_issue(fresh_db, 7) == issue
    row = fresh_db.execute("SELECT labels, scope FROM issues WHERE id = 7").fetchone()
    assert json.loads(row[0]) == ["kind:error", "env:production"]
    assert json.loads(row[1])[0]["file"] == "app/report.py"
