"""Widgets of the Proposal screen, one a file: diff, reasoning, signals, replay."""
