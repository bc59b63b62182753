"""Chat models behind one protocol. Build one from a spec string with `make_model`
("openai:gpt-4o", "anthropic:claude-sonnet-4-20250514", "vllm:<model>@<url>",
"scripted:<file>#<role>"); backends and SDKs load only when used."""

from agent.models.base import (
    ChatModel,
    ChatResult,
    ImagePart,
    Message,
    ModelError,
    Part,
    ReplyParseError,
    ReplyTruncatedError,
    TextPart,
    Usage,
)
from agent.models.factory import ModelSpecError, make_model
from agent.models.usage import Budget, UsageMeter, check_budget

__all__ = [
    "Budget",
    "ChatModel",
    "ChatResult",
    "ImagePart",
    "Message",
    "ModelError",
    "ModelSpecError",
    "Part",
    "ReplyParseError",
    "ReplyTruncatedError",
    "TextPart",
    "Usage",
    "UsageMeter",
    "check_budget",
    "make_model",
]
