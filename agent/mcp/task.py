"""run_task: deskpilot's whole agent as one MCP tool, and its episode reports as resources.

The episode goes through the one pipeline (agent/episode.py) in a worker thread. Each
step written to traj.jsonl becomes an MCP progress notification (the action, or the
verifier's verdict). A cancelled call stops the episode the way Ctrl-C does: the next
time the graph is between nodes a KeyboardInterrupt ends it as "interrupted", the folder
is finished (result.json, report.html) and only then does the call give up.
"""

import base64
import json
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resources import FileResource
from mcp_types import ImageContent, TextContent, ToolAnnotations
from pydantic import Field

from agent.episode import (
    EpisodeHooks,
    EpisodeOutcome,
    EpisodePipeline,
)
from agent.mcp.approval import approver_for
from agent.trajectory import EpisodeResult

if TYPE_CHECKING:
    from agent.mcp.server import DeskpilotMCP

log = logging.getLogger(__name__)


def step_message(record: dict[str, Any]) -> str:
    """One progress line for a step record: what was done, or what the verifier said."""
    node, number = record.get("node", "act"), record.get("step_num", 0)
    if record.get("verifier"):
        verdict = record["verifier"]
        said = "accepted" if verdict.get("complete") else "rejected"
        return f"step {number}: verifier {said} -- {verdict.get('reason', '')}"[:500]
    action = record.get("action")
    if isinstance(action, dict):
        detail = {k: v for k, v in action.items() if k != "type"}
        what = f"{action.get('type')} {json.dumps(detail, ensure_ascii=False)}"
    else:
        what = str(action)
    extra = f" (error: {record['error']})" if record.get("error") else ""
    return f"step {number}: {node}: {what}{extra}"[:500]


class _Episode:
    """One run_task call's episode: its stop flag and its progress back to the client."""

    def __init__(self, ctx: Context, total: int) -> None:
        self.ctx, self.total = ctx, total
        self.stop = threading.Event()
        self.finished = threading.Event()

    def on_event(self, kind: str, data: dict) -> None:
        if kind == "step" and not self.stop.is_set():
            try:
                anyio.from_thread.run(
                    self.ctx.report_progress,
                    float(data.get("step_num", 0)),
                    float(self.total),
                    step_message(data),
                )
            except Exception as exc:  # noqa: BLE001 -- a client that stopped listening does not stop the episode
                log.debug("progress not sent: %s", exc)
        if kind == "node" and self.stop.is_set():
            raise KeyboardInterrupt  # run_graph ends the episode as "interrupted", saved

    @staticmethod
    def cancelled(result: EpisodeResult) -> EpisodeResult:
        if result.status != "interrupted":
            return result
        return result.model_copy(update={"reason": f"cancelled by the MCP client after step {result.steps}"})


def _load_task(path: str) -> Any:
    from benchmarks.osworld.setup import unsupported_steps
    from benchmarks.osworld.tasks import TaskFileError, load_task

    try:
        task = load_task(Path(path))
    except (TaskFileError, OSError) as exc:
        raise ToolError(f"task {path}: {exc}") from None
    missing = unsupported_steps(task)
    if missing:
        raise ToolError(
            f"task {task.id} needs setup steps this server cannot do yet: {', '.join(sorted(set(missing)))}"
        )
    return task


async def _run_episode(app: "DeskpilotMCP", work: Any, episode: _Episode) -> EpisodeOutcome:
    """The episode in a worker thread; a cancel asks it to stop and waits for its folder."""
    try:
        return await app.call(work, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        episode.stop.set()  # the graph ends at its next node boundary
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(episode.finished.wait)
        raise


def register(app: "DeskpilotMCP") -> None:
    mcp = app.server
    runs = app.settings.runs
    counter = {"n": 0}

    def add_resources(folder: Path) -> list[str]:
        uris = []
        for name, mime in (("report.html", "text/html"), ("result.json", "application/json")):
            path = folder / name
            if path.exists():
                uri = f"deskpilot://episodes/{folder.name}/{name}"
                mcp.add_resource(
                    FileResource(
                        uri=uri,
                        name=f"{folder.name}/{name}",
                        path=path.resolve(),
                        mime_type=mime,
                        description=f"episode {folder.name}: {name}",
                    )
                )
                uris.append(uri)
        return uris

    if runs.is_dir():  # episodes of earlier sessions are readable too
        for folder in sorted(p for p in runs.iterdir() if p.is_dir()):
            add_resources(folder)

    @mcp.tool(
        structured_output=False,
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=True),
    )
    async def run_task(
        ctx: Context,
        instruction: Annotated[str, Field(max_length=20_000)] = "",
        max_steps: Annotated[int, Field(ge=1, le=1000)] | None = None,
        task: Annotated[
            str,
            Field(
                description="an OSWorld-format task file: its setup runs first and its checker scores the end"
            ),
        ]
        | None = None,
    ) -> list[Any]:
        """Hand a whole task to deskpilot's agent (planner, verifier, loop breaker, grounding)
        on this server's desktop. Sends one progress notification per step; cancel the call to
        stop the episode (its folder is kept, marked interrupted). Answers the outcome, the
        final screenshot and the episode folder (its report is also an MCP resource)."""
        loaded = _load_task(task) if task else None
        if loaded is None and not instruction.strip():
            raise ToolError("give an instruction (or a task file)")
        app.not_busy("run_task")
        app.busy = "run_task (starting)"  # taken before the first await: one task at a time
        folder: Path | None = None
        try:
            base = await app.call(app.pipeline)
            config = (
                app.config if max_steps is None else app.config.model_copy(update={"max_steps": max_steps})
            )
            pipeline = base if max_steps is None else EpisodePipeline(config, models=base.models)
            counter["n"] += 1
            task_id = loaded.id if loaded is not None else f"mcp-{counter['n']:02d}"
            folder = runs / f"{task_id}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}"
            episode = _Episode(ctx, config.max_steps)
            hooks = EpisodeHooks(
                on_event=episode.on_event, approver=approver_for(ctx), adjust_result=episode.cancelled
            )
            app.busy = f"run_task ({task_id})"

            def work() -> EpisodeOutcome:
                assert folder is not None
                try:
                    client = app.holder.client()
                    if loaded is not None:
                        return pipeline.run(
                            client, folder, task=loaded, sandbox=app.holder.sandbox, hooks=hooks
                        )
                    record: dict[str, Any] = {
                        "id": task_id,
                        "instruction": instruction,
                        "source": "agent mcp",
                        "config": [],
                        "evaluator": {},
                    }
                    return pipeline.run(
                        client,
                        folder,
                        instruction=instruction,
                        task_id=task_id,
                        record=record,
                        sandbox=app.holder.sandbox,
                        score=False,
                        hooks=hooks,
                    )
                finally:
                    episode.finished.set()

            outcome = await _run_episode(app, work, episode)
        finally:
            app.busy = None
            if folder is not None:
                add_resources(folder)
        result = outcome.result
        summary = {
            "status": result.status,
            "reason": result.reason,
            "score": result.score,
            "steps": result.steps,
            "wasted_steps": result.wasted_steps,
            "folder": str(folder.resolve()),
            "unscored_why": outcome.unscored_why or None,
            "report": f"deskpilot://episodes/{folder.name}/report.html",
        }
        content: list[Any] = [TextContent(type="text", text=json.dumps(summary, ensure_ascii=False))]
        try:
            png = await app.call(lambda: app.holder.client().screenshot())
            content.append(
                ImageContent(type="image", data=base64.b64encode(png).decode("ascii"), mime_type="image/png")
            )
        except ToolError:
            pass  # the outcome stands without its picture
        return content
