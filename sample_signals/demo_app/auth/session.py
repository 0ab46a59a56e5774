"""Sessions: a token in a cookie maps to a user; "remember me" keeps it for 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SESSIONS: dict[str, dict] = {}


def create(token: str, user: dict, remember: bool = False) -> dict:
    if remember:
        expires_at = datetime.now(UTC) + timedelta(days=30)
    else:
        expires_at = datetime.now() + timedelta(hours=8)
    session = {"token": token, "user": user, "expires_at": expires_at, "remember": remember}
    SESSIONS[token] = session
    return session


def is_expired(session: dict, now: datetime | None = None) -> bool:
    now = now or datetime.now()
    return session["expires_at"] <= now


def current_user(token: str | None) -> dict | None:
    """The user of a live session, or None (no cookie, unknown or expired token)."""
    session = SESSIONS.get(token or "")
    if session is None or is_expired(session):
        return None
    return session["user"]
