"""The night's progress lines quote what runs said, which may look like markup."""

from __future__ import annotations

import io

from runner.night.progress import LineProgress


def test_progress_shows_brackets_as_they_are() -> None:
    # A failed image build ends in `[/bin/sh -c python3 -m venv /opt/venv]`; read as markup,
    # that closing tag stopped the whole night.
    out = io.StringIO()
    progress = LineProgress(out)
    progress.update(2, "#2 could not start: STEP 2/5 [/bin/sh -c python3 -m venv /opt/venv] [bold]")
    progress.say("a signal titled [red]alarm[/red]")
    progress.close()
    printed = out.getvalue()
    assert "[/bin/sh -c python3 -m venv /opt/venv] [bold]" in printed
    assert "a signal titled [red]alarm[/red]" in printed
