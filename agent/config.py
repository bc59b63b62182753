"""Agent settings: defaults < config file (JSON or TOML) < DESKPILOT_* environment < flags."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LoopSettings(BaseModel):
    enabled: bool = True
    same_screen_max_distance: int | None = None   # None: the loop breaker's own default
    tier1_repeats: int = 2
    tier2_same_screens: int = 3


class AgentConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKPILOT_", env_nested_delimiter="__",
                                      extra="ignore")

    # Models, as specs: "openai:gpt-4o", "anthropic:claude-sonnet-4-20250514",
    # "vllm:<model>@http://127.0.0.1:8000/v1", "scripted:replies.jsonl".
    model: str = "scripted:examples/scripted/write_note.jsonl"
    verifier_model: str | None = None     # default: the planner's model
    coder_model: str | None = None
    search_model: str | None = None
    grounder: str = "none"                # "none": the planner gives coordinates

    max_steps: int = Field(default=50, ge=1, le=1000)
    max_tokens: int | None = None
    max_usd: float | None = None
    max_seconds: float | None = None

    history_turns: int = 8                # recent turns shown in full (at least; up to + chunk)
    history_images: int = 3               # recent screenshots shown (at least; up to + chunk)
    image_chunk: int = 8                  # old turns and screenshots are dropped this many at a
                                          # time, so the prompt prefix survives between drops
    planner_max_tokens: int = 2048

    settle_quiet: float = 0.25
    settle_timeout: float = 3.0

    loop: LoopSettings = Field(default_factory=LoopSettings)
    verifier_max_rejections: int = 3
    on_rejection_limit: Literal["fail", "accept"] = "fail"

    code_max_steps: int = 20
    code_timeout: float = 90.0
    search_folder: Path | None = None     # offline how-to documents for the search agent


def load_config(path: Path | None = None, **overrides: object) -> AgentConfig:
    """Settings from a file, then the environment, then explicit overrides (flags)."""
    data: dict[str, object] = {}
    if path is not None:
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"config file {path}: {exc}") from exc
    env = AgentConfig()  # reads DESKPILOT_* variables
    merged = {**data, **env.model_dump(exclude_unset=True),
              **{k: v for k, v in overrides.items() if v is not None}}
    return AgentConfig.model_validate(merged)
