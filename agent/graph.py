"""The agent as a LangGraph StateGraph: wiring here, one file per node in nodes/.

    observe -> gate (once) -> plan -> loop_breaker -> approve -> ground -> act -> observe
                                         |  veto -> plan     |       code ------> observe
                                         |                   |   cells -----> observe
                                         |                   +-> refused -------> observe
                                         |                      search -> observe
                                         |                      verify -> observe | finish
                                         +-> finish (fail, budget, error)

`approve` sees every action that touches the desktop (and the coding agent's calls):
a risky one waits for a person (a LangGraph interrupt) or is refused (nodes/approve.py).

Routing functions are pure: they read the state and name the next node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph

from agent.context import AgentContext
from agent.nodes import (
    act,
    approve,
    cells,
    finish,
    gate,
    loop_breaker,
    observe,
    plan,
    tools,
    verify,
)
from agent.search import FolderSearch, ModelSearch, SearchProvider
from agent.state import AgentState

ACTION_NODES = {
    "call_code_agent": "code",
    "call_search_agent": "search",
    "done": "verify",
    "fail": "finish",
    "set_cell_values": "cells",
}
# Actions that do not touch the desktop go straight on; the rest pass through approve.
UNGUARDED = ("call_search_agent", "done", "fail")


def after_observe(state: AgentState) -> str:
    if state.get("status"):
        return "finish"
    return "plan" if state.get("criteria_done") else "gate"


def after_plan(state: AgentState) -> str:
    return "finish" if state.get("status") else "loop_breaker"


def after_loop_breaker(state: AgentState) -> str:
    if state.get("status"):
        return "finish"
    pending = state.get("pending")
    if pending is None:  # vetoed: plan again under the stated constraint
        return "plan"
    kind = pending["decision"]["action"]["type"]
    return ACTION_NODES[kind] if kind in UNGUARDED else "approve"


def after_approve(state: AgentState) -> str:
    if state.get("status"):
        return "finish"
    pending = state.get("pending")
    if pending is None:  # refused: that was a step; look again and plan around it
        return "observe"
    return ACTION_NODES.get(pending["decision"]["action"]["type"], "ground")


def after_ground(state: AgentState) -> str:
    if state.get("status"):
        return "finish"
    return "act" if state.get("grounded") else "plan"


def after_step(state: AgentState) -> str:
    return "finish" if state.get("status") else "observe"


def search_provider(ctx: AgentContext) -> SearchProvider | None:
    if ctx.config.search_folder is not None:
        return FolderSearch(ctx.config.search_folder)
    return ModelSearch(ctx.models.search) if ctx.models.search is not None else None


def build_graph(ctx: AgentContext) -> StateGraph:
    graph = StateGraph(AgentState)
    nodes: dict[str, Callable[[AgentState], dict[str, Any]]] = {
        "observe": observe.make(ctx),
        "gate": gate.make(ctx),
        "plan": plan.make(ctx),
        "loop_breaker": loop_breaker.make(ctx),
        "approve": approve.make(ctx),
        "ground": act.make_ground(ctx),
        "act": act.make_act(ctx),
        "code": tools.make_code(ctx),
        "cells": cells.make(ctx),
        "search": tools.make_search(ctx, search_provider(ctx)),
        "verify": verify.make(ctx),
        "finish": finish.make(ctx),
    }
    for name, node in nodes.items():
        # langgraph's node protocol names its parameter `state`; a Callable type cannot say so.
        graph.add_node(name, node)  # type: ignore[call-overload]  # see the comment above

    graph.add_edge(START, "observe")
    graph.add_conditional_edges("observe", after_observe, ["gate", "plan", "finish"])
    graph.add_edge("gate", "plan")
    graph.add_conditional_edges("plan", after_plan, ["loop_breaker", "finish"])
    graph.add_conditional_edges(
        "loop_breaker", after_loop_breaker, ["plan", "approve", "search", "verify", "finish"]
    )
    graph.add_conditional_edges("approve", after_approve, ["ground", "code", "cells", "observe", "finish"])
    graph.add_conditional_edges("ground", after_ground, ["act", "plan", "finish"])
    for name in ("act", "code", "cells", "search", "verify"):
        graph.add_conditional_edges(name, after_step, ["observe", "finish"])
    graph.add_edge("finish", END)
    return graph
