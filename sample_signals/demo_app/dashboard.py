"""The dashboard: widgets from the team's saved layout, and the refresh of its metrics cache."""

from __future__ import annotations

import json
import time

from demo_app import data, settings

CACHE: dict[str, dict] = {}
CACHED_AT: dict[str, float] = {}

# Hooks so tests (and a simulated clock) can drive the wait without sleeping for real.
_clock = time.monotonic
_sleep = time.sleep


def cache_key(team_id: int | str) -> str:
    return f"metrics:{team_id}"


def compute_metrics(team_id: int) -> dict:
    tasks = data.tasks_for(team_id)
    return {
        "open": sum(1 for task in tasks if task["status"] == "open"),
        "velocity": sum(task["points"] for task in tasks if task["status"] == "done"),
    }


def store(key: str, metrics: dict) -> None:
    CACHE[key] = metrics
    CACHED_AT[key] = _clock()


def evict_expired(ttl: float) -> None:
    """Drop entries older than `ttl` seconds, so a refresh recomputes them."""
    now = _clock()
    for key in [key for key, stamp in CACHED_AT.items() if now - stamp > ttl]:
        CACHE.pop(key, None)
        CACHED_AT.pop(key, None)


def warm_all() -> None:
    """Fill the cache for every team, as the server does on start."""
    for team_id in data.TEAMS:
        store(cache_key(team_id), compute_metrics(team_id))


def warm_cache(team: dict) -> None:
    """Compute one team's metrics into the cache (a cold cache: new team, or evicted)."""
    store(cache_key(team["slug"]), compute_metrics(team["id"]))


def refresh(team_id: int, timeout: float | None = None) -> dict:
    """Recompute the team's metrics and wait until the cache holds them."""
    team = data.team(team_id)
    if timeout is None:
        timeout = settings.get_float("dashboard.refresh_timeout", 30.0)
    poll = settings.get_float("dashboard.poll_interval", 0.25)
    evict_expired(settings.get_float("dashboard.cache_ttl", 600.0))
    key = cache_key(team_id)
    if key not in CACHE:
        warm_cache(team)
    deadline = _clock() + timeout
    while (metrics := CACHE.get(key)) is None:
        if _clock() >= deadline:
            raise TimeoutError(
                f"dashboard refresh for team {team_id} timed out after {timeout:.1f}s "
                "waiting for the metrics cache"
            )
        _sleep(poll)
    return metrics


def _velocity(team: dict) -> str:
    return f"Velocity: {compute_metrics(team['id'])['velocity']} points"


def _burn_down(team: dict) -> str:
    tasks = data.tasks_for(team["id"])
    remaining = sum(task["points"] for task in tasks if task["status"] != "done")
    return f"Burn-down: {remaining} points remaining"


def _open_tasks(team: dict) -> str:
    return f"Open tasks: {compute_metrics(team['id'])['open']}"


WIDGETS = {"velocity": _velocity, "burn_down": _burn_down, "open_tasks": _open_tasks}


def load_layout(team: dict) -> list[str]:
    return json.loads(team["layout"])


def render_widget(name: str, team: dict) -> str:
    return WIDGETS[name](team)


def render(team_id: int) -> str:
    team = data.team(team_id)
    return "\n".join(render_widget(name, team) for name in load_layout(team))
