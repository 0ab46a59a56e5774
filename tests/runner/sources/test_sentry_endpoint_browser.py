"""The real `@sentry/browser`, in real browsers, sends its errors to `overnight serve`.

`browser_app/` is what a developer ships: the SDK from the npm registry (its version pinned by
the lock file), bundled by esbuild with two faults of the application's own. Chromium, and
Firefox for one test, load the page from another origin than the endpoint's, as a browser SDK
always sends (CORS), and the SDK authenticates in the query, as browsers must. What is stored,
and how the visits group, is what a person would see from their own users' browsers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from runner.triage.engine import triage_pending
from store import open_db
from store.issues import home_issue_ids
from store.signal import Signal
from tests.runner.sources.browser import open_in_firefox, pages, visit

APP = Path(__file__).resolve().parent / "browser_app"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """`browser_app/app.js` with the SDK, bundled as a developer's build would make it."""
    npm = shutil.which("npm")
    assert npm, "npm is not installed: ./.ci/test installs it (apt-get install npm)"
    work = tmp_path_factory.mktemp("browser_app")
    for name in ("package.json", "package-lock.json", "app.js"):
        shutil.copy(APP / name, work / name)
    quiet = ["--silent", "--no-audit", "--no-fund"]
    subprocess.run([npm, "ci", *quiet], cwd=work, check=True, capture_output=True, timeout=300)
    esbuild = work / "node_modules" / ".bin" / "esbuild"
    build = [str(esbuild), "app.js", "--bundle", "--outfile=bundle.js", "--log-level=warning"]
    subprocess.run(build, cwd=work, check=True, capture_output=True, timeout=120)
    return (work / "bundle.js").read_bytes()


@pytest.fixture(scope="module")
def site(served: Any, bundle: bytes) -> Iterator[str]:
    """The application's pages, each loading the bundle with the endpoint's DSN and the
    release its `release` query names."""

    def respond(path: str) -> tuple[bytes, str, dict[str, str]]:
        if path.startswith("/static/"):
            return bundle, "text/javascript", {}
        [release] = parse_qs(urlsplit(path).query)["release"]
        page = (
            f"<html><head><script>window.OVERNIGHT_DSN = {json.dumps(served.dsn)};"
            f"window.OVERNIGHT_RELEASE = {json.dumps(release)};</script>"
            '<script src="/static/bundle.js"></script></head><body>Teamboard</body></html>'
        )
        return page.encode(), "text/html; charset=utf-8", {}

    with pages(respond) as base:
        yield base


def events(served: Any, release: str, count: int) -> list[Signal]:
    """The SDK's events of `release`, once `count` have arrived (it sends each after the page
    has thrown, while the browser still runs)."""
    sql = "SELECT envelope FROM signals WHERE json_extract(envelope, '$.release') = ?"
    found = served.rows_when(count, sql, release)
    return [Signal.model_validate_json(envelope) for (envelope,) in found]


def triaged_homes(served: Any, signals: list[Signal]) -> dict[str, int]:
    """Triage the endpoint's store; each signal's issue."""
    db = open_db(served.db_path)
    try:
        triage_pending(db)
        return home_issue_ids(db, {signal.id for signal in signals})
    finally:
        db.close()


def test_the_browser_sdks_error_is_stored_with_its_page_and_stack(
    served: Any, site: str, tmp_path: Path
) -> None:
    visit(f"{site}/boards/3?release=web%402.0", tmp_path / "visitor")
    [signal] = events(served, "web@2.0", 1)
    assert signal.kind == "error" and signal.platform == "javascript"
    assert signal.title == "TypeError: Cannot read properties of undefined (reading 'map')"
    assert (signal.route, signal.environment) == ("/boards/3", "production")
    assert signal.error is not None
    crashed = signal.error.frames[-1]  # Sentry's order: the crashing frame last
    assert crashed.function == "renderBoard"
    assert crashed.file == f"{site}/static/bundle.js"  # served, not a path on a disk


def test_one_fault_met_on_two_pages_is_one_issue_and_another_fault_is_not(
    served: Any, site: str, tmp_path: Path
) -> None:
    visits = ["/boards/4?", "/boards/5?", "/settings?fault=prefs&"]
    for number, page in enumerate(visits):
        visit(f"{site}{page}release=web%402.1", tmp_path / f"visitor-{number}")
    found = events(served, "web@2.1", 3)
    homes = triaged_homes(served, found)
    by_route = {signal.route: homes[signal.id] for signal in found}
    assert by_route["/boards/4"] == by_route["/boards/5"]  # the same stack, another board
    assert by_route["/settings"] != by_route["/boards/4"]  # a JSON parse error elsewhere


def test_one_fault_in_chromium_and_in_firefox_is_one_issue_whatever_each_says(
    served: Any, site: str, tmp_path: Path
) -> None:
    visit(f"{site}/boards/10?release=web%402.3", tmp_path / "chromium")
    with open_in_firefox(f"{site}/boards/11?release=web%402.3", tmp_path / "firefox"):
        found = events(served, "web@2.3", 2)
    # Each browser words the fault its own way; the stack is the same code.
    assert {signal.title for signal in found} == {
        "TypeError: Cannot read properties of undefined (reading 'map')",
        'TypeError: can\'t access property "map", board.columns is undefined',
    }
    homes = triaged_homes(served, found)
    assert len(set(homes.values())) == 1


def test_what_the_person_writes_about_the_error_joins_its_issue(
    served: Any, site: str, tmp_path: Path
) -> None:
    words = "The board went blank when I opened it"
    query = "release=web%402.2&feedback=" + quote(words)
    visit(f"{site}/boards/6?{query}", tmp_path / "visitor")
    found = events(served, "web@2.2", 2)
    [error] = [s for s in found if s.kind == "error"]
    [feedback] = [s for s in found if s.kind == "feedback"]
    assert feedback.text == words
    # The SDK names the event the person saw (`associated_event_id`): a second signal.
    assert feedback.contexts["feedback"]["associated_event_id"].replace("-", "") == error.id
    homes = triaged_homes(served, [error, feedback])
    assert homes[feedback.id] == homes[error.id]
