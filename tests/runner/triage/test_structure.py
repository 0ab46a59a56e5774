from __future__ import annotations

from runner.triage.structure import normalise_route, score, structure

from .conftest import crash, feedback


def test_routes_lose_hosts_queries_and_ids_but_keep_slugs() -> None:
    assert normalise_route("https://x.io/api/orders/123?x=1") == "/api/orders/:id"
    assert normalise_route("/users/3f2a9c7e-1b2c-4d5e-8f90-123456789abc/edit") == "/users/:id/edit"
    assert normalise_route("/reports/q3-summary/") == "/reports/q3-summary"
    assert normalise_route(None) is None


def test_the_same_place_and_fault_agree() -> None:
    a, b = structure(crash(line=1)), structure(crash(line=99, route="/dashboard?team=4"))
    assert score(a, b) == 1.0


def test_one_of_location_type_or_frame_differing_stays_under_the_threshold() -> None:
    base = structure(crash())
    assert score(base, structure(crash(route="/reports"))) < 0.8
    assert score(base, structure(crash(type_="KeyError"))) < 0.8
    assert score(base, structure(crash(function="average"))) < 0.8


def test_feedback_is_compared_on_place() -> None:
    error = structure(crash(route="/dashboard/refresh"))
    assert score(structure(feedback("x", route="/dashboard/refresh")), error) >= 0.8
    assert score(structure(feedback("x", route="/settings")), error) < 0.8
    assert score(structure(feedback("x", route=None)), error) < 0.8
