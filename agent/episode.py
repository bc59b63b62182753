"""The one episode pipeline: models + grounder + desktop -> a finished, scored episode folder.

    pipeline = EpisodePipeline(config)                  # models built once (and checked)
    with open_desktop("local", None, (1920, 1080)) as desktop:
        outcome = pipeline.run(desktop, Path("runs/t1"), task=load_task(path), sandbox=True)
    outcome.result.score, outcome.report

Every runner goes through here: `agent run`, `agent chat` (an instruction, no task
file, a person attached), the OSWorld runner on its pool of desktops (local threads or
Ray actors) and the `predict()` adapter inside OSWorld's own runner. The sequence is
always: the folder's task.json and config.json (unless resuming), the task's setup steps,
the grounder on this desktop, the graph (run_graph: checkpointed, Ctrl-C safe), the
task's evaluator (unless the episode was interrupted or nobody can score it), and the
finished folder (result.json, result.txt, report.html; setup.json: each setup step's outcome).

This module sits between the runners and the agent core; it may use the task layer
(benchmarks.osworld: task model, setup, evaluation) but never a runner or the CLI.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.approval import Approver, PolicyError, load_policy
from agent.config import AgentConfig
from agent.context import AgentContext, Models
from agent.models.factory import make_model
from agent.run_graph import CHECKPOINT_FILE, run_graph
from agent.trajectory import EpisodeResult, EpisodeWriter, write_atomic
from benchmarks.osworld.assets import AssetCache
from benchmarks.osworld.setup import SETUP_FILE, SetupRunner
from benchmarks.osworld.tasks import Task
from envs.actions import SettleSpec, Wait
from envs.base import DesktopError
from envs.client import DesktopClient
from grounding.base import Grounder
from grounding.factory import GrounderSpecError, make_grounder

__all__ = [
    "EpisodeInputError",
    "EpisodeOutcome",
    "EpisodePipeline",
    "build_models",
    "open_desktop",
    "score_episode",
]


SETUP_QUIET_S = 0.5  # how long the screen must stay still after setup to count as ready


class EpisodeInputError(ValueError):
    """A problem with an episode's inputs (model or grounder spec, policy file, desktop spec),
    said plainly before any desktop time is spent."""


def _role_spec(spec: str, role: str) -> str:
    # A scripted file holds every role's replies: point each role at its own queue.
    return f"{spec}#{role}" if spec.startswith("scripted:") and "#" not in spec else spec


def build_models(config: AgentConfig) -> Models:
    """One model per role from the settings' specs (gate and planner share `model`)."""

    def make(spec: str, role: str) -> Any:
        # The fault-injecting policy answers as the role it stands in for (its name says so).
        role_kw: dict[str, Any] = {"role": role} if spec.startswith("faulty:") else {}
        return make_model(
            _role_spec(spec, role),
            reasoning_effort=config.reasoning_effort,
            thinking_budget=config.thinking_budget,
            **role_kw,
        )

    return Models(
        gate=make(config.model, "gate"),
        planner=make(config.model, "planner"),
        verifier=make(config.verifier_model or config.model, "verifier"),
        coder=make(config.coder_model or config.model, "coder"),
        search=make(config.search_model, "search") if config.search_model else None,
    )


@contextlib.contextmanager
def open_desktop(
    spec: str, token: str | None, size: tuple[int, int], profile: str | None = None
) -> Iterator[Any]:
    """A protocol client for 'local' (an isolated desktop started here, stopped after) or a URL."""
    if spec == "local":
        from envs.local import LocalDesktop

        with LocalDesktop(*size, profile=profile) as desktop, desktop.client() as client:
            yield client
    elif spec.startswith(("http://", "https://")):
        with DesktopClient(spec, token=token) as client:
            client.screen_size()  # fail now, clearly, if it is not there
            yield client
    else:
        raise EpisodeInputError(f"--desktop must be 'local' or a URL, not {spec!r}")


def score_episode(
    task: Task, desktop: Any, result: EpisodeResult, folder: Path, assets: AssetCache | None = None
) -> EpisodeResult:
    """The episode's result with the task evaluator's score (and its details) added."""
    from benchmarks.osworld.evaluate import evaluate

    last = "FAIL" if result.status == "fail" else ("DONE" if result.status == "done" else None)
    started = time.monotonic()
    scored = evaluate(task, desktop, last_action=last, cache_dir=folder / "eval", assets=assets)
    return result.model_copy(
        update={
            "score": scored.score,
            "evaluation": {
                "details": scored.details,
                "error": scored.error,
                "seconds": round(time.monotonic() - started, 2),
            },
        }
    )


@dataclass
class EpisodeOutcome:
    folder: Path
    result: EpisodeResult
    report: Path | None  # report.html
    scored: bool  # the task's evaluator ran
    unscored_why: str = ""  # why it did not (no task, interrupted, no evaluator here)


@dataclass
class EpisodeHooks:
    """What a runner attaches to an episode: a live view, a person, corrections."""

    on_event: Callable[[str, dict], None] | None = None
    approver: Approver | None = None
    take_corrections: Callable[[], list[str]] | None = None
    # Called with the graph's result before it is scored and written (chat: "stopped by
    # the user" wording); None keeps it as it is.
    adjust_result: Callable[[EpisodeResult], EpisodeResult] | None = None
    on_setup: Callable[[str], None] | None = None  # a line to show before setup starts


