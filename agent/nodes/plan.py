"""plan: one Decision per step from the planner model, within the episode's budgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.context import AgentContext
from agent.decision import Decision
from agent.history import planner_messages
from agent.models.base import ModelError, ReplyParseError
from agent.models.usage import Budget, check_budget
from agent.state import AgentState


def budget_of(ctx: AgentContext) -> Budget:
    cfg = ctx.config
    return Budget(
        max_steps=cfg.max_steps,
        max_total_tokens=cfg.max_tokens,
        max_usd=cfg.max_usd,
        max_seconds=cfg.max_seconds,
    )


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def plan(state: AgentState) -> dict[str, Any]:
        ended = check_budget(budget_of(ctx), ctx.meter, state.get("step", 0), ctx.elapsed())
        if ended:
            return {"status": "budget", "reason": ended}
        screen = ctx.desktop.screen_size()
        # A person's corrections typed since the last plan join the prompt as user messages.
        fresh = [{"after_step": state.get("step", 0), "text": text} for text in ctx.take_corrections()]
        corrections = [*(state.get("corrections") or []), *fresh]
        messages = planner_messages({**state, "corrections": corrections}, ctx.config, ctx.folder, screen)
        try:
            result = ctx.models.planner.complete(
                messages, schema=Decision, max_tokens=ctx.config.planner_max_tokens
            )
        except ReplyParseError as exc:
            return {
                "status": "error",
                "corrections": corrections,  # kept for a resume
                "reason": f"the planner's reply could not be read after {exc.attempts} attempts: {exc}",
            }
        except ModelError as exc:
            return {
                "status": "error",
                "reason": f"the planner model failed: {exc}",
                "corrections": corrections,
            }
        ctx.record_usage("planner", result)
        # The last step of the budget runs like any other: when the budget ends, the episode
        # ends and the task's evaluator judges the screen and files. FAIL is only ever the
        # planner's own word (OSWorld scores FAIL on a feasible task 0, even when it is done).
        decision = result.parsed
        assert decision is not None  # complete() with a schema returns it parsed, or raises
        ctx.on_event("plan", {"step": state.get("step", 0) + 1, "decision": decision.model_dump(mode="json")})
        pending = {
            "decision": decision.model_dump(mode="json"),
            "response": result.text,
            "usage": result.usage.model_dump(),
            "latency_s": result.latency_s,
        }
        if fresh:
            pending["corrections"] = [c["text"] for c in fresh]  # logged on this step's record
        return {"pending": pending, "corrections": corrections}

    return plan
