"""The Sentry-compatible ingest endpoint: stdlib HTTP in front of one group-committing writer.

Real Sentry SDKs send to `http://KEY@HOST:PORT/PROJECT`; see `sentry_request.py` for what each
request gets. Threads: `ThreadingHTTPServer` gives each connection a thread (keep-alive, so an
SDK reuses it); every request hands its signals to the single writer thread and waits. The writer
commits whatever has queued up in one transaction (group commit), so many concurrent requests
cost one SQLite commit, and a request is answered 200 only after its rows are committed.
"""

from __future__ import annotations

import json
import queue
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlite_utils

from runner.ingest import IngestReport, split
from runner.sources import Parsed
from runner.sources.http_body import BodyError, read_chunked
from runner.sources.sentry_request import Limits, Verdict, admit, error, judge
from store import open_db

# Browsers may send to the endpoint from any page (a browser SDK in the application being
# developed): CORS as Relay answers it. The key is still checked on every POST.
CORS_REPLY = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "x-sentry-error, x-sentry-rate-limits, retry-after",
}
CORS_PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": (
        "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, "
        "content-type, authentication, authorization, content-encoding, transfer-encoding"
    ),
    "Access-Control-Max-Age": "3600",
}
MAX_BATCH = 1_000
IDLE_TIMEOUT_S = 30
LINGER_S = 2.0
UNDECLARED_LINGER_BYTES = 1_048_576
"""How much of a refused chunked body is read before closing, so the reply arrives."""
_QUERY_KEY = re.compile(r"(sentry_key=)[^&\s]*", re.I)
"""The key a browser (or an old SDK) sends in the query: never written to the log."""


