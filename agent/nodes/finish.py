"""finish: the episode ends; a planner's "fail" becomes a step of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.context import AgentContext
from agent.nodes.common import advance, new_turn, write_step
from agent.state import AgentState


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def finish(state: AgentState) -> dict[str, Any]:
        if state.get("status"):
            return {}
        pending = state.get("pending") or {}
        action = (pending.get("decision") or {}).get("action") or {}
        if action.get("type") == "fail":
            reason = action.get("reason") or "the planner declared the task infeasible"
            record = write_step(ctx, state, node="fail", action=action, done=True)
            turn = new_turn(state, record, result="FAIL")
            return advance(state, turn, status="fail", reason=reason)
        return {"status": "error", "reason": "the episode ended without a decision"}

    return finish
