"""Messages that cross screens: the store moved on, a decision was made.

Widget-local messages live in the widget that sends them; these are posted by the app or a
worker and handled wherever the data is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class StoreChanged(Message, bubble=False):
    """Someone committed to the store (the runner, triage, or this console's own writer).

    The app posts it to itself from its poll, then to each screen; it does not bubble, or a
    screen's copy would come back to the app and go round again."""


@dataclass
class DecisionMade(Message):
    """A decision reached git and the store; `summary` is what the person is told."""

    summary: str
    proposal_id: int | None = None
    issue_id: int | None = None
