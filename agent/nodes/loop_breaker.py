"""loop_breaker: veto a proposed action that repeats what already failed (docs/agent.md).

The rules are code (agent/loop_breaker.py); this node feeds them the history and,
on a veto, sends the planner back with the constraint in words. A veto uses up a
step and counts as wasted, so a planner that keeps insisting still ends.

Before a "nothing changed" veto it looks at the screen once more: a window that opened
after the action had settled (a slow application) is a change, and then there is no veto.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from agent import loop_breaker as lb
from agent import screen_change
from agent.actions import parse_action
from agent.context import AgentContext
from agent.decision import Reflection
from agent.nodes.common import advance, new_turn, pending_decision, write_step
from agent.state import AgentState, Turn
from envs.base import DesktopError, DesktopUnreachable

_NO_CHANGE_RULES = ("repeat_no_change", "same_screen_repeat", "same_screen_no_progress")


def history(ctx: AgentContext, turns: list[Turn], window: int) -> list[lb.Turn]:
    out = []
    for t in turns[-window:]:  # check() never looks further back
        if not t.get("signature"):
            continue
        after = t.get("screen_after")
        veto = t.get("veto")
        out.append(
            lb.Turn(
                step=t["step"],
                signature=t["signature"],
                modality=cast(lb.Modality, t.get("modality", "control")),
                screen_before=ctx.fingerprint(t.get("screen_before")),
                screen_after=ctx.fingerprint(after) if after else None,
                changed=t.get("changed"),
                before_file=t.get("screen_before"),
                vetoed=bool(t.get("vetoed")),
                veto=lb.Veto.model_validate(veto) if veto else None,
                waited=_waited(t),
            )
        )
    return out


def _waited(turn: Turn) -> float:
    """How long a wait turn waited (its decision's seconds); 0 for anything else."""
    if turn.get("signature") != "wait":
        return 0.0
    action = (turn.get("decision") or {}).get("action") or {}
    try:
        return float(action.get("seconds", 1.0))
    except (TypeError, ValueError):
        return 0.0


def config_of(ctx: AgentContext) -> lb.LoopConfig:
    loop = ctx.config.loop
    fields: dict[str, Any] = {
        "enabled": loop.enabled,
        "tier1_repeats": loop.tier1_repeats,
        "tier2_same_screens": loop.tier2_same_screens,
        "wait_retries": loop.wait_retries,
        "wait_patience_s": loop.wait_patience_s,
        "stepwise_extra": loop.stepwise_extra,
        "cycle_repeats": loop.cycle_repeats,
    }
    if loop.same_screen_max_distance is not None:
        fields["same_screen_max_distance"] = loop.same_screen_max_distance
    return lb.LoopConfig(**fields)


def changed_since(ctx: AgentContext, pixels: screen_change.ScreenPixels, current: str | None) -> bool:
    """The screen now differs from the current screenshot (not just a caret blink)."""
    shown = pixels.get(current)
    if shown is None:
        return False
    try:
        now = screen_change.decode(ctx.desktop.screenshot())
    except (DesktopError, DesktopUnreachable, ValueError):
        return False
    return now.shape != shown.shape or screen_change.differs(shown, now)


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    cfg = config_of(ctx)
    pixels = screen_change.ScreenPixels(ctx.folder)

    def loop_breaker(state: AgentState) -> dict[str, Any]:
        decision = pending_decision(state)
        action = parse_action(decision["action"])
        reflection = Reflection.model_validate(decision["reflection"]) if decision.get("reflection") else None
        current = state.get("screenshot_file")
        turns = state.get("turns", [])
        # Where the caret was last seen, as of the last action that ran.
        last_act: Turn | dict[str, Any] = next((t for t in reversed(turns) if t.get("node") == "act"), {})
        seen = last_act.get("caret")
        caret = tuple(seen) if seen else None
        veto = lb.check(
            history(ctx, turns, cfg.history_window),
            action,
            ctx.fingerprint(current),
            reflection,
            cfg,
            same_screen=lambda turn: pixels.same(turn.before_file, current, caret),
        )
        if veto is None or (veto.rule in _NO_CHANGE_RULES and changed_since(ctx, pixels, current)):
            return {}
        record = write_step(
            ctx,
            state,
            node="loop_breaker",
            action=decision["action"],
            loop_breaker=veto.model_dump(mode="json"),
        )
        result = f"VETOED by the loop breaker (tier {veto.tier}): {veto.constraint}"
        turn = new_turn(
            state,
            record,
            result=result,
            signature=lb.action_signature(action),
            modality=lb.modality(action),
            vetoed=True,
        )
        turn["veto"] = veto.model_dump(mode="json")  # binds the planner's next proposal too
        return advance(state, turn, wasted=True)

    return loop_breaker
