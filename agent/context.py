"""What every node needs besides the state: desktop, models, grounder, writer, settings.

Built once per episode and closed over by the graph's nodes; none of it goes
into the checkpointed state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from agent.config import AgentConfig
from agent.models.base import ChatModel, ChatResult
from agent.models.usage import UsageMeter
from agent.trajectory import EpisodeWriter
from envs.base import Desktop
from grounding.base import Grounder


@dataclass
class Models:
    gate: ChatModel
    planner: ChatModel
    verifier: ChatModel
    coder: ChatModel
    search: ChatModel | None = None   # None: the search agent uses search_folder only


@dataclass
class AgentContext:
    desktop: Desktop
    models: Models
    grounder: Grounder
    writer: EpisodeWriter
    config: AgentConfig
    meter: UsageMeter = field(default_factory=UsageMeter)
    started: float = field(default_factory=time.monotonic)
    on_event: Callable[[str, dict], None] = lambda kind, data: None   # live view hook

    @property
    def folder(self) -> Path:
        return self.writer.folder

    def record_usage(self, role: str, result: ChatResult) -> None:
        self.meter.add(role, result.usage)

    def elapsed(self) -> float:
        return time.monotonic() - self.started
