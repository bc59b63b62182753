"""The `ChatModel` protocol: messages with images in; text, a parsed object and usage out.

Every backend (OpenAI-compatible, Anthropic, scripted) satisfies it, so the
graph's nodes never know which model they talk to.
"""

from __future__ import annotations

import base64
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

T = TypeVar("T", bound=BaseModel)


class TextPart(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    text: str


class ImagePart(BaseModel):
    """A PNG (or JPEG) image; serialised as base64 so messages stay JSON."""

    model_config = ConfigDict(frozen=True)
    type: Literal["image"] = "image"
    data: bytes
    media_type: Literal["image/png", "image/jpeg"] = "image/png"

    @field_serializer("data")
    def _b64(self, data: bytes) -> str:
        return base64.b64encode(data).decode()

    @field_validator("data", mode="before")
    @classmethod
    def _from_b64(cls, value: Any) -> Any:
        return base64.b64decode(value) if isinstance(value, str) else value


Part = TextPart | ImagePart


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Literal["system", "user", "assistant"]
    content: list[Part] = Field(default_factory=list)

    @classmethod
    def text(cls, role: Literal["system", "user", "assistant"], text: str) -> Message:
        return cls(role=role, content=[TextPart(text=text)])

    def plain_text(self) -> str:
        return "\n".join(p.text for p in self.content if isinstance(p, TextPart))


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0  # of input_tokens, served from the provider's prefix cache
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 8),
        )


class ChatResult(BaseModel, Generic[T]):
    text: str  # the model's final reply text
    parsed: T | None = None  # set when a schema was asked for and the reply validated
    usage: Usage = Field(default_factory=Usage)  # summed over every attempt of this call
    model: str = ""
    latency_s: float = 0.0
    attempts: int = 1  # structured-output attempts (1 = valid first time)


class ModelError(RuntimeError):
    """The model could not be reached or answered with an error, after retries."""

    usage: Usage | None = None  # the tokens the failed call(s) still cost, where known


class ReplyTruncatedError(ModelError):
    """The reply is empty because the output cap was reached first: a reasoning model spent
    the whole cap on hidden reasoning (or thinking). The message names the cap and the fix."""

    def __init__(self, message: str, *, cap: int, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.cap = cap
        self.usage = usage or Usage()  # the tokens the truncated call still cost


class ReplyParseError(ModelError):
    """The reply never matched the schema, even after asking again with the error."""

    def __init__(self, message: str, last_text: str, attempts: int) -> None:
        super().__init__(message)
        self.last_text = last_text
        self.attempts = attempts


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def complete(
        self,
        messages: list[Message],
        *,
        schema: type[T] | None = None,
        max_tokens: int = 2048,
        temperature: float = 0.0,
    ) -> ChatResult[T]:
        """One call. With `schema`, the reply must be JSON for it: validated, re-asked
        with the validation error a bounded number of times, else ReplyParseError."""
        ...
