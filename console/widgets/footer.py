"""The console's footer: Textual's, rebuilt only while its screen is in view."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ScreenFooter(Footer):
    """A `Footer` that leaves its keys alone while another screen is on top.

    Textual tells every screen's footer when the screen stack changes, and each rebuilds its
    keys: opening a proposal rebuilt the hidden queue's sixteen keys while the diff was being
    prepared (10 to 30 ms of the open), and closing it rebuilt the closing screen's. When the
    screen is shown again it refreshes its bindings, and the footer is rebuilt then."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        # The top screen only: `Screen.is_current` also holds for the screen right under an
        # opaque one. Under a modal the keys stay as they were, and the modal takes the keys.
        if screen is screen.app.screen:
            super().bindings_changed(screen)
