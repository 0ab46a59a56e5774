"""How to reach one model endpoint, and what its tokens cost: the `endpoint` of a profile."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runner.agents.models.types import Usage


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prices(_Section):
    """US dollars per million tokens of each kind (0 for a local server)."""

    input_per_mtok: float = Field(default=0, ge=0)
    """Input tokens that were neither read from nor written to the cache."""
    output_per_mtok: float = Field(default=0, ge=0)
    """Generated tokens."""
    cache_read_per_mtok: float = Field(default=0, ge=0)
    """Input tokens read from the prompt cache."""
    cache_write_per_mtok: float = Field(default=0, ge=0)
    """Input tokens written to the prompt cache."""

    def cost(self, usage: Usage) -> float:
        """The price of `usage` in US dollars."""
        return (
            usage.input_tokens * self.input_per_mtok
            + usage.output_tokens * self.output_per_mtok
            + usage.cache_read_tokens * self.cache_read_per_mtok
            + usage.cache_write_tokens * self.cache_write_per_mtok
        ) / 1_000_000

    def ceiling(self, input_tokens: int, max_output_tokens: int) -> float:
        """The most a request of about `input_tokens` can cost, in US dollars: every input
        token at the dearest input price (a cache write can cost more than plain input) and
        the whole output allowance generated. For a budget that fails closed."""
        dearest = max(self.input_per_mtok, self.cache_write_per_mtok, self.cache_read_per_mtok)
        return (input_tokens * dearest + max_output_tokens * self.output_per_mtok) / 1_000_000


class Endpoint(_Section):
    """One model behind one wire protocol."""

    protocol: Literal["openai", "anthropic"]
    """`openai`: Chat Completions (OpenAI, Ollama, llama.cpp, vLLM, LM Studio);
    `anthropic`: the Messages API."""
    base_url: str
    """openai: the root that ends in `/v1` (e.g. `http://localhost:11434/v1`);
    anthropic: the root without `/v1` (e.g. `https://api.anthropic.com`)."""
    model: str
    """The model's name as the server knows it."""
    api_key_env: str | None = None
    """The environment variable on the host that holds the key; None for a server without
    keys (a dummy key is then sent, since some servers want the header)."""
    max_tokens: int = Field(default=4096, gt=0)
    """Most tokens one reply may have."""
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    """openai only: the name of that field. OpenAI's newer models want
    `max_completion_tokens`; Ollama reads only `max_tokens`."""
    temperature: float | None = Field(default=0, ge=0, le=2)
    """Sampling temperature (anthropic: at most 1); None to leave it to the server."""
    timeout_s: float = Field(default=120, gt=0)
    """Seconds one HTTP request may take, reply included."""
    max_retries: int = Field(default=4, ge=0)
    """Retries after a dropped connection, a timeout, 429 or 5xx, before giving up."""
    backoff_s: float = Field(default=0.5, gt=0)
    """First wait between retries; it doubles each time (with jitter) up to `backoff_max_s`."""
    backoff_max_s: float = Field(default=8, gt=0)
    """Longest wait between retries, unless the server asks for longer with Retry-After."""
    retry_after_max_s: float = Field(default=60, gt=0)
    """Longest Retry-After honoured; a longer one is cut to this."""
    prompt_cache: bool = True
    """anthropic only: mark the system prompt and the conversation so far for prompt caching
    (OpenAI-compatible servers cache on their own)."""
    prices: Prices = Field(default_factory=Prices)
    """What its tokens cost."""

    @model_validator(mode="after")
    def _fits_protocol(self) -> Endpoint:
        base = self.base_url.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError(f"base_url {self.base_url!r} must start with http:// or https://")
        if self.protocol == "anthropic":
            if base.endswith("/v1"):
                raise ValueError(
                    f"base_url {self.base_url!r}: for the anthropic protocol leave out /v1 "
                    "(the client adds /v1/messages)"
                )
            if self.temperature is not None and self.temperature > 1:
                raise ValueError("temperature: the anthropic protocol allows 0 to 1")
        return self

    @property
    def root(self) -> str:
        """`base_url` without a trailing slash."""
        return self.base_url.rstrip("/")
