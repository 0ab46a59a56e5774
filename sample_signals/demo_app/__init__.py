"""Teamboard: a small team dashboard (tasks, reports, search, billing) on the standard library."""

__version__ = "1.4.2"
