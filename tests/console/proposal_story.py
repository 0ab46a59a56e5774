"""What the seeded night was made of: the signals behind the issue and each run's events,
shaped as `store.transcript` says the agent loop and the runner's check write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.runs import RunEvent
from store.signal import Action, Actor, ErrorDetail, Frame, Signal

NIGHT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
AGENT_RUN = "run-agent-0001"
REPRO = "python -m pytest tests/test_reports.py -q -k zero"


def signals(issue_id: int) -> list[Signal]:
    frames = [
        Frame(file="flask/app.py", function="dispatch_request", module="flask.app", line=880),
        Frame(
            file="demo_app/app.py",
            function="team_report",
            module="demo_app.app",
            line=41,
            in_app=True,
        ),
        Frame(
            file="demo_app/reports.py",
            function="summary",
            module="demo_app.reports",
            line=18,
            in_app=True,
        ),
        Frame(
            file="demo_app/reports.py",
            function="ratio",
            module="demo_app.reports",
            line=8,
            in_app=True,
        ),
    ]
    error = ErrorDetail(type="ZeroDivisionError", message="division by zero", frames=frames)
    out = []
    for i in range(3):
        out.append(
            Signal(
                id=f"sig-error-{i}",
                kind="error",
                source="inbox",
                occurred_at=NIGHT - timedelta(hours=8 - i),
                received_at=NIGHT - timedelta(hours=8 - i),
                title="ZeroDivisionError: division by zero",
                route="/teams/:id/report",
                actor=Actor(id=f"user-{i}", email=f"user{i}@example.com"),
                actions=[
                    Action(message="GET /teams/7", category="navigation"),
                    Action(message="click 'Report'", category="ui.click"),
                ],
                flags={"new_reports": True},
                intent="open the team report",
                error=error,
                release="1.4.0",
            )
        )
    out.append(
        Signal(
            id="sig-feedback-0",
            kind="feedback",
            source="feedback",
            occurred_at=NIGHT - timedelta(hours=3),
            received_at=NIGHT - timedelta(hours=3),
            title="Report page crashes for our new team",
            route="/teams/:id/report",
            actor=Actor(id="user-9", email="lead@example.com"),
            text="The report page shows an error for the team we created today.",
        )
    )
    return out


def events(run_id: str, purpose: str) -> list[RunEvent]:
    t = NIGHT + timedelta(minutes=5)
    if purpose != "agent":
        check = "repro"
        return [
            RunEvent(
                run_id=run_id,
                kind="setup",
                command=["git", "apply", "fix.patch"],
                exit_code=0,
                duration_s=0.1,
                started_at=t,
                data={"check": "diff"},
            )
            if purpose == "check_after"
            else RunEvent(
                run_id=run_id,
                kind="setup",
                command=["git", "status", "--short"],
                exit_code=0,
                duration_s=0.05,
                started_at=t,
            ),
            RunEvent(
                run_id=run_id,
                kind="exec",
                command=["sh", "-c", REPRO],
                stdout="1 failed" if purpose == "check_before" else "1 passed",
                exit_code=1 if purpose == "check_before" else 0,
                duration_s=0.8,
                started_at=t,
                data={"check": check},
            ),
            RunEvent(
                run_id=run_id,
                kind="exec",
                command=["python", "-m", "pytest", "-q"],
                stdout="1 failed, 1 passed" if purpose == "check_before" else "2 passed",
                exit_code=1 if purpose == "check_before" else 0,
                duration_s=1.2,
                started_at=t,
                data={"check": "tests"},
            ),
        ]
    reply = {
        "stop": "tool_use",
        "cost_usd": 0.0123,
        "latency_s": 1.5,
        "usage": {"input_tokens": 1800, "output_tokens": 120},
    }
    return [
        RunEvent(
            run_id=run_id,
            kind="setup",
            command=["git", "checkout", "--detach"],
            exit_code=0,
            duration_s=0.2,
            started_at=t,
        ),
        RunEvent(
            run_id=run_id,
            kind="model_request",
            started_at=t,
            data={"protocol": "anthropic", "model": "scripted", "messages": 1},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_reply",
            started_at=t,
            data={
                **reply,
                "text": "Let me reproduce the crash with a team that has no tasks.",
                "tool_calls": [{"id": "c1", "name": "bash", "arguments": {"command": REPRO}}],
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["bash", "-lc", REPRO],
            stdout="E   ZeroDivisionError: division by zero\n1 failed",
            exit_code=1,
            duration_s=0.9,
            started_at=t,
            data={"tool": "bash", "call_id": "c1"},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_request",
            started_at=t,
            data={"protocol": "anthropic", "model": "scripted", "messages": 3},
        ),
        RunEvent(
            run_id=run_id,
            kind="model_reply",
            started_at=t,
            data={
                **reply,
                "text": "ratio() divides by the task count; guard the empty case.",
                "tool_calls": [{"id": "c2", "name": "edit", "arguments": {"path": "reports.py"}}],
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["edit", "reports.py"],
            stdout="edited",
            exit_code=0,
            duration_s=0.01,
            started_at=t,
            data={"tool": "edit"},
        ),
        RunEvent(
            run_id=run_id,
            kind="exec",
            command=["bash", "-lc", REPRO],
            stdout="1 passed",
            exit_code=0,
            duration_s=0.7,
            started_at=t,
            data={"tool": "bash"},
        ),
        RunEvent(
            run_id=run_id,
            kind="tool",
            started_at=t,
            data={
                "call_id": "c4",
                "name": "submit",
                "arguments": {"repro": REPRO},
                "result": "submitted",
            },
        ),
        RunEvent(
            run_id=run_id,
            kind="outcome",
            started_at=t,
            data={"outcome": "proposed", "reason": "fails before, passes after"},
        ),
    ]
