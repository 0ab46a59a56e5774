"""Fixtures shared by every test: a fresh store, on disk or in memory."""

from __future__ import annotations

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
