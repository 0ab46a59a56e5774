"""Opening a model from its endpoint settings, and `overnight doctor`'s probe of one."""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from runner.agents.models.anthropic_messages import AnthropicMessages
from runner.agents.models.errors import ModelAuthError, ModelError, ModelNotFound
from runner.agents.models.openai_chat import OpenAIChat
from runner.agents.models.settings import Endpoint
from runner.agents.models.types import Model, UserMessage

PROBE_TIMEOUT_S = 10.0


def read_key(endpoint: Endpoint, environ: Mapping[str, str] | None = None) -> str | None:
    """The key from the host's environment; None when the endpoint needs none.

    Raises ModelAuthError naming the variable (never a value) when it is unset or empty.
    """
    if endpoint.api_key_env is None:
        return None
    env = os.environ if environ is None else environ
    key = env.get(endpoint.api_key_env, "").strip()
    if not key:
        raise ModelAuthError(
            f"the environment variable {endpoint.api_key_env} is not set (or empty): it must "
            f"hold the key for {endpoint.base_url} (model {endpoint.model})"
        )
    return key


def open_model(
    endpoint: Endpoint,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> OpenAIChat | AnthropicMessages:
    """A client for `endpoint`, its key read from `environ` (default: the process's)."""
    key = read_key(endpoint, environ)
    if endpoint.protocol == "openai":
        return OpenAIChat(endpoint, key, transport=transport)
    return AnthropicMessages(endpoint, key, transport=transport)


def check_endpoint(
    endpoint: Endpoint,
    environ: Mapping[str, str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> str | None:
    """None when `endpoint` answers and knows its model, else one line saying what is wrong.

    openai: `GET {base}/models` (free); when the model is not listed there (or the route is
    missing), a 1-token request settles it, since some servers (llama.cpp) answer to any model
    name. anthropic: a 1-token request.
    """
    probe = endpoint.model_copy(
        update={
            "max_retries": 0,
            "timeout_s": min(endpoint.timeout_s, PROBE_TIMEOUT_S),
            "max_tokens": 1,
            "prompt_cache": False,
        }
    )
    try:
        model = open_model(probe, environ=environ, transport=transport)
    except ModelError as exc:
        return exc.reason
    try:
        if isinstance(model, OpenAIChat) and probe.model in _listed(model):
            return None
        model.complete("", [UserMessage(text="ping")], [])
    except ModelError as exc:
        return exc.reason
    finally:
        model.close()
    return None


def _listed(model: OpenAIChat) -> set[str]:
    """The listed model ids; none when the server has no model list (some proxies)."""
    try:
        return model.listed_models()
    except ModelNotFound:
        return set()


def _conforms(model: OpenAIChat | AnthropicMessages) -> Model:
    return model  # mypy proves here that both clients are Models
