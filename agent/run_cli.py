"""`agent run --task task.json`: one task, one desktop, one episode folder, a score."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console

from agent.config import AgentConfig
from agent.context import AgentContext, Models
from agent.live import LiveView
from agent.models.factory import make_model
from agent.runner import has_checkpoint, run_episode
from agent.trajectory import EpisodeWriter
from envs.client import DesktopClient
from envs.local import LocalDesktop
from grounding.factory import GrounderSpecError, make_grounder


class RunError(RuntimeError):
    """A problem with the run's inputs, said plainly (exit code 2)."""


def build_models(config: AgentConfig) -> Models:
    def role_spec(spec: str, role: str) -> str:
        # A scripted file holds every role's replies: point each role at its own queue.
        return f"{spec}#{role}" if spec.startswith("scripted:") and "#" not in spec else spec

    planner = make_model(role_spec(config.model, "planner"))
    return Models(gate=make_model(role_spec(config.model, "gate")), planner=planner,
                  verifier=make_model(role_spec(config.verifier_model or config.model, "verifier")),
                  coder=make_model(role_spec(config.coder_model or config.model, "coder")),
                  search=make_model(role_spec(config.search_model, "search")) if config.search_model else None)


@contextlib.contextmanager
def open_desktop(spec: str, token: str | None, size: tuple[int, int]) -> Iterator[Any]:
    if spec == "local":
        with LocalDesktop(*size) as desktop:
            with desktop.client() as client:
                yield client
    elif spec.startswith(("http://", "https://")):
        with DesktopClient(spec, token=token) as client:
            client.screen_size()  # fail now, clearly, if it is not there
            yield client
    else:
        raise RunError(f"--desktop must be 'local' or a URL, not {spec!r}")


def episode_folder(out: Path | None, task_id: str, resume: bool) -> Path:
    if out is not None:
        if resume and not out.exists():
            raise RunError(f"--resume: {out} does not exist")
        return out
    base = Path("runs")
    if resume:
        previous = sorted(base.glob(f"{task_id}-*"))
        if not previous:
            raise RunError(f"--resume: no earlier episode of {task_id} under {base}/")
        return previous[-1]
    return base / f"{task_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def run_task(task_path: Path, config: AgentConfig, *, desktop: str, token: str | None,
             out: Path | None, resume: bool, size: tuple[int, int], console: Console) -> int:
    from benchmarks.osworld.evaluate import unsupported_evaluator
    from benchmarks.osworld.runner import score_episode
    from benchmarks.osworld.setup import SetupRunner, unsupported_steps
    from benchmarks.osworld.tasks import TaskFileError, load_task

    try:
        task = load_task(task_path)
    except TaskFileError as exc:
        raise RunError(str(exc)) from exc
    missing = unsupported_steps(task)
    if missing:
        raise RunError(f"task {task.id} needs setup steps this runner cannot do yet: "
                       f"{', '.join(sorted(set(missing)))}")
    try:
        make_grounder(config.grounder, tree_source=lambda: "")  # a bad spec fails before any desktop starts
    except GrounderSpecError as exc:
        raise RunError(str(exc)) from exc
    folder = episode_folder(out, task.id, resume)
    writer = EpisodeWriter(folder)
    models = build_models(config)
    with open_desktop(desktop, token, size) as client:
        resuming = resume and (folder / "checkpoint.sqlite").exists()
        if not resuming:
            writer.start(task.model_dump(mode="json", exclude_unset=True),
                         config.model_dump(mode="json"))
            console.print(f"[dim]setting up {task.id} on {getattr(client, 'base_url', desktop)}[/]")
            SetupRunner(client, screen=client.screen_size()).run(task.config)
        view = LiveView(console, task.instruction, config.max_steps)
        try:
            grounder = make_grounder(config.grounder, tree_source=client.accessibility_tree)
        except GrounderSpecError as exc:
            raise RunError(str(exc)) from exc
        # A LocalDesktop started here is a bubblewrap sandbox; a URL may be anybody's machine.
        ctx = AgentContext(desktop=client, models=models, grounder=grounder, writer=writer,
                           config=config, on_event=view.event, sandbox=desktop == "local")
        if resume and not has_checkpoint(ctx):
            console.print("[yellow]no checkpoint to resume from: starting the episode afresh[/]")
        with view:
            state, result = run_episode(ctx, task.id, task.instruction, resume=resume)
        unsupported = unsupported_evaluator(task)
        if result.status == "interrupted":
            console.print(f"[yellow]{result.reason}[/]")
        elif unsupported:
            console.print(f"[yellow]no evaluator for this task here ({', '.join(unsupported)}): "
                          "the episode is not scored[/]")
        else:
            result = score_episode(task, client, result, folder)
    report = writer.finish(result)
    view.summary(result, report)
    if result.score is not None:
        return 0 if result.score >= 0.999 else 1
    return 0 if result.status == "done" else 1
