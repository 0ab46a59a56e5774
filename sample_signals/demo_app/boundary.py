"""The error boundary: an unhandled exception becomes one JSON line for Overnight's inbox.

Each line carries what a person triaging needs: the route, who, which workspace, the user's last
actions, the workspace's feature flags, what they were trying to do, and the exception with its
frames and chained causes.
"""

from __future__ import annotations

import json
import sys
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path

import demo_app

APP_ROOT = Path(demo_app.__file__).resolve().parent
SEARCH_ROOTS = sorted((Path(p).resolve() for p in sys.path if p), key=lambda p: -len(str(p)))

INTENTS = {
    "/dashboard": "open the team dashboard",
    "/dashboard/refresh": "refresh the dashboard",
    "/reports/summary": "view the team summary",
    "/reports/export.csv": "export tasks to CSV",
    "/reports/range": "view a report for a date range",
    "/search": "search tasks and people",
    "/members": "browse the member list",
    "/settings/integrations": "configure integrations",
    "/login/sso": "sign in with SSO",
    "/notifications/digest": "send the daily digest",
}


def _where(filename: str) -> tuple[str, str | None, bool]:
    """(file relative to its import root, dotted module, in_app) for one frame."""
    path = Path(filename).resolve()
    in_app = path.is_relative_to(APP_ROOT)
    for root in SEARCH_ROOTS:
        if path.is_relative_to(root):
            relative = path.relative_to(root)
            module = ".".join(relative.with_suffix("").parts)
            return relative.as_posix(), module.removesuffix(".__init__"), in_app
    return path.name, None, in_app


def describe(exc: BaseException) -> dict:
    """The exception as Overnight's `error`: type, message, module, frames, chain (cause first)."""
    chain: list[dict] = []
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None:
        earlier = describe(cause)
        chain = [*earlier.pop("chain"), earlier]
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        file, module, in_app = _where(frame.filename)
        frames.append({"file": file, "function": frame.name, "module": module,
                       "line": frame.lineno, "in_app": in_app})
    module = type(exc).__module__
    return {"type": type(exc).__name__, "message": str(exc),
            "module": None if module == "builtins" else module,
            "frames": frames, "chain": chain}


def envelope(exc: BaseException, request, release: str, environment: str) -> dict:
    user = request.user or {}
    return {
        "kind": "error",
        "id": uuid.uuid4().hex,
        "occurred_at": datetime.now(UTC).isoformat(),
        "route": request.path,
        "actor": {"id": user.get("id"), "email": user.get("email"), "name": user.get("name")}
        if user else None,
        "workspace": request.workspace,
        "actions": list(request.actions),
        "flags": dict(request.flags),
        "intent": INTENTS.get(request.path),
        "error": describe(exc),
        "release": release,
        "environment": environment,
        "tags": {"method": request.method, "query": request.query},
    }


class ErrorBoundary:
    """Appends one envelope a line to `log_path` (when set) for every unhandled exception."""

    def __init__(self, log_path: str | None, release: str, environment: str) -> None:
        self.log_path = log_path
        self.release = release
        self.environment = environment

    def __call__(self, exc: BaseException, request) -> None:
        if not self.log_path:
            return
        line = json.dumps(envelope(exc, request, self.release, self.environment))
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
