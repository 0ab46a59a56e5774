"""The Diff tab: file navigation, unified/split by width, +/- marks, notes on lines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.diff_model import LineNote
from console.screens.proposal import ProposalScreen
from console.widgets.proposal.diff_lines import DiffLines
from console.widgets.proposal.diff_pane import DiffPane
from tests.console.proposal_host import ProposalHost
from tests.console.proposal_seed import Seeded, seed, seeded, settle

__all__ = ["seeded"]
pytestmark = pytest.mark.anyio


def screen_text(lines: DiffLines) -> list[str]:
    """The rows of the diff as drawn now."""
    return [lines.render_line(y).text for y in range(lines.scrollable_content_region.height)]


async def test_the_diff_opens_on_the_first_file_from_git(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        assert [f.path for f in lines.files] == ["reports.py", "tests/test_reports.py"]
        text = screen_text(lines)
        assert text[0].startswith(" M reports.py   +3 \u22121")
        assert any("if not whole:" in row for row in text)
        assert app.screen.focused is lines


async def test_brackets_jump_between_files(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert lines.current_file() == 1
        header = app.screen.query_one("#diff-header").render()
        assert "file 2/2  tests/test_reports.py" in str(header)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert lines.current_file() == 0 and lines.cursor == 0


async def test_side_by_side_on_a_wide_terminal_unified_on_a_narrow_one(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        assert not lines.split
        await pilot.resize_terminal(180, 40)
        await pilot.pause()
        assert lines.split
        row = next(r for r in screen_text(lines) if "return round" in r)
        assert "│" in row and row.count("return round") == 2
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not lines.split
        await pilot.press("v")  # a person's choice sticks whatever the width
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert lines.split and not lines.auto_split


async def test_a_toggles_plus_and_minus_marks(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        added = next(r for r in screen_text(lines) if "if not whole:" in r)
        assert "+ " not in added
        await pilot.press("a")
        await pilot.pause()
        text = screen_text(lines)
        assert "+ " in next(r for r in text if "if not whole:" in r)
        assert "- " in next(r for r in text if 'rounded for display."""' in r)


async def test_a_note_on_the_line_under_the_cursor_is_posted_and_shown(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        # Rows: header, hunk, three context lines, the removed docstring, the added one, `if`.
        await pilot.press(*["j"] * 7, "i")
        await pilot.press(*"what if whole is negative?", "enter")
        await pilot.pause()
        [message] = app.received
        assert isinstance(message, DiffPane.LineCommented)
        assert (message.proposal_id, message.file, message.line, message.side) == (
            seeded.proposal_id,
            "reports.py",
            8,
            "new",
        )
        assert message.line_text == "    if not whole:"
        assert message.body == "what if whole is negative?"
        assert any("✎ what if whole is negative?" in r for r in screen_text(lines))
        assert app.screen.focused is lines


async def test_a_note_on_a_hunk_header_is_refused(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "i")  # the hunk header
        await pilot.pause()
        assert not app.screen.query("#diff-note.-open")
        assert app.received == []


async def test_notes_given_by_the_app_show_in_the_margin(seeded: Seeded) -> None:
    note = LineNote("reports.py", 10, "    return round(part / whole, 3)", "keep 3 digits")
    app = ProposalHost(seeded.proposal_id, seeded.db_path, notes=[note])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        text = screen_text(lines)
        marked = next(r for r in text if "return round" in r)
        assert "●" in marked
        assert text[text.index(marked) + 1].strip() == "✎ keep 3 digits"
        screen = app.screen
        assert isinstance(screen, ProposalScreen)
        screen.set_notes([])
        await pilot.pause()
        assert not any("✎" in r for r in screen_text(lines))


async def test_the_stored_diff_is_shown_when_the_repository_is_gone(tmp_path: Path) -> None:
    gone = seed(tmp_path, keep_repo=False)
    app = ProposalHost(gone.proposal_id, gone.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(DiffLines)
        assert [f.path for f in lines.files] == ["reports.py", "tests/test_reports.py"]
        assert any("if not whole:" in r for r in screen_text(lines))


async def test_choosing_a_file_in_the_list_moves_the_cursor_to_it(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#diff-files").focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        lines = app.screen.query_one(DiffLines)
        assert lines.current_file() == 1 and app.screen.focused is lines
        header = str(app.screen.query_one("#diff-header").render())
        assert header.startswith("file 2/2  tests/test_reports.py")


async def test_a_run_without_a_diff_says_so(seeded: Seeded) -> None:
    with sqlite3.connect(seeded.db_path) as conn:
        conn.execute(
            "UPDATE proposals SET outcome = 'not_reproduced', diff = '', head_commit = NULL, "
            "branch = NULL, reason = 'the repro passed on the original commit' WHERE id = ?",
            [seeded.proposal_id],
        )
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#diff-header").render())
        assert header == "No changes: the run left no diff."
        assert not app._notifications  # no warning about git: there was nothing to read
        await pilot.press("2")
        await settle(pilot)
        check = str(app.screen.query_one("#reasoning-check").render())
        assert "not_reproduced: the repro passed on the original commit" in check


async def test_escape_goes_back(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProposalScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProposalScreen)


async def test_escape_in_the_note_box_cancels_the_note_only(seeded: Seeded) -> None:
    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * 7, "i", *"never mind", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert not app.screen.query("#diff-note.-open")
        assert app.received == []
