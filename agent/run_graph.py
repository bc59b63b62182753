"""Run one episode through the graph, checkpointed so that it can be resumed.

The checkpoint (LangGraph's SQLite saver) lives in the episode folder beside
traj.jsonl; `resume=True` continues from the last completed node. Ctrl-C ends
the episode as "interrupted" with everything so far on disk.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agent.approval import ApprovalRequest
from agent.context import AgentContext
from agent.graph import build_graph
from agent.state import AgentState
from agent.trajectory import EpisodeResult

CHECKPOINT_FILE = "checkpoint.sqlite"
RESUMABLE = ("error", "budget")  # a done or failed episode is over; these can go on


def initial_state(task_id: str, instruction: str) -> AgentState:
    return AgentState(
        task_id=task_id,
        instruction=instruction,
        step=0,
        criteria=[],
        criteria_done=False,
        turns=[],
        screenshot_file=None,
        initial_screenshot=None,
        pending=None,
        grounded=None,
        rejections=0,
        wasted_steps=0,
        corrections=[],
        status=None,
        reason="",
    )


def has_checkpoint(ctx: AgentContext) -> bool:
    return (ctx.folder / CHECKPOINT_FILE).exists()


def run_graph(
    ctx: AgentContext, task_id: str, instruction: str, *, resume: bool = False
) -> tuple[AgentState, EpisodeResult]:
    """Run (or resume) the episode; returns the final state and a result without a score."""
    ctx.folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat()
    with closing(sqlite3.connect(ctx.folder / CHECKPOINT_FILE, check_same_thread=False)) as conn:
        graph = build_graph(ctx).compile(checkpointer=SqliteSaver(conn))
        config: RunnableConfig = {"configurable": {"thread_id": task_id}, "recursion_limit": 100_000}
        saved = graph.get_state(config).values
        resuming = resume and saved.get("task_id") == task_id
        stream_input = None if resuming else initial_state(task_id, instruction)
        if resuming and saved.get("status") in RESUMABLE:
            # It ended on a model or desktop error (or a budget): pick up again at planning,
            # with everything done so far kept.
            graph.update_state(config, {"status": None, "reason": ""}, as_node="observe")
        interrupted = False
        command: Any = stream_input
        try:
            while True:
                for update in graph.stream(command, config, stream_mode="updates"):
                    ctx.on_event("node", {"nodes": list(update)})
                waiting = graph.get_state(config).interrupts
                if not waiting or ctx.approver is None:
                    break
                # nodes/approve.py paused the graph on a risky action: ask, then go on.
                answer = ctx.approver.ask(ApprovalRequest.model_validate(waiting[0].value))
                command = Command(resume=answer.model_dump(mode="json"))
        except KeyboardInterrupt:
            interrupted = True
        state = cast(AgentState, graph.get_state(config).values)
    if interrupted:
        state = {
            **state,
            "status": "interrupted",
            "reason": f"interrupted by the user after step {state.get('step', 0)}; resume with --resume",
        }
    return state, result_of(ctx, state, started)


def result_of(ctx: AgentContext, state: AgentState, started: str) -> EpisodeResult:
    usage = ctx.meter.total
    models = {
        "planner": ctx.models.planner.name,
        "verifier": ctx.models.verifier.name,
        "coder": ctx.models.coder.name,
        "grounder": ctx.grounder.name,
    }
    # Validated, not constructed: the status in the state is checked against the known ones,
    # and `criteria` rides along as an extra field of result.json.
    return EpisodeResult.model_validate(
        {
            "task_id": state.get("task_id", ""),
            "instruction": state.get("instruction", ""),
            "status": state.get("status") or "error",
            "reason": state.get("reason", ""),
            "steps": state.get("step", 0),
            "wasted_steps": state.get("wasted_steps", 0),
            "tokens": {
                "input": usage.input_tokens,
                "output": usage.output_tokens,
                "cached": usage.cached_input_tokens,
            },
            "cost_usd": usage.cost_usd,
            "wall_s": round(ctx.elapsed(), 3),
            "started_at": started,
            "models": models,
            "criteria": state.get("criteria", []),
        }
    )