@dataclass
class EpisodePipeline:
    """Models built once, episodes run one after another (or from several threads)."""

    config: AgentConfig
    models: Models | None = None  # None: built from the settings
    assets: AssetCache | None = None  # serves the tasks' downloads and gold files
    _checked: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.check()
        if self.models is None:
            self.models = build_models(self.config)

    def check(self) -> None:
        """Everything that can be wrong with the settings, said before a desktop starts."""
        try:
            load_policy(self.config.approval.policy)
            make_grounder(self.config.grounder, tree_source=lambda: "")
        except (PolicyError, GrounderSpecError) as exc:
            raise EpisodeInputError(str(exc)) from exc

    def grounder_for(self, desktop: Any, tree_source: Callable[[], str] | None = None) -> Grounder:
        try:
            return make_grounder(self.config.grounder, tree_source=tree_source or desktop.accessibility_tree)
        except GrounderSpecError as exc:
            raise EpisodeInputError(str(exc)) from exc

    def run(
        self,
        desktop: Any,
        folder: Path,
        *,
        task: Task | None = None,
        instruction: str | None = None,
        task_id: str | None = None,
        record: dict[str, Any] | None = None,
        sandbox: bool,
        resume: bool = False,
        score: bool = True,
        grounder: Grounder | None = None,
        hooks: EpisodeHooks | None = None,
    ) -> EpisodeOutcome:
        """Run one episode to a finished folder. With `task` (OSWorld format) its setup
        steps run first and its evaluator scores the end; without, `instruction` and
        `task_id` name the work and `record` is what task.json holds."""
        hooks = hooks or EpisodeHooks()
        if task is not None:
            task_id, instruction = task.id, task.instruction
            record = task.model_dump(mode="json", exclude_unset=True)
        if not task_id or instruction is None:
            raise EpisodeInputError("an episode needs a task, or an instruction and a task id")
        writer = EpisodeWriter(folder)
        resuming = resume and (folder / CHECKPOINT_FILE).exists()
        if not resuming:
            writer.start(
                record or {"id": task_id, "instruction": instruction}, self.config.model_dump(mode="json")
            )
            if task is not None:
                if hooks.on_setup is not None:
                    hooks.on_setup(f"setting up {task.id} on {getattr(desktop, 'base_url', 'the desktop')}")
                self._set_up(task, desktop, folder)
        assert self.models is not None
        ctx = AgentContext(
            desktop=desktop,
            models=self.models,
            grounder=grounder or self.grounder_for(desktop),
            writer=writer,
            config=self.config,
            sandbox=sandbox,
            approver=hooks.approver,
        )
        if hooks.on_event is not None:
            ctx.on_event = hooks.on_event
        if hooks.take_corrections is not None:
            ctx.take_corrections = hooks.take_corrections
        _state, result = run_graph(ctx, task_id, instruction, resume=resume)
        if hooks.adjust_result is not None:
            result = hooks.adjust_result(result)
        why = self._unscored_why(task, result, score)
        if not why:
            assert task is not None
            result = score_episode(task, desktop, result, folder, self.assets)
        report = writer.finish(result)
        return EpisodeOutcome(folder=folder, result=result, report=report, scored=not why, unscored_why=why)

    def _set_up(self, task: Task, desktop: DesktopClient, folder: Path) -> None:
        """The task's setup steps; setup.json records each step's outcome (upstream goes on
        past a failed step, so a later 0 may be the setup's doing: the taxonomy reads it)."""
        started = time.monotonic()
        record: dict[str, Any] = {"steps": []}
        try:
            outcomes = SetupRunner(desktop, screen=desktop.screen_size(), assets=self.assets).run(
                task.config, task_id=task.id
            )
            record["steps"] = [
                {"index": o.index, "type": o.type, "ok": o.ok, "detail": o.detail} for o in outcomes
            ]
            if self.config.setup_settle_s > 0:
                record["settle"] = self._settle(desktop)
        except Exception as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            record["seconds"] = round(time.monotonic() - started, 3)
            write_atomic(folder / SETUP_FILE, json.dumps(record, indent=1) + "\n")

    def _settle(self, desktop: DesktopClient) -> dict[str, Any]:
        """Wait until the screen stops changing (our server; an upstream one pauses briefly)."""
        spec = SettleSpec(quiet=SETUP_QUIET_S, timeout=self.config.setup_settle_s)
        try:
            done = desktop.act([Wait(seconds=0)], settle=spec)
        except DesktopError as exc:  # a server that cannot wait: the episode still runs
            return {"error": str(exc)}
        if done.settle is None:
            return {"stable": None, "seconds": done.seconds}
        return {"stable": done.settle.stable, "seconds": done.settle.seconds}

    @staticmethod
    def _unscored_why(task: Task | None, result: EpisodeResult, score: bool) -> str:
        if task is None or not score:
            return "no task evaluator for this episode"
        if result.status == "interrupted":
            return "the episode was interrupted"
        from benchmarks.osworld.evaluate import unsupported_evaluator

        unsupported = unsupported_evaluator(task)
        if unsupported:
            return f"no evaluator for this task here ({', '.join(unsupported)})"
        return ""
