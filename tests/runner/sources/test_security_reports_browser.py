"""A real browser's security reports reach `overnight serve`, and group as Sentry groups them.

Chromium (headless) loads a page whose Content-Security-Policy blocks an image, a remote
script and an inline script, and names the endpoint's security address as its `report-uri`,
as a developer would set it; what the browser POSTs is what is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.triage.engine import triage_pending
from store import open_db
from store.issues import home_issue_ids
from tests.runner.sources.browser import pages, visit

PAGE = (
    b'<html><body><img src="https://pixel.trackr.example/p.gif">'
    b'<script src="https://cdn.evil.example/x.js"></script>'
    b'<script>document.title = "inline ran"</script></body></html>'
)
# What Chromium reports of each, worded as Relay words it. Chromium names an inline script's
# directive `script-src-elem` with the blocked URI `inline`; Relay reads the `inline` marker
# only under `script-src`, so Sentry titles it from the URI `inline:`, and so does Overnight.
TITLES = {
    "Blocked 'image' from 'pixel.trackr.example'",
    "Blocked 'script' from 'cdn.evil.example'",
    "Blocked 'script' from 'inline:'",
}


@pytest.fixture(scope="module")
def site(served: Any) -> Iterator[str]:
    """Pages (at any path) that report their CSP violations to the endpoint, with a release."""
    report_uri = (
        f"http://{served.host}:{served.port}/api/{served.project}/security/"
        f"?sentry_key={served.key}&sentry_release=web%401.0"
    )
    policy = {"Content-Security-Policy": f"default-src 'self'; report-uri {report_uri}"}
    with pages(lambda _path: (PAGE, "text/html; charset=utf-8", policy)) as base:
        yield base


def reports(served: Any, route: str, count: int) -> list[tuple[str, str, str]]:
    """(id, title, release) of the reports stored from the page at `route`, once `count` have
    arrived: the browser sends them as it meets each violation, some after the page is read."""
    sql = "SELECT id, title, json_extract(envelope, '$.release') FROM signals WHERE route = ?"
    return served.rows_when(count, sql, route)


def test_a_browsers_csp_reports_are_stored_as_the_events_relay_makes(
    served: Any, site: str, tmp_path: Path
) -> None:
    visit(f"{site}/boards/7", tmp_path / "profile")
    found = reports(served, "/boards/7", 3)
    assert {title for _id, title, _release in found} == TITLES
    assert {release for *_rest, release in found} == {"web@1.0"}


def test_two_visitors_reports_of_each_violation_are_one_issue(
    served: Any, site: str, tmp_path: Path
) -> None:
    visit(f"{site}/boards/8", tmp_path / "first")
    visit(f"{site}/boards/8", tmp_path / "second")
    found = reports(served, "/boards/8", 6)
    assert len(found) == 6  # one signal per report: the same violations, counted twice
    db = open_db(served.db_path)
    try:
        triage_pending(db)
        homes = home_issue_ids(db, {signal_id for signal_id, _t, _r in found})
    finally:
        db.close()
    by_title: dict[str, set[int]] = {}
    for signal_id, title, _release in found:
        by_title.setdefault(title, set()).add(homes[signal_id])
    # Each violation is one issue of both visits' reports, and the three are three issues,
    # none proposed as a look-alike of another (they block other things).
    assert set(by_title) == TITLES and all(len(issues) == 1 for issues in by_title.values())
    assert len(set().union(*by_title.values())) == 3
    assert served.rows("SELECT COUNT(*) FROM links WHERE state = 'proposed'") == [(0,)]
