"""Errors that mean the user must do something; the CLI prints them as one line, exit 1."""


class UserError(Exception):
    """A problem the user can fix: a missing file, a bad config value, an absent tool."""
