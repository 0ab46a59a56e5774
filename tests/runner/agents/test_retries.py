"""Retries and errors over real sockets: Retry-After, 5xx, dropped connections, timeouts, and
the one-line errors for a refused key, a wrong URL and nothing listening. The key never shows."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runner.agents.models import (
    Endpoint,
    ModelAuthError,
    ModelBadRequest,
    ModelNotFound,
    ModelUnavailable,
    ToolResult,
    UserMessage,
    open_model,
)
from runner.agents.scripted import ScriptedModelServer
from tests.runner.agents.support import ENVIRON, KEY_ENV, SECRET, TOOLS, MakeEndpoint


def _ask(endpoint: Endpoint, task: str) -> str | None:
    return open_model(endpoint, environ=ENVIRON).complete("", [UserMessage(text=task)], TOOLS).text


def _posts(server: ScriptedModelServer) -> int:
    return sum(1 for r in server.received if r.method == "POST")


def _no_secret(exc: BaseException) -> None:
    assert SECRET not in str(exc) and SECRET not in repr(exc)


def test_a_429_waits_as_long_as_retry_after_says(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    started = time.monotonic()
    reply = model.complete("", [UserMessage(text="TASK-429")], TOOLS)
    waited = time.monotonic() - started
    assert reply.text == "Served after one 429." and reply.attempts == 2
    assert waited >= 1.0  # the header said 1 s; the backoff alone would be 0.01 s
    assert _posts(server) == 2


@pytest.mark.parametrize(
    ("task", "attempts"),
    [("TASK-500", 3), ("TASK-DROP", 2)],
)
def test_a_5xx_or_a_dropped_connection_is_retried(
    server: ScriptedModelServer, endpoint: MakeEndpoint, task: str, attempts: int
) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    reply = model.complete("", [UserMessage(text=task)], TOOLS)
    assert reply.text and reply.text.startswith("Served after")
    assert reply.attempts == attempts == _posts(server)


def test_a_timeout_is_retried(server: ScriptedModelServer, endpoint: MakeEndpoint) -> None:
    reply = open_model(endpoint(timeout_s=0.3), environ=ENVIRON).complete(
        "", [UserMessage(text="TASK-HANG")], TOOLS
    )
    assert reply.text == "Served after a timeout." and reply.attempts == 2


def test_retries_run_out_with_a_clear_reason(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    with pytest.raises(ModelUnavailable) as caught:
        _ask(endpoint(max_retries=2), "TASK-DOWN")
    reason = caught.value.reason
    path = "/v1/chat/completions" if protocol == "openai" else "/v1/messages"
    assert f"{server.url}{path} answered 500" in reason
    assert "gave up after 3 attempts" in reason and caught.value.status == 500
    assert _posts(server) == 3


def test_a_refused_key_fails_at_once_naming_the_variable(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    server.api_key = "another-key"
    with pytest.raises(ModelAuthError) as caught:
        _ask(endpoint(), "TASK-FIX")
    assert caught.value.status == 401 and f"${KEY_ENV}" in caught.value.reason
    assert _posts(server) == 1
    _no_secret(caught.value)


def test_a_missing_variable_is_named_not_read(endpoint: MakeEndpoint) -> None:
    with pytest.raises(ModelAuthError) as caught:
        open_model(endpoint(), environ={})
    assert KEY_ENV in caught.value.reason and "not set" in caught.value.reason


def test_a_wrong_base_url_is_a_404_naming_the_url(
    server: ScriptedModelServer, endpoint: MakeEndpoint, protocol: str
) -> None:
    wrong = server.url if protocol == "openai" else f"{server.url}/api"
    with pytest.raises(ModelNotFound) as caught:
        _ask(endpoint(base_url=wrong), "TASK-FIX")
    assert caught.value.status == 404 and f"nothing at {wrong}" in caught.value.reason
    assert "check base_url" in caught.value.reason
    assert _posts(server) == 1


def test_an_unknown_model_is_a_404_naming_the_model(
    server: ScriptedModelServer, endpoint: MakeEndpoint
) -> None:
    server.models = ["scripted"]
    with pytest.raises(ModelNotFound) as caught:
        _ask(endpoint(model="gpt-nope"), "TASK-FIX")
    assert "does not know the model 'gpt-nope'" in caught.value.reason


def test_nothing_listening_is_unavailable(endpoint: MakeEndpoint) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ModelUnavailable) as caught:
        _ask(endpoint(base_url=f"http://127.0.0.1:{port}", max_retries=1), "x")
    assert f"127.0.0.1:{port}" in caught.value.reason and "refused" in caught.value.reason
    assert "gave up after 2 attempts" in caught.value.reason and caught.value.status is None


def test_a_host_that_does_not_resolve_is_unavailable(endpoint: MakeEndpoint) -> None:
    with pytest.raises(ModelUnavailable) as caught:
        _ask(endpoint(base_url="http://no-such-host.invalid", max_retries=0), "x")
    assert "no-such-host.invalid" in caught.value.reason
    assert "does not resolve" in caught.value.reason and "after 1 attempt)" in caught.value.reason


class _EchoKey(BaseHTTPRequestHandler):
    """A server that quotes the key back in its 400, as careless proxies do."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers.get("authorization") or self.headers.get("x-api-key")
        data = json.dumps({"error": {"message": f"bad request from {key}", "type": "x"}}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoKey)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_400_quoting_the_key_is_redacted(echo_url: str, endpoint: MakeEndpoint) -> None:
    with pytest.raises(ModelBadRequest) as caught:
        _ask(endpoint(base_url=echo_url), "TASK-FIX")
    assert caught.value.status == 400 and "[key redacted]" in caught.value.reason
    _no_secret(caught.value)


def test_a_bad_request_is_not_retried(server: ScriptedModelServer, endpoint: MakeEndpoint) -> None:
    model = open_model(endpoint(), environ=ENVIRON)
    orphan = ToolResult(call_id="c1", name="bash", content="")  # answers no call: a 400
    with pytest.raises(ModelBadRequest) as caught:
        model.complete("", [UserMessage(text="x"), orphan], [])
    assert caught.value.status == 400 and "rejected the request (400" in caught.value.reason
    assert "tool" in caught.value.reason
    assert _posts(server) == 1
