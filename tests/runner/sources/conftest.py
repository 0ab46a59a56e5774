"""Fixtures for the HTTP sources: a real `overnight serve` subprocess and a way to talk to it."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

OVERNIGHT = [str(Path(sys.executable).with_name("overnight"))]
ROOT = Path(__file__).resolve().parents[3]
DSN_LINE = re.compile(r"http://(?P<key>[^@\s]+)@(?P<host>[^:\s]+):(?P<port>\d+)/(?P<project>\S+)")


@dataclass
class Served:
    """A running `overnight serve`: its DSN parts, store and process."""

    dsn: str
    key: str
    host: str
    port: int
    project: str
    db_path: Path
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def post(
        self,
        body: bytes,
        *,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = "default",
        gzipped: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """POST to the envelope endpoint (or `path`); return the status and the JSON reply."""
        sent = dict(headers or {})
        if key == "default":
            key = self.key
        if key is not None:
            sent["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7"
        if gzipped:
            body = gzip.compress(body)
            sent["Content-Encoding"] = "gzip"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("POST", path or f"/api/{self.project}/envelope/", body, sent)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """What a query of its store returns now (a connection of its own, as a reader)."""
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def rows_when(self, count: int, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """`rows`, once `count` of them are there: what a browser sends arrives in its own
        time (20 s at most)."""
        deadline = time.monotonic() + 20
        while len(found := self.rows(sql, *params)) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} arrived"
            time.sleep(0.1)
        return found


def start_serve(db_path: Path, config: Path | None = None, *extra: str) -> Served:
    """Run `overnight serve --port 0` and wait for its DSN line."""
    stderr_path = db_path.with_suffix(".serve.log")
    args = [*OVERNIGHT, "--db", str(db_path)]
    if config:
        args += ["--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("OVERNIGHT_INGEST_KEY", None)
    process = subprocess.Popen(
        [*args, "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=stderr_path.open("wb"),
        env=env,
        cwd=db_path.parent,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    line = b""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if match := DSN_LINE.search(line.decode()):
            return Served(
                dsn=match[0],
                key=match["key"],
                host=match["host"],
                port=int(match["port"]),
                project=match["project"],
                db_path=db_path,
                process=process,
                stderr_path=stderr_path,
            )
    process.kill()
    raise AssertionError(f"no DSN line from overnight serve: {stderr_path.read_text()}")


def stop_serve(served: Served) -> int:
    """SIGTERM, as a service manager would; return the exit code."""
    served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(timeout=15)
    finally:
        if served.process.poll() is None:
            served.process.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One endpoint per test module, with small caps so 413s are cheap to provoke."""
    folder = tmp_path_factory.mktemp("serve")
    config = folder / "overnight.toml"
    config.write_text(
        '[serve]\nproject = "42"\nmax_body_bytes = 262144\nmax_inflated_bytes = 1048576\n'
    )
    running = start_serve(folder / "overnight.db", config)
    yield running
    assert stop_serve(running) == 0, running.stderr_path.read_text()


def envelope(*items: tuple[dict[str, Any], bytes], header: dict[str, Any] | None = None) -> bytes:
    """An envelope of `(item header, payload)` pairs; `length` is filled in."""
    lines = [json.dumps(header if header is not None else {"event_id": uuid.uuid4().hex}).encode()]
    for item_header, payload in items:
        lines.append(json.dumps({**item_header, "length": len(payload)}).encode())
        lines.append(payload)
    return b"\n".join(lines) + b"\n"


def event_item(event_id: str | None = None, **fields: Any) -> tuple[dict[str, Any], bytes]:
    """A valid `event` item: an exception with one in-app frame."""
    event = {
        "event_id": event_id or uuid.uuid4().hex,
        "level": "error",
        "platform": "python",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "bad input",
                    "stacktrace": {
                        "frames": [{"filename": "app.py", "function": "handle", "in_app": True}]
                    },
                }
            ]
        },
        **fields,
    }
    return {"type": "event", "content_type": "application/json"}, json.dumps(event).encode()


class Tools:
    """The helpers above, as a fixture: test modules cannot import conftest under importlib mode."""

    overnight = OVERNIGHT
    start_serve = staticmethod(start_serve)
    stop_serve = staticmethod(stop_serve)
    envelope = staticmethod(envelope)
    event_item = staticmethod(event_item)


@pytest.fixture(scope="session")
def tools() -> type[Tools]:
    return Tools
