"""The safety filter: only well-scoped, safe issues are dispatched.

Conservative by default: a false hold costs a person a minute in the morning; a false dispatch
can cost a day. Every failed check is reported, not just the first, so the person sees the
whole picture in the "held for human triage" lane.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from runner.routines import Guardrails
from store.issues import Issue

# Signs that reproducing the fault needs the production database or its records.
_DATA_ERROR_TYPES = re.compile(
    r"(Integrity|Operational|Data|Database|Programming|Interface)Error$|DoesNotExist$"
    r"|^(Deadlock|LockTimeout|SerializationFailure|UniqueViolation|ForeignKeyViolation)",
)
_DATA_MODULES = ("sqlalchemy", "psycopg", "django.db", "pymysql", "sqlite3", "asyncpg", "redis")
_DATA_WORDS = re.compile(
    r"\b(deadlock|replica|connection (refused|reset|pool)|database is locked"
    r"|production data|customer data|corrupt(ed)? (row|record|data))\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class SafetyVerdict:
    """Whether an issue may be dispatched, and every reason it may not."""

    dispatchable: bool
    reasons: list[str] = field(default_factory=list)


def denied(issue: Issue, globs: list[str]) -> list[tuple[str, str]]:
    """(place, glob) for each suspected file (or its module) and route a deny glob matches."""
    places: list[tuple[str, list[str]]] = []
    for entry in issue.scope:
        forms = [
            (entry.file or "").replace("\\", "/").lower(),
            (entry.module or "").replace(".", "/").lower(),
        ]
        places.append((entry.file or entry.module or "?", [f for f in forms if f]))
    places.extend((route, [route.lower()]) for route in issue.routes_seen)
    if issue.test_id:
        places.append((issue.test_id, [issue.test_id.lower()]))
    hits: list[tuple[str, str]] = []
    for shown, forms in dict(places).items():
        glob = next((g for g in globs for f in forms if fnmatch.fnmatchcase(f, g.lower())), None)
        if glob is not None:
            hits.append((shown, glob))
    return hits


def production_data_reason(issue: Issue) -> str | None:
    """Why the issue looks as if it needs production data, or None."""
    if issue.error_type and _DATA_ERROR_TYPES.search(issue.error_type):
        return f"needs production data: {issue.error_type} is a database error"
    for entry in issue.scope:
        module = (entry.module or entry.file or "").lower()
        if any(module.startswith(m) or f"/{m}" in module for m in _DATA_MODULES):
            return f"needs production data: the stack runs through {entry.module or entry.file}"
    text = f"{issue.title}\n{issue.description}"
    found = _DATA_WORDS.search(text)
    if found:
        return f"needs production data: the report mentions {found.group(0)!r}"
    return None


def check(issue: Issue, guardrails: Guardrails) -> SafetyVerdict:
    """Run every check; the issue is dispatchable only when none fails."""
    reasons: list[str] = []
    files = {e.file for e in issue.scope if e.file} | {
        e.module for e in issue.scope if e.module and not e.file
    }
    if not files:
        reasons.append("scope unclear: no suspected files (no in-app stack frames)")
    elif len(files) > guardrails.max_files:
        reasons.append(
            f"blast radius: {len(files)} suspected files, more than {guardrails.max_files}"
        )
    elif not any(e.line for e in issue.scope):
        reasons.append("blast radius: no line numbers in the suspected frames")
    for path, glob in denied(issue, guardrails.deny):
        reasons.append(f"touches a denied path: {path} (deny glob {glob!r})")
    if not guardrails.allow_production_data:
        reason = production_data_reason(issue)
        if reason:
            reasons.append(reason)
    if issue.confidence < guardrails.min_confidence:
        reasons.append(
            f"low confidence: {issue.confidence:.2f}, below the routine's minimum "
            f"{guardrails.min_confidence:.2f}"
        )
    return SafetyVerdict(dispatchable=not reasons, reasons=reasons)


def reason_kind(reason: str) -> str:
    """The reason's category, for counting holds: the text before the first colon."""
    return reason.split(":", 1)[0]
