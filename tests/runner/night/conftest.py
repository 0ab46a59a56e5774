"""A real night for one issue at a time: the demo application in a fresh git repository, a
store on disk, real Podman, and the scripted model playing `tests/fixtures/agent_scripts`.

    proposal = case.dispatch("OVERNIGHT-PROBE-STUCK something")
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runner.config import load_config
from runner.dispatch import request_dispatch
from runner.git import Author, init_repository
from runner.night.night import night_session, run_dispatches, run_night
from runner.routines import load_routines
from store import open_db
from store.issues import Issue, insert_issues, next_issue_id
from store.night import list_dispatches
from store.review import Proposal, list_proposals
from store.runs import RunEvent, list_events

ROOT = Path(__file__).resolve().parents[3]
DEMO_SCRIPTS = ROOT / "sample_signals" / "agent_scripts"
DEMO_APP = ROOT / "sample_signals" / "demo_app"
TEST_SCRIPTS = ROOT / "tests" / "fixtures" / "agent_scripts"
MODEL_KEY = "sk-test-SECRET-123"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_case(
    root: Path,
    *,
    scripts: Path = TEST_SCRIPTS,
    profile: str = "",
    night: str = "",
    model: str = "",
    protocol: str = "openai",
) -> Path:
    """A demo repository, routines and overnight.toml under `root`; returns the config."""
    init_repository(
        DEMO_APP,
        root / "teamboard",
        branch="main",
        author=Author("Teamboard Developers", "dev@teamboard.example"),
        message="Teamboard 1.4.2",
    )
    port = free_port()
    (root / "routines.toml").write_text(
        f"""
[profiles.test]
protocol = "{protocol}"
endpoint = "http://127.0.0.1:{port}{"/v1" if protocol == "openai" else ""}"
model = "overnight-scripted"
api_key_env = "OVERNIGHT_TEST_MODEL_KEY"
max_steps = 30
max_minutes = 5
{profile}

[[routines]]
name = "everything"
action = "dispatch"
profile = "test"
""",
        encoding="utf-8",
    )
    config = root / "overnight.toml"
    config.write_text(
        f"""
[store]
path = "overnight.db"

[triage]
routines = "routines.toml"

[containers.limits]
memory_mb = 1024
pids = 256

[night]
repository = "teamboard"
{night}

[night.scripted_model]
scripts = "{scripts}"
port = {port}
{model}
""",
        encoding="utf-8",
    )
    return config


@dataclass
class Case:
    root: Path
    config_file: Path
    environ: dict[str, str] = field(default_factory=lambda: {"OVERNIGHT_TEST_MODEL_KEY": MODEL_KEY})

    @property
    def config(self) -> Any:
        return load_config(self.config_file)[0]

    @property
    def db_path(self) -> Path:
        return self.root / "overnight.db"

    @property
    def repo(self) -> Path:
        return self.root / "teamboard"

    def issue(self, title: str, **fields: Any) -> int:
        db = open_db(self.db_path)
        issue_id = next_issue_id(db)
        values: dict[str, Any] = {
            "id": issue_id,
            "title": title,
            "kind": "error",
            "lane": "dispatchable",
            "error_type": "ProbeError",
            "signal_count": 2,
            "kinds": ["error"],
            "first_seen": NOW,
            "last_seen": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            **fields,
        }
        with db.conn:
            insert_issues(db, [Issue(**values)])
        db.close()
        return issue_id

    def run_queued(self, stop: threading.Event | None = None) -> list[str]:
        said: list[str] = []
        with night_session(
            self.db_path,
            self.config,
            load_routines(self.root / "routines.toml"),
            self.root,
            report=said.append,
            stop=stop,
            environ=self.environ,
            as_night=False,
        ) as night:
            run_dispatches(night, list_dispatches(night.db, state="queued"), 4)
        return said

    def night(self) -> Any:
        """One whole night (`run_night`), as `overnight run --once` does it; its funnel."""
        return run_night(
            self.db_path,
            self.config,
            load_routines(self.root / "routines.toml"),
            self.root,
            self.config_file,
            report=lambda _line: None,
            environ=self.environ,
        )

    def proposals(self, issue_id: int | None = None) -> list[Proposal]:
        db = open_db(self.db_path)
        try:
            return list_proposals(db, issue_id=issue_id)
        finally:
            db.close()

    def dispatch(self, title: str, **fields: Any) -> Proposal:
        issue_id = self.issue(title, **fields)
        db = open_db(self.db_path)
        request_dispatch(db, issue_id)
        db.close()
        self.run_queued()
        db = open_db(self.db_path)
        found = list_proposals(db, issue_id=issue_id)
        db.close()
        assert len(found) == 1, found
        return found[0]

    def events(self, run_id: str) -> list[RunEvent]:
        db = open_db(self.db_path)
        try:
            return list_events(db, run_id)
        finally:
            db.close()


@pytest.fixture
def make_case(tmp_path: Path) -> Callable[..., Case]:
    def make(**options: Any) -> Case:
        root = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
        root.mkdir()
        return Case(root, write_case(root, **options))

    return make


@pytest.fixture
def demo_scripts() -> Path:
    return DEMO_SCRIPTS


@pytest.fixture
def case(make_case: Callable[..., Case]) -> Case:
    return make_case()
