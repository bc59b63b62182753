"""Helpers shared by the nodes: writing a step, turning it into a Turn, summing usage."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from agent.actions import Action, parse_action
from agent.context import AgentContext
from agent.models.base import ChatResult, Usage
from agent.state import AgentState, Turn
from agent.trajectory import StepRecord

A = TypeVar("A", bound=Action)


def pending_decision(state: AgentState) -> dict[str, Any]:
    """The decision waiting to run; the routing functions only send a state that has one."""
    pending = state.get("pending")
    if pending is None:
        raise RuntimeError("no pending decision: the graph routed here without one")
    return pending["decision"]


def pending_action(state: AgentState, kind: type[A]) -> A:
    """The pending decision's action, of the type the routing chose this node for."""
    action = parse_action(pending_decision(state)["action"])
    if not isinstance(action, kind):
        raise RuntimeError(f"expected a {kind.__name__} action here, not {action.type}")
    return action


def screenshot_bytes(ctx: AgentContext, state: AgentState) -> bytes:
    """The current screenshot's bytes (observe has always written one before this runs)."""
    name = state.get("screenshot_file")
    if not name:
        raise RuntimeError("no screenshot yet: observe runs before every node that reads one")
    return (ctx.folder / name).read_bytes()


def quiet_screenshot(
    grab: Callable[[], bytes],
    timeout: float = 2.0,
    interval: float = 0.25,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """A screenshot once two in a row are the same, or the last one after `timeout`.

    For work done off screen (cells written over UNO): the application repaints a moment
    later, and a shot taken at once would show the planner the cells still empty."""
    shot = grab()
    waited = 0.0
    while waited < timeout:
        sleep(interval)
        waited += interval
        again = grab()
        if again == shot:
            return again
        shot = again
    return shot


def usage_fields(state: AgentState, results: list[ChatResult]) -> dict[str, Any]:
    """The planner's usage for this step (kept in `pending`) plus any other calls made."""
    pending = state.get("pending") or {}
    total = Usage.model_validate(pending.get("usage") or {})
    latency = float(pending.get("latency_s") or 0.0)
    for result in results:
        total = total + result.usage
        latency += result.latency_s
    return {
        "tokens": {
            "input": total.input_tokens,
            "output": total.output_tokens,
            "cached": total.cached_input_tokens,
        },
        "cost_usd": total.cost_usd,
        "model_s": round(latency, 3),
    }


def existing_step(ctx: AgentContext, state: AgentState) -> StepRecord | None:
    """The record of the step now running, if an earlier (crashed) run already wrote it."""
    step_num = state.get("step", 0) + 1
    if ctx.writer.last_step_num() < step_num:
        return None
    return next((r for r in ctx.writer.steps() if r.step_num == step_num), None)


def write_step(
    ctx: AgentContext,
    state: AgentState,
    *,
    node: str,
    action: Any,
    response: str = "",
    png: bytes | None = None,
    model_results: list[ChatResult] | None = None,
    desktop_s: float = 0.0,
    **fields: Any,
) -> StepRecord:
    """Append one traj.jsonl line (and its screenshot) for the step now ending."""
    done_before = existing_step(ctx, state)
    if done_before is not None:  # resumed after a crash that came between write and checkpoint
        return done_before
    usage = usage_fields(state, model_results or [])
    pending = state.get("pending") or {}
    decision = pending.get("decision")
    response = response or pending.get("response", "")
    for key in ("approval", "corrections"):  # what a person (or the policy) said about this step
        if pending.get(key) and key not in fields:
            fields[key] = pending[key]
    record = StepRecord(
        step_num=state.get("step", 0) + 1,
        action=action,
        response=response,
        decision=decision,
        tokens=usage["tokens"],
        cost_usd=usage["cost_usd"],
        latency={
            "model_s": usage["model_s"],
            "desktop_s": round(desktop_s, 3),
            "total_s": round(usage["model_s"] + desktop_s, 3),
        },
        node=node,
        **fields,
    )
    written = ctx.writer.add_step(record, png)
    ctx.on_event("step", written.model_dump(mode="json"))
    return written


def new_turn(
    state: AgentState,
    record: StepRecord,
    *,
    result: str,
    signature: str = "",
    modality: str = "",
    screen_after: str | None = None,
    vetoed: bool = False,
    changed: bool | None = None,
) -> Turn:
    pending = state.get("pending") or {}
    return Turn(
        step=record.step_num,
        node=record.node,
        decision=pending.get("decision", {}),
        signature=signature,
        modality=modality,
        screen_before=state.get("screenshot_file"),
        screen_after=screen_after,
        changed=changed,
        vetoed=vetoed,
        result=result,
        screenshot_file=record.screenshot_file,
    )


def advance(state: AgentState, turn: Turn, *, wasted: bool = False, **update: Any) -> dict[str, Any]:
    """The state update every step-ending node returns."""
    out: dict[str, Any] = {
        "step": state.get("step", 0) + 1,
        "turns": [*state.get("turns", []), turn],
        "pending": None,
        "grounded": None,
    }
    if wasted:
        out["wasted_steps"] = state.get("wasted_steps", 0) + 1
    out.update(update)
    return out
