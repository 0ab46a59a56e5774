"""The scripted model: a loopback HTTP server that speaks Chat Completions and Messages.

Routes: `POST /v1/chat/completions`, `POST /v1/messages`, `GET /v1/models` (in the shape of the
API whose headers the request carries). Each request is checked the way the real servers
check it (auth header, `anthropic-version`, tool-result pairing...), answered from the
scripts, and recorded in `requests` for tests.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from runner.agents.scripted import anthropic_wire, openai_wire
from runner.agents.scripted.openai_wire import WireError
from runner.agents.scripted.playback import FaultCounter, HttpFault, decide
from runner.agents.scripted.scripts import Script, load_scripts
from runner.agents.scripted.tokens import PromptCache

LOOPBACK = ("127.0.0.1", "::1", "localhost")
AUTH_HEADERS = ("authorization", "x-api-key")


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the server saw it; the auth headers' values are not kept."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: ScriptedModelServer, address: tuple[str, int]) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add about 40 ms to every reply on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and the demo read `requests`, not a log on stderr

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a hang fault): nothing to do

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _record(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() not in AUTH_HEADERS}
        self.server.owner.record(ReceivedRequest(self.command, self.path, headers, body))
        return body

    def _is_anthropic(self) -> bool:
        return "anthropic-version" in self.headers or "x-api-key" in self.headers

    def _key(self, anthropic: bool) -> str | None:
        if anthropic and self.headers.get("x-api-key"):
            return self.headers["x-api-key"]
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() or None if auth.lower().startswith("bearer ") else None

    def _error(self, anthropic: bool, status: int, message: str, **extra: Any) -> None:
        owner = self.server.owner
        rid = owner.request_id()
        headers = {"request-id" if anthropic else "x-request-id": rid, **extra.pop("headers", {})}
        if anthropic:
            self._send(status, anthropic_wire.error_body(status, message, rid), headers)
        else:
            self._send(status, openai_wire.error_body(status, message, **extra), headers)

    def _authorised(self, anthropic: bool) -> bool:
        key = self._key(anthropic)
        wanted = self.server.owner.api_key
        if key is None:
            if anthropic:
                self._error(True, 401, "x-api-key header is required")
            else:
                self._error(
                    False,
                    401,
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                )
            return False
        if wanted is not None and key != wanted:
            if anthropic:
                self._error(True, 401, "invalid x-api-key")
            else:
                shown = key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else "*" * 4
                self._error(
                    False, 401, f"Incorrect API key provided: {shown}.", code="invalid_api_key"
                )
            return False
        return True

    # -- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._record()
        anthropic = self._is_anthropic()
        if self.path.split("?")[0] != "/v1/models":
            self._not_found(anthropic)
            return
        if not self._authorised(anthropic):
            return
        names = self.server.owner.model_names()
        wire = anthropic_wire if anthropic else openai_wire
        self._send(200, wire.models_body(names), self._ids(anthropic))

    def do_POST(self) -> None:
        body = self._record()
        try:
            self._post(body)
        except Exception as exc:  # a request shape the checks missed: say so, do not hang up
            anthropic = self.path.startswith("/v1/messages")
            self._error(anthropic, 500, f"the scripted model failed on this request: {exc!r}")

    def _post(self, body: Any) -> None:
        path = self.path.split("?")[0]
        if path not in ("/v1/chat/completions", "/v1/messages"):
            self._not_found(self._is_anthropic() or path.endswith("/messages"))
            return
        anthropic = path == "/v1/messages"
        if not self._authorised(anthropic):
            return
        if anthropic and "anthropic-version" not in self.headers:
            self._error(True, 400, "anthropic-version: header is required")
            return
        if not isinstance(body, dict):
            self._error(
                anthropic,
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly.)",
            )
            return
        wire = anthropic_wire if anthropic else openai_wire
        try:
            wire.check(body)
        except WireError as exc:
            extra = {} if anthropic else {"param": exc.param}
            self._error(anthropic, exc.status, exc.message, **extra)
            return
        owner = self.server.owner
        if owner.models is not None and body["model"] not in owner.models:
            if anthropic:
                self._error(True, 404, f"model: {body['model']}")
            else:
                text = (
                    f"The model `{body['model']}` does not exist or you do not have access to it."
                )
                self._error(False, 404, text, code="model_not_found")
            return
        self._reply(anthropic, body)

    def _reply(self, anthropic: bool, body: dict[str, Any]) -> None:
        owner = self.server.owner
        wire = anthropic_wire if anthropic else openai_wire
        talk = wire.conversation(body)
        decision = decide(owner.scripts, talk, owner.faults)
        if owner.delay_s:
            time.sleep(owner.delay_s)
        if isinstance(decision, HttpFault):
            self._fault(anthropic, decision)
            return
        started = time.monotonic()
        reply = wire.render(decision, body, talk, owner.cache, owner.serial())
        headers = self._ids(anthropic)
        if not anthropic:
            headers["openai-processing-ms"] = str(int((time.monotonic() - started) * 1000))
        self._send(200, reply, headers)

    def _fault(self, anthropic: bool, fault: HttpFault) -> None:
        if fault.kind == "drop":
            self._drop()
        elif fault.kind == "hang":
            time.sleep(fault.hang_s)
            self._drop()
        elif fault.kind == "http_429":
            message = (
                "Number of request tokens has exceeded your per-minute rate limit"
                if anthropic
                else "Rate limit reached for requests. Please try again in 1s."
            )
            extra: dict[str, Any] = {"headers": {"retry-after": "1"}}
            if not anthropic:
                extra["code"] = "rate_limit_exceeded"
            self._error(anthropic, 429, message, **extra)
        else:
            message = (
                "Internal server error"
                if anthropic
                else "The server had an error while processing your request. Sorry about that!"
            )
            self._error(anthropic, 500, message)

    def _not_found(self, anthropic: bool) -> None:
        if anthropic:
            self._error(True, 404, "Not Found")
        else:
            self._error(False, 404, f"Invalid URL ({self.command} {self.path})")

    def _ids(self, anthropic: bool) -> dict[str, str]:
        return {"request-id" if anthropic else "x-request-id": self.server.owner.request_id()}


class ScriptedModelServer:
    """A scripted model on loopback, answering from the scripts in `scripts_dir`.

    Use as a context manager, or `start()` / `stop()`. `api_key`: when set, only that key is
    accepted (others get the API's 401); else any non-empty key is. `models`: when set, other
    model names get the API's 404; else any name is served.
    """

    def __init__(
        self,
        scripts_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_s: float = 0.0,
        api_key: str | None = None,
        models: Sequence[str] | None = None,
        scripts: list[Script] | None = None,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the scripted model binds loopback only, not {host!r}")
        self.scripts_dir = scripts_dir
        self.scripts = scripts if scripts is not None else load_scripts(scripts_dir)
        self.host, self.port, self.delay_s = host, port, delay_s
        self.api_key = api_key
        self.models = list(models) if models is not None else None
        self.faults = FaultCounter()
        self.cache = PromptCache()
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._serials = itertools.count(1)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- state the handler uses ---------------------------------------------------------------

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)

    def serial(self) -> int:
        with self._lock:
            return next(self._serials)

    def request_id(self) -> str:
        return f"req_011Cscripted{self.serial():012d}"

    def model_names(self) -> list[str]:
        return self.models if self.models is not None else ["scripted"]

    @property
    def requests(self) -> list[Any]:
        """The bodies of the requests received so far, in order (model calls and others)."""
        with self._lock:
            return [r.body for r in self.received]

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        if self._httpd is None:
            self._httpd = _Server(self, (self.host, self.port))
            self.port = self._httpd.server_address[1]
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},  # how soon stop() is noticed
                name="scripted-model",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url
