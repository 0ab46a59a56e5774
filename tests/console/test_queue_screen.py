"""The Queue screen driven by a Pilot: lanes, cursor, details, filter, empty states."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Label, Static

from console.app import OvernightApp, make_app
from console.screens.queue import QueueScreen
from console.widgets.queue.lane_table import LaneTable
from console.widgets.queue.row_details import RowDetails
from store import open_db
from tests.console.pilot import until
from tests.console.seed import NOW, Morning

pytestmark = pytest.mark.anyio


async def test_the_queue_shows_every_lane_and_the_row_in_full(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        table = screen.query_one("#table-proposals", LaneTable)
        assert table.order == [
            f"proposal:{morning.proposals['verified']}",
            f"proposal:{morning.proposals['unverified']}",
        ]
        details = screen.query_one(RowDetails)
        assert details.shown_key == table.order[0]
        await pilot.press("j")
        assert details.shown_key == table.order[1]
        await pilot.press("k")
        assert details.shown_key == table.order[0]
        await pilot.press("3")
        assert screen.lane == "held"
        assert details.shown_key == f"issue:{morning.issues['held']}"
        assert app.screen.active_bindings.get("m") is None  # merge does not apply to held
        assert app.screen.active_bindings["d"].binding.action == "dispatch_anyway"


async def test_the_columns_follow_the_terminal_across_the_narrow_width(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        table = screen.query_one("#table-proposals", LaneTable)
        labels = lambda: [str(c.label) for c in table.columns.values()]  # noqa: E731
        assert "Age" not in labels() and "Cost" not in labels()
        await pilot.press("j")
        await pilot.resize_terminal(140, 40)
        await until(pilot, lambda: "Age" in labels())
        assert "Cost" in labels() and table.row_count == 2
        assert table.current_key() == f"proposal:{morning.proposals['unverified']}"
        await pilot.resize_terminal(90, 30)
        await until(pilot, lambda: "Age" not in labels())
        assert table.current_key() == f"proposal:{morning.proposals['unverified']}"


async def test_the_filter_narrows_every_lane(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        await pilot.press("slash", *"dashboard")
        table = screen.query_one("#table-proposals", LaneTable)
        await until(pilot, lambda: len(table.order) == 1)
        assert table.current().issue_id == morning.issues["unverified"]  # type: ignore[union-attr]
        await pilot.press("enter", "escape")
        await until(pilot, lambda: len(table.order) == 2)


async def test_an_empty_store_says_to_run_a_night(tmp_path: Path) -> None:
    app = make_app(tmp_path / "new.db", clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        empty = screen.query_one("#empty-proposals")
        assert "overnight run --once" in str(empty.render())


async def test_titles_and_filters_that_look_like_markup_are_shown_as_typed(
    console: Callable[..., OvernightApp], morning: Morning
) -> None:
    # A title is a signal's words, untrusted; read as markup, `[/x]` raised on the close modal.
    title = "KeyError: [/bin/sh -c x] in [bold]settings"
    db = open_db(morning.db_path)
    db["issues"].update(morning.issues["verified"], {"title": title})
    db.conn.commit()
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.loaded)
        for key, modal, verb in (
            ("c", "CloseScreen", "Close"),
            ("r", "RedirectScreen", "Redirect"),
        ):
            await pilot.press(key)
            await until(pilot, lambda modal=modal: app.screen.__class__.__name__ == modal)
            heading = app.screen.query_one(".modal-title", Label)
            assert str(heading.render()) == f"{verb}: {title}"
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
        await pilot.press("slash", *"[/nothing]")
        empty = screen.query_one("#empty-proposals", Static)
        await until(pilot, lambda: "[/nothing]" in str(empty.render()))
