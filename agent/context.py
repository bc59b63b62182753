"""What every node needs besides the state: desktop, models, grounder, writer, settings.

Built once per episode and closed over by the graph's nodes; none of it goes
into the checkpointed state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from agent.approval import Approver
from agent.config import AgentConfig
from agent.loop_breaker import screen_hash
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
    search: ChatModel | None = None  # None: the search agent uses search_folder only


@dataclass
class AgentContext:
    desktop: Desktop
    models: Models
    grounder: Grounder
    writer: EpisodeWriter
    config: AgentConfig
    meter: UsageMeter = field(default_factory=UsageMeter)
    started: float = field(default_factory=time.monotonic)
    on_event: Callable[[str, dict], None] = lambda kind, data: None  # live view hook
    approver: Approver | None = None  # a person to ask before a risky action; None: refuse it
    sandbox: bool = False  # the desktop is disposable (config.approval.sandbox wins)
    take_corrections: Callable[[], list[str]] = lambda: []  # what a person typed since last asked
    # Screen fingerprints by screenshot file, computed off the critical path: decoding a
    # 1080p PNG takes ~15 ms, which the planner's call hides when it runs beside it.
    _fingerprints: dict[str, Future] = field(default_factory=dict)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "fingerprint"))

    @property
    def folder(self) -> Path:
        return self.writer.folder

    def record_usage(self, role: str, result: ChatResult) -> None:
        self.meter.add(role, result.usage)

    def prefetch_fingerprint(self, name: str | None, png: bytes) -> None:
        if name and name not in self._fingerprints:
            self._fingerprints[name] = self._pool.submit(screen_hash, png)

    def fingerprint(self, name: str | None) -> int:
        """The screen fingerprint of a screenshot in the episode folder (0: unknown)."""
        if not name:
            return 0
        if name not in self._fingerprints:
            path = self.folder / name
            if not path.exists():
                return 0
            self._fingerprints[name] = self._pool.submit(lambda: screen_hash(path.read_bytes()))
        return self._fingerprints[name].result()

    def elapsed(self) -> float:
        return time.monotonic() - self.started
