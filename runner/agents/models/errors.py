"""Errors of a model endpoint, each with one line a person can act on.

No message ever holds the API key: every text that came from a server passes through
`redact` before it becomes part of an error.
"""

from __future__ import annotations


class ModelError(Exception):
    """A request to a model failed; `reason` says what happened and what to check."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        """One line: what failed, where, and what to do about it."""
        self.status = status
        """The HTTP status, when the server answered at all."""


class ModelAuthError(ModelError):
    """The key is missing or was refused (401, 403)."""


class ModelNotFound(ModelError):
    """404: the base URL is wrong or the server does not know the model."""


class ModelUnavailable(ModelError):
    """The endpoint could not be reached or kept failing (refused, DNS, timeouts, 5xx, 429)."""


class ModelBadRequest(ModelError):
    """The server rejected the request itself (400 and other 4xx): a bug or a wrong setting."""


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced; also cut to one line of sane length."""
    if secret:
        text = text.replace(secret, "[key redacted]")
    text = " ".join(text.split())
    return text if len(text) <= 500 else text[:497] + "..."
