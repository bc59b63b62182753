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
    same_screen_max_distance: int | None = None  # None: the loop breaker's own default
    tier1_repeats: int = 2
    stepwise_extra: int = 1  # more no-change repeats for arrows, Tab, Page keys, scroll
    cycle_repeats: int = 2  # one action from one exact screen this often (incl. now): a cycle
    tier2_same_screens: int = 3
    wait_retries: int = 4  # tries a wait earns an action on an unchanged screen (app starting)
    wait_patience_s: float = 30.0  # ... while the waits add up to less than this


class ApprovalSettings(BaseModel):
    """Risky actions (agent/approval.py): who may let them run."""

    policy: Path | None = None  # extra rules (TOML) on top of agent/data/risk_policy.toml
    # Is the desktop a disposable sandbox? None: as its opener knows it (a LocalDesktop this
    # process started: yes; a URL or this screen: no). Only on a sandbox may the classes the
    # policy marks unattended_in_sandbox run with nobody to approve them.
    sandbox: bool | None = None


class AgentConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESKPILOT_", env_nested_delimiter="__", extra="ignore")

    # Models, as specs: "openai:gpt-4o", "anthropic:claude-sonnet-4-20250514",
    # "vllm:<model>@http://127.0.0.1:8000/v1", "scripted:replies.jsonl".
    model: str = "scripted:write_note.jsonl"  # shipped in agent/data/scripted/
    verifier_model: str | None = None  # default: the planner's model
    coder_model: str | None = None
    search_model: str | None = None
    grounder: str = "none"  # "none": the planner gives coordinates
    # Reasoning models (agent/data/model_limits.toml). reasoning_effort: OpenAI o-series /
    # gpt-5 `reasoning_effort`, Claude's adaptive-thinking effort; None: the table's default.
    # thinking_budget: Claude's extended thinking budget_tokens (>= 1024); None: no thinking.
    # Each model takes what it supports; its output caps are raised to leave room for both.
    reasoning_effort: str | None = None
    thinking_budget: int | None = Field(default=None, ge=1024)
    # The image limits the planner's screenshots are scaled to, as a model spec
    # ("anthropic:claude-sonnet-4-5", "openai:gpt-4o", "vllm:qwen2.5-vl-7b") or "none";
    # None: those of `model` (agent/screen_scale.py).
    planner_image_limits: str | None = None

    max_steps: int = Field(default=50, ge=1, le=1000)
    max_tokens: int | None = None
    max_usd: float | None = None
    max_seconds: float | None = None

    history_turns: int = 8  # recent turns shown in full (at least; up to + chunk)
    history_images: int = 3  # recent screenshots shown (at least; up to + chunk)
    image_chunk: int = 8  # old turns and screenshots are dropped this many at a
    # time, so the prompt prefix survives between drops
    # Planner screenshots downscaled to a token budget (agent/image_budget.py; one token per
    # image_token_patch^2 pixels, 28 for Qwen2.5-VL). The newest one is what the planner acts
    # on (None: as captured); older ones only remind it what happened. The grounder always
    # gets the screenshot as captured and resizes it to its own training resolution.
    image_tokens_latest: int | None = Field(default=None, ge=4)
    image_tokens_history: int | None = Field(default=720, ge=4)
    image_token_patch: int = Field(default=28, ge=1)
    planner_max_tokens: int = 2048

    settle_quiet: float = 0.25
    settle_timeout: float = 3.0
    # After a task's setup, wait until the screen has been still for half a second (at most
    # this long) so the apps the setup started are drawn before the first step: upstream
    # sleeps a fixed 60 s instead. 0: do not wait.
    setup_settle_s: float = Field(default=10.0, ge=0, le=30)

    loop: LoopSettings = Field(default_factory=LoopSettings)
    verifier_max_rejections: int = 3
    # After this many rejections of the same claim (no work in between): accept the done and
    # say so in the trajectory, or ("fail", an explicit choice) end the episode as failed.
    on_rejection_limit: Literal["fail", "accept"] = "accept"

    # The desktop user's password, told to the planner for sudo (OSWorld's VMs and the
    # osworld profile use "password"); None: the planner is told none is known.
    desktop_password: str | None = None

    code_max_steps: int = 20
    code_timeout: float = 90.0
    search_folder: Path | None = None  # offline how-to documents for the search agent

    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)


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
    merged = {
        **data,
        **env.model_dump(exclude_unset=True),
        **{k: v for k, v in overrides.items() if v is not None},
    }
    return AgentConfig.model_validate(merged)
