"""observe: the current screen. After a step the acting node already took it; else take one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.context import AgentContext
from agent.image_budget import ImageBudget
from agent.state import AgentState
from envs.base import DesktopUnreachable


def make(ctx: AgentContext) -> Callable[[AgentState], dict[str, Any]]:
    def observe(state: AgentState) -> dict[str, Any]:
        name = state.get("screenshot_file")
        if name and (ctx.folder / name).exists():
            return {}
        try:
            png = ctx.desktop.screenshot()
        except DesktopUnreachable as exc:
            return {"status": "error", "reason": f"the desktop stopped answering: {exc}"}
        name = ctx.writer.add_initial_screenshot(png)
        ctx.prefetch_fingerprint(name, png)
        ImageBudget.from_config(ctx.config).prefetch(png)  # the sizes the planner will see
        update: dict[str, Any] = {"screenshot_file": name}
        if not state.get("initial_screenshot"):
            update["initial_screenshot"] = name
        return update

    return observe
