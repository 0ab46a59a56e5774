"""One JSON POST to a model endpoint, with retries, backoff and errors a person can act on.

Both clients share this: it knows HTTP statuses, Retry-After and dropped connections, and
nothing of either API's bodies beyond where their error message sits.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from runner.agents.models.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelNotFound,
    ModelUnavailable,
    redact,
)
from runner.agents.models.settings import Endpoint
from runner.agents.models.types import ModelReply, StopReason, ToolCall, Usage

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


@dataclass(frozen=True)
class Exchange:
    """A successful request: the reply's body and headers, timing and attempts."""

    body: dict[str, Any]
    headers: httpx.Headers
    latency_s: float
    attempts: int


def error_message(response: httpx.Response) -> str:
    """The server's own words from an error reply of either API, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            kind = err.get("type") or err.get("code")
            return f"{err['message']}" + (f" ({kind})" if isinstance(kind, str) else "")
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):  # vLLM's older flat error body
            return str(body["message"])
    return json.dumps(body)[:300]


def retry_after_s(headers: httpx.Headers, cap_s: float) -> float | None:
    """The wait a server asked for (`retry-after-ms`, then `retry-after` as seconds or an HTTP
    date), capped at `cap_s`; None when it asked for none or for a wait not above 0."""
    wait: float | None = None
    if ms := headers.get("retry-after-ms"):
        try:
            wait = float(ms) / 1000
        except ValueError:
            wait = None
    if wait is None and (value := headers.get("retry-after")):
        try:
            wait = float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value.strip() else None
            wait = when.timestamp() - time.time() if when else None
    if wait is None or wait <= 0:
        return None
    return min(wait, cap_s)


def estimate_tokens(body: dict[str, Any]) -> int:
    """A generous guess at a request's input tokens before sending it: one token for every
    three characters of its JSON (real tokenisers average nearer four for English and code)."""
    return len(json.dumps(body, ensure_ascii=False)) // 3 + 1


class JsonPoster:
    """POSTs JSON to one endpoint, retrying what is worth retrying."""

    def __init__(
        self,
        endpoint: Endpoint,
        headers: Mapping[str, str],
        secret: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._secret = secret
        timeout = httpx.Timeout(endpoint.timeout_s, connect=min(10.0, endpoint.timeout_s))
        self._client = httpx.Client(headers=dict(headers), timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"JsonPoster({self._endpoint.root!r})"

    def close(self) -> None:
        self._client.close()

    def _say(self, text: str) -> str:
        return redact(text, self._secret)

    def get(self, url: str) -> httpx.Response:
        """One GET without retries, for probes; connection failures become ModelUnavailable."""
        try:
            return self._client.get(url)
        except httpx.HTTPError as exc:
            raise ModelUnavailable(self._say(f"{url}: {_describe(exc, self._endpoint)}")) from None

    def post(self, url: str, body: dict[str, Any]) -> Exchange:
        """POST `body` to `url`; the reply's JSON object, or a ModelError saying what went wrong."""
        last, last_status = "", None
        attempts = 1 + self._endpoint.max_retries
        for attempt in range(attempts):
            started = time.monotonic()
            wait: float | None = None
            try:
                response = self._client.post(url, json=body)
            except httpx.HTTPError as exc:
                last, last_status = _describe(exc, self._endpoint), None
            else:
                latency = time.monotonic() - started
                if response.status_code < 300:
                    return Exchange(
                        self._json(url, response), response.headers, latency, attempt + 1
                    )
                if not self._retryable(response):
                    raise self.error(url, response)
                last = f"answered {response.status_code}: {error_message(response)}"
                last_status = response.status_code
                wait = retry_after_s(response.headers, self._endpoint.retry_after_max_s)
            if attempt + 1 < attempts:
                time.sleep(wait if wait is not None else self._backoff(attempt))
        raise ModelUnavailable(
            self._say(f"{url} {last} (gave up after {attempts} attempt{'s' * (attempts > 1)})"),
            status=last_status,
        )

    def _backoff(self, attempt: int) -> float:
        base = min(self._endpoint.backoff_s * 2**attempt, self._endpoint.backoff_max_s)
        return base * (1 - 0.25 * random.random())

    def _retryable(self, response: httpx.Response) -> bool:
        forced = response.headers.get("x-should-retry")
        if forced in ("true", "false"):
            return forced == "true"
        if response.status_code == 429 and "insufficient_quota" in response.text:
            return False  # credit used up: waiting will not fix it
        return response.status_code in RETRY_STATUSES

    def _json(self, url: str, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            snippet = response.text.strip()[:200]
            raise ModelError(
                self._say(f"{url} answered {response.status_code} but not with JSON: {snippet!r}"),
                status=response.status_code,
            ) from None
        if not isinstance(body, dict):
            raise ModelError(
                self._say(f"{url} answered with JSON that is not an object: {str(body)[:200]}"),
                status=response.status_code,
            )
        return body

    def error(self, url: str, response: httpx.Response) -> ModelError:
        """The ModelError for an error reply, its message redacted."""
        status = response.status_code
        message = error_message(response)
        endpoint = self._endpoint
        if status in (401, 403):
            whose = f"the key in ${endpoint.api_key_env}" if endpoint.api_key_env else "no key"
            text = f"{url} refused {whose} ({status}: {message})"
            return ModelAuthError(self._say(text), status=status)
        if status == 404:
            if endpoint.model in message:  # every server names the model it does not know
                text = f"{url} does not know the model {endpoint.model!r} (404: {message})"
            else:
                hint = "ends in /v1" if endpoint.protocol == "openai" else "has no /v1"
                text = (
                    f"nothing at {url} (404: {message}); check base_url "
                    f"{endpoint.base_url!r} (for the {endpoint.protocol} protocol it {hint})"
                )
            return ModelNotFound(self._say(text), status=status)
        if status == 429:
            return ModelUnavailable(self._say(f"{url} answered 429: {message}"), status=status)
        if 400 <= status < 500:
            text = f"{url} rejected the request ({status}: {message})"
            return ModelBadRequest(self._say(text), status=status)
        return ModelUnavailable(self._say(f"{url} answered {status}: {message}"), status=status)


def _describe(exc: httpx.HTTPError, endpoint: Endpoint) -> str:
    """What a transport error means, in words."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "did not accept a connection in time"
    if isinstance(exc, httpx.TimeoutException):
        return f"sent no reply within {endpoint.timeout_s:g} s (timeout_s)"
    if isinstance(exc, httpx.ConnectError):
        cause = str(exc) or type(exc).__name__
        if "refused" in cause.lower():
            return "refused the connection: is the server running, on that port?"
        if "name" in cause.lower() and ("resolution" in cause.lower() or "known" in cause.lower()):
            return f"has a host name that does not resolve ({cause})"
        return f"could not be reached ({cause})"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "dropped the connection before replying"
    return f"failed: {type(exc).__name__}: {exc}"


def reply_of(
    exchange: Exchange,
    request: dict[str, Any],
    url: str,
    read: Callable[[dict[str, Any]], tuple[str | None, list[ToolCall], StopReason, str | None]],
    read_usage: Callable[[dict[str, Any]], Usage],
    request_id_header: str,
) -> ModelReply:
    """A protocol-neutral reply from a wire exchange, with that protocol's readers."""
    try:
        text, calls, stop, stop_raw = read(exchange.body)
    except ValueError as exc:
        raise ModelError(f"{url} sent a reply that cannot be read: {exc}") from None
    return ModelReply(
        text=text,
        tool_calls=calls,
        stop=stop,
        stop_raw=stop_raw,
        usage=read_usage(exchange.body),
        model=exchange.body.get("model"),
        request_id=exchange.headers.get(request_id_header) or exchange.body.get("id"),
        latency_s=exchange.latency_s,
        attempts=exchange.attempts,
        request=request,
        response=exchange.body,
    )
