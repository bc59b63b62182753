"""ground + act: resolve target descriptions to pixels, then run the compiled action.

A step already written to traj.jsonl is never run again: after a crash between
acting and checkpointing, a resumed episode finds the record and moves on.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from agent import loop_breaker as lb
from agent import screen_change
from agent.actions import compile_action, parse_action, targets, with_points
from agent.context import AgentContext
from agent.nodes.common import advance, existing_step, new_turn, write_step
from agent.state import AgentState
from envs.actions import SettleSpec
from envs.base import DesktopError, DesktopUnreachable


def make_ground(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def ground(state: AgentState) -> dict[str, Any]:
        action = parse_action(state["pending"]["decision"]["action"])
        wanted = targets(action)
        if all(t.x is not None for t in wanted):
            return {"grounded": action.model_dump(mode="json")}
        png = (ctx.folder / state["screenshot_file"]).read_bytes()
        size = ctx.desktop.screen_size()
        points: list[tuple[int, int]] = []
        for target in wanted:
            if target.x is not None and target.y is not None:
                points.append((target.x, target.y))
                continue
            found = ctx.grounder.ground(png, target.description, size)
            if found is None:
                record = write_step(ctx, state, node="ground", action=action.model_dump(mode="json"),
                                    error=f"target not found: {target.description}")
                turn = new_turn(state, record, signature=lb.action_signature(action),
                                modality=lb.modality(action),
                                result=f"Could not find {target.description!r} on the screen "
                                       f"(grounder: {ctx.grounder.name}). Describe it differently, "
                                       "give x and y, or use the keyboard.")
                return advance(state, turn, wasted=True)
            points.append((found.x, found.y))
        return {"grounded": with_points(action, points).model_dump(mode="json")}

    return ground


def describe(action_type: str, settle: Any, changed: bool | None) -> str:
    if changed is None:
        return f"Executed {action_type}."
    return f"Executed {action_type}; the screen {'changed' if changed else 'did NOT change'}."


def _read(ctx: AgentContext, name: str | None) -> bytes | None:
    if not name:
        return None
    try:
        return (ctx.folder / name).read_bytes()
    except OSError:
        return None


def make_act(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    settle = SettleSpec(quiet=ctx.config.settle_quiet, timeout=ctx.config.settle_timeout)
    judge = screen_change.Judge()

    def act(state: AgentState) -> dict[str, Any]:
        action = parse_action(state["grounded"])
        signature, modality = lb.action_signature(action), lb.modality(action)
        done_before = existing_step(ctx, state)
        if done_before is not None and done_before.screenshot_file:
            # It ran, then the process died before the checkpoint: do not run it twice.
            after = done_before.screenshot_file
            turn = new_turn(state, done_before, result=f"Executed {action.type}.",
                            signature=signature, modality=modality, screen_after=after)
            return advance(state, turn, screenshot_file=after)
        start = time.monotonic()
        error = None
        report = None
        try:
            result = ctx.desktop.act(compile_action(action), settle=settle)
            report = result.settle
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        except DesktopError as exc:
            error = str(exc)
        try:
            png = ctx.desktop.screenshot()
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        points = [(t.x, t.y) for t in targets(action) if t.x is not None]
        record = write_step(ctx, state, node="act", action=action.model_dump(mode="json"), png=png,
                            desktop_s=time.monotonic() - start, points=points, error=error,
                            settle=report.model_dump() if report else None)
        after = record.screenshot_file
        ctx.prefetch_fingerprint(after, png)
        # The server's full-resolution report; upstream servers give none: compare the shots.
        known = report is not None and report.change is not None
        before = None if known else _read(ctx, state.get("screenshot_file"))
        changed = judge(report, before, png)
        text = f"The action failed: {error}" if error else describe(action.type, report, changed)
        turn = new_turn(state, record, result=text, signature=signature, modality=modality,
                        screen_after=after, changed=changed)
        turn["caret"] = list(judge.caret) if judge.caret else None
        return advance(state, turn, screenshot_file=after)

    return act
