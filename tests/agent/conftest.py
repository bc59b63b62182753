"""Build episodes on the FakeDesktop with scripted models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.config import AgentConfig
from agent.context import AgentContext, Models
from agent.models.scripted import ScriptedScript
from agent.run_graph import run_graph
from agent.trajectory import EpisodeWriter
from envs.fake import FakeDesktop
from grounding.base import NoGrounder


def click(x: int, y: int, what: str = "the editor", **extra: Any) -> dict:
    return {
        "reasoning": f"click {what}",
        "action": {"type": "click", "target": {"description": what, "x": x, "y": y}},
        **extra,
    }


def done(reason: str = "finished") -> dict:
    return {"reasoning": reason, "action": {"type": "done", "summary": reason}}


class Episode:
    """One scripted episode: `run()` returns (state, result); models keep their requests."""

    def __init__(
        self,
        folder: Path,
        replies: dict[str, list],
        desktop=None,
        sandbox: bool = True,
        approver=None,
        **config: Any,
    ) -> None:
        self.folder = folder
        self.script = ScriptedScript.from_replies(replies)
        self.desktop = desktop or FakeDesktop(640, 400)
        self.models = Models(
            gate=self.script.model("gate"),
            planner=self.script.model("planner"),
            verifier=self.script.model("verifier"),
            coder=self.script.model("coder"),
        )
        config.setdefault("max_steps", 15)
        self.config = AgentConfig(**config)
        # The FakeDesktop is a sandbox (nothing real behind it); approval tests say otherwise.
        self.ctx = AgentContext(
            desktop=self.desktop,
            models=self.models,
            grounder=NoGrounder(),
            writer=EpisodeWriter(folder),
            config=self.config,
            sandbox=sandbox,
            approver=approver,
        )

    def run(self, resume: bool = False):
        return run_graph(self.ctx, "task-1", "type hello into the editor", resume=resume)

    def steps(self):
        return self.ctx.writer.steps()

    def planner_texts(self) -> list[str]:
        """The text of every planner request, one string per call."""
        return ["\n".join(m.plain_text() for m in request) for request in self.models.planner.requests]


@pytest.fixture
def episode(tmp_path):
    def make(replies: dict[str, list], **kwargs: Any) -> Episode:
        replies.setdefault("gate", [{"criteria": [{"text": "hello is in the editor"}]}])
        return Episode(tmp_path / "episode", replies, **kwargs)

    return make


@pytest.fixture
def script_helpers():
    return {"click": click, "done": done}
