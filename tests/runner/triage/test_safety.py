from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runner.routines import Guardrails
from runner.triage.safety import check
from store.issues import Issue, ScopeEntry

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def issue(**fields: Any) -> Issue:
    base: dict[str, Any] = {
        "id": 1,
        "title": "ZeroDivisionError: division by zero",
        "kind": "error",
        "error_type": "ZeroDivisionError",
        "scope": [ScopeEntry(file="app/reports.py", function="ratio", line=40)],
        "routes_seen": ["/reports/summary"],
        "confidence": 0.85,
        "first_seen": NOW,
        "last_seen": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Issue(**(base | fields))


def test_a_well_scoped_issue_is_dispatchable() -> None:
    verdict = check(issue(), Guardrails())
    assert verdict.dispatchable and verdict.reasons == []


def test_an_issue_touching_billing_is_held_with_the_reason() -> None:
    held = issue(scope=[ScopeEntry(file="app/billing/invoice.py", function="total", line=12)])
    verdict = check(held, Guardrails())
    assert not verdict.dispatchable
    assert verdict.reasons == [
        "touches a denied path: app/billing/invoice.py (deny glob '*billing*')"
    ]


def test_every_reason_is_listed() -> None:
    bad = issue(
        scope=[],
        error_type="IntegrityError",
        routes_seen=["/login/sso"],
        confidence=0.3,
    )
    reasons = check(bad, Guardrails()).reasons
    assert [r.split(":")[0] for r in reasons] == [
        "scope unclear",
        "touches a denied path",
        "needs production data",
        "low confidence",
    ]


def test_blast_radius_and_routine_overrides() -> None:
    wide = issue(scope=[ScopeEntry(file=f"app/m{n}.py", line=n) for n in range(7)])
    assert check(wide, Guardrails()).reasons == ["blast radius: 7 suspected files, more than 5"]
    assert check(wide, Guardrails(max_files=10)).dispatchable
    billing = issue(scope=[ScopeEntry(file="app/billing/invoice.py", line=1)])
    assert check(billing, Guardrails(deny=["*secrets*"])).dispatchable
