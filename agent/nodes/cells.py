"""cells: the set_cell_values action, written into the open Calc document over UNO.

One outer step, like the coding agent: the values go to the desktop as data (agent/calc/),
the planner gets back what each cell now shows (errors named) and a fresh screenshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent import loop_breaker as lb
from agent.actions import SetCellValues, parse_action
from agent.calc.cells import report, run_set_cells
from agent.context import AgentContext
from agent.nodes.common import advance, existing_step, new_turn, quiet_screenshot, write_step
from agent.state import AgentState
from envs.base import DesktopUnreachable


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def cells(state: AgentState) -> dict[str, Any]:
        pending = state["pending"]
        if pending is None:
            raise ValueError("the cells node ran without a pending decision")
        action = parse_action(pending["decision"]["action"])
        assert isinstance(action, SetCellValues)
        signature, modality = lb.action_signature(action), lb.modality(action)
        done_before = existing_step(ctx, state)
        if done_before is not None:  # written before a crash: do not write (or save) twice
            turn = new_turn(
                state,
                done_before,
                result=done_before.info.get("report", "Cells written."),
                signature=signature,
                modality=modality,
                screen_after=done_before.screenshot_file,
            )
            return advance(state, turn, screenshot_file=done_before.screenshot_file)
        start = time.monotonic()
        try:
            outcome = run_set_cells(
                ctx.desktop, action.items(), sheet=action.sheet, document=action.document, save=action.save
            )
            png = quiet_screenshot(ctx.desktop.screenshot)
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        text = report(outcome)
        record = write_step(
            ctx,
            state,
            node="cells",
            action=action.model_dump(mode="json"),
            png=png,
            desktop_s=time.monotonic() - start,
            error=None if outcome.ok else outcome.error,
            info={"report": text, "outcome": outcome.model_dump(mode="json")},
        )
        ctx.prefetch_fingerprint(record.screenshot_file, png)
        turn = new_turn(
            state,
            record,
            result=text,
            signature=signature,
            modality=modality,
            screen_after=record.screenshot_file,
        )
        return advance(state, turn, wasted=not outcome.ok, screenshot_file=record.screenshot_file)

    return cells
