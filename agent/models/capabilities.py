"""Per-model facts kept as data (agent/data/model_limits.toml): how a model reasons (and how
much room its reasoning needs in the output cap) and the largest image it looks at.

Lookups go by provider ("openai", "anthropic", "vllm") and model name: the first entry of
the provider whose pattern matches the start of the name wins.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Provider = Literal["openai", "anthropic", "vllm"]


class ReasoningProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider
    pattern: str
    kind: Literal["none", "effort", "budget", "adaptive"] = "none"
    adaptive: bool = False  # a "budget" model that also takes adaptive thinking
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    min_cap: int = Field(default=0, ge=0)
    min_budget: int = Field(default=0, ge=0)

    @property
    def reasons(self) -> bool:
        return self.kind != "none"


class ImageLimits(BaseModel):
    """The largest image a model looks at without resizing it (see agent/screen_scale.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider | None = None
    pattern: str = ""
    max_long_edge: int | None = Field(default=None, gt=0)
    max_short_edge: int | None = Field(default=None, gt=0)
    patch: int = Field(default=28, gt=0)
    max_patches: int | None = Field(default=None, gt=0)
    smart_resize: bool = False
    min_pixels: int | None = Field(default=None, gt=0)
    max_pixels: int | None = Field(default=None, gt=0)
    detail: Literal["low", "high", "auto"] | None = None


NO_REASONING = ReasoningProfile(provider="openai", pattern="", kind="none")


class _Table(BaseModel):
    reasoning: list[ReasoningProfile]
    images: list[ImageLimits]


@functools.cache
def table() -> _Table:
    text = resources.files("agent").joinpath("data/model_limits.toml").read_text(encoding="utf-8")
    return _Table.model_validate(tomllib.loads(text))


def _bare(model: str) -> str:
    # "anthropic/claude-..." or "openai/gpt-5" behind a gateway: the name after the last slash
    # (a vLLM name such as "Qwen/Qwen2.5-VL-7B-Instruct" is matched whole by its own patterns).
    return model.rsplit("/", 1)[-1]


def _match(pattern: str, model: str) -> bool:
    return re.match(pattern, model, re.IGNORECASE) is not None


def reasoning_for(provider: str, model: str) -> ReasoningProfile:
    """The reasoning entry for a model (NO_REASONING when none matches)."""
    for entry in table().reasoning:
        if entry.provider == provider and _match(entry.pattern, _bare(model)):
            return entry
    return NO_REASONING


def image_limits_for(provider: str, model: str) -> ImageLimits | None:
    """The image limits of a model, or None when nothing is known (the image is sent as is)."""
    for entry in table().images:
        if entry.provider == provider and (
            _match(entry.pattern, model) or _match(entry.pattern, _bare(model))
        ):
            return entry
    return None
