"""Builders for triage tests: signals in the envelope's shape, stored in a real store."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlite_utils

from runner.ingest import store_parsed
from runner.sources.records import parse_record
from store.signal import Signal


def make_signal(**fields: Any) -> Signal:
    """An Overnight envelope through the real parser; defaults to an error on /dashboard."""
    record: dict[str, Any] = {"kind": "error", "route": "/dashboard"} | fields
    return parse_record(record, json.dumps(record, sort_keys=True), "test")


def crash(
    message: str = "division by zero",
    *,
    type_: str = "ZeroDivisionError",
    file: str = "app/reports.py",
    function: str = "ratio",
    line: int = 40,
    route: str = "/dashboard",
    user: str = "u1",
    **extra: Any,
) -> Signal:
    """An error with one in-app frame under the caller's frame."""
    module = file.removesuffix(".py").replace("/", ".")
    frames = [
        {
            "file": "app/views.py",
            "module": "app.views",
            "function": "handle",
            "line": 10,
            "in_app": True,
        },
        {"file": file, "module": module, "function": function, "line": line, "in_app": True},
    ]
    return make_signal(
        route=route,
        actor={"id": user},
        error={"type": type_, "message": message, "frames": frames},
        **extra,
    )


def feedback(text: str, route: str | None = "/dashboard", user: str = "f1") -> Signal:
    return make_signal(kind="feedback", route=route, text=text, actor={"id": user})


@pytest.fixture
def store_signals(fresh_db: sqlite_utils.Database) -> Callable[..., None]:
    def store(*signals: Signal) -> None:
        store_parsed(fresh_db, list(signals))

    return store
