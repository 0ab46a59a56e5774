"""A whole morning in a real terminal: the demo's night, then `overnight review` in tmux, driven
by keys (send-keys) and read off the screen (capture-pane). Open a proposal, read its diff,
step its replay, merge one, redirect one, close one, undo one, quit; then the repository and
the store show exactly those decisions. Counts the keys each decision took."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.git import is_dirty, resolve_commit
from store import open_db
from store.issues import get_link
from store.night import list_dispatches
from store.queue import lane_page
from store.review import list_decisions, list_proposals
from tests.conftest import copy_demo

SESSION = "overnight-morning-test"


def _ensure_tmux() -> str:
    if not shutil.which("tmux"):
        subprocess.run(["apt-get", "install", "-y", "-q", "tmux"], check=True)
    tmux = shutil.which("tmux")
    assert tmux
    return tmux


class Terminal:
    def __init__(self, tmux: str, command: str) -> None:
        self.tmux = tmux
        self.keys = 0
        subprocess.run([tmux, "kill-session", "-t", SESSION], capture_output=True)
        subprocess.run(
            [tmux, "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command],
            check=True,
        )

    def screen(self) -> str:
        done = subprocess.run(
            [self.tmux, "capture-pane", "-t", SESSION, "-p"], capture_output=True, text=True
        )
        return done.stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"never saw {text!r} on the screen:\n{self.screen()}")

    def press(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([self.tmux, "send-keys", "-t", SESSION, key], check=True)
            self.keys += 1
            time.sleep(0.3)

    def type(self, text: str) -> None:
        subprocess.run([self.tmux, "send-keys", "-t", SESSION, "-l", text], check=True)
        time.sleep(0.3)

    def close(self) -> None:
        subprocess.run([self.tmux, "kill-session", "-t", SESSION], capture_output=True)


@pytest.fixture
def demo(demo_night: Path, tmp_path: Path) -> Path:
    return copy_demo(demo_night, tmp_path)


def test_a_whole_morning_in_a_real_terminal(demo: Path) -> None:
    config = demo / "overnight.toml"
    repo = demo / "teamboard"
    db = open_db(demo / "overnight.db")
    open_before = [p for p in list_proposals(db, "open") if p.outcome == "proposed"]
    assert len(open_before) >= 4
    main_before = resolve_commit(repo, "main")
    waiting = lane_page(db, "needs_confirmation")
    db.close()
    # The first proposed duplicate triage offered more than one issue for.
    row_at, offered = next((n, r) for n, r in enumerate(waiting) if len(r.candidates) > 1)
    term = Terminal(
        _ensure_tmux(),
        f"{sys.executable} -m runner.cli --config {config} review; echo REVIEW-EXITED $?; sleep 30",
    )
    per_decision: dict[str, int] = {}
    try:
        term.wait_for("Proposals")
        first = term.wait_for("fail/pass/0 new")
        # Open the first proposal, read its diff, step its replay, go back.
        term.press("Enter")
        term.wait_for("Diff")
        term.press("j", "j", "4")
        term.wait_for("step")
        term.press("n", "n", "q")
        term.wait_for("Proposals")
        # Merge the first row.
        keys = term.keys
        term.press("m")
        term.wait_for("u undoes")
        per_decision["merge"] = term.keys - keys
        # Redirect the next one with context.
        keys = term.keys
        term.press("r")
        term.wait_for("What should the agent know")
        term.type("Also accept two-digit years.")
        term.press("C-s")
        per_decision["redirect"] = term.keys - keys
        # Close the next one as the wrong tree.
        time.sleep(1)
        keys = term.keys
        term.press("c")
        term.wait_for("wrong tree")
        term.press("Enter")
        per_decision["close"] = term.keys - keys
        time.sleep(1)
        # Undo the close.
        keys = term.keys
        term.press("u")
        per_decision["undo"] = term.keys - keys
        time.sleep(1.5)
        # A proposed duplicate: pick the second issue triage offered, and join it.
        term.press("2", *["j"] * row_at)
        term.wait_for("] picks another")
        keys = term.keys
        term.press("]")
        term.wait_for(f"#{offered.home_issue_id}→#{offered.candidates[1].issue_id} 2/")
        term.press("y")
        term.wait_for(f"is now part of #{offered.candidates[1].issue_id}")
        per_decision["confirm another candidate"] = term.keys - keys
        term.press("q")
        term.wait_for("REVIEW-EXITED 0")
    finally:
        term.close()
    assert "Check" in first
    db = open_db(demo / "overnight.db")
    decisions = list_decisions(db)
    assert [d.action for d in decisions] == ["merge", "redirect", "close"]
    merged, redirected, closed = decisions
    by_id = {p.id: p for p in list_proposals(db)}
    assert by_id[merged.proposal_id].status == "merged"  # type: ignore[index]
    assert by_id[redirected.proposal_id].status == "redirected"  # type: ignore[index]
    assert by_id[closed.proposal_id].status == "open"  # type: ignore[index]  # undone
    assert closed.reason and closed.reason.startswith("wrong tree")
    link = get_link(db, offered.link_id or 0)
    assert link is not None and (link.state, link.issue_id) == (
        "linked",
        offered.candidates[1].issue_id,
    )
    queued = [d for d in list_dispatches(db, state="queued") if d.why == "redirect"]
    assert [d.issue_id for d in queued] == [redirected.issue_id]
    assert queued[0].context == "Also accept two-digit years."
    db.close()
    # The merge is a real git merge of the proposal's branch; nothing else moved.
    merged_branch = by_id[merged.proposal_id].branch  # type: ignore[index]
    assert merged_branch and resolve_commit(repo, "main") == resolve_commit(repo, merged_branch)
    assert resolve_commit(repo, "main") != main_before and not is_dirty(repo)
    print(f"keys per decision: {per_decision}")
    assert per_decision == {
        "merge": 1,
        "redirect": 2,
        "close": 2,
        "undo": 1,
        "confirm another candidate": 2,
    }
