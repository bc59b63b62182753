"""`agent run --task task.json`: one task, one desktop, one episode folder, a score."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from agent.config import AgentConfig
from agent.episode import EpisodeHooks, EpisodeInputError, EpisodePipeline, open_desktop
from agent.live import LiveView

console = Console()


def run(
    task: Path = typer.Option(..., "--task", help="an OSWorld-format task file"),
    desktop: str = typer.Option("local", help="'local' (an isolated Xvfb desktop) or a URL"),
    token: str = typer.Option(None, envvar="DESKPILOT_DESKTOP_TOKEN", help="the desktop's token"),
    model: str = typer.Option(
        None,
        help="planner model spec, e.g. openai:gpt-4o, "
        "anthropic:claude-sonnet-4-20250514, "
        "vllm:MODEL@http://127.0.0.1:8000/v1, scripted:FILE",
    ),
    grounder: str = typer.Option(None, help="grounder spec ('none': the planner gives pixels)"),
    max_steps: int = typer.Option(None, help="step budget"),
    out: Path = typer.Option(None, help="episode folder (default runs/<task>-<time>)"),
    resume: bool = typer.Option(False, help="continue the episode in --out (or the latest one)"),
    config: Path = typer.Option(None, help="settings file (JSON or TOML)"),
    width: int = 1920,
    height: int = 1080,
) -> None:
    """Run one task on a desktop; exit code 0 when the task's own check passes."""
    from agent.config import load_config

    try:
        settings = load_config(config, model=model, grounder=grounder, max_steps=max_steps)
        code = run_task(
            task,
            settings,
            desktop=desktop,
            token=token,
            out=out,
            resume=resume,
            size=(width, height),
            console=console,
        )
    except (EpisodeInputError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def episode_folder(out: Path | None, task_id: str, resume: bool) -> Path:
    if out is not None:
        if resume and not out.exists():
            raise EpisodeInputError(f"--resume: {out} does not exist")
        return out
    base = Path("runs")
    if resume:
        previous = sorted(base.glob(f"{task_id}-*"))
        if not previous:
            raise EpisodeInputError(f"--resume: no earlier episode of {task_id} under {base}/")
        return previous[-1]
    return base / f"{task_id}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def run_task(
    task_path: Path,
    config: AgentConfig,
    *,
    desktop: str,
    token: str | None,
    out: Path | None,
    resume: bool,
    size: tuple[int, int],
    console: Console,
) -> int:
    from agent.run_graph import CHECKPOINT_FILE
    from benchmarks.osworld.setup import unsupported_steps
    from benchmarks.osworld.tasks import TaskFileError, load_task

    try:
        task = load_task(task_path)
    except TaskFileError as exc:
        raise EpisodeInputError(str(exc)) from exc
    missing = unsupported_steps(task)
    if missing:
        raise EpisodeInputError(
            f"task {task.id} needs setup steps this runner cannot do yet: {', '.join(sorted(set(missing)))}"
        )
    pipeline = EpisodePipeline(config)  # a bad model, grounder or policy fails before a desktop starts
    folder = episode_folder(out, task.id, resume)
    view = LiveView(console, task.instruction, config.max_steps)
    if resume and not (folder / CHECKPOINT_FILE).exists():
        console.print("[yellow]no checkpoint to resume from: starting the episode afresh[/]")
    hooks = EpisodeHooks(on_event=view.event, on_setup=lambda line: console.print(f"[dim]{line}[/]"))
    with open_desktop(desktop, token, size) as client, view:
        # A LocalDesktop started here is a bubblewrap sandbox; a URL may be anybody's machine.
        outcome = pipeline.run(
            client, folder, task=task, sandbox=desktop == "local", resume=resume, hooks=hooks
        )
    result = outcome.result
    if result.status == "interrupted":
        console.print(f"[yellow]{result.reason}[/]")
    elif not outcome.scored:
        console.print(f"[yellow]{outcome.unscored_why}: the episode is not scored[/]")
    view.summary(result, outcome.report)
    if result.score is not None:
        return 0 if result.score >= 0.999 else 1
    return 0 if result.status == "done" else 1