@dataclass
class Stats:
    """Counts since start, for the summary printed on stop."""

    requests: int = 0
    stored: int = 0
    already_stored: int = 0
    rejected: int = 0
    ignored_items: int = 0
    failed_writes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class _Job:
    __slots__ = ("done", "error", "items")

    def __init__(self, items: list[Parsed]) -> None:
        self.items = items
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupWriter:
    """The one thread that writes to SQLite; callers block in `write` until committed."""

    def __init__(self, db_path: Path | str, stats: Stats) -> None:
        self._db_path = db_path
        self._stats = stats
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="overnight-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    def write(self, items: list[Parsed]) -> None:
        """Store signals and rejections; return once committed, raise if the write failed."""
        job = _Job(items)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error

    def stop(self) -> None:
        """Finish what is queued, then close the store."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            db = open_db(self._db_path)
        except BaseException as exc:
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            stopping = False
            while not stopping:
                job = self._queue.get()
                if job is None:
                    break
                batch = [job]
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stopping = True
                        break
                    batch.append(more)
                self._commit(db, batch)
        finally:
            db.close()

    def _commit(self, db: sqlite_utils.Database, batch: list[_Job]) -> None:
        try:
            self._store(db, [item for job in batch for item in job.items])
        except Exception:
            if len(batch) == 1:
                batch[0].error = sys.exc_info()[1]
                self._stats.add(failed_writes=1)
            else:
                # One poisoned request must not fail its neighbours: retry each alone.
                for job in batch:
                    self._commit(db, [job])
                return
        for job in batch:
            job.done.set()

    def _store(self, db: sqlite_utils.Database, items: list[Parsed]) -> None:
        # Without features: a Sentry event's (its grouping variants) cost about as much as
        # parsing its envelope, and with them the endpoint fell under its 1,000 envelopes/s on
        # a busy host; triage computes them.
        report = IngestReport()
        report.record(db, split(items, with_features=False))
        self._stats.add(
            stored=report.new, already_stored=report.already_stored, rejected=report.rejected
        )


class EndpointServer(ThreadingHTTPServer):
    """The HTTP server, carrying what its handlers need."""

    daemon_threads = True
    limits: Limits
    writer: GroupWriter
    stats: Stats
    verbose: bool = False
    active: int = 0
    active_lock: threading.Lock


class EndpointServer6(EndpointServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: an SDK sends many envelopes on one connection
    server_version = "overnight"
    timeout = IDLE_TIMEOUT_S
    server: EndpointServer

    def setup(self) -> None:
        super().setup()
        self._linger = 0
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        with self.server.active_lock:
            self.server.active += 1
        try:
            self._post()
        except Exception as exc:  # a bug must cost one request, never the server
            print(f"overnight serve: internal error: {exc!r}", file=sys.stderr, flush=True)
            self._reply(error(500, "internal error; the body was not stored"), close=True)
        finally:
            with self.server.active_lock:
                self.server.active -= 1

    def do_GET(self) -> None:
        self._reply(error(405, "the Sentry ingest endpoint takes POST"))

    do_PUT = do_DELETE = do_PATCH = do_GET

    def do_OPTIONS(self) -> None:
        """A browser's preflight before a browser SDK's POST: allowed as Relay allows it."""
        self.send_response(200)
        for name, value in CORS_PREFLIGHT.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def handle_expect_100(self) -> bool:
        """Refuse an over-size body before the client sends it, instead of inviting it."""
        declared = self.headers.get("Content-Length", "")
        limit = self.server.limits.max_body_bytes
        if declared.isdigit() and int(declared) > limit:
            message = f"request body is larger than the {limit:,}-byte limit"
            self._reply(error(413, message), close=True)
            return False
        return super().handle_expect_100()

    def _post(self) -> None:
        server = self.server
        server.stats.add(requests=1)
        headers = {name.lower(): value for name, value in self.headers.items()}
        admitted = admit(server.limits, self.path, headers)
        if isinstance(admitted, Verdict):
            # Not a byte of a body sent with a wrong key is read (it may be megabytes).
            declared = headers.get("content-length", "")
            self._linger = int(declared) if declared.isdigit() else UNDECLARED_LINGER_BYTES
            self._reply(admitted, close=True)
            return
        try:
            raw = self._read_body(headers, server.limits.max_body_bytes)
        except BodyError as exc:
            self._reply(error(exc.status, str(exc)), close=True)
            return
        verdict = judge(server.limits, admitted, self.path, headers, raw, self.client_address[0])
        if verdict.store:
            try:
                server.writer.write(verdict.store)
            except Exception as exc:
                print(f"overnight serve: store failed: {exc!r}", file=sys.stderr, flush=True)
                verdict = error(503, "could not store the body; try again later")
                self._reply(verdict, extra={"Retry-After": "5"})
                return
        server.stats.add(ignored_items=verdict.ignored_items)
        self._reply(verdict)

    def _read_body(self, headers: dict[str, str], limit: int) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return read_chunked(self.rfile, limit)
        declared = headers.get("content-length")
        if declared is None:
            raise BodyError(411, "send Content-Length or Transfer-Encoding: chunked")
        try:
            length = int(declared)
        except ValueError as exc:
            raise BodyError(400, "Content-Length is not a number") from exc
        if length < 0:
            raise BodyError(400, "Content-Length is negative")
        if length > limit:
            self._linger = length
            raise BodyError(413, f"request body is larger than the {limit:,}-byte limit")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BodyError(400, "the connection closed before the whole body arrived")
        return body

    def _reply(
        self, verdict: Verdict, *, close: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        body = verdict.body
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(verdict.status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if "Origin" in self.headers:
            for name, value in CORS_REPLY.items():
                self.send_header(name, value)
        message = body.get("error") if body is not None else None
        if verdict.status >= 400 and isinstance(message, str):
            # What SDKs log of a refusal (a header is Latin-1: anything else is replaced).
            self.send_header("X-Sentry-Error", message.encode("ascii", "replace").decode()[:500])
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        linger = getattr(self, "_linger", 0)
        if linger:
            self._discard(linger)

    def _discard(self, length: int) -> None:
        """After refusing an unread body, read a bounded amount of it before closing.

        Closing a socket with unread data makes the kernel send a reset, which can destroy the
        413 reply before the client reads it; a short lingering read lets the reply arrive.
        """
        deadline = time.monotonic() + LINGER_S
        self.connection.settimeout(0.2)
        remaining = min(length, 64 * 1024 * 1024)
        try:
            while remaining > 0 and time.monotonic() < deadline:
                chunk = self.connection.recv(min(remaining, 256 * 1024))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = int(code) if str(code).isdigit() else 0
        if self.server.verbose or status >= 400:
            line = _QUERY_KEY.sub(r"\1[Filtered]", self.requestline[:200])
            self.log_message('"%s" %s', line, str(code))

    def log_message(self, format: str, *args: Any) -> None:
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)


def make_server(
    host: str, port: int, limits: Limits, db_path: Path | str, *, verbose: bool = False
) -> EndpointServer:
    """Bind the endpoint and start its writer; raise OSError when the address is unavailable."""
    cls = EndpointServer6 if ":" in host else EndpointServer
    stats = Stats()
    writer = GroupWriter(db_path, stats)
    server = cls((host, port), _Handler)
    server.limits, server.writer, server.stats, server.verbose = limits, writer, stats, verbose
    server.active_lock = threading.Lock()
    try:
        writer.start()
    except BaseException:
        server.server_close()
        raise
    return server


def stop_server(server: EndpointServer, grace_s: float = 10.0) -> None:
    """Stop accepting, let requests in flight finish (bounded), then drain the writer."""
    server.shutdown()
    server.server_close()
    deadline = time.monotonic() + grace_s
    while server.active and time.monotonic() < deadline:
        time.sleep(0.02)
    server.writer.stop()
