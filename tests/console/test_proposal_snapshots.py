"""Snapshots of each tab of the Proposal screen at 120x40 and 80x24.

Ids, dates and commits are fixed by the seed (commits have fixed dates, so fixed ids)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.console.proposal_host import ProposalHost
from tests.console.proposal_seed import seed, settle

SIZES = [(120, 40), (80, 24)]
TABS = {"diff": (), "reasoning": ("2",), "signals": ("3",), "replay": ("4", "n", "n", "n")}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", list(TABS))
def test_tab(tab: str, size: tuple[int, int], tmp_path: Path, snap_compare: Any) -> None:
    seeded = seed(tmp_path)

    async def open_tab(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in TABS[tab]:
            await pilot.press(key)
            await settle(pilot)

    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    assert snap_compare(app, terminal_size=size, run_before=open_tab)


def test_diff_side_by_side_with_marks_and_a_note(tmp_path: Path, snap_compare: Any) -> None:
    seeded = seed(tmp_path)

    async def marks_and_note(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("a", *["j"] * 7, "i", *"negative whole?", "enter")
        await settle(pilot)

    app = ProposalHost(seeded.proposal_id, seeded.db_path)
    assert snap_compare(app, terminal_size=(180, 30), run_before=marks_and_note)
