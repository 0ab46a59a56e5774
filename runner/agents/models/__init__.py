"""Model clients over httpx: OpenAI-compatible Chat Completions and Anthropic Messages, both
with native tool calling, retries, usage and cost. `open_model(endpoint)` is the way in."""

from runner.agents.models.anthropic_messages import AnthropicMessages
from runner.agents.models.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelNotFound,
    ModelUnavailable,
)
from runner.agents.models.open import check_endpoint, open_model, read_key
from runner.agents.models.openai_chat import OpenAIChat
from runner.agents.models.settings import Endpoint, Prices
from runner.agents.models.types import (
    AssistantMessage,
    Message,
    Model,
    ModelReply,
    StopReason,
    ToolCall,
    ToolResult,
    ToolSpec,
    Usage,
    UserMessage,
)

__all__ = [
    "AnthropicMessages",
    "AssistantMessage",
    "Endpoint",
    "Message",
    "Model",
    "ModelAuthError",
    "ModelBadRequest",
    "ModelError",
    "ModelNotFound",
    "ModelReply",
    "ModelUnavailable",
    "OpenAIChat",
    "Prices",
    "StopReason",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "Usage",
    "UserMessage",
    "check_endpoint",
    "open_model",
    "read_key",
]
