"""gate (first step only): at most three checkable success criteria for the planner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.context import AgentContext
from agent.decision import Criteria
from agent.history import compact_json
from agent.knowledge import environment_text
from agent.models.base import ImagePart, Message, ModelError, TextPart
from agent.nodes.common import screenshot_bytes
from agent.prompts import render
from agent.state import AgentState


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def gate(state: AgentState) -> dict[str, Any]:
        if state.get("criteria_done"):
            return {}
        environment = environment_text(ctx.desktop, ctx.config.desktop_password)
        png = screenshot_bytes(ctx, state)
        prompt = render(
            "gate", instruction=state["instruction"], schema=compact_json(Criteria.model_json_schema())
        )
        message = Message(role="user", content=[TextPart(text=prompt), ImagePart(data=png)])
        try:
            result = ctx.models.gate.complete([message], schema=Criteria, max_tokens=1024)
        except ModelError as exc:
            # No criteria is a weaker episode, not a failed one: the planner still has the task.
            ctx.on_event("gate", {"error": str(exc)})
            return {"criteria": [], "criteria_done": True, "environment": environment}
        ctx.record_usage("gate", result)
        parsed = result.parsed
        assert parsed is not None  # complete() with a schema returns it parsed, or raises
        criteria = [c.model_dump() for c in parsed.criteria[:3]]
        note = {"feasible": parsed.feasible, "note": parsed.note}
        ctx.on_event("gate", {"criteria": criteria, **note})
        return {"criteria": criteria, "criteria_done": True, "gate_note": note, "environment": environment}

    return gate
