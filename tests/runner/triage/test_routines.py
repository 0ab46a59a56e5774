from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runner.errors import UserError
from runner.routines import default_text, match_routine, parse_routines
from store.issues import Issue

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def issue(**fields: Any) -> Issue:
    base: dict[str, Any] = {
        "id": 1,
        "title": "t",
        "kind": "error",
        "kinds": ["error"],
        "signal_count": 3,
        "routes_seen": ["/reports/summary"],
        "labels": ["env:production"],
        "sources": ["inbox"],
        "first_seen": NOW - timedelta(hours=2),
        "last_seen": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Issue(**(base | fields))


def test_the_shipped_default_is_valid_and_routes_by_kind() -> None:
    routines = parse_routines(default_text())
    assert routines.profiles["local"].network is False
    assert match_routine(routines, issue(kinds=["regression"]), NOW).name == "regressions"  # type: ignore[union-attr]
    assert match_routine(routines, issue(), NOW).name == "recurring-errors"  # type: ignore[union-attr]
    assert match_routine(routines, issue(signal_count=1), NOW).name == "everything-else"  # type: ignore[union-attr]


def test_every_condition_must_hold() -> None:
    routines = parse_routines(
        """
        [profiles.p]
        endpoint = "http://127.0.0.1:1/v1"
        model = "m"
        [[routines]]
        name = "r"
        action = "dispatch"
        profile = "p"
        [routines.match]
        kinds = ["error"]
        sources = ["inbox"]
        routes = ["/reports/*"]
        labels = ["env:production"]
        min_count = 2
        min_age_minutes = 30
        max_age_hours = 24
        """
    )
    assert match_routine(routines, issue(), NOW) is not None
    for changed in (
        {"kinds": ["feedback"]},
        {"sources": ["junit"]},
        {"routes_seen": ["/settings"]},
        {"labels": []},
        {"signal_count": 1},
        {"first_seen": NOW - timedelta(minutes=5)},
        {"last_seen": NOW - timedelta(days=3)},
    ):
        assert match_routine(routines, issue(**changed), NOW) is None, changed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[routines]]\nname = "r"\naction = "dispatch"\n', "needs a 'profile'"),
        ('[[routines]]\nname = "r"\naction = "dispatch"\nprofile = "x"\n', "no profile 'x'"),
        ('[profiles.p]\nendpoint = "e"\nmodel = "m"\nenv = ["A B"]\n', "not variable names"),
        ('[profiles.p]\nendpoint = "e"\nmodel = "m"\nmemory = "lots"\n', "not like 512m"),
        ('[[routines]]\nname = "r"\ncolour = "red"\n', "routines.0.colour"),
    ],
)
def test_mistakes_name_the_key(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_routines(text)
