"""Fixtures shared by every test: a fresh store, on disk or in memory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from store import open_db


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "overnight.db"


@pytest.fixture
def fresh_db(db_path: Path) -> Iterator[sqlite_utils.Database]:
    db = open_db(db_path)
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `overnight demo --no-review` for the session: the demo's night, as a user gets it.
    Read it as it is; a test that changes it works on `copy_demo(demo_night, tmp_path)`."""
    dest = tmp_path_factory.mktemp("demo-night") / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "runner.cli", "demo", "--dir", str(dest), "--no-review"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (dest / "demo.out").write_text(done.stdout)
    return dest


def copy_demo(demo: Path, where: Path) -> Path:
    """A private copy of the demo's night (store, repository, inbox, configuration)."""
    copy = where / "demo"
    shutil.copytree(demo, copy, symlinks=True)
    return copy
