"""What both model clients share: an endpoint, its HTTP poster, the cost ceiling of the next
request and the reply read from the wire. Each API adds its request body and its readers."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import httpx

from runner.agents.models.http import JsonPoster, estimate_tokens, reply_of
from runner.agents.models.settings import Endpoint
from runner.agents.models.types import Message, ModelReply, StopReason, ToolCall, ToolSpec, Usage

Reading = tuple[str | None, list[ToolCall], StopReason, str | None]


class ChatClient:
    """A model behind `POST {base_url}{PATH}`."""

    PATH: ClassVar[str]
    REQUEST_ID_HEADER: ClassVar[str]

    def __init__(
        self,
        endpoint: Endpoint,
        api_key: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.name = endpoint.model
        self.url = f"{endpoint.root}{self.PATH}"
        self._http = JsonPoster(endpoint, self.headers(api_key), api_key, transport=transport)

    def headers(self, api_key: str | None) -> dict[str, str]:
        """The API's authentication headers (the key is read on the host only)."""
        raise NotImplementedError

    def request_body(
        self, system: str, messages: list[Message], tools: list[ToolSpec]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def read_reply(self, body: dict[str, Any]) -> Reading:
        """Text, tool calls and stop reason from the API's reply body."""
        raise NotImplementedError

    def read_usage(self, body: dict[str, Any]) -> Usage:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.name!r}, url={self.url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def max_cost(self, system: str, messages: list[Message], tools: list[ToolSpec]) -> float:
        """The most the request `complete` would send now can cost (see `Prices.ceiling`)."""
        body = self.request_body(system, messages, tools)
        return self.endpoint.prices.ceiling(estimate_tokens(body), self.endpoint.max_tokens)

    def complete(self, system: str, messages: list[Message], tools: list[ToolSpec]) -> ModelReply:
        body = self.request_body(system, messages, tools)
        exchange = self._http.post(self.url, body)
        return reply_of(
            exchange, body, self.url, self.read_reply, self.read_usage, self.REQUEST_ID_HEADER
        )
