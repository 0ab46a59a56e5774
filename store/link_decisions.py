"""A person's decisions on links: confirming a proposed duplicate, splitting a signal off.

Each decision is one transaction: the link states, the counts, the fingerprint index and the
`splits` record move together. The caller (runner.triage.review) checks that the decision is
allowed and builds any new issue; this module only writes.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.issues import Issue, insert_issues
from store.signal import utcnow


def _refresh_counts(db: sqlite_utils.Database, issue_id: int, now: str) -> None:
    """Recount an issue from its linked signals and distinct actors."""
    db.conn.execute(
        "UPDATE issues SET "
        "signal_count = (SELECT COUNT(*) FROM links WHERE issue_id = ? AND state = 'linked'), "
        "users_affected = (SELECT COUNT(*) FROM issue_actors WHERE issue_id = ?), "
        "last_seen = COALESCE((SELECT MAX(s.occurred_at) FROM links l "
        "  JOIN signals s ON s.id = l.signal_id WHERE l.issue_id = ? AND l.state = 'linked'), "
        "  last_seen), "
        "updated_at = ? WHERE id = ?",
        [issue_id, issue_id, issue_id, now, issue_id],
    )


def merge_issue(
    db: sqlite_utils.Database, *, source: int, target: int, link_id: int, by: str
) -> None:
    """Confirm proposed link `link_id`: every signal of `source` moves into `target` (the
    link's issue, or another of its candidates the person chose)."""
    now = utcnow().isoformat()
    with db.conn:
        moved_signal = db.conn.execute(
            "SELECT signal_id FROM links WHERE id = ?", [link_id]
        ).fetchone()[0]
        others = db.conn.execute(
            "SELECT signal_id, fingerprint_score, structure_score, text_score FROM links "
            "WHERE issue_id = ? AND state = 'linked' AND signal_id != ?",
            [source, moved_signal],
        ).fetchall()
        # Old homes first: a signal is linked to one issue at a time (index links_home).
        db.conn.execute(
            "UPDATE links SET state = 'moved', decided_at = ?, decided_by = ? "
            "WHERE issue_id = ? AND state = 'linked'",
            [now, by, source],
        )
        db.conn.execute(
            "UPDATE links SET state = 'linked', issue_id = ?, decided_at = ?, decided_by = ? "
            "WHERE id = ?",
            [target, now, by, link_id],
        )
        # The other signals of the source issue follow, each with a link saying why.
        db.conn.executemany(
            "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, structure_score, "
            "text_score, rule, created_at, decided_at, decided_by) "
            "VALUES (?, ?, 'linked', ?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, target, fp, st, tx, f"merged with #{source} by a person", now, now, by)
                for sid, fp, st, tx in others
            ],
        )
        for table, column in (("issue_fingerprints", "fingerprint"), ("issue_actors", "actor")):
            db.conn.execute(
                f"INSERT OR IGNORE INTO {table} ({column}, issue_id) "
                f"SELECT {column}, ? FROM {table} WHERE issue_id = ?",
                [target, source],
            )
        row = db.conn.execute(
            "SELECT routes_seen, kinds, sources FROM issues WHERE id = ?", [source]
        ).fetchone()
        target_row = db.conn.execute(
            "SELECT routes_seen, kinds, sources FROM issues WHERE id = ?", [target]
        ).fetchone()
        merged = [
            json.dumps(list(dict.fromkeys(json.loads(t) + json.loads(s))))
            for t, s in zip(target_row, row, strict=True)
        ]
        db.conn.execute(
            "UPDATE issues SET routes_seen = ?, kinds = ?, sources = ? WHERE id = ?",
            [*merged, target],
        )
        db.conn.execute(
            "UPDATE issues SET status = 'merged', merged_into = ?, signal_count = 0, "
            "updated_at = ? WHERE id = ?",
            [target, now, source],
        )
        _refresh_counts(db, target, now)


def reject_proposal(
    db: sqlite_utils.Database,
    *,
    link_id: int,
    issue_id: int,
    other_issue_id: int,
    signal_id: str,
    fingerprint: str | None,
    by: str,
) -> None:
    """Split a proposed link: the two issues stay apart, for good."""
    now = utcnow().isoformat()
    with db.conn:
        db.conn.execute(
            "UPDATE links SET state = 'split', decided_at = ?, decided_by = ? WHERE id = ?",
            [now, by, link_id],
        )
        _record_split(db, issue_id, other_issue_id, signal_id, fingerprint, by, now)


def split_signal(
    db: sqlite_utils.Database,
    *,
    link_id: int,
    new_issue: Issue,
    signal_id: str,
    fingerprint: str | None,
    actors: dict[int, list[str]],
    by: str,
) -> None:
    """Split a linked signal off its issue into `new_issue`, remembering the decision.

    `actors` is the actor list of each affected issue after the split (recounted by the
    caller from the issues' signals).
    """
    now = utcnow().isoformat()
    old = int(db.conn.execute("SELECT issue_id FROM links WHERE id = ?", [link_id]).fetchone()[0])
    with db.conn:
        db.conn.execute(
            "UPDATE links SET state = 'split', decided_at = ?, decided_by = ? WHERE id = ?",
            [now, by, link_id],
        )
        insert_issues(db, [new_issue])
        db.conn.execute(
            "INSERT INTO links (signal_id, issue_id, state, fingerprint_score, structure_score, "
            "text_score, rule, created_at, decided_at, decided_by) "
            "VALUES (?, ?, 'linked', 0, 0, 0, ?, ?, ?, ?)",
            [signal_id, new_issue.id, f"split off #{old} by a person", now, now, by],
        )
        if fingerprint:
            db.conn.execute(
                "INSERT OR IGNORE INTO issue_fingerprints (fingerprint, issue_id) VALUES (?, ?)",
                [fingerprint, new_issue.id],
            )
        for issue_id, names in actors.items():
            db.conn.execute("DELETE FROM issue_actors WHERE issue_id = ?", [issue_id])
            db.conn.executemany(
                "INSERT OR IGNORE INTO issue_actors (issue_id, actor) VALUES (?, ?)",
                [(issue_id, n) for n in names],
            )
        _record_split(db, old, new_issue.id, signal_id, fingerprint, by, now)
        _refresh_counts(db, old, now)
        _refresh_counts(db, new_issue.id, now)


def _record_split(
    db: sqlite_utils.Database,
    issue_id: int,
    other_issue_id: int,
    signal_id: str,
    fingerprint: str | None,
    by: str,
    now: str,
) -> None:
    db.conn.execute(
        "INSERT INTO splits (issue_id, other_issue_id, signal_id, fingerprint, created_at, "
        "decided_by) VALUES (?, ?, ?, ?, ?, ?)",
        [issue_id, other_issue_id, signal_id, fingerprint, now, by],
    )


def split_between(db: sqlite_utils.Database, a: int, b: int) -> bool:
    """Whether a person has said issues `a` and `b` are different problems."""
    row = db.conn.execute(
        "SELECT 1 FROM splits WHERE (issue_id = ? AND other_issue_id = ?) "
        "OR (issue_id = ? AND other_issue_id = ?)",
        [a, b, b, a],
    ).fetchone()
    return row is not None
