"""Every routing function of the graph, on hand-made states (they are pure)."""

from __future__ import annotations

import pytest

from agent.graph import (
    after_approve,
    after_ground,
    after_loop_breaker,
    after_observe,
    after_plan,
    after_step,
)


def pending(action_type: str) -> dict:
    return {"decision": {"action": {"type": action_type}}}


def test_after_observe():
    assert after_observe({"criteria_done": False}) == "gate"
    assert after_observe({"criteria_done": True}) == "plan"
    assert after_observe({"status": "error", "criteria_done": True}) == "finish"


def test_after_plan():
    assert after_plan({"pending": pending("click")}) == "loop_breaker"
    assert after_plan({"status": "budget"}) == "finish"


@pytest.mark.parametrize(
    "action_type, node",
    [
        ("click", "approve"),
        ("type", "approve"),
        ("hotkey", "approve"),
        ("open", "approve"),
        ("drag_and_drop", "approve"),
        ("wait", "approve"),
        ("call_code_agent", "approve"),
        ("call_search_agent", "search"),
        ("done", "verify"),
        ("fail", "finish"),
    ],
)
def test_after_loop_breaker_routes_by_action(action_type, node):
    assert after_loop_breaker({"pending": pending(action_type)}) == node


@pytest.mark.parametrize(
    "action_type, node",
    [
        ("click", "ground"),
        ("type", "ground"),
        ("open", "ground"),
        ("call_code_agent", "code"),
    ],
)
def test_after_approve_routes_an_allowed_action_on(action_type, node):
    assert after_approve({"pending": pending(action_type)}) == node


def test_after_approve_refused_goes_back_to_observe():
    assert after_approve({"pending": None}) == "observe"
    assert after_approve({"pending": None, "status": "error"}) == "finish"


def test_after_loop_breaker_veto_goes_back_to_plan():
    assert after_loop_breaker({"pending": None}) == "plan"
    assert after_loop_breaker({"pending": None, "status": "error"}) == "finish"


def test_after_ground():
    assert after_ground({"grounded": {"type": "click"}}) == "act"
    assert after_ground({"grounded": None}) == "plan"  # target not found: re-plan
    assert after_ground({"grounded": {"type": "click"}, "status": "error"}) == "finish"


def test_after_step():
    assert after_step({}) == "observe"
    assert after_step({"status": "done"}) == "finish"
